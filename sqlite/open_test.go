package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
)

// busyTimeout makes a run that waits for the write lock give up after d
// instead of ten minutes, so that a test of code that waits fails instead
// of hanging.
func busyTimeout(t *testing.T, d time.Duration) {
	t.Helper()
	old := sqlite.BusyTimeout
	sqlite.BusyTimeout = d
	t.Cleanup(func() { sqlite.BusyTimeout = old })
}

// holdWrite opens the directory on a handle of its own and starts a write
// transaction there, which the test ends or its cleanup rolls back.
func holdWrite(t *testing.T, path string) roster.Tx {
	t.Helper()
	writer, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := writer.Begin(context.Background())
	if err != nil {
		writer.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tx.Rollback()
		writer.Close()
	})
	return tx
}

// TestADirectoryFromANewerRosterIsRefused: a migration this roster does not
// know means a newer roster made the file: it is refused, unwritten.
func TestADirectoryFromANewerRosterIsRefused(t *testing.T) {
	_, path := MustOpenDB(t)
	sqlitetest.Exec(t, path, `PRAGMA journal_mode = DELETE`, `INSERT INTO migrations (name) VALUES ('migration/9999_future.sql')`)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(context.Context, string) (*sqlite.DB, error){"Open": sqlite.Open, "OpenExisting": sqlite.OpenExisting} {
		db, err := open(context.Background(), path)
		if err == nil {
			db.Close()
			t.Fatalf("%s opened a directory of a newer roster", name)
		}
		if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "newer roster") || !strings.Contains(err.Error(), "9999_future") {
			t.Errorf("%s: %v", name, err)
		}
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the directory of a newer roster was written to")
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the directory of a newer roster was given a write-ahead log")
	}
}

// TestOnlyARosterDirectoryOpens: a missing file, an empty one, another
// program's SQLite database and a file that is no database are told apart,
// and none is changed.
func TestOnlyARosterDirectoryOpens(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	sqlitetest.Exec(t, other, `CREATE TABLE things (x)`)
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	dangling := filepath.Join(dir, "dangling.db")
	os.Symlink(filepath.Join(dir, "nowhere.db"), dangling)
	text := filepath.Join(dir, "users.csv")
	os.WriteFile(text, []byte("username,firstname\nalice,Alice\n"+strings.Repeat("x", 200)+"\n"), 0o644)
	for _, c := range []struct {
		path   string
		create bool
		want   string
	}{
		{filepath.Join(dir, "missing.db"), false, "roster init creates one"},
		{empty, false, "it is empty"},
		{other, true, "with other tables"},
		{other, false, "with other tables"},
		{text, true, "not an SQLite database"},
		{filepath.Join(dir, "no", "such", "folder.db"), true, "there is no folder"},
		{dir, true, "is a folder"},
		{dangling, true, "a link to a file that does not exist"},
	} {
		open := sqlite.OpenExisting
		if c.create {
			open = sqlite.Open
		}
		before, _ := os.ReadFile(c.path)
		db, err := open(context.Background(), c.path)
		if err == nil {
			db.Close()
			t.Errorf("%s (create %v) opened", c.path, c.create)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s (create %v): %v, want %q", c.path, c.create, err, c.want)
		}
		if after, _ := os.ReadFile(c.path); !bytes.Equal(before, after) {
			t.Errorf("%s was changed", c.path)
		}
	}
	for _, name := range []string{"missing.db", "nowhere.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s was created: %v", name, err)
		}
	}
}

// TestAWriterSwitchesADirectoryWithUsersToWAL: a directory with users left
// with a rollback journal (its first import was killed between its commit
// and its close) is switched back to WAL by the next write, before it
// writes, so that its readers do not wait for it.
func TestAWriterSwitchesADirectoryWithUsersToWAL(t *testing.T) {
	busyTimeout(t, 2*time.Second)
	ctx := context.Background()
	db, path := MustOpenDB(t)
	if err := directorytest.Create(t, db, directorytest.User("00000000-0000-4000-8000-000000000001", "a", "")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sqlitetest.Exec(t, path, `PRAGMA journal_mode = DELETE`)
	tx := holdWrite(t, path)
	if err := tx.Create(ctx, []*roster.User{directorytest.User("00000000-0000-4000-8000-000000000002", "b", "")}); err != nil {
		t.Fatal(err)
	}
	reader, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if m, err := reader.JournalMode(ctx); err != nil || m != "wal" {
		t.Fatalf("the directory runs in %s mode during the write (%v), want wal", m, err)
	}
	n := 0
	if err := reader.Export(ctx, "", false, func(*roster.User) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("export while a write runs: %v, %d users, want 1", err, n)
	}
}
