package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/postgres/postgrestest"
)

// TestAPostgreSQLDirectoryThroughTheCommand: --db postgres://… works as an
// SQLite file does, the key goes where --key-file says, the URL's password
// is never printed, and an export with secrets moves users from one store
// to the other unchanged.
func TestAPostgreSQLDirectoryThroughTheCommand(t *testing.T) {
	dbURL := postgrestest.NewURL(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	// The test server trusts loopback connections: the password is only
	// there to be hidden.
	u.User = url.UserPassword(u.User.Username(), "Hunter2-Secret")
	dbURL = u.String()
	dir := t.TempDir()
	key := filepath.Join(dir, "keys", "pg.key")
	copyFixture(t, dir, "wazo-users.csv")
	pg := []string{"--db", dbURL, "--key-file", key}
	out, errOut, code := run(t, dir, append(pg, "init")...)
	if code != 0 || strings.Contains(out+errOut, "Hunter2") || !strings.Contains(out, "xxxxx") {
		t.Fatalf("init: exit %d, %q %q", code, out, errOut)
	}
	out, errOut, code = run(t, dir, append(pg, "import", "--json", "wazo-users.csv")...)
	if res := decode(t, out); code != 0 || !res.Applied || *res.Created != 4 {
		t.Fatalf("import: exit %d, %s %s", code, out, errOut)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if _, errOut, code := run(t, dir, append(pg, "export", "--with-secrets", "-o", "pg.csv")...); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	out, errOut, code = run(t, dir, "--db", "roster.db", "import", "--json", "pg.csv")
	if res := decode(t, out); code != 0 || *res.Created != 4 {
		t.Fatalf("import into SQLite: exit %d, %s %s", code, out, errOut)
	}
	if _, errOut, code := run(t, dir, "--db", "roster.db", "export", "--with-secrets", "-o", "sqlite.csv"); code != 0 {
		t.Fatalf("export from SQLite: %s", errOut)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "pg.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "sqlite.csv"))
	if string(a) != string(b) || !strings.Contains(string(a), "sip_secret") {
		t.Fatalf("the export from PostgreSQL:\n%s\nand from SQLite after importing it:\n%s", a, b)
	}
	// Without its key, a directory with sealed secrets is refused.
	_, errOut, code = run(t, dir, "--db", dbURL, "--key-file", filepath.Join(dir, "none.key"), "export")
	if code != exitUnusable || !strings.Contains(errOut, "key file") || strings.Contains(errOut, "Hunter2") {
		t.Fatalf("export without the key: exit %d, %q", code, errOut)
	}
}

// TestOnlyWritingCommandsCreateAPostgreSQLDirectory: as for SQLite, a
// command that only reads fails with exit 2 on a schema without a
// directory, says how to make one and makes nothing; the commands that
// write create it; init says what it did; a schema that holds another
// program's tables is refused, and left as it was.
func TestOnlyWritingCommandsCreateAPostgreSQLDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("username,firstname\nalice,Alice\n"), 0o644)
	dbURL := postgrestest.NewURL(t)
	pg := []string{"--db", dbURL, "--key-file", filepath.Join(dir, "pg.key")}
	for _, args := range [][]string{
		{"export"},
		{"groups", "list"},
		{"rooms", "add", "Atlas", "--user", "alice"},
		{"delete", "users", "--user", "alice", "--yes"},
		{"setup", "--show"},
		{"check", "users.csv"},
		{"clients", "list"},
		{"operators", "list"},
		{"serve", "--addr", "127.0.0.1:0"},
	} {
		_, errOut, code := run(t, dir, append(pg, args...)...)
		if code != 2 || !strings.Contains(errOut, "roster init --db postgres://") {
			t.Errorf("%s: exit %d, %q", strings.Join(args, " "), code, errOut)
		}
	}
	out, errOut, code := run(t, dir, append(pg, "init")...)
	if code != 0 || !strings.Contains(out, "Created the directory postgres://") {
		t.Fatalf("init after the reading commands: exit %d, %q %q", code, out, errOut)
	}
	if out, _, _ := run(t, dir, append(pg, "init")...); !strings.Contains(out, "needed no change") {
		t.Errorf("init of a current directory says %q", out)
	}
	fresh := postgrestest.NewURL(t)
	if out, errOut, code := run(t, dir, "--db", fresh, "--key-file", filepath.Join(dir, "pg.key"), "import", "users.csv"); code != 0 {
		t.Errorf("import into a schema without a directory: exit %d, %q %q", code, out, errOut)
	}
	other := postgrestest.NewURL(t)
	postgrestest.Exec(t, other, `CREATE TABLE invoices (id int)`)
	for _, args := range [][]string{{"init"}, {"export"}} {
		_, errOut, code := run(t, dir, append([]string{"--db", other}, args...)...)
		if code != 2 || !strings.Contains(errOut, "not a roster directory") {
			t.Errorf("%s on another program's schema: exit %d, %q", args[0], code, errOut)
		}
	}
}

// usePostgreSQL points the commands of a test at a new PostgreSQL
// directory, with its key in dir.
func usePostgreSQL(t *testing.T, dir string) {
	t.Setenv("ROSTER_DB", postgrestest.NewURL(t))
	t.Setenv("ROSTER_KEY_FILE", filepath.Join(dir, "roster.key"))
}

// TestKilledImportIntoPostgreSQLLeavesItAsItWas: the server rolls the
// killed process's transaction back.
func TestKilledImportIntoPostgreSQLLeavesItAsItWas(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	killedImportLeavesItAsItWas(t, dir)
}

// TestInterruptedBulkImportIntoPostgreSQLWritesNothing: the first import of
// an empty PostgreSQL directory writes on a goroutine of its own; Ctrl-C
// stops it all the same.
func TestInterruptedBulkImportIntoPostgreSQLWritesNothing(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	interruptedImportWritesNothing(t, dir)
}

func TestConcurrentImportsIntoPostgreSQLBothLand(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	concurrentImportsBothLand(t, dir)
}
