package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
)

// The key's contract is directorytest's; these are the SQLite directory's
// own cases: its key beside the real file, and directories sealed before
// keys were recorded.

// sealedDirectory makes a directory holding sealed secrets, closed.
func sealedDirectory(t *testing.T) string {
	t.Helper()
	db, path := MustOpenDB(t)
	if err := directorytest.Create(t, db, directorytest.WithSecrets(1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

// TestADirectoryOpenedThroughALinkFindsItsKey: the key is beside the real
// file, not beside the link.
func TestADirectoryOpenedThroughALinkFindsItsKey(t *testing.T) {
	path := sealedDirectory(t)
	link := filepath.Join(t.TempDir(), "link.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := directorytest.ExportSecrets(t, db, 1); err != nil {
		t.Fatal(err)
	}
	if err := directorytest.Create(t, db, directorytest.WithSecrets(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link + ".key"); !os.IsNotExist(err) {
		t.Fatalf("a key was made beside the link: %v", err)
	}
}

// TestADirectorySealedBeforeKeysWereRecorded: a directory whose secrets
// were sealed before the settings table existed is migrated with its key
// marked as needed; without the key file it refuses to open, and with it,
// the first run that seals records the key once it opens the secrets.
func TestADirectorySealedBeforeKeysWereRecorded(t *testing.T) {
	ctx := context.Background()
	path := sealedDirectory(t)
	// What the file looked like before the migration.
	sqlitetest.Exec(t, path, `DROP TABLE settings`, `DELETE FROM migrations WHERE name LIKE '%settings%'`)
	os.Rename(path+".key", path+".key.bak")
	if db, err := sqlite.OpenExisting(ctx, path); err == nil || !strings.Contains(err.Error(), "missing") {
		if db != nil {
			db.Close()
		}
		t.Fatalf("an old directory without its key: %v", err)
	}
	os.Rename(path+".key.bak", path+".key")
	db, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := directorytest.Create(t, db, directorytest.WithSecrets(2)); err != nil {
		t.Fatal(err)
	}
	if err := directorytest.ExportSecrets(t, db, 2); err != nil {
		t.Fatal(err)
	}
}
