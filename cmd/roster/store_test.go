package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/sqlite"
)

// TestOnlyWritingCommandsCreateADirectory: a command that only reads fails
// with exit 2 on a directory that does not exist, naming it and how to
// make one, and creates nothing; an empty --db or ROSTER_DB is an error;
// the commands that write create the directory.
func TestOnlyWritingCommandsCreateADirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("username,firstname\nalice,Alice\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "setup.yaml"), []byte("tenants:\n  - name: default\n"), 0o644)
	for _, args := range [][]string{
		{"export"},
		{"rooms", "list", "Atlas"},
		{"groups", "list", "Sales"},
		{"rooms", "add", "Atlas", "--user", "alice"},
		{"delete", "users", "--user", "alice", "--yes"},
		{"delete", "groups", "Sales", "--yes"},
		{"setup", "--show"},
		{"check", "users.csv"},
	} {
		_, errOut, code := run(t, dir, append([]string{"--db", "typo.db"}, args...)...)
		if code != 2 || !strings.Contains(errOut, "typo.db") || !strings.Contains(errOut, "roster init") {
			t.Errorf("%s: exit %d, %q", strings.Join(args, " "), code, errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, "typo.db")); !os.IsNotExist(err) {
			t.Fatalf("%s created the directory", strings.Join(args, " "))
		}
	}
	for _, args := range [][]string{{"--db", "", "export"}, {"--db", "", "import", "users.csv"}, {"--db=", "init"}} {
		if _, errOut, code := run(t, dir, args...); code != 2 || !strings.Contains(errOut, "--db is empty") {
			t.Errorf("%q: exit %d, %q", args, code, errOut)
		}
	}
	t.Setenv("ROSTER_DB", "")
	if _, errOut, code := run(t, dir, "import", "users.csv"); code != 2 || !strings.Contains(errOut, "ROSTER_DB is empty") {
		t.Errorf("ROSTER_DB empty: exit %d, %q", code, errOut)
	}
	if _, errOut, code := run(t, dir, "check", "users.csv"); code != 0 {
		t.Errorf("check needs no directory, even with ROSTER_DB empty: exit %d, %q", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("files made by the failed commands: %v", entries)
	}

	for i, args := range [][]string{
		{"init"},
		{"import", "users.csv"},
		{"update", "--key", "username", "users.csv"},
		{"setup", "setup.yaml"},
		{"rooms", "add", "Atlas", "--user", "alice", "--create"},
	} {
		db := fmt.Sprintf("new%d.db", i)
		if _, errOut, code := run(t, dir, append([]string{"--db", db}, args...)...); code == 2 {
			t.Errorf("%s: exit 2, %q", strings.Join(args, " "), errOut)
		}
		if _, err := os.Stat(filepath.Join(dir, db)); err != nil {
			t.Errorf("%s did not create the directory: %v", strings.Join(args, " "), err)
		}
	}
	out, _, _ := run(t, dir, "--db", "new0.db", "init")
	if !strings.Contains(out, "needed no change") {
		t.Errorf("init of a current directory says %q", out)
	}
	out, _, _ = run(t, dir, "--db", "new5.db", "init")
	if !strings.Contains(out, "Created the directory new5.db") {
		t.Errorf("init of a new directory says %q", out)
	}
}

// TestReadingCommandsDuringALongWrite holds a write transaction open while
// export, rooms list and a dry run read the directory: they complete at
// once, from the state before the write.
func TestReadingCommandsDuringALongWrite(t *testing.T) {
	defer func(d time.Duration) { sqlite.BusyTimeout = d }(sqlite.BusyTimeout)
	sqlite.BusyTimeout = 2 * time.Second // what still waits fails instead of hanging
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("username,firstname,rooms\nalice,Alice,Atlas\nbob,Bob,Atlas\n"), 0o644)
	if _, errOut, code := run(t, dir, "import", "users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Delete(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, dir, "export"); code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("export: exit %d, %q %q", code, out, errOut)
	}
	if out, errOut, code := run(t, dir, "rooms", "list", "Atlas"); code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "bob") {
		t.Errorf("rooms list: exit %d, %q %q", code, out, errOut)
	}
	if out, errOut, code := run(t, dir, "import", "--dry-run", "users.csv"); code != 1 || !strings.Contains(out, "2 failed") {
		t.Errorf("import --dry-run: exit %d, %q %q", code, out, errOut)
	}
}

// TestTenImportsAtOnceMakeOneKey runs ten imports of users with secrets at
// once, as ten processes, into a directory that does not exist yet: one key
// must open every secret. Without that key the directory refuses to open.
func TestTenImportsAtOnceMakeOneKey(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 10 {
		secret := fmt.Sprintf("Sip-Secret-%02d-kq7", i)
		want = append(want, secret)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("u%d.csv", i)), fmt.Appendf(nil,
			"username,firstname,line_protocol,context,exten,sip_secret,voicemail_number,voicemail_context,voicemail_name,voicemail_password\n"+
				"u%d,U,sip,default,10%02d,%s,10%02d,default,U,47%02d\n", i, i, secret, i, i), 0o644)
	}
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 10)
	for i := range 10 {
		wg.Go(func() {
			cmd := command(t, dir, "import", fmt.Sprintf("u%d.csv", i))
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			if err := cmd.Run(); err != nil {
				t.Errorf("import %d: %v: %s", i, err, outs[i].String())
			}
		})
	}
	wg.Wait()
	out, errOut, code := run(t, dir, "export", "--with-secrets")
	if code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	for _, s := range want {
		if !strings.Contains(out, ","+s+",") {
			t.Errorf("secret %s not read back", s)
		}
	}
	os.Rename(filepath.Join(dir, "roster.db.key"), filepath.Join(dir, "backup.key"))
	for _, args := range [][]string{{"export"}, {"import", "u1.csv"}} {
		_, errOut, code := run(t, dir, args...)
		if code != 2 || !strings.Contains(errOut, "roster.db.key") || !strings.Contains(errOut, "missing") {
			t.Errorf("%s without the key: exit %d, %q", args[0], code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "roster.db.key")); !os.IsNotExist(err) {
		t.Fatalf("a new key was made: %v", err)
	}
}
