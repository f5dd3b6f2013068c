package console

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
	"github.com/roster-dev/roster/password"
)

// unknownHash is checked against when the name is unknown, so that a
// wrong name takes as long as a wrong password and the answer's time does
// not tell which names exist. It is made by New, not when the program
// starts: an argon2id hash takes a tenth of a second and 19 MiB, which every
// command (a check, a read) would otherwise pay for a page it never serves.
var unknownHash = sync.OnceValue(func() string { return password.Hash("no operator has this password") })

// checkLogin signs an operator in. Failures count against the address in
// the limiter that the token endpoint uses; past its limit, the address
// waits, even with the right password.
func (h *handler) checkLogin(w http.ResponseWriter, r *http.Request) {
	now := h.now()
	f := form.NewLogin(r)
	view := loginView{Name: f.Name, Next: f.Next}
	if wait := h.cfg.Limiter.Blocked(r.RemoteAddr, now); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		view.Error = fmt.Sprintf("Too many failed sign-ins from this address. Wait %d seconds, then try again.", secs)
		h.render(w, r, http.StatusTooManyRequests, "login", "Sign in", view)
		return
	}
	if err := f.Validate(); err != nil {
		view.Error = roster.ErrorMessage(err)
		h.render(w, r, http.StatusBadRequest, "login", "Sign in", view)
		return
	}
	op, err := h.cfg.Operators.Operator(r.Context(), f.Name)
	if err != nil && roster.ErrorCode(err) != roster.ENOTFOUND {
		h.fail(w, r, err)
		return
	}
	hash := unknownHash()
	if op != nil {
		hash = op.PasswordHash
	}
	ok := password.Matches(hash, f.Password) && op != nil && op.DisabledAt.IsZero()
	if !ok {
		h.cfg.Limiter.Fail(r.RemoteAddr, now)
		h.log.Warn("sign-in failed", "remote", r.RemoteAddr)
		// One message for an unknown name, a wrong password and a
		// disabled operator: the page tells no one which names exist.
		view.Error = "The name or the password is wrong."
		h.render(w, r, http.StatusUnauthorized, "login", "Sign in", view)
		return
	}
	// A new session, in its signed cookie: nothing is written, so signing
	// in does not wait for an import that holds the write lock.
	h.log.Info("signed in", "operator", op.Name, "remote", r.RemoteAddr)
	h.clearCookie(w, r, loginCookie, "/login")
	h.saveSession(w, r, h.cfg.Keys.NewSession(op, now))
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}
