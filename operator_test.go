package roster_test

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster"
)

func TestOperatorNamesAndPasswords(t *testing.T) {
	for name, ok := range map[string]bool{
		"ana": true, "Ana Lima": true, "josé": true,
		"": false, " ana": false, "ana ": false, "an\u200ba": false, "an\ta": false,
		"jose\u0301": false, // not NFC
		strings.Repeat("a", roster.MaxOperatorName+1): false,
	} {
		if err := roster.ValidateOperatorName(name); (err == nil) != ok {
			t.Errorf("%q: %v", name, err)
		}
	}
	for pw, ok := range map[string]bool{
		"correct horse": true, "ééééééééééééé": true,
		"short": false, strings.Repeat("x", roster.MaxOperatorPassword+1): false,
	} {
		if err := roster.ValidateOperatorPassword(pw); (err == nil) != ok {
			t.Errorf("%.20q: %v", pw, err)
		}
	}
}
