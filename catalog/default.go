package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayName is the display name of a user who was given none: "firstname
// lastname", else the username. Two long names make more than the column
// holds, and a value the column refuses would fail the next update of an
// exported file, so the default is cut to the column's limit, between two
// characters, without the spaces or joiners the cut leaves at its end.
func DisplayName(firstname, lastname, username string) string {
	name := strings.TrimSpace(firstname + " " + lastname)
	if name == "" {
		name = username
	}
	limit := colDisplayName.Max
	if utf8.RuneCountInString(name) <= limit {
		return name
	}
	n := 0
	for i := range name {
		if n == limit {
			name = name[:i]
			break
		}
		n++
	}
	return strings.TrimRightFunc(name, func(r rune) bool { return unicode.IsSpace(r) || joiner(r) })
}
