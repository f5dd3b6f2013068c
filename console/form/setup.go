package form

import (
	"net/http"
	"strings"

	"github.com/roster-dev/roster"
)

// MaxSetup bounds the setup text, as the API bounds a setup body.
const MaxSetup = 1 << 20

// Setup is the setup page's form: the reference data as YAML.
type Setup struct {
	YAML  string
	Prune bool
}

// NewSetup reads the setup form. Browsers send a textarea's lines with
// CRLF; they are read as LF (a lone CR too, which YAML counts as a line
// break), so that the lines the page numbers are the reader's.
func NewSetup(r *http.Request) *Setup {
	return &Setup{YAML: lineBreaks.Replace(r.PostFormValue("yaml")), Prune: r.PostFormValue("prune") != ""}
}

var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// Validate checks what can be checked before reading the YAML.
func (f *Setup) Validate() error {
	switch {
	case strings.TrimSpace(f.YAML) == "":
		return roster.Errorf(roster.EINVALID, "The text is empty: declare at least one tenant.")
	case len(f.YAML) > MaxSetup:
		return roster.Errorf(roster.EINVALID, "The text is longer than 1 MiB; a setup is a few kilobytes.")
	}
	return nil
}
