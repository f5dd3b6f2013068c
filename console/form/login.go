package form

import (
	"net/http"
	"strings"

	"github.com/roster-dev/roster"
)

// Login is the sign-in form.
type Login struct {
	Name     string
	Password string
	// Next is the console's page to go to once signed in.
	Next string
}

// NewLogin reads the sign-in form.
func NewLogin(r *http.Request) *Login {
	return &Login{Name: strings.TrimSpace(r.PostFormValue("name")), Password: r.PostFormValue("password"),
		Next: LocalPath(r.PostFormValue("next"))}
}

// Validate checks that both fields are filled in.
func (f *Login) Validate() error {
	switch {
	case f.Name == "" && f.Password == "":
		return roster.Errorf(roster.EINVALID, "Enter your name and your password.")
	case f.Name == "":
		return roster.Errorf(roster.EINVALID, "Enter your name.")
	case f.Password == "":
		return roster.Errorf(roster.EINVALID, "Enter your password.")
	case len(f.Name) > 4*roster.MaxOperatorName || len(f.Password) > roster.MaxOperatorPassword:
		return roster.Errorf(roster.EINVALID, "The name or the password is wrong.")
	}
	return nil
}

// LocalPath returns a path of this site to go to after a form, or "/":
// never another site's address, which would make the console a relay
// for phishing links ("//evil.example", "/\evil.example", "https://…").
func LocalPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return "/"
	}
	return p
}
