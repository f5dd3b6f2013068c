package transfer_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/transfer"
)

func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestATargetThatHoldsAnythingIsRefused: a target with users, a group or
// room, reference data of its own, a client, an operator or a signing key
// is refused, and left as it was.
func TestATargetThatHoldsAnythingIsRefused(t *testing.T) {
	ctx := t.Context()
	from := open(t)
	directorytest.SetTestReference(t, from)
	directorytest.Create(t, from, directorytest.Rich("00000000-0000-4000-8000-000000000001", "zoe"))
	now := time.Now()
	for _, c := range []struct {
		what string
		fill func(*sqlite.DB) error
	}{
		{"users", func(db *sqlite.DB) error {
			return directorytest.Create(t, db, directorytest.User("00000000-0000-4000-8000-000000000002", "max", ""))
		}},
		{"rooms", func(db *sqlite.DB) error {
			tx, err := db.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if _, err := tx.CreateSet(ctx, "room", "", "Atlas"); err != nil {
				return err
			}
			return tx.Commit()
		}},
		{"reference data", func(db *sqlite.DB) error {
			directorytest.SetTestReference(t, db)
			return nil
		}},
		{"clients", func(db *sqlite.DB) error {
			return db.CreateClient(ctx, &roster.Client{ID: "c", Name: "c", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
				SecretHash: roster.HashSecret("s"), CreatedAt: now})
		}},
		{"operators", func(db *sqlite.DB) error {
			return db.CreateOperator(ctx, &roster.Operator{ID: "o", Name: "ana", AllTenants: true, Role: roster.RoleAdmin, PasswordHash: "h", CreatedAt: now})
		}},
		{"a signing key", func(db *sqlite.DB) error {
			_, err := db.SigningKey(ctx)
			return err
		}},
	} {
		to := open(t)
		if err := c.fill(to); err != nil {
			t.Fatal(err)
		}
		_, err := transfer.Move(ctx, from, to, transfer.Options{})
		if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "not empty: it has "+c.what) {
			t.Errorf("a target with %s: %v", c.what, err)
		}
		if has := hasUser(t, to, "zoe"); has {
			t.Errorf("a target with %s was written to", c.what)
		}
	}
}

func hasUser(t *testing.T, db roster.Directory, username string) bool {
	t.Helper()
	tx, err := db.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	owners, err := tx.Owners(t.Context(), []roster.Claim{{Key: "username", Value: username}})
	if err != nil {
		t.Fatal(err)
	}
	return len(owners) > 0
}

// TestAMoveCopiesEveryUserAsItIs moves a directory of users with every
// field into a new one, and counts what it moved.
func TestAMoveCopiesEveryUserAsItIs(t *testing.T) {
	ctx := t.Context()
	from, to := open(t), open(t)
	directorytest.SetTestReference(t, from)
	var users []*roster.User
	for i, name := range []string{"zoe", "max", "ida"} {
		u := directorytest.Rich("00000000-0000-4000-8000-00000000000"+string(rune('1'+i)), name)
		u.Line.Exten, u.Line.ProvisioningCode, u.Voicemail.Number = "104"+string(rune('1'+i)), "12345"+string(rune('1'+i)), "104"+string(rune('1'+i))
		u.Incalls = []roster.Incall{{Exten: "204" + string(rune('1'+i)), Context: "from-extern"}}
		users = append(users, u)
	}
	if err := directorytest.Create(t, from, users...); err != nil {
		t.Fatal(err)
	}
	res, err := transfer.Move(ctx, from, to, transfer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Users != 3 || res.Groups != 3 || res.Rooms != 1 {
		t.Fatalf("moved %+v", res)
	}
	export := func(db roster.Directory) []*roster.User {
		var out []*roster.User
		if err := db.Export(ctx, "", true, func(u *roster.User) error {
			u.ID, u.Version = 0, 0 // the target's own
			out = append(out, u)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got, want := export(to), export(from); len(got) != 3 || !reflect.DeepEqual(got, want) {
		t.Fatalf("moved:\n%+v\nwant\n%+v", got, want)
	}
}

// TestTwoMovesIntoOneTargetLandOnce runs two moves of one directory into
// one new target at once: one lands whole, the other is refused.
func TestTwoMovesIntoOneTargetLandOnce(t *testing.T) {
	ctx := t.Context()
	from := open(t)
	directorytest.SetTestReference(t, from)
	if err := directorytest.Create(t, from, directorytest.Rich("00000000-0000-4000-8000-000000000001", "zoe")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "target.db")
	targets := make([]*sqlite.DB, 2)
	for i := range targets {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		targets[i] = db
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, to := range targets {
		wg.Go(func() { _, errs[i] = transfer.Move(ctx, from, to, transfer.Options{}) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two moves into one target: %v, %v; want one to land", errs[0], errs[1])
	}
	n := 0
	if err := targets[0].Export(ctx, "", false, func(*roster.User) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("the target holds %d users (%v), want 1", n, err)
	}
}
