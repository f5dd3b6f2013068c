package console

import (
	"net/http"
	"time"

	"github.com/roster-dev/roster"
)

// logout ends the session: the cookie is cleared, and the session's ID is
// recorded as ended, so that a copy of the cookie is worth nothing
// afterwards. The record does not wait for an import that holds the write
// lock (OperatorService.EndSession).
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	// A copy of the cookie was last signed at most now, by this server's
	// clock; the hour covers servers whose clocks differ.
	until := h.now().Add(roster.SessionIdle + time.Hour)
	if err := h.cfg.Operators.EndSession(r.Context(), v.session.ID, until); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("signed out", "operator", v.op.Name)
	h.clearCookie(w, r, sessionCookie, "/")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
