package provision_test

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// A header may hold "=": a mapping is cut at its last "=", since a
// column's name holds none.
func TestAHeaderWithAnEqualsSignCanBeMapped(t *testing.T) {
	body := "Login=Name,E-Post\nann,ann@example.com\n"
	src := sheet.NewSource("people.csv", strings.NewReader(body), int64(len(body)), nil)
	p, err := provision.ReadPreview(src, provision.Settings{Map: []string{"Login=Name=username", "E-Post=email"}}, t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Problem != "" || p.Columns[0].Column != "username" || p.Columns[0].By != "map" || p.Columns[1].Column != "email" {
		t.Errorf("preview %+v", p)
	}
	res, err := provision.Check(t.Context(), src, mustOptions(t, provision.Settings{Map: []string{"Login=Name=username", "E-Post=email"}}))
	if err != nil || res.Failed != 0 || res.Rows != 1 {
		t.Errorf("check: %+v, %v", res, err)
	}
}

func mustOptions(t *testing.T, s provision.Settings) provision.Options {
	t.Helper()
	opt, err := s.Options()
	if err != nil {
		t.Fatal(err)
	}
	return opt
}
