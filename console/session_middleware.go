package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roster-dev/roster"
)

// Cookies of the console. The session cookie is the session itself,
// signed (roster.Keys); the login cookie holds the token of the sign-in
// form, which has no session yet to derive it from.
const (
	sessionCookie = "roster_session"
	loginCookie   = "roster_login"
)

// refreshEvery is how stale a session's last use may be before a request
// signs its cookie again: the idle limit is hours, so a minute's error
// costs nothing, and most answers carry no cookie.
const refreshEvery = time.Minute

// visit is what the middleware learns about a request: who is signed in.
type visit struct {
	op      *roster.Operator
	session *roster.Session
	csrf    string // the session's CSRF token
	login   string // the login cookie's value, before signing in
}

type visitKey struct{}

func visitOf(r *http.Request) *visit {
	if v, ok := r.Context().Value(visitKey{}).(*visit); ok {
		return v
	}
	return &visit{}
}

// public serves a page that needs no session: the sign-in form.
func (h *handler) public(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		headers(w)
		v := &visit{}
		if c, err := r.Cookie(loginCookie); err == nil {
			v.login = c.Value
		}
		r = r.WithContext(context.WithValue(r.Context(), visitKey{}, v))
		h.csrf(next)(w, r)
	}
}

// session checks the request's session cookie: its signature and idle
// time, then its operator, read without waiting for any write.
func (h *handler) session(r *http.Request) (*roster.Session, *roster.Operator, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil, roster.Errorf(roster.ENOTFOUND, "no session")
	}
	return h.cfg.Keys.CheckSession(r.Context(), c.Value, h.now(), h.cfg.Operators.SessionOperator)
}

// signedIn serves a page to a signed-in operator; anyone else is sent to
// the sign-in form, which brings them back here. A session used again
// after a minute or more gets its cookie signed again with the time, which
// is what keeps it alive: nothing is written.
func (h *handler) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		headers(w)
		if c, err := r.Cookie(sessionCookie); err != nil || c.Value == "" {
			h.toLogin(w, r, false)
			return
		}
		s, op, err := h.session(r)
		if roster.ErrorCode(err) == roster.ENOTFOUND {
			h.clearCookie(w, r, sessionCookie, "/")
			h.toLogin(w, r, true)
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if now := h.now(); now.Sub(s.SeenAt) >= refreshEvery {
			s.SeenAt = now.Truncate(time.Second)
			h.saveSession(w, r, s)
		}
		v := &visit{op: op, session: s, csrf: h.cfg.Keys.CSRFToken(s)}
		r = r.WithContext(context.WithValue(r.Context(), visitKey{}, v))
		h.csrf(next)(w, r)
	}
}

// saveSession sends a session's cookie, signed with what it holds now.
func (h *handler) saveSession(w http.ResponseWriter, r *http.Request, s *roster.Session) {
	h.setCookie(w, r, sessionCookie, h.cfg.Keys.SessionCookie(s), "/")
}

// admin serves a page to admins only; other operators are told so.
func (h *handler) admin(next http.HandlerFunc) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if !visitOf(r).op.IsAdmin() {
			h.deny(w, r, http.StatusForbidden, "This page is for administrators. Your role is "+visitOf(r).op.Role+".")
			return
		}
		next(w, r)
	})
}

// changer serves a page that changes the directory to operators and
// admins; a viewer, who may look and download, is told so.
func (h *handler) changer(next http.HandlerFunc) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request) {
		if op := visitOf(r).op; !op.CanChange() {
			h.deny(w, r, http.StatusForbidden, "Your role is "+op.Role+": you can look at users and jobs and download them, not change them.")
			return
		}
		next(w, r)
	})
}

// toLogin sends a visitor without a session to the sign-in form. A page
// asked with GET is remembered, to come back to; a form posted without a
// session is not replayed. The upload's script is told in words instead.
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	if scripted(r) {
		answerScript(w, http.StatusUnauthorized, "error", "You are signed out: sign in again, then send the file again.")
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if expired {
		q.Set("expired", "1")
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// setCookie sets a cookie that scripts cannot read, sent with top-level
// navigations from other sites (SameSite=Lax: a link to the console
// works) but not with their forms or requests, and Secure under TLS. It
// replaces the same cookie set earlier in the answer: the middleware may
// have refreshed the session's before a page changes or clears it.
func (h *handler) setCookie(w http.ResponseWriter, r *http.Request, name, value, path string) {
	replaceCookie(w, &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true,
		Secure: r.TLS != nil || h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (h *handler) clearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	replaceCookie(w, &http.Cookie{Name: name, Path: path, MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil || h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func replaceCookie(w http.ResponseWriter, c *http.Cookie) {
	hdr := w.Header()
	var kept []string
	for _, line := range hdr["Set-Cookie"] {
		if !strings.HasPrefix(line, c.Name+"=") {
			kept = append(kept, line)
		}
	}
	hdr["Set-Cookie"] = kept
	http.SetCookie(w, c)
}
