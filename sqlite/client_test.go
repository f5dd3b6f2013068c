package sqlite_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/sqlite"
)

func TestClientsAssertionsAndRevocation(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	c := &roster.Client{ID: "c1", Name: "hr", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("s"), CreatedAt: now}
	if err := db.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClient(ctx, &roster.Client{ID: "c2", Name: "bot", Tenant: "default", Scopes: []string{roster.ScopeUsersWrite},
		PublicKey: ecKeyPEM(t), CreatedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Client(ctx, "c1")
	if err != nil || !got.AllTenants || !bytes.Equal(got.SecretHash, c.SecretHash) || got.PublicKey != "" || !got.CreatedAt.Equal(now) {
		t.Fatalf("client: %+v %v", got, err)
	}
	if _, err := db.Client(ctx, "nope"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("unknown client: %v", err)
	}
	list, err := db.Clients(ctx)
	if err != nil || len(list) != 2 || list[1].Tenant != "default" || list[1].PublicKey == "" {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := db.RevokeClient(ctx, "c1", now); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Client(ctx, "c1"); got.RevokedAt.IsZero() {
		t.Fatal("revocation not recorded")
	}
	if err := db.RevokeClient(ctx, "nope", now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("revoke unknown: %v", err)
	}

	exp := now.Add(time.Minute)
	if err := db.UseAssertion(ctx, "c2", "j1", exp, now); err != nil {
		t.Fatal(err)
	}
	if err := db.UseAssertion(ctx, "c2", "j1", exp, now); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("reused jti: %v", err)
	}
	if err := db.UseAssertion(ctx, "c2", "j1", exp.Add(time.Hour), exp.Add(time.Second)); err != nil {
		t.Fatalf("a jti is forgotten once its assertion expired: %v", err)
	}
}

// The signing key is made once per directory, sealed with the directory's
// key (made then), and every handle on the directory reads the same one.
func TestTheSigningKeyIsMadeOnceAndSealed(t *testing.T) {
	ctx := context.Background()
	db, path := MustOpenDB(t)
	key, err := db.SigningKey(ctx)
	if err != nil || len(key) != roster.SigningKeySize {
		t.Fatalf("key %x: %v", key, err)
	}
	if again, err := db.SigningKey(ctx); err != nil || !bytes.Equal(again, key) {
		t.Fatalf("a second key %x: %v", again, err)
	}
	other, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if theirs, err := other.SigningKey(ctx); err != nil || !bytes.Equal(theirs, key) {
		t.Fatalf("another handle's key %x: %v", theirs, err)
	}
	if st, err := os.Lstat(path + ".key"); err != nil || st.Mode() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	db.Close()
	other.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, key) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(key))) {
		t.Fatal("the database file holds the signing key in clear")
	}
	// Without its key file, the directory refuses to open: its signing
	// key cannot be read.
	os.Rename(path+".key", path+".key.bak")
	if db, err := sqlite.OpenExisting(ctx, path); err == nil {
		db.Close()
		t.Fatal("opened without its key file")
	}
}

// Two servers starting at once on a new directory end with one key.
func TestTwoHandlesMakeOneSigningKey(t *testing.T) {
	ctx := context.Background()
	_, path := MustOpenDB(t)
	keys := make([][]byte, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			db, err := sqlite.OpenExisting(ctx, path)
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			if keys[i], err = db.SigningKey(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys %x", keys)
		}
	}
}

// A used assertion and a signed-out session are known at once to the
// handle that recorded them while another handle, or this handle's own
// import, holds the write lock; the others learn them once the lock is
// free and the records written.
func TestMarksDoNotWaitForAWriter(t *testing.T) {
	busyTimeout(t, 5*time.Second)
	ctx := context.Background()
	now := time.Now()
	for _, hold := range []string{"another handle", "this handle"} {
		t.Run(hold, func(t *testing.T) {
			db, path := MustOpenDB(t)
			if err := db.CreateClient(ctx, &roster.Client{ID: "bot", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
				PublicKey: ecKeyPEM(t), CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateOperator(ctx, &roster.Operator{ID: "o1", Name: "ana", AllTenants: true, Role: roster.RoleAdmin,
				PasswordHash: "h", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			var tx roster.Tx
			if hold == "this handle" {
				var err error
				if tx, err = db.Begin(ctx); err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
			} else {
				tx = holdWrite(t, path)
			}
			done := make(chan error)
			go func() {
				done <- func() error {
					if err := db.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); err != nil {
						return err
					}
					if err := db.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); roster.ErrorCode(err) != roster.ECONFLICT {
						return fmt.Errorf("the replay: %v", err)
					}
					if err := db.EndSession(ctx, "s1", now.Add(time.Hour)); err != nil {
						return err
					}
					if _, err := db.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
						return fmt.Errorf("the ended session: %v", err)
					}
					if o, err := db.SessionOperator(ctx, "o1", "s2"); err != nil || o.Name != "ana" {
						return fmt.Errorf("another session: %+v %v", o, err)
					}
					return nil
				}()
			}()
			// Released only once the records are made: had they waited for
			// the write, they would have failed as busy.
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			tx.Rollback()
			db.Close() // writes what waited
			other, err := sqlite.OpenExisting(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if err := other.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); roster.ErrorCode(err) != roster.ECONFLICT {
				t.Errorf("the replay on another handle: %v", err)
			}
			if _, err := other.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
				t.Errorf("the ended session on another handle: %v", err)
			}
		})
	}
}

// A directory with API clients or operators stays in WAL mode when it
// takes its first users: a server reads it at any time (each token's
// client, each page's operator), and with a rollback journal a large
// first import would make those reads wait.
func TestADirectoryWithClientsKeepsWAL(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenDB(t)
	if err := db.CreateClient(ctx, &roster.Client{ID: "c", Name: "c", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("s"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := directorytest.Create(t, db, directorytest.User("00000000-0000-4000-8000-000000000001", "first", "")); err != nil {
		t.Fatal(err)
	}
	if m, err := db.JournalMode(ctx); err != nil || m != "wal" {
		t.Fatalf("journal mode %q: %v", m, err)
	}
}

func TestClientValidation(t *testing.T) {
	db, _ := MustOpenDB(t)
	for _, c := range []*roster.Client{
		{ID: "a", Name: "", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{"users:all"}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}, PublicKey: ecKeyPEM(t)},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, PublicKey: "not a key"},
	} {
		if err := db.CreateClient(context.Background(), c); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func ecKeyPEM(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// A used assertion that the directory refuses (its client is gone) is
// dropped when the marks that waited are written, instead of keeping the
// others from being written.
func TestAMarkTheDirectoryRefusesDoesNotStopTheOthers(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	db, path := MustOpenDB(t)
	if err := db.CreateClient(ctx, &roster.Client{ID: "bot", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		PublicKey: ecKeyPEM(t), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tx := holdWrite(t, path)
	for _, client := range []string{"gone", "bot"} {
		if err := db.UseAssertion(ctx, client, "j1", now.Add(time.Minute), now); err != nil {
			t.Fatal(err)
		}
	}
	tx.Rollback()
	db.Close()
	other, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("the replay on another handle: %v", err)
	}
}
