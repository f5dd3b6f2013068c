package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
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

	if o, err := db.SessionOperator(ctx, "o1", "s1"); err != nil || o.Name != "Ana" || o.Tenant != "default" {
		t.Fatalf("operator of a session: %+v %v", o, err)
	}
	if _, err := db.SessionOperator(ctx, "o9", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a session of no operator: %v", err)
	}
	if err := db.DisableOperator(ctx, "ANA", now); err != nil {
		t.Fatal(err)
	}
	if o, err := db.SessionOperator(ctx, "o1", "s1"); err != nil || o.DisabledAt.IsZero() {
		t.Fatalf("a disabled operator's session: %+v %v", o, err)
	}
	if got, _ := db.Operator(ctx, "ana"); got.DisabledAt.IsZero() {
		t.Fatal("not disabled")
	}
	if err := db.DisableOperator(ctx, "nobody", now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("disable nobody: %v", err)
	}
}

// A signed-out session is refused, on this handle and on another one,
// until it would have expired anyway; then its record is dropped.
func TestEndedSessions(t *testing.T) {
	db, path := MustOpenDB(t)
	ctx := context.Background()
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
	if _, err := db.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a signed-out session: %v", err)
	}
	if _, err := db.SessionOperator(ctx, "o1", "s2"); err != nil {
		t.Fatalf("another session: %v", err)
	}
	db.Close()
	other, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.SessionOperator(ctx, "o1", "s1"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a signed-out session on another handle: %v", err)
	}
	// An ended session that has expired is dropped by the next record.
	sqlitetest.Exec(t, path, `UPDATE ended_sessions SET expires_at = 1`)
	if err := other.EndSession(ctx, "s3", now.Add(roster.SessionIdle)); err != nil {
		t.Fatal(err)
	}
	other.Close()
	third, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, err := third.SessionOperator(ctx, "o1", "s1"); err != nil {
		t.Fatalf("the expired record was kept: %v", err)
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
