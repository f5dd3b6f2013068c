package form

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster"
)

// MaxClientName bounds a client's name, which is only shown.
const MaxClientName = 100

// Client is the form that creates an API client.
type Client struct {
	Name string
	// Tenant is the tenant the client is bound to; empty for all.
	Tenant    string
	Scopes    []string
	PublicKey string
}

// NewClient reads the new client form.
func NewClient(r *http.Request) *Client {
	r.ParseForm()
	return &Client{Name: strings.TrimSpace(r.PostFormValue("name")), Tenant: r.PostFormValue("tenant"),
		Scopes: r.PostForm["scope"], PublicKey: strings.TrimSpace(r.PostFormValue("public_key"))}
}

// Validate checks the name, the scopes and the key.
func (f *Client) Validate() error {
	switch {
	case f.Name == "":
		return roster.Errorf(roster.EINVALID, "Give the client a name, such as the system that will use it.")
	case utf8.RuneCountInString(f.Name) > MaxClientName:
		return roster.Errorf(roster.EINVALID, "The name is longer than %d characters.", MaxClientName)
	case len(f.Scopes) == 0:
		return roster.Errorf(roster.EINVALID, "Tick at least one scope.")
	}
	for _, s := range f.Scopes {
		if !slices.Contains(roster.Scopes, s) {
			return roster.Errorf(roster.EINVALID, "There is no scope %q.", s)
		}
	}
	if f.PublicKey != "" {
		if _, err := roster.ParsePublicKey(f.PublicKey); err != nil {
			return err
		}
	}
	return nil
}
