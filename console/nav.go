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

// Who may open a section of the navigation.
const (
	everyone = iota
	changers // operators and admins: not viewers
	admins
)

// nav lists the console's sections in the order they are shown.
var nav = []struct {
	label, path string
	who         int
}{
	{"Home", "/", everyone},
	{"Import", "/import", changers},
	{"Jobs", "/jobs", everyone},
	{"Users", "/users", everyone},
	{"Groups", "/groups", everyone},
	{"Rooms", "/rooms", everyone},
	{"Delete from a file", "/delete", changers},
	{"Columns", "/columns", everyone},
	{"Setup", "/setup", admins},
	{"API clients", "/clients", admins},
}

// navFor returns the sections an operator may open, marking the one the
// path belongs to.
func navFor(op *roster.Operator, current string) []navItem {
	var out []navItem
	for _, n := range nav {
		if n.who == admins && !op.IsAdmin() || n.who == changers && !op.CanChange() {
			continue
		}
		here := current == n.path || (n.path != "/" && strings.HasPrefix(current, n.path+"/"))
		out = append(out, navItem{Label: n.label, Path: n.path, Current: here})
	}
	return out
}
