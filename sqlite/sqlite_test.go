package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/sqlite"
)

// MustOpenDB opens a new directory in a temporary folder.
func MustOpenDB(tb testing.TB) (*sqlite.DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "roster.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, path
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	db, path := MustOpenDB(t)
	ctx := context.Background()
	u := directorytest.User("00000000-0000-4000-8000-0000000000bb", "a", "")
	u.CallPermissionPassword = "73915"
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", SIPSecret: "Sip-Secret-7391", ProvisioningCode: "111111"}
	u.Voicemail = &roster.Voicemail{Name: "A", Number: "1000", Context: "default", Password: "918273645", AskPassword: true}
	if err := directorytest.Create(t, db, u); err != nil {
		t.Fatal(err)
	}
	tx, _ := db.Begin(ctx)
	got, err := tx.Users(ctx, []int64{u.ID})
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	g := got[u.ID]
	if g.Line.SIPSecret != "Sip-Secret-7391" || g.Voicemail.Password != "918273645" || g.CallPermissionPassword != "73915" {
		t.Fatalf("secrets read back as %q %q %q", g.Line.SIPSecret, g.Voicemail.Password, g.CallPermissionPassword)
	}
	db.Close()
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		for _, s := range []string{"Sip-Secret-7391", "918273645", "73915"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the secret %s in plaintext", filepath.Base(f), s)
			}
		}
	}
	if st, err := os.Stat(path + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
}

// TestAnEmptyDirectoryTakesItsFirstImportWithARollbackJournal checks the
// journal modes: a rollback journal while a directory has no user, WAL
// once it has some, and WAL again when the first session closes.
func TestAnEmptyDirectoryTakesItsFirstImportWithARollbackJournal(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	mode := func(db *sqlite.DB) string {
		t.Helper()
		m, err := db.JournalMode(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(db); m != "delete" {
		t.Fatalf("an empty directory runs in %s mode", m)
	}
	if err := directorytest.Create(t, db, directorytest.User("00000000-0000-4000-8000-0000000000e1", "a", "")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m := mode(db); m != "wal" {
		t.Fatalf("a directory with users runs in %s mode", m)
	}
}

// TestANewDirectoryHasLargePages checks the page size that a new file is
// created with, read from the file's header (bytes 16–17, big-endian).
func TestANewDirectoryHasLargePages(t *testing.T) {
	db, path := MustOpenDB(t)
	db.Close()
	head := make([]byte, 18)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadAt(head, 0); err != nil {
		t.Fatal(err)
	}
	if size := int(head[16])<<8 | int(head[17]); size != 16384 {
		t.Fatalf("page size %d, want 16384", size)
	}
}

func TestDirectoryContract(t *testing.T) {
	directorytest.Run(t, directorytest.Store{
		New: func(t *testing.T) string { return filepath.Join(t.TempDir(), "roster.db") },
		Open: func(t *testing.T, name string) (roster.Directory, error) {
			db, err := sqlite.Open(t.Context(), name)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { db.Close() })
			return db, nil
		},
		KeyFile: func(_ *testing.T, name string) string { return name + ".key" },
		LockWait: func(d time.Duration) func() {
			old := sqlite.BusyTimeout
			sqlite.BusyTimeout = d
			return func() { sqlite.BusyTimeout = old }
		},
	})
}
