package console

import "net/http"

// logout ends the session in the directory, so that the cookie is worth
// nothing even if a copy of it survives.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	if err := h.cfg.Operators.DeleteSession(r.Context(), v.session.Hash); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("signed out", "operator", v.op.Name)
	h.clearCookie(w, r, sessionCookie, "/")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
