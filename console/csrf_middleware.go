package console

import (
	"crypto/subtle"
	"net/http"
)

// csrfField is the name of the hidden field that carries the token in
// every form; scripts send it as the X-CSRF-Token header instead.
const csrfField = "csrf"

// csrfToken is the token the page's forms carry: the session's
// (synchronizer token, derived from the session's ID), or before signing
// in the login cookie's (double submit).
func (v *visit) csrfToken() string {
	if v.csrf != "" {
		return v.csrf
	}
	return v.login
}

// csrf refuses a request that changes something unless it carries the
// page's token: another site can make a browser send the cookies, but
// cannot read the token it would need.
func (h *handler) csrf(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = r.PostFormValue(csrfField)
		}
		want := visitOf(r).csrfToken()
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			h.log.Warn("refused a form without its token", "path", r.URL.Path, "remote", r.RemoteAddr)
			h.deny(w, r, http.StatusForbidden, "This form has expired or did not come from this console. Reload the page and try again.")
			return
		}
		next(w, r)
	}
}

// maxForm bounds a form's body: the largest is the setup page's, whose
// YAML is at most 1 MiB, as the API's, and may triple when URL-encoded.
const maxForm = 4 << 20
