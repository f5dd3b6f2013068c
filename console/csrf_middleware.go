package console

import (
	"context"
	"crypto/subtle"
	"io"
	"mime"
	"mime/multipart"
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
//
// A form that sends a file (multipart/form-data) is not read whole here:
// a file may be a gigabyte, streamed on to the API. Its token is its first
// part, as the hidden field first in the form; the handler reads the
// other parts from formParts, once the token is known to be right.
func (h *handler) csrf(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next(w, r)
			return
		}
		got := r.Header.Get("X-CSRF-Token")
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			got = ""
			mr, err := r.MultipartReader()
			if err == nil {
				// A part cut short reads as a wrong token, refused below.
				if part, err := mr.NextPart(); err == nil && part.FormName() == csrfField {
					b, _ := io.ReadAll(io.LimitReader(part, 256))
					got = string(b)
				}
				r = r.WithContext(context.WithValue(r.Context(), partsKey{}, mr))
			}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if got == "" {
				got = r.PostFormValue(csrfField)
			}
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

type partsKey struct{}

// formParts returns the parts of a form that sends a file, after its
// token; nil for another form.
func formParts(r *http.Request) *multipart.Reader {
	mr, _ := r.Context().Value(partsKey{}).(*multipart.Reader)
	return mr
}

// maxForm bounds a form's body: the largest is the setup page's, whose
// YAML is at most 1 MiB, as the API's, and may triple when URL-encoded.
const maxForm = 4 << 20
