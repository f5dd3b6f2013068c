package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/roster-dev/roster"
)

// setsView is the list of groups or rooms.
type setsView struct {
	Kind, One string
	Sets      []roster.Set
	Error     string
	Name      string
}

// member is a member of a group or room, as the API lists it.
type member struct {
	UUID        string `json:"uuid"`
	Firstname   string `json:"firstname"`
	Lastname    string `json:"lastname"`
	DisplayName string `json:"display_name"`
	Username    string `json:"username"`
	Email       string `json:"email"`
}

// setView is a group's or room's page.
type setView struct {
	Kind, One, Name string
	Members         []member
	Change          *change
	Error           string
}

// change says what adding or removing members did.
type change struct {
	Done     string
	NotFound []string
	Problems []string
}

// changeOf words a membership result.
func changeOf(res *roster.Result) *change {
	c := &change{}
	switch {
	case res.Added != nil:
		c.Done = fmt.Sprintf("%d added", *res.Added)
	case res.Removed != nil:
		c.Done = fmt.Sprintf("%d removed", *res.Removed)
	}
	if res.Unchanged > 0 {
		c.Done += fmt.Sprintf(", %d already as asked", res.Unchanged)
	}
	c.Done += "."
	if res.NotFound != nil {
		for _, n := range *res.NotFound {
			c.NotFound = append(c.NotFound, fmt.Sprintf("%s (line %d)", n.Value, n.Row))
		}
	}
	for _, p := range res.Errors {
		c.Problems = append(c.Problems, problemText(p))
	}
	return c
}

// kindOne names one of a kind.
func kindOne(kind string) string { return strings.TrimSuffix(kind, "s") }

// sets serves a page of groups or rooms, of the kind its path names.
func (h *handler) sets(kind string, next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { next(w, r, kind) }
}

// listSets draws the groups or rooms of the tenant shown, with their
// member counts.
func (h *handler) listSets(w http.ResponseWriter, r *http.Request, kind string) {
	view, err := h.setsView(r, kind)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "sets", title(kind), view)
}

func (h *handler) setsView(r *http.Request, kind string) (*setsView, error) {
	var list struct {
		Items []roster.Set `json:"items"`
	}
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", kind)}, &list); err != nil {
		return nil, err
	}
	return &setsView{Kind: kind, One: kindOne(kind), Sets: list.Items}, nil
}

// createSet creates a group or room (POST /api/v1/groups), and opens it.
func (h *handler) createSet(w http.ResponseWriter, r *http.Request, kind string) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	b, _ := json.Marshal(map[string]string{"name": name})
	var set roster.Set
	_, err := h.fetch(r, request{method: http.MethodPost, path: pathOf("api", "v1", kind), body: bytes.NewReader(b), contentType: "application/json"}, &set)
	if ae, ok := err.(*apiError); ok && ae.Status < 500 {
		view, verr := h.setsView(r, kind)
		if verr != nil {
			h.fail(w, r, verr)
			return
		}
		view.Error, view.Name = ae.Detail, name
		for _, p := range ae.Errors {
			view.Error = joinMessage(view.Error, p.Message)
		}
		h.render(w, r, ae.Status, "sets", title(kind), view)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/"+kind+"/"+url.PathEscape(set.Name), http.StatusSeeOther)
}

// showSet draws a group's or room's members, and the forms that add and
// remove them.
func (h *handler) showSet(w http.ResponseWriter, r *http.Request, kind string) {
	view, err := h.setView(r, kind, r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "set", view.Name, view)
}

func (h *handler) setView(r *http.Request, kind, name string) (*setView, error) {
	var list struct {
		Items []member `json:"items"`
	}
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", kind, name, "members")}, &list); err != nil {
		return nil, err
	}
	return &setView{Kind: kind, One: kindOne(kind), Name: name, Members: list.Items}, nil
}

// addMembers adds the users of a file, or of a typed list, as POST
// /api/v1/{kind}/{name}/members takes them; the page says what changed.
func (h *handler) addMembers(w http.ResponseWriter, r *http.Request, kind string) {
	name := r.PathValue("name")
	body, mt, err := refsBody(r)
	if err == nil {
		var res roster.Result
		_, err = h.fetch(r, request{method: http.MethodPost, path: pathOf("api", "v1", kind, name, "members"), body: body, contentType: mt}, &res)
		if err == nil {
			h.showChange(w, r, kind, name, &res, "")
			return
		}
	}
	h.changeFailed(w, r, kind, name, err)
}

// removeMembers removes the members ticked (DELETE
// /api/v1/{kind}/{name}/members, by uuid).
func (h *handler) removeMembers(w http.ResponseWriter, r *http.Request, kind string) {
	name := r.PathValue("name")
	r.ParseForm()
	users := r.PostForm["user"]
	if len(users) == 0 {
		h.changeFailed(w, r, kind, name, roster.Errorf(roster.EINVALID, "Tick the members to remove."))
		return
	}
	var res roster.Result
	if err := h.fetchJSON(r, http.MethodDelete, pathOf("api", "v1", kind, name, "members"), map[string]any{"users": users}, &res); err != nil {
		h.changeFailed(w, r, kind, name, err)
		return
	}
	h.showChange(w, r, kind, name, &res, "")
}

// showChange draws the page after a change, with its result or error.
func (h *handler) showChange(w http.ResponseWriter, r *http.Request, kind, name string, res *roster.Result, msg string) {
	view, err := h.setView(r, kind, name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if res != nil {
		view.Change = changeOf(res)
	}
	view.Error = msg
	status := http.StatusOK
	if msg != "" {
		status = http.StatusBadRequest
	}
	h.render(w, r, status, "set", view.Name, view)
}

// changeFailed shows a change's error on the page: the person's mistake
// beside the form, anything else as an error page.
func (h *handler) changeFailed(w http.ResponseWriter, r *http.Request, kind, name string, err error) {
	msg := ""
	if ae, ok := err.(*apiError); ok && ae.Status < 500 && ae.Status != http.StatusNotFound {
		msg = ae.Detail
	} else if roster.ErrorCode(err) == roster.EINVALID {
		msg = roster.ErrorMessage(err)
	} else {
		h.fail(w, r, err)
		return
	}
	h.showChange(w, r, kind, name, nil, msg)
}

func title(kind string) string { return strings.ToUpper(kind[:1]) + kind[1:] }
