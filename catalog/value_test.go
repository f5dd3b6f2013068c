package catalog_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/catalog"
)

// TestPasswordHashesWithinBounds: password_hash takes argon2id and bcrypt
// hashes whose verifying costs seconds at most, and names the kinds it
// takes when it refuses one.
func TestPasswordHashesWithinBounds(t *testing.T) {
	col := catalog.Lookup("password_hash")
	const salt = "abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234"
	for _, c := range []struct {
		hash string
		ok   bool
	}{
		{"$2b$10$" + salt, true},
		{"$2a$04$" + salt, true},
		{"$2y$16$" + salt, true},
		{"$2b$17$" + salt, false},
		{"$2b$31$" + salt, false},
		{"$2b$03$" + salt, false},
		{"$2b$1x$" + salt, false},
		{"$2b$10$" + salt[1:], false},
		{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", true},
		{"$argon2id$v=19$m=4194305,t=2,p=1$c2FsdA$aGFzaA", false},
		{"$argon2id$v=19$m=19456,t=17,p=1$c2FsdA$aGFzaA", false},
	} {
		_, msg := col.Normalize(c.hash)
		if (msg == "") != c.ok {
			t.Errorf("%s: accepted %v (%q), want %v", c.hash, msg == "", msg, c.ok)
		}
		if _, ok := catalog.BcryptCost(c.hash); ok && !c.ok {
			t.Errorf("%s: BcryptCost accepts it", c.hash)
		}
	}
}

// TestCellsUnderNoHeader: each non-empty cell past the header or under an
// empty header cell is a problem named by its column letter; its value is
// hidden when the file has a secret column, since a value pushed out of
// its column may be a password.
func TestCellsUnderNoHeader(t *testing.T) {
	for _, c := range []struct {
		header []string
		want   []string // column=value
	}{
		{[]string{"username", "firstname"}, []string{"D=y"}},
		{[]string{"username", "", "firstname"}, []string{"B=x", "D=y"}},
		{[]string{"username", "firstname", "password"}, []string{"D=***"}},
	} {
		h, err := catalog.ParseHeader(c.header, catalog.HeaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		k := catalog.NewChecker(h, catalog.CheckOptions{})
		_, probs := k.Check([]string{"ann", "x", "", "y ", " "}, 2)
		var got []string
		for _, p := range probs {
			if p.Row == 2 && len(p.Column) == 1 {
				got = append(got, p.Column+"="+p.Value)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("header %q: stray cells %q, want %q", c.header, got, c.want)
		}
	}
}

// TestAnEmptyValueIsNoClaim: claiming no value records nothing, so that it
// can never be "taken" or a duplicate.
func TestAnEmptyValueIsNoClaim(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"username", "firstname"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{})
	k.Claim(catalog.KeyUsername, "", 2)
	if k.Taken(catalog.KeyUsername, "") {
		t.Error("the empty username is taken")
	}
	k.Claim(catalog.KeyUsername, "ann", 3)
	if !k.Taken(catalog.KeyUsername, "ann") {
		t.Error("a claimed username is not taken")
	}
}

// TestValuesFitASpreadsheetCell: a list longer than an XLSX cell holds,
// which an XLSX export would cut, and an email longer than SMTP carries
// are refused.
func TestValuesFitASpreadsheetCell(t *testing.T) {
	var items []string
	for i := range 5000 {
		items = append(items, fmt.Sprintf("tag%05d", i))
	}
	for _, c := range []struct {
		column, cell string
		ok           bool
	}{
		{"tags", strings.Join(items[:3640], ","), true}, // 32,759 characters
		{"tags", strings.Join(items, ","), false},
		{"groups", strings.Repeat("😀", 16384), false}, // 32,768 UTF-16 units
		{"email", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com", true},
		{"email", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com", false},
	} {
		if _, msg := catalog.Lookup(c.column).Normalize(c.cell); (msg == "") != c.ok {
			t.Errorf("%s of %d characters: %q, want accepted %v", c.column, len(c.cell), msg, c.ok)
		}
	}
}
