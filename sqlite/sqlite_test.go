package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// create stores users in one transaction and returns its error.
func create(t *testing.T, db *sqlite.DB, users ...*roster.User) error {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, users); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func user(uuid, username, email string) *roster.User {
	u := roster.NewUser()
	u.UUID, u.Username, u.Email, u.Firstname, u.Tenant, u.Role = uuid, username, email, "Test", "default", "user"
	return u
}

func TestNewDirectoryHoldsTheDefaultReferenceData(t *testing.T) {
	db, _ := MustOpenDB(t)
	ref, err := db.Reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tn := ref.Tenant("")
	if tn == nil || tn.Name != "default" || tn.ID != 1 || tn.DefaultRole != "user" {
		t.Fatalf("default tenant: %+v", tn)
	}
	if c := tn.Context("default"); c == nil || c.Kind != roster.Internal || !c.InRanges("1500") || c.InRanges("2500") {
		t.Fatalf("default context: %+v", c)
	}
	if c := tn.Context("from-extern"); c == nil || c.Kind != roster.Incoming || !c.InRanges("2500") {
		t.Fatalf("incall context: %+v", c)
	}
	for _, role := range []string{"user", "agent", "supervisor", "admin"} {
		if _, ok := tn.Lookup(roster.KindRole, role); !ok {
			t.Errorf("no role %s", role)
		}
	}
	for _, p := range []string{"Client", "Agent", "Supervisor"} {
		if _, ok := tn.Lookup(roster.KindCTIProfile, p); !ok {
			t.Errorf("no CTI profile %s", p)
		}
	}
}

func TestReopeningMigratesNothingTwice(t *testing.T) {
	_, path := MustOpenDB(t)
	for range 2 {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := db.Reference(context.Background())
		if len(ref.Tenants) != 1 {
			t.Fatalf("%d tenants after reopening", len(ref.Tenants))
		}
		db.Close()
	}
}

func TestSchemaRefusesRepeatedUsernamesAndEmailsWhateverTheCase(t *testing.T) {
	db, _ := MustOpenDB(t)
	if err := create(t, db, user("00000000-0000-4000-8000-000000000001", "Bob", "Bob@Example.com")); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*roster.User{
		user("00000000-0000-4000-8000-000000000002", "bob", "other@example.com"),
		user("00000000-0000-4000-8000-000000000003", "other", "bob@example.com"),
		user("00000000-0000-4000-8000-000000000001", "third", "third@example.com"),
	} {
		if err := create(t, db, u); roster.ErrorCode(err) != roster.ECONFLICT {
			t.Errorf("%s/%s/%s: got %v, want a conflict", u.UUID, u.Username, u.Email, err)
		}
	}
	// Users may have neither a username nor an email.
	if err := create(t, db, user("00000000-0000-4000-8000-000000000004", "", ""), user("00000000-0000-4000-8000-000000000005", "", "")); err != nil {
		t.Fatal(err)
	}
}

func TestSchemaRefusesAnExtensionTwiceInAContext(t *testing.T) {
	db, _ := MustOpenDB(t)
	a := user("00000000-0000-4000-8000-00000000000a", "a", "")
	a.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", SIPUsername: "a", ProvisioningCode: "111111"}
	if err := create(t, db, a); err != nil {
		t.Fatal(err)
	}
	b := user("00000000-0000-4000-8000-00000000000b", "b", "")
	b.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", SIPUsername: "b", ProvisioningCode: "222222"}
	if err := create(t, db, b); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("got %v, want a conflict", err)
	}
}

func TestALineKeepsItsProtocol(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	u := user("00000000-0000-4000-8000-0000000000aa", "a", "")
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", ProvisioningCode: "111111"}
	if err := create(t, db, u); err != nil {
		t.Fatal(err)
	}
	tx, _ := db.Begin(ctx)
	defer tx.Rollback()
	u.Line.Protocol = "sccp"
	if err := tx.Update(ctx, []*roster.User{u}); err == nil || !strings.Contains(err.Error(), "protocol") {
		t.Fatalf("got %v, want the protocol refused", err)
	}
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	db, path := MustOpenDB(t)
	ctx := context.Background()
	u := user("00000000-0000-4000-8000-0000000000bb", "a", "")
	u.CallPermissionPassword = "73915"
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", SIPSecret: "Sip-Secret-7391", ProvisioningCode: "111111"}
	u.Voicemail = &roster.Voicemail{Name: "A", Number: "1000", Context: "default", Password: "918273645", AskPassword: true}
	if err := create(t, db, u); err != nil {
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

func TestBulkRebuildsItsIndexesAtCommit(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	tx, _ := db.Begin(ctx)
	if err := tx.Bulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, []*roster.User{user("00000000-0000-4000-8000-0000000000c1", "a", "a@example.com")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// The unique index is back: a second "A" is refused.
	if err := create(t, db, user("00000000-0000-4000-8000-0000000000c2", "A", "b@example.com")); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("got %v, want a conflict", err)
	}
	// A bulk load whose rows break a unique rule fails at commit.
	db2, _ := MustOpenDB(t)
	tx, _ = db2.Begin(ctx)
	tx.Bulk(ctx)
	if err := tx.Create(ctx, []*roster.User{user("00000000-0000-4000-8000-0000000000c3", "a", ""), user("00000000-0000-4000-8000-0000000000c4", "A", "")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("a bulk load with a repeated username committed")
	}
	n := 0
	db2.Export(ctx, "", true, func(*roster.User) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d users after a failed bulk load", n)
	}
}

func TestSetReferenceAddsUpdatesAndPrunes(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	ref := roster.DefaultReference()
	t0 := &ref.Tenants[0]
	t0.Contexts[0].Ranges = append(t0.Contexts[0].Ranges, "5000-5999")
	t0.CallPermissions = []roster.Object{{Name: "intl"}}
	changes, err := db.SetReference(ctx, ref, false)
	if err != nil || len(changes) != 2 {
		t.Fatalf("changes %q, %v", changes, err)
	}
	if changes, err = db.SetReference(ctx, ref, false); err != nil || len(changes) != 0 {
		t.Fatalf("second apply: changes %q, %v", changes, err)
	}
	u := user("00000000-0000-4000-8000-0000000000d1", "a", "")
	u.CallPermissions = []string{"intl"}
	if err := create(t, db, u); err != nil {
		t.Fatal(err)
	}
	t0.CallPermissions = nil
	if _, err := db.SetReference(ctx, ref, true); roster.ErrorCode(err) != roster.ECONFLICT || !strings.Contains(err.Error(), "intl") {
		t.Fatalf("pruning a permission in use: %v", err)
	}
	bad := roster.DefaultReference()
	bad.Tenants[0].Contexts[0].Ranges = []string{"10-9"}
	if _, err := db.SetReference(ctx, bad, false); roster.ErrorCode(err) != roster.EINVALID {
		t.Fatalf("bad range: %v", err)
	}
}

func TestExportIsSortedByTenantNameAndUUID(t *testing.T) {
	db, _ := MustOpenDB(t)
	mk := func(uuid, first, last string) *roster.User {
		u := user(uuid, "", "")
		u.Firstname, u.Lastname = first, last
		return u
	}
	if err := create(t, db,
		mk("00000000-0000-4000-8000-000000000003", "Ann", "Zed"),
		mk("00000000-0000-4000-8000-000000000002", "Bob", "Abel"),
		mk("00000000-0000-4000-8000-000000000001", "Bob", "Abel"),
		mk("00000000-0000-4000-8000-000000000004", "Al", "Abel")); err != nil {
		t.Fatal(err)
	}
	var got []string
	db.Export(context.Background(), "", true, func(u *roster.User) error {
		got = append(got, u.UUID[len(u.UUID)-1:])
		return nil
	})
	if strings.Join(got, "") != "4123" {
		t.Fatalf("export order %v, want 4 1 2 3", got)
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
	if err := create(t, db, user("00000000-0000-4000-8000-0000000000e1", "a", "")); err != nil {
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

// TestExportStopsAtTheFirstErrorOfItsCaller: an export that the caller
// stops (a full disk, a closed pipe) returns that error, and the
// directory's one connection is free again for the next command.
func TestExportStopsAtTheFirstErrorOfItsCaller(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	var users []*roster.User
	for i := range 2000 {
		users = append(users, user(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("u%d", i), ""))
	}
	if err := create(t, db, users...); err != nil {
		t.Fatal(err)
	}
	full := errors.New("disk full")
	n := 0
	err := db.Export(ctx, "", true, func(*roster.User) error {
		if n++; n == 10 {
			return full
		}
		return nil
	})
	if !errors.Is(err, full) || n != 10 {
		t.Fatalf("export returned %v after %d users, want the caller's error after 10", err, n)
	}
	n = 0
	if err := db.Export(ctx, "", true, func(*roster.User) error { n++; return nil }); err != nil || n != 2000 {
		t.Fatalf("the next export: %v after %d users, want 2000", err, n)
	}
}

func TestDirectoryContract(t *testing.T) {
	directorytest.Run(t, directorytest.Store{
		New: func(t *testing.T) string { return filepath.Join(t.TempDir(), "roster.db") },
		Open: func(t *testing.T, name string) roster.Directory {
			db, err := sqlite.Open(t.Context(), name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		LockWait: func(d time.Duration) func() {
			old := sqlite.BusyTimeout
			sqlite.BusyTimeout = d
			return func() { sqlite.BusyTimeout = old }
		},
	})
}
