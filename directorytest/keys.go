package directorytest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster"
)

// The key that seals a directory's secrets: made by the first transaction
// that seals one, recorded in the directory, and from then on required and
// checked (package seal).

// WithSecrets is a user with a SIP secret, a voicemail PIN and a
// call-permission PIN, all three sealed at rest; n makes its values unique.
func WithSecrets(n int) *roster.User {
	u := User(id(n), fmt.Sprintf("u%d", n), "")
	u.CallPermissionPassword = fmt.Sprint(7000 + n)
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: fmt.Sprint(1000 + n), SIPUsername: fmt.Sprintf("sip%d", n),
		SIPSecret: fmt.Sprintf("Sip-Secret-%d", n), ProvisioningCode: fmt.Sprint(100000 + n)}
	u.Voicemail = &roster.Voicemail{Name: "V", Number: fmt.Sprint(1000 + n), Context: "default", Password: fmt.Sprint(90000 + n), AskPassword: true}
	return u
}

// ExportSecrets exports a directory with its secrets and checks that every
// user's secrets read back as WithSecrets made them.
func ExportSecrets(t *testing.T, db roster.Directory, want int) error {
	t.Helper()
	n := 0
	err := db.Export(t.Context(), "", true, func(u *roster.User) error {
		var i int
		fmt.Sscanf(u.Username, "u%d", &i)
		w := WithSecrets(i)
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

// sealed makes a directory holding sealed secrets, closed, and returns its
// name.
func (s Store) sealed(t *testing.T) string {
	t.Helper()
	name := s.New(t)
	db := s.MustOpen(t, name)
	mustCreate(t, db, WithSecrets(1))
	db.Close()
	return name
}

// exportPlain exports a directory without its secrets, which needs no key.
func exportPlain(t *testing.T, db roster.Directory) error {
	return db.Export(t.Context(), "", false, func(*roster.User) error { return nil })
}

// tenFirstSealsMakeOneKey: ten handles of one new directory seal their
// first secrets at once; they must end with one key that opens them all.
func tenFirstSealsMakeOneKey(t *testing.T, s Store) {
	ctx := t.Context()
	name := s.New(t)
	var handles []roster.Directory
	for range 10 {
		handles = append(handles, s.MustOpen(t, name))
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, db := range handles {
		wg.Go(func() {
			<-start
			tx, err := db.Begin(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer tx.Rollback()
			if err := tx.Create(ctx, []*roster.User{WithSecrets(i)}); err != nil {
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
	if err := ExportSecrets(t, s.MustOpen(t, name), 10); err != nil {
		t.Fatal(err)
	}
}

// noKeyUntilASecretIsSealed: a directory gets its key with its first
// sealed secret, in the transaction that seals it, owner-only.
func noKeyUntilASecretIsSealed(t *testing.T, s Store) {
	db, name := s.open(t)
	key := s.KeyFile(t, name)
	mustCreate(t, db, User(id(1), "plain", ""))
	if _, err := os.Lstat(key); !os.IsNotExist(err) {
		t.Fatalf("a key file without any secret: %v", err)
	}
	mustCreate(t, db, WithSecrets(2))
	if st, err := os.Lstat(key); err != nil || st.Mode() != 0o600 {
		t.Fatalf("key file: %v %v, want a regular file of mode 0600", st, err)
	}
}

// aDirectoryWithoutItsKeyRefusesToOpen: a directory whose key file is gone
// must not get a new key: it refuses to open, naming the file and what to
// do, and makes no key.
func aDirectoryWithoutItsKeyRefusesToOpen(t *testing.T, s Store) {
	name := s.sealed(t)
	key := s.KeyFile(t, name)
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	_, err := s.Open(t, name)
	if err == nil {
		t.Fatal("a directory whose key is missing opened")
	}
	if msg := err.Error(); roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(msg, key) || !strings.Contains(msg, "backup") {
		t.Errorf("opening without the key: %v", err)
	}
	if _, err := os.Lstat(key); !os.IsNotExist(err) {
		t.Fatalf("a new key was made: %v", err)
	}
}

// anotherDirectorysKeyIsRefused: with the key of another directory, a plain
// export still works (it needs no key), but nothing is opened or sealed
// with the wrong key.
func anotherDirectorysKeyIsRefused(t *testing.T, s Store) {
	name, other := s.sealed(t), s.sealed(t)
	b, err := os.ReadFile(s.KeyFile(t, other))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.KeyFile(t, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
	db := s.MustOpen(t, name)
	if err := exportPlain(t, db); err != nil {
		t.Fatalf("a plain export needs the key: %v", err)
	}
	if err := ExportSecrets(t, db, 1); err == nil || !strings.Contains(err.Error(), "not the key of this directory") {
		t.Fatalf("export with secrets under another's key: %v", err)
	}
	if err := Create(t, db, WithSecrets(2)); err == nil || !strings.Contains(err.Error(), "not the key of this directory") {
		t.Fatalf("sealing under another's key: %v", err)
	}
}

// aKeyOthersCanReadIsRefused: a key file readable by others, or a link, is
// not used (a plain export, which needs no key, still works).
func aKeyOthersCanReadIsRefused(t *testing.T, s Store) {
	name := s.sealed(t)
	key := s.KeyFile(t, name)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	db := s.MustOpen(t, name)
	if err := exportPlain(t, db); err != nil {
		t.Fatalf("a plain export needs the key: %v", err)
	}
	if err := ExportSecrets(t, db, 1); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key readable by others: %v", err)
	}
	db.Close()

	// A link to a good key file elsewhere is refused too.
	elsewhere := filepath.Join(t.TempDir(), "key")
	if err := os.Rename(key, elsewhere); err != nil {
		t.Fatal(err)
	}
	os.Chmod(elsewhere, 0o600)
	if err := os.Symlink(elsewhere, key); err != nil {
		t.Fatal(err)
	}
	db = s.MustOpen(t, name)
	if err := ExportSecrets(t, db, 1); err == nil || !strings.Contains(err.Error(), "is a link") {
		t.Fatalf("a key file that is a link: %v", err)
	}
}

// aKeyFileLeftWithoutARecord: a directory that has sealed nothing yet uses
// a valid key file already there (left by a run that did not commit),
// refuses a damaged one, saying that it may be removed, and never writes
// through a link put where its key would go.
func aKeyFileLeftWithoutARecord(t *testing.T, s Store) {
	db, name := s.open(t)
	b, _ := os.ReadFile(s.KeyFile(t, s.sealed(t)))
	os.WriteFile(s.KeyFile(t, name), b, 0o600)
	mustCreate(t, db, WithSecrets(1))
	if got, _ := os.ReadFile(s.KeyFile(t, name)); string(got) != string(b) {
		t.Fatal("the key file left there was replaced")
	}

	db, name = s.open(t)
	os.WriteFile(s.KeyFile(t, name), []byte("half a ke"), 0o600)
	if err := Create(t, db, WithSecrets(1)); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Fatalf("a damaged key file: %v", err)
	}

	db, name = s.open(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.Symlink(target, s.KeyFile(t, name)); err != nil {
		t.Fatal(err)
	}
	if err := Create(t, db, WithSecrets(1)); err == nil || !strings.Contains(err.Error(), "is a link") {
		t.Fatalf("a link where the key goes: %v", err)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Fatalf("a key was written through the link: %v", err)
	}
}
