package provision_test

import (
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// TestARunBoundToATenantSeesOnlyIt: as the API binds a client to its
// tenant, a run bound to one creates its rows there, fails a row that
// names another tenant as an unknown tenant, and neither updates nor skips
// another tenant's user, whatever key names it.
func TestARunBoundToATenantSeesOnlyIt(t *testing.T) {
	db, _ := newDB(t)
	ref := roster.DefaultReference()
	ref.Tenants = append(ref.Tenants, roster.Tenant{Name: "acme", Roles: ref.Tenants[0].Roles})
	if _, err := db.SetReference(t.Context(), ref, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "default.csv", [][]string{
		{"username", "firstname", "email"}, {"dora", "Dora", "dora@example.com"},
	}), options(t)))
	dora := userBy(t, db, byUsername, "dora")

	opt := options(t)
	opt.Tenant, opt.Mode, opt.OnExisting = "ACME", provision.Partial, provision.OnExistingUpdate
	res := importFile(t, db, writeCSV(t, dir, "acme.csv", [][]string{
		{"username", "firstname", "email", "tenant"},
		{"alice", "Alice", "alice@example.com", ""},
		{"bob", "Bob", "bob@example.com", "default"},
		{"dora2", "Dora", "dora@example.com", ""},
	}), opt)
	wantProblems(t, res, "3:tenant", "4:email")
	if u := userBy(t, db, byUsername, "alice"); u.Tenant != "acme" {
		t.Errorf("alice is in %q, want acme", u.Tenant)
	}
	if after := userBy(t, db, byUsername, "dora"); diffUsers(dora, after) != "" {
		t.Errorf("dora of the default tenant changed: %s", diffUsers(dora, after))
	}

	opt = options(t)
	opt.Tenant, opt.OnExisting = "acme", provision.OnExistingSkip
	res = importFile(t, db, writeCSV(t, dir, "skip.csv", [][]string{{"username", "firstname"}, {"dora", "Dora"}}), opt)
	wantProblems(t, res, "2:username")

	opt = options(t)
	opt.Tenant = "acme"
	res = updateFile(t, db, writeCSV(t, dir, "update.csv", [][]string{{"uuid", "lastname"}, {dora.UUID, "Changed"}}), opt)
	wantProblems(t, res, "2:uuid")
	if res.Errors[0].Message != "no user has this uuid" {
		t.Errorf("message %q, want the uuid unknown", res.Errors[0].Message)
	}
	if after := userBy(t, db, byUsername, "dora"); after.Lastname != dora.Lastname {
		t.Error("dora was updated by a run bound to another tenant")
	}
}
