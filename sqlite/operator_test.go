package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

func TestOperatorsAreUniqueByFoldedNameAndDisabledEverywhere(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
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
	if err != nil || got.ID != "o1" || got.Tenant != "default" || got.AllTenants || got.Role != roster.RoleViewer || !got.CreatedAt.Equal(now) {
		t.Fatalf("operator: %+v %v", got, err)
	}
	if _, err := db.Operator(ctx, "bob"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("unknown operator: %v", err)
	}

	sess := &roster.Session{Hash: roster.HashSecret("s1"), OperatorID: "o1", Tenant: "default", CreatedAt: now, SeenAt: now}
	if err := db.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	s, op, err := db.Session(ctx, sess.Hash, now.Add(time.Hour))
	if err != nil || op.Name != "Ana" || s.Tenant != "default" || !s.SeenAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("session: %+v %+v %v", s, op, err)
	}
	if err := db.DisableOperator(ctx, "ANA", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, sess.Hash, now.Add(time.Hour)); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a disabled operator's session: %v", err)
	}
	if got, _ := db.Operator(ctx, "ana"); got.DisabledAt.IsZero() {
		t.Fatal("not disabled")
	}
	if err := db.DisableOperator(ctx, "nobody", now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("disable nobody: %v", err)
	}
}

// A session lasts 8 hours after its last use, and each use (recorded at
// most once a minute) pushes the end back; a new password ends it.
func TestSessionsExpireWhenIdleAndEndWithANewPassword(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	if err := db.CreateOperator(ctx, &roster.Operator{ID: "o1", Name: "ops", AllTenants: true, Role: roster.RoleAdmin,
		PasswordHash: "h1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hash := roster.HashSecret("s")
	if err := db.CreateSession(ctx, &roster.Session{Hash: hash, OperatorID: "o1", CreatedAt: now, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
	// Within the minute the use is not written; the next one is.
	if s, _, err := db.Session(ctx, hash, now.Add(30*time.Second)); err != nil || !s.SeenAt.Equal(now) {
		t.Fatalf("%+v %v", s, err)
	}
	later := now.Add(roster.SessionIdle - time.Second)
	if _, _, err := db.Session(ctx, hash, later); err != nil {
		t.Fatalf("7h59m59s idle: %v", err)
	}
	if _, _, err := db.Session(ctx, hash, later.Add(roster.SessionIdle-time.Second)); err != nil {
		t.Fatalf("used again before the end: %v", err)
	}
	if _, _, err := db.Session(ctx, hash, later.Add(2*roster.SessionIdle)); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("16 hours idle: %v", err)
	}

	fresh := roster.HashSecret("t")
	if err := db.CreateSession(ctx, &roster.Session{Hash: fresh, OperatorID: "o1", CreatedAt: now, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSessionTenant(ctx, fresh, "default"); err != nil {
		t.Fatal(err)
	}
	if s, _, err := db.Session(ctx, fresh, now); err != nil || s.Tenant != "default" {
		t.Fatalf("picked tenant: %+v %v", s, err)
	}
	if err := db.SetOperatorPassword(ctx, "OPS", "h2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, fresh, now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("session after a new password: %v", err)
	}
	if o, _ := db.Operator(ctx, "ops"); o.PasswordHash != "h2" {
		t.Fatalf("hash %q", o.PasswordHash)
	}

	third := roster.HashSecret("u")
	db.CreateSession(ctx, &roster.Session{Hash: third, OperatorID: "o1", CreatedAt: now, SeenAt: now})
	if err := db.DeleteSession(ctx, third); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, third, now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("signed-out session: %v", err)
	}
}

// Clients and operators made within one second are listed in the order
// they were made, whatever their IDs and names.
func TestListsAreOldestFirstWithinASecond(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
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
