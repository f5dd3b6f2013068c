package provision_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// FuzzReadRefs feeds lists of user references from outside: a sheet with a
// uuid, username or email column, or a bare list. Never a panic; every
// reference is trimmed, non-empty, comes from a later row than the one
// before it, and is bare or under one of those columns.
func FuzzReadRefs(f *testing.F) {
	f.Add([]byte("alice\nbob@example.com\n\n  3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a \n"))
	f.Add([]byte("Name;E-Mail\nAlice;alice@example.com\nBob;\n"))
	f.Add([]byte("uuid,username\n,alice\n3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a,\n"))
	f.Add([]byte("\"a\nb\",c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "list.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		refs, err := provision.ReadRefs(source(t, path), sheet.Options{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		last := 0
		for _, r := range refs {
			if r.Value == "" || r.Value != strings.TrimSpace(r.Value) || r.Row <= last {
				t.Fatalf("reference %+v after row %d", r, last)
			}
			if r.Key != "" && r.Key != "uuid" && r.Key != "username" && r.Key != "email" {
				t.Fatalf("reference %+v under a column that names no user", r)
			}
			last = r.Row
		}
	})
}
