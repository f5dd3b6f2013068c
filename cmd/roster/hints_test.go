package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHintsNameTheFlags: the engine's messages name no flag; the command
// line words the options that would help as its own flags, in the summary,
// in the JSON and in errors.
func TestHintsNameTheFlags(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("users.csv", "username,firstname,email\nann,Ann,ann@example.com\n")
	write("nul.csv", "u\x00s\x00e\x00r\x00\n")
	db := "--db=" + filepath.Join(dir, "roster.db")
	if _, errOut, code := run(t, dir, db, "import", "users.csv"); code != 0 {
		t.Fatalf("first import: exit %d: %s", code, errOut)
	}
	out, _, code := run(t, dir, db, "import", "users.csv")
	if code != 1 || !strings.Contains(out, "a user with this username already exists (use --on-existing skip or update)") {
		t.Errorf("exit %d, summary:\n%s\nwant the --on-existing hint", code, out)
	}
	out, _, _ = run(t, dir, db, "import", "--json", "users.csv")
	if !strings.Contains(out, `"message":"a user with this username already exists (use --on-existing skip or update)"`) {
		t.Errorf("JSON %s, want the --on-existing hint", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--mode", "all", "users.csv"}, `--mode must be atomic or partial, not "all"`},
		{[]string{"import", "--map", "Login=usernme", "users.csv"}, `--map Login=usernme: there is no column "usernme"`},
		{[]string{"import", "--strict", "--set", "nope=1", "users.csv"}, `--set nope=1: there is no column "nope"`},
		{[]string{"update", "users.csv"}, "the file has no uuid column (use --key username or email to find them otherwise)"},
		{[]string{"check", "nul.csv"}, "(use --encoding utf-16le)"},
		{[]string{"groups", "add", "Nobody", "users.csv"}, `there is no group named "Nobody" (use --create to create it)`},
	} {
		_, errOut, code := run(t, dir, append([]string{db}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("roster %s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
