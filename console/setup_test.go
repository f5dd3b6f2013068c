package console

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/setupfile"
)

// FuzzSetupMistake reads setup texts from the page: a mistake is always
// worded for a person and its line, when named, is one of the text's.
func FuzzSetupMistake(f *testing.F) {
	f.Add("tenants:\n  - name: a\n    rols: []\n")
	f.Add("tenants: [\n")
	f.Add(":")
	f.Fuzz(func(t *testing.T, text string) {
		_, err := setupfile.Read(strings.NewReader(text))
		if err == nil {
			return
		}
		msg, line := yamlError(err)
		breaks := strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\r")
		if msg == "" || line < 0 || line > breaks+2 || strings.Contains(msg, "roster.") {
			t.Fatalf("%q: %q at line %d", text, msg, line)
		}
	})
}
