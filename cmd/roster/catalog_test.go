package main

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestCommPeakImportsWithItsOwnOptions: a CommPeak file (usernames,
// emails, extensions, roles, and no names) imports with only the options
// CommPeak's own users know, and each user's display name is the username.
func TestCommPeakImportsWithItsOwnOptions(t *testing.T) {
	for _, name := range []string{"commpeak-users.csv", "commpeak-users.xlsx"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyFixture(t, dir, name)
			out, errOut, code := run(t, dir, "import", "--json", "--generate", "password,exten",
				"--set", "line_protocol=webrtc", "--set", "context=default", name)
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, errOut, out)
			}
			if res := decode(t, out); *res.Created != 4 || !res.Applied {
				t.Fatalf("import: %s", out)
			}
			exported, errOut, code := run(t, dir, "export", "--format", "csv")
			if code != 0 {
				t.Fatalf("export: exit %d: %s", code, errOut)
			}
			rows, err := csv.NewReader(strings.NewReader(exported)).ReadAll()
			if err != nil || len(rows) != 5 {
				t.Fatalf("export: %v\n%s", err, exported)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			for _, r := range rows[1:] {
				if u, d := r[col["username"]], r[col["display_name"]]; u == "" || d != u {
					t.Errorf("user %s has the display name %q, want the username", u, d)
				}
			}
		})
	}
}
