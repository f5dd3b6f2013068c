package console

import (
	"net/http"
	"net/url"

	"github.com/roster-dev/roster"
)

// deleteView is the page that deletes the users of a file: the form, then
// who will be deleted, then what was.
type deleteView struct {
	Error string
	// Plan: the users found, to confirm; Done: the result once deleted.
	Plan *roster.Result
	Done *roster.Result
	// NotFound are the references of the file that name nobody.
	NotFound []roster.NotFound
	Users    []userObject
	UUIDs    []string
	Hidden   int
}

// Bounds of the confirmation: the users shown by name, and all of them,
// whose uuids the confirmation form carries.
const (
	shownDeletes = 200
	maxDeletes   = 50_000
)

// showDelete draws the form of a file of users to delete.
func (h *handler) showDelete(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "delete", "Delete users from a file", deleteView{})
}

// planDelete reads the file as a dry run of POST /api/v1/users/delete,
// and lists who would be deleted, for a confirmation that names them by
// uuid: the file is not sent again.
func (h *handler) planDelete(w http.ResponseWriter, r *http.Request) {
	again := func(status int, msg string) {
		h.render(w, r, status, "delete", "Delete users from a file", deleteView{Error: msg})
	}
	body, mt, err := refsBody(r)
	if err != nil {
		again(http.StatusBadRequest, roster.ErrorMessage(err))
		return
	}
	var res roster.Result
	_, err = h.fetch(r, request{method: http.MethodPost, path: "/api/v1/users/delete", query: url.Values{"dry_run": {"true"}}, body: body, contentType: mt}, &res)
	if ae, ok := err.(*apiError); ok && ae.Status < 500 {
		again(ae.Status, ae.Detail)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view := deleteView{Plan: &res}
	if res.NotFound != nil {
		view.NotFound = *res.NotFound
	}
	for _, st := range res.Plan {
		if st.Action == roster.Delete {
			view.UUIDs = append(view.UUIDs, st.UUID)
		}
	}
	if len(view.UUIDs) > maxDeletes {
		again(http.StatusRequestEntityTooLarge, "The file names more than 50,000 users: delete them with the command line or the API.")
		return
	}
	for _, id := range view.UUIDs[:min(len(view.UUIDs), shownDeletes)] {
		var u userObject
		if _, err := h.fetch(r, request{path: pathOf("api", "v1", "users", id), query: url.Values{"key": {"uuid"}}}, &u); err != nil {
			h.fail(w, r, err)
			return
		}
		view.Users = append(view.Users, u)
	}
	view.Hidden = len(view.UUIDs) - len(view.Users)
	h.render(w, r, http.StatusOK, "delete", "Delete users from a file", view)
}

// confirmDelete deletes the users the confirmation names, by uuid.
func (h *handler) confirmDelete(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	ids := r.PostForm["user"]
	if len(ids) == 0 || len(ids) > maxDeletes {
		h.render(w, r, http.StatusBadRequest, "delete", "Delete users from a file", deleteView{Error: "The confirmation names no user: send the file again."})
		return
	}
	var res roster.Result
	if err := h.fetchJSON(r, http.MethodPost, "/api/v1/users/delete", map[string]any{"users": ids}, &res); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("users deleted", "operator", visitOf(r).op.Name, "deleted", deref(res.Deleted))
	h.render(w, r, http.StatusOK, "delete", "Delete users from a file", deleteView{Done: &res})
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
