package roster_test

import (
	"testing"

	"github.com/roster-dev/roster"
)

// FuzzParseCursor: a cursor that parses prints as a cursor that parses to
// the same place; nothing else is taken.
func FuzzParseCursor(f *testing.F) {
	f.Add((&roster.Cursor{TenantID: 1, Lastname: "Müller", Firstname: "Anna", UUID: "00000000-0000-4000-8000-000000000001"}).String())
	f.Add("")
	f.Add("WzEsIiIsIiIsIiJd")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := roster.ParseCursor(s)
		if err != nil {
			if roster.ErrorCode(err) != roster.EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		again, err := roster.ParseCursor(c.String())
		if err != nil || *again != *c {
			t.Fatalf("%q: %+v, then %+v, %v", s, c, again, err)
		}
	})
}
