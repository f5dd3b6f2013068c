package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
)

// withSecrets is a user with a SIP secret, a voicemail PIN and a
// call-permission PIN, all three sealed at rest; n makes its values unique.
func withSecrets(n int) *roster.User {
	u := user(fmt.Sprintf("00000000-0000-4000-8000-%012d", n), fmt.Sprintf("u%d", n), "")
	u.CallPermissionPassword = fmt.Sprint(7000 + n)
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: fmt.Sprint(1000 + n), SIPUsername: fmt.Sprintf("sip%d", n),
		SIPSecret: fmt.Sprintf("Sip-Secret-%d", n), ProvisioningCode: fmt.Sprint(100000 + n)}
	u.Voicemail = &roster.Voicemail{Name: "V", Number: fmt.Sprint(1000 + n), Context: "default", Password: fmt.Sprint(90000 + n), AskPassword: true}
	return u
}

// exportSecrets exports the directory with its secrets and checks that
// every user's secrets read back as withSecrets made them.
func exportSecrets(t *testing.T, db *sqlite.DB, want int) error {
	t.Helper()
	n := 0
	err := db.Export(context.Background(), "", true, func(u *roster.User) error {
		var i int
		fmt.Sscanf(u.Username, "u%d", &i)
		w := withSecrets(i)
		if u.Line == nil || u.Voicemail == nil || u.Line.SIPSecret != w.Line.SIPSecret || u.Voicemail.Password != w.Voicemail.Password ||
			u.CallPermissionPassword != w.CallPermissionPassword {
			t.Errorf("%s: secrets read back wrong", u.Username)
		}
		n++
		return nil
	})
	if err == nil && n != want {
		t.Errorf("%d users exported, want %d", n, want)
	}
	return err
}

// sealedDirectory makes a directory holding sealed secrets, closed.
func sealedDirectory(t *testing.T) string {
	t.Helper()
	db, path := MustOpenDB(t)
	if err := create(t, db, withSecrets(1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return path
}

// TestTenFirstImportsMakeOneKey starts ten first imports of users with
// secrets into one new path at once: they must end with one key file that
// opens every secret they sealed.
func TestTenFirstImportsMakeOneKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 10 {
		wg.Go(func() {
			<-start
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			tx, err := db.Begin(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if err := tx.Create(ctx, []*roster.User{withSecrets(i)}); err != nil {
				tx.Rollback()
				t.Error(err)
				return
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	db, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := exportSecrets(t, db, 10); err != nil {
		t.Fatal(err)
	}
}

// TestNoKeyUntilASecretIsSealed: a directory gets its key with its first
// sealed secret, in the transaction that seals it, owner-only.
func TestNoKeyUntilASecretIsSealed(t *testing.T) {
	db, path := MustOpenDB(t)
	if err := create(t, db, user("00000000-0000-4000-8000-000000000001", "plain", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".key"); !os.IsNotExist(err) {
		t.Fatalf("a key file without any secret: %v", err)
	}
	if err := create(t, db, withSecrets(2)); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(path + ".key"); err != nil || st.Mode() != 0o600 {
		t.Fatalf("key file: %v %v, want a regular file of mode 0600", st, err)
	}
}

// TestADirectoryWithoutItsKeyRefusesToOpen: a directory copied without its
// key file must not get a new key: it refuses to open, naming the file and
// what to do, and makes no key.
func TestADirectoryWithoutItsKeyRefusesToOpen(t *testing.T) {
	path := sealedDirectory(t)
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(context.Context, string) (*sqlite.DB, error){"Open": sqlite.Open, "OpenExisting": sqlite.OpenExisting} {
		db, err := open(context.Background(), path)
		if err == nil {
			db.Close()
			t.Fatalf("%s opened a directory whose key is missing", name)
		}
		if msg := err.Error(); roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(msg, path+".key") || !strings.Contains(msg, "backup") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := os.Stat(path + ".key"); !os.IsNotExist(err) {
		t.Fatalf("a new key was made: %v", err)
	}
}

// TestAnotherDirectorysKeyIsRefused: with the key of another directory, a
// plain export still works (it needs no key), but nothing is opened or
// sealed with the wrong key.
func TestAnotherDirectorysKeyIsRefused(t *testing.T) {
	path, other := sealedDirectory(t), sealedDirectory(t)
	b, err := os.ReadFile(other + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".key", b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenExisting(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Export(context.Background(), "", false, func(*roster.User) error { return nil }); err != nil {
		t.Fatalf("a plain export needs the key: %v", err)
	}
	if err := exportSecrets(t, db, 1); err == nil || !strings.Contains(err.Error(), "not the key of this directory") {
		t.Fatalf("export with secrets under another's key: %v", err)
	}
	if err := create(t, db, withSecrets(2)); err == nil || !strings.Contains(err.Error(), "not the key of this directory") {
		t.Fatalf("sealing under another's key: %v", err)
	}
}

// TestAKeyOthersCanReadIsRefused: a key file readable by others, or a link,
// is not used (a plain export, which needs no key, still works).
func TestAKeyOthersCanReadIsRefused(t *testing.T) {
	path := sealedDirectory(t)
	if err := os.Chmod(path+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenExisting(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Export(context.Background(), "", false, func(*roster.User) error { return nil }); err != nil {
		t.Fatalf("a plain export needs the key: %v", err)
	}
	if err := exportSecrets(t, db, 1); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key readable by others: %v", err)
	}
	db.Close()

	// A link to a good key file elsewhere is refused too.
	elsewhere := filepath.Join(t.TempDir(), "key")
	if err := os.Rename(path+".key", elsewhere); err != nil {
		t.Fatal(err)
	}
	os.Chmod(elsewhere, 0o600)
	if err := os.Symlink(elsewhere, path+".key"); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.OpenExisting(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := exportSecrets(t, db, 1); err == nil || !strings.Contains(err.Error(), "is a link") {
		t.Fatalf("a key file that is a link: %v", err)
	}
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
	if err := exportSecrets(t, db, 1); err != nil {
		t.Fatal(err)
	}
	if err := create(t, db, withSecrets(2)); err != nil {
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
	if err := create(t, db, withSecrets(2)); err != nil {
		t.Fatal(err)
	}
	if err := exportSecrets(t, db, 2); err != nil {
		t.Fatal(err)
	}
}

// TestAKeyFileLeftWithoutARecord: a directory that has sealed nothing yet
// uses a valid key file already there (left by a run that did not commit),
// refuses a damaged one, saying that it may be removed, and never writes
// through a link put where its key would go.
func TestAKeyFileLeftWithoutARecord(t *testing.T) {
	db, path := MustOpenDB(t)
	other := sealedDirectory(t)
	b, _ := os.ReadFile(other + ".key")
	os.WriteFile(path+".key", b, 0o600)
	if err := create(t, db, withSecrets(1)); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path + ".key"); string(got) != string(b) {
		t.Fatal("the key file left there was replaced")
	}

	db, path = MustOpenDB(t)
	os.WriteFile(path+".key", []byte("half a ke"), 0o600)
	if err := create(t, db, withSecrets(1)); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("a damaged key file: %v", err)
	}

	db, path = MustOpenDB(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.Symlink(target, path+".key"); err != nil {
		t.Fatal(err)
	}
	if err := create(t, db, withSecrets(1)); err == nil || !strings.Contains(err.Error(), "is a link") {
		t.Fatalf("a link where the key goes: %v", err)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Fatalf("a key was written through the link: %v", err)
	}
}
