package directorytest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// The server's part of a directory: its clients, the assertions they used,
// its signing key, its operators and the sessions that were signed out.

// Services is a directory with the server's services, as both stores are.
type Services interface {
	roster.Directory
	roster.ClientService
	roster.OperatorService
}

func services(t *testing.T, db roster.Directory) Services {
	t.Helper()
	s, ok := db.(Services)
	if !ok {
		t.Fatalf("%T keeps no clients and operators", db)
	}
	return s
}

// ECKeyPEM returns the PEM of a new EC public key, as a client registers.
func ECKeyPEM(t *testing.T) string {
	t.Helper()
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

func clientsAssertionsAndRevocation(t *testing.T, s Store) {
	d, _ := s.open(t)
	db := services(t, d)
	ctx := t.Context()
	now := time.Unix(1_800_000_000, 0)
	c := &roster.Client{ID: "c1", Name: "hr", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("s"), CreatedAt: now}
	if err := db.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClient(ctx, &roster.Client{ID: "c2", Name: "bot", Tenant: "default", Scopes: []string{roster.ScopeUsersWrite},
		PublicKey: ECKeyPEM(t), CreatedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Client(ctx, "c1")
	if err != nil || !got.AllTenants || !bytes.Equal(got.SecretHash, c.SecretHash) || got.PublicKey != "" || !got.CreatedAt.Equal(now) || !got.RevokedAt.IsZero() {
		t.Fatalf("client: %+v %v", got, err)
	}
	if _, err := db.Client(ctx, "nope"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("unknown client: %v", err)
	}
	list, err := db.Clients(ctx)
	if err != nil || len(list) != 2 || list[1].Tenant != "default" || list[1].PublicKey == "" {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := db.RevokeClient(ctx, "c1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Client(ctx, "c1"); !got.RevokedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("revoked at %v", got.RevokedAt)
	}
	if err := db.RevokeClient(ctx, "nope", now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("revoke unknown: %v", err)
	}
	// A client moved from another directory may come revoked.
	gone := &roster.Client{ID: "c3", Name: "old", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("t"), CreatedAt: now, RevokedAt: now.Add(time.Hour)}
	if err := db.CreateClient(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Client(ctx, "c3"); !got.RevokedAt.Equal(gone.RevokedAt) {
		t.Fatalf("a client created revoked: revoked at %v", got.RevokedAt)
	}

	exp := now.Add(time.Minute)
	if err := db.UseAssertion(ctx, "c2", "j1", exp, now); err != nil {
		t.Fatal(err)
	}
	if err := db.UseAssertion(ctx, "c2", "j1", exp, now); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("reused jti: %v", err)
	}
	if err := db.UseAssertion(ctx, "c1", "j1", exp, now); err != nil {
		t.Fatalf("another client's jti: %v", err)
	}
	if err := db.UseAssertion(ctx, "c2", "j1", exp.Add(time.Hour), exp.Add(time.Second)); err != nil {
		t.Fatalf("a jti is forgotten once its assertion expired: %v", err)
	}
}

func clientValidation(t *testing.T, s Store) {
	d, _ := s.open(t)
	db := services(t, d)
	for _, c := range []*roster.Client{
		{ID: "a", Name: "", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{"users:all"}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}, PublicKey: ECKeyPEM(t)},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, PublicKey: "not a key"},
	} {
		if err := db.CreateClient(t.Context(), c); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// theSigningKeyIsMadeOnceAndSealed: the signing key is made once per
// directory, sealed with the directory's key (made then), every handle
// reads the same one, and without the key file the directory refuses to
// open.
func theSigningKeyIsMadeOnceAndSealed(t *testing.T, s Store) {
	ctx := t.Context()
	d, name := s.open(t)
	db := services(t, d)
	key, err := db.SigningKey(ctx)
	if err != nil || len(key) != roster.SigningKeySize {
		t.Fatalf("key %x: %v", key, err)
	}
	if again, err := db.SigningKey(ctx); err != nil || !bytes.Equal(again, key) {
		t.Fatalf("a second key %x: %v", again, err)
	}
	if theirs, err := services(t, s.MustOpen(t, name)).SigningKey(ctx); err != nil || !bytes.Equal(theirs, key) {
		t.Fatalf("another handle's key %x: %v", theirs, err)
	}
	file := s.KeyFile(t, name)
	if st, err := os.Lstat(file); err != nil || st.Mode() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	os.Rename(file, file+".bak")
	if _, err := s.Open(t, name); err == nil {
		t.Fatal("opened without its key file")
	}
}

// twoHandlesMakeOneSigningKey: servers starting at once on a new directory
// end with one key.
func twoHandlesMakeOneSigningKey(t *testing.T, s Store) {
	name := s.New(t)
	handles := make([]Services, 4)
	for i := range handles {
		handles[i] = services(t, s.MustOpen(t, name))
	}
	keys := make([][]byte, len(handles))
	var wg sync.WaitGroup
	for i, db := range handles {
		wg.Go(func() {
			var err error
			if keys[i], err = db.SigningKey(t.Context()); err != nil {
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

// marksAreKnownAtOnceDuringAWrite: a used assertion and a signed-out
// session are known at once to the handle that recorded them while
// another handle, or this handle's own import, holds the write lock; every
// other handle knows them once the write has ended and the handle that
// recorded them closed, at the latest.
func marksAreKnownAtOnceDuringAWrite(t *testing.T, s Store) {
	now := time.Now()
	for _, hold := range []string{"another handle", "this handle"} {
		t.Run(hold, func(t *testing.T) {
			ctx := t.Context()
			defer s.LockWait(5 * time.Second)()
			d, name := s.open(t)
			db := services(t, d)
			if err := db.CreateClient(ctx, &roster.Client{ID: "bot", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
				PublicKey: ECKeyPEM(t), CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateOperator(ctx, &roster.Operator{ID: "o1", Name: "ana", AllTenants: true, Role: roster.RoleAdmin,
				PasswordHash: "h", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			holder := d
			if hold == "another handle" {
				holder = s.MustOpen(t, name)
			}
			tx := begin(t, holder)
			if err := tx.Create(ctx, []*roster.User{User(id(1), "a", "")}); err != nil {
				t.Fatal(err)
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
			// Had the records waited for the write, they would have failed
			// as busy after LockWait.
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			tx.Rollback()
			db.Close()
			other := services(t, s.MustOpen(t, name))
			if err := other.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); roster.ErrorCode(err) != roster.ECONFLICT {
				t.Errorf("the replay on another handle: %v", err)
			}
			if _, err := other.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
				t.Errorf("the ended session on another handle: %v", err)
			}
		})
	}
}

func operatorsAreUniqueByFoldedNameAndDisabledEverywhere(t *testing.T, s Store) {
	d, _ := s.open(t)
	db := services(t, d)
	ctx := t.Context()
	now := time.Unix(1_800_000_000, 0)
	ana := &roster.Operator{ID: "o1", Name: "Ana", Tenant: "default", Role: roster.RoleViewer, PasswordHash: "$argon2id$x", CreatedAt: now}
	if err := db.CreateOperator(ctx, ana); err != nil {
		t.Fatal(err)
	}
	// Full-width letters and another case are the same name.
	for _, name := range []string{"ANA", "ａｎａ"} {
		err := db.CreateOperator(ctx, &roster.Operator{ID: "o-" + name, Name: name, AllTenants: true, Role: roster.RoleAdmin,
			PasswordHash: "h", CreatedAt: now})
		if roster.ErrorCode(err) != roster.ECONFLICT {
			t.Errorf("%s: %v, want a conflict", name, err)
		}
	}
	if err := db.CreateOperator(ctx, &roster.Operator{ID: "o2", Name: "root", AllTenants: true, Role: "god", PasswordHash: "h"}); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("an unknown role: %v", err)
	}
	got, err := db.Operator(ctx, "aNa")
	if err != nil || got.ID != "o1" || got.Tenant != "default" || got.AllTenants || got.Role != roster.RoleViewer || !got.CreatedAt.Equal(now) ||
		got.PasswordHash != ana.PasswordHash || !got.DisabledAt.IsZero() {
		t.Fatalf("operator: %+v %v", got, err)
	}
	if _, err := db.Operator(ctx, "bob"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("unknown operator: %v", err)
	}
	if o, err := db.SessionOperator(ctx, "o1", "s1"); err != nil || o.Name != "Ana" || o.Tenant != "default" {
		t.Fatalf("operator of a session: %+v %v", o, err)
	}
	if _, err := db.SessionOperator(ctx, "o9", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a session of no operator: %v", err)
	}
	if err := db.SetOperatorPassword(ctx, "ANA", "$argon2id$y"); err != nil {
		t.Fatal(err)
	}
	if err := db.DisableOperator(ctx, "ANA", now); err != nil {
		t.Fatal(err)
	}
	if o, err := db.SessionOperator(ctx, "o1", "s1"); err != nil || o.DisabledAt.IsZero() || o.PasswordHash != "$argon2id$y" {
		t.Fatalf("a disabled operator's session: %+v %v", o, err)
	}
	if got, _ := db.Operator(ctx, "ana"); !got.DisabledAt.Equal(now) {
		t.Fatalf("disabled at %v", got.DisabledAt)
	}
	for _, err := range []error{db.DisableOperator(ctx, "nobody", now), db.SetOperatorPassword(ctx, "nobody", "h")} {
		if roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Fatalf("a change of nobody: %v", err)
		}
	}
	// An operator moved from another directory may come disabled.
	if err := db.CreateOperator(ctx, &roster.Operator{ID: "o3", Name: "old", AllTenants: true, Role: roster.RoleViewer,
		PasswordHash: "h", CreatedAt: now, DisabledAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Operator(ctx, "old"); !got.DisabledAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("an operator created disabled: disabled at %v", got.DisabledAt)
	}
}

// endedSessions: a signed-out session is refused, on this handle and on
// another one, until it would have expired anyway; then its record is
// dropped by the next one.
func endedSessions(t *testing.T, s Store) {
	d, name := s.open(t)
	db := services(t, d)
	ctx := t.Context()
	now := time.Now()
	if err := db.CreateOperator(ctx, &roster.Operator{ID: "o1", Name: "ops", AllTenants: true, Role: roster.RoleAdmin,
		PasswordHash: "h1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.EndSession(ctx, "s1", now.Add(roster.SessionIdle)); err != nil {
		t.Fatal(err)
	}
	if err := db.EndSession(ctx, "s1", now.Add(roster.SessionIdle)); err != nil {
		t.Fatalf("signed out twice: %v", err)
	}
	if err := db.EndSession(ctx, "old", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a signed-out session: %v", err)
	}
	if _, err := db.SessionOperator(ctx, "o1", "s2"); err != nil {
		t.Fatalf("another session: %v", err)
	}
	db.Close()
	other := services(t, s.MustOpen(t, name))
	if _, err := other.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a signed-out session on another handle: %v", err)
	}
	// A record that has expired is dropped by the next one.
	if err := other.EndSession(ctx, "s3", now.Add(roster.SessionIdle)); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if _, err := services(t, s.MustOpen(t, name)).SessionOperator(ctx, "o1", "old"); err != nil {
		t.Fatalf("the expired record was kept: %v", err)
	}
}

// listsAreOldestFirstWithinASecond: clients and operators made within one
// second are listed in the order they were made, whatever their IDs and
// names.
func listsAreOldestFirstWithinASecond(t *testing.T, s Store) {
	d, _ := s.open(t)
	db := services(t, d)
	ctx := t.Context()
	now := time.Unix(1_800_000_000, 0)
	for _, id := range []string{"z", "m", "a"} {
		if err := db.CreateClient(ctx, &roster.Client{ID: id, Name: id, AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
			SecretHash: roster.HashSecret(id), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateOperator(ctx, &roster.Operator{ID: id, Name: id, AllTenants: true, Role: roster.RoleViewer,
			PasswordHash: "h", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	clients, _ := db.Clients(ctx)
	operators, _ := db.Operators(ctx)
	for i, want := range []string{"z", "m", "a"} {
		if clients[i].ID != want || operators[i].Name != want {
			t.Fatalf("at %d: client %s, operator %s; want %s", i, clients[i].ID, operators[i].Name, want)
		}
	}
}

// aServedDirectorysReadersNeverWaitForItsFirstImport: a directory that a
// server uses (it has clients) is read at any time, so even its first
// import, which a store may speed up by making readers wait, leaves every
// reader free.
func aServedDirectorysReadersNeverWaitForItsFirstImport(t *testing.T, s Store) {
	d, name := s.open(t)
	db := services(t, d)
	if err := db.CreateClient(t.Context(), &roster.Client{ID: "c", Name: "c", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("s"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	writer := s.MustOpen(t, name)
	tx := begin(t, writer)
	if err := tx.Bulk(t.Context()); err != nil {
		t.Fatal(err)
	}
	var users []*roster.User
	for i := range 3000 {
		users = append(users, User(id(i), fmt.Sprintf("u%d", i), fmt.Sprintf("u%d@example.com", i)))
	}
	if err := tx.Create(t.Context(), users); err != nil {
		t.Fatal(err)
	}
	reader := services(t, s.MustOpen(t, name))
	// A reader that waited would fail at its deadline rather than hang.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	n := 0
	if err := reader.Export(ctx, "", false, func(*roster.User) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("an export during the first import: %v, %d users", err, n)
	}
	if _, err := reader.Client(ctx, "c"); err != nil {
		t.Fatalf("a client during the first import: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// serverStateMoves: the signing key and the marks in force are read
// without making anything, and stored in a directory whose servers left
// none, where tokens, sessions and marks then hold as they did; a
// directory that has a signing key refuses another.
func serverStateMoves(t *testing.T, s Store) {
	ctx := t.Context()
	d, _ := s.open(t)
	from := services(t, d)
	state := func(db Services) *roster.ServerState {
		t.Helper()
		st, err := db.(interface {
			ServerState(context.Context) (*roster.ServerState, error)
		}).ServerState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := state(from); st.SigningKey != nil || len(st.Assertions)+len(st.EndedSessions) != 0 {
		t.Fatalf("the state of a new directory: %+v", st)
	}
	now := time.Now()
	if err := from.CreateClient(ctx, &roster.Client{ID: "bot", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		PublicKey: ECKeyPEM(t), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	key, err := from.SigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{from.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now), from.EndSession(ctx, "s1", now.Add(time.Hour)),
		from.EndSession(ctx, "gone", now.Add(-time.Hour))} {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := state(from)
	if !bytes.Equal(st.SigningKey, key) || len(st.Assertions) != 1 || st.Assertions[0].JTI != "j1" || len(st.EndedSessions) != 1 || st.EndedSessions[0].ID != "s1" {
		t.Fatalf("the state read: %+v", st)
	}

	d, name := s.open(t)
	to := services(t, d)
	if err := to.CreateClient(ctx, &roster.Client{ID: "bot", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		PublicKey: ECKeyPEM(t), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := to.CreateOperator(ctx, &roster.Operator{ID: "o1", Name: "ana", AllTenants: true, Role: roster.RoleAdmin,
		PasswordHash: "h", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	set := to.(interface {
		SetServerState(context.Context, *roster.ServerState) error
	}).SetServerState
	if err := set(ctx, st); err != nil {
		t.Fatal(err)
	}
	again := services(t, s.MustOpen(t, name))
	if got, err := again.SigningKey(ctx); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("the signing key moved: %x %v", got, err)
	}
	if err := again.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a used assertion moved: %v", err)
	}
	if _, err := again.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("an ended session moved: %v", err)
	}
	if _, err := again.SessionOperator(ctx, "o1", "s2"); err != nil {
		t.Fatalf("a session that did not end: %v", err)
	}
	if err := set(ctx, st); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a second signing key: %v", err)
	}
}
