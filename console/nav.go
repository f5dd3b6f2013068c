package console

import (
	"strings"

	"github.com/roster-dev/roster"
)

// navItem is an entry of the navigation.
type navItem struct {
	Label   string
	Path    string
	Current bool
}

// nav lists the console's sections in the order they are shown; admin
// sections only to admins. Pages for imports, jobs, users, groups and
// rooms take their places here.
var nav = []struct {
	label, path string
	admin       bool
}{
	{"Home", "/", false},
	{"Columns", "/columns", false},
	{"Setup", "/setup", true},
	{"API clients", "/clients", true},
}

// navFor returns the sections an operator may open, marking the one the
// path belongs to.
func navFor(op *roster.Operator, current string) []navItem {
	var out []navItem
	for _, n := range nav {
		if n.admin && !op.IsAdmin() {
			continue
		}
		here := current == n.path || (n.path != "/" && strings.HasPrefix(current, n.path+"/"))
		out = append(out, navItem{Label: n.label, Path: n.path, Current: here})
	}
	return out
}
