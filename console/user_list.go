package console

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
)

// userObject is a user as the API gives it: the catalogue's columns as
// keys.
type userObject map[string]any

// cell is a column's value as a file's cell holds it.
func (u userObject) Cell(column string) string {
	switch v := u[column].(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "1"
		}
		return "0"
	case float64:
		return fmt.Sprint(v)
	case json.Number:
		return v.String()
	case []any:
		sep := ","
		if c := catalog.Lookup(column); c != nil && c.Sep != "" {
			sep = c.Sep
		}
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, sep)
	}
	return fmt.Sprint(u[column])
}

// field is a column of a user, for its page and its form.
type field struct {
	Column, Value string
	// Problem is what the API said of the value the form gave.
	Problem string
}

// fields are a user's columns in export order, but the picture.
func (u userObject) fields() []field {
	var out []field
	for _, c := range provision.ExportColumns(false, false) {
		out = append(out, field{Column: c.Name, Value: u.Cell(c.Name)})
	}
	return out
}

// usersView is a page of users.
type usersView struct {
	Q     string
	Users []userObject
	Next  string
	Done  string
}

// listUsers draws a page of the users of the tenant shown, searched by the
// start of a name, a username, an email or an extension, as GET
// /api/v1/users finds them.
func (h *handler) listUsers(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query()
	view := usersView{Q: strings.TrimSpace(in.Get("q"))}
	if len(view.Q) > 256 {
		h.deny(w, r, http.StatusBadRequest, "Search for at most 256 characters.")
		return
	}
	q := url.Values{"limit": {"50"}}
	if view.Q != "" {
		q.Set("q", view.Q)
	}
	if c := in.Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	var page struct {
		Items      []userObject `json:"items"`
		NextCursor *string      `json:"next_cursor"`
	}
	if _, err := h.fetch(r, request{path: "/api/v1/users", query: q}, &page); err != nil {
		h.fail(w, r, err)
		return
	}
	view.Users = page.Items
	if page.NextCursor != nil {
		next := url.Values{"cursor": {*page.NextCursor}}
		if view.Q != "" {
			next.Set("q", view.Q)
		}
		view.Next = "/users?" + next.Encode()
	}
	if in.Get("done") == "deleted" {
		view.Done = "The user was deleted, with its line, extension, incalls, voicemail and memberships."
	}
	h.render(w, r, http.StatusOK, "users", "Users", view)
}

// downloadExport sends every user of the tenant shown as a file, as GET
// /api/v1/export writes it.
func (h *handler) downloadExport(w http.ResponseWriter, r *http.Request) {
	format := cmp.Or(r.URL.Query().Get("format"), "csv")
	switch format {
	case "csv", "xlsx", "ods", "zip":
	default:
		h.deny(w, r, http.StatusBadRequest, "The export is a CSV, XLSX, ODS or ZIP file.")
		return
	}
	h.relay(w, r, request{path: "/api/v1/export", query: url.Values{"format": {format}}})
}
