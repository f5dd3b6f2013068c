package console

import (
	"net/http"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
)

// loginView is what the sign-in page shows.
type loginView struct {
	Name, Next, Error string
	Expired           bool
}

// showLogin draws the sign-in form. It gives the browser the form's token
// in a cookie: there is no session yet to tie it to.
func (h *handler) showLogin(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.session(r); err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := visitOf(r)
	if v.login == "" {
		v.login = roster.NewSecret()
		h.setCookie(w, r, loginCookie, v.login, "/login")
	}
	q := r.URL.Query()
	h.render(w, r, http.StatusOK, "login", "Sign in", loginView{Next: form.LocalPath(q.Get("next")), Expired: q.Get("expired") != ""})
}
