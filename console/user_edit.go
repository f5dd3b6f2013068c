package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/roster-dev/roster/catalog"
)

// editUser draws a user's form.
func (h *handler) editUser(w http.ResponseWriter, r *http.Request) {
	view, err := h.userView(r, r.PathValue("ref"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "user_edit", "Edit "+view.Name, view)
}

// saveUser sends what the form changed as a JSON merge patch (PATCH
// /api/v1/users/{ref}): the columns whose value differs from the user as
// it is, an emptied one as null, and If-Match with the version the form
// was drawn from, so that a change made meanwhile is not overwritten.
func (h *handler) saveUser(w http.ResponseWriter, r *http.Request) {
	uuid := r.PathValue("ref")
	view, err := h.userView(r, uuid)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	r.ParseForm()
	patch := map[string]any{}
	for i, f := range view.Fields {
		v, ok := r.PostForm["col."+f.Column]
		if !ok || f.Column == "uuid" {
			continue
		}
		text := strings.TrimSpace(v[0])
		view.Fields[i].Value = text
		if text == f.Value {
			continue
		}
		patch[f.Column] = patchValue(f.Column, text)
	}
	version := r.PostFormValue("version")
	if len(patch) == 0 {
		http.Redirect(w, r, "/users/"+url.PathEscape(uuid), http.StatusSeeOther)
		return
	}
	b, _ := json.Marshal(patch)
	_, err = h.fetch(r, request{method: http.MethodPatch, path: pathOf("api", "v1", "users", uuid), query: url.Values{"key": {"uuid"}},
		body: bytes.NewReader(b), contentType: "application/merge-patch+json", header: http.Header{"If-Match": {version}}}, nil)
	if ae, ok := err.(*apiError); ok && (ae.Status == http.StatusUnprocessableEntity || ae.Status == http.StatusPreconditionFailed ||
		ae.Status == http.StatusBadRequest) {
		view.Error = ae.Detail
		if ae.Status == http.StatusPreconditionFailed {
			view.Error = "Someone changed this user while you edited it. Open the user again to see the change, then make yours."
		}
		for _, p := range ae.Errors {
			for i := range view.Fields {
				if view.Fields[i].Column == p.Column {
					view.Fields[i].Problem = joinMessage(view.Fields[i].Problem, p.Message)
				}
			}
		}
		view.Version = version
		h.render(w, r, ae.Status, "user_edit", "Edit "+view.Name, view)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("user changed", "operator", visitOf(r).op.Name, "uuid", uuid)
	http.Redirect(w, r, "/users/"+url.PathEscape(uuid)+"?saved=1", http.StatusSeeOther)
}

// patchValue is a cell of the form as the user object takes it: null
// clears, a set is an array of its items, anything else a string.
func patchValue(column, text string) any {
	if text == "" {
		return nil
	}
	c := catalog.Lookup(column)
	if c == nil || c.Type != catalog.List {
		return text
	}
	items := []string{}
	for item := range strings.SplitSeq(text, c.Sep) {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// deleteUser deletes a user (DELETE /api/v1/users/{ref}), if it is still
// the version the page showed.
func (h *handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	uuid := r.PathValue("ref")
	_, err := h.fetch(r, request{method: http.MethodDelete, path: pathOf("api", "v1", "users", uuid), query: url.Values{"key": {"uuid"}},
		header: http.Header{"If-Match": {r.PostFormValue("version")}}}, nil)
	if ae, ok := err.(*apiError); ok && ae.Status == http.StatusPreconditionFailed {
		h.deny(w, r, http.StatusPreconditionFailed, "Someone changed this user since you opened it; nothing was deleted. Open the user again first.")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("user deleted", "operator", visitOf(r).op.Name, "uuid", uuid)
	http.Redirect(w, r, "/users?done=deleted", http.StatusSeeOther)
}
