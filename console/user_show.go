package console

import (
	"net/http"
	"net/url"
)

// userView is a user's page, and its form.
type userView struct {
	UUID, Name string
	Fields     []field
	// Picture tells that the user has one.
	Picture bool
	// Version is the ETag the form was drawn from: the save is refused if
	// the user changed meanwhile.
	Version string
	Error   string
	Saved   bool
}

// showUser draws every column of a user, and its picture.
func (h *handler) showUser(w http.ResponseWriter, r *http.Request) {
	view, err := h.userView(r, r.PathValue("ref"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view.Saved = r.URL.Query().Get("saved") != ""
	h.render(w, r, http.StatusOK, "user", view.Name, view)
}

// userView reads a user through the API, by uuid.
func (h *handler) userView(r *http.Request, uuid string) (*userView, error) {
	var u userObject
	hd, err := h.fetch(r, request{path: pathOf("api", "v1", "users", uuid), query: url.Values{"key": {"uuid"}}}, &u)
	if err != nil {
		return nil, err
	}
	view := &userView{UUID: u.Cell("uuid"), Fields: u.fields(), Picture: u["avatar"] != nil, Version: hd.Get("ETag")}
	view.Name = displayName(u)
	return view, nil
}

// displayName is what a person is called on the pages.
func displayName(u userObject) string {
	for _, c := range []string{"display_name", "username", "email", "uuid"} {
		if v := u.Cell(c); v != "" {
			return v
		}
	}
	return "A user"
}

// showAvatar sends a user's picture, as GET /api/v1/users/{ref}/avatar.
func (h *handler) showAvatar(w http.ResponseWriter, r *http.Request) {
	h.relay(w, r, request{path: pathOf("api", "v1", "users", r.PathValue("ref"), "avatar"), query: url.Values{"key": {"uuid"}}})
}
