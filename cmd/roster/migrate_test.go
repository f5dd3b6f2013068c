package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/postgres/postgrestest"
	"github.com/roster-dev/roster/sqlite"
)

// state is what the commands show of a directory: its export with secrets
// (the users' sheet and their pictures), its groups and rooms, its setup,
// its clients and its operators.
func state(t *testing.T, dir string, db ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	zipPath := filepath.Join(t.TempDir(), "export.zip")
	if _, errOut, code := run(t, dir, append(db, "export", "--with-secrets", "-o", zipPath)...); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		out["export "+f.Name] = string(b)
	}
	for _, args := range [][]string{{"groups", "list", "--json"}, {"rooms", "list", "--json"}, {"setup", "--show"},
		{"clients", "list", "--json"}, {"operators", "list", "--json"}} {
		o, errOut, code := run(t, dir, append(db, args...)...)
		if code != 0 {
			t.Fatalf("%s: %s", strings.Join(args, " "), errOut)
		}
		out[strings.Join(args, " ")] = o
	}
	return out
}

// TestMigrateToPostgreSQLAndBack moves an SQLite directory with users
// (secrets, pictures, memberships, an empty room), reference data of its
// own (with a gap in its IDs, which files may name objects by), clients
// (one revoked) and operators (one disabled) to PostgreSQL,
// and back to a new SQLite file: each directory shows exactly what the
// first did, its secrets sealed with its own key; a target that is not
// empty is refused.
func TestMigrateToPostgreSQLAndBack(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "wazo-users.csv", "trueconf-bundle.zip")
	os.WriteFile(filepath.Join(dir, "setup.yaml"), []byte(`tenants:
  - name: default
    call_permissions: [{name: gone}, {name: intl}]
    skill_groups: [{name: support}]
  - name: acme
    contexts:
      - {name: acme-internal, kind: internal, ranges: [100-199]}
    roles: [{name: user}]
    default_role: user
`), 0o644)
	// The same without the permission "gone", pruned: its ID is a gap.
	os.WriteFile(filepath.Join(dir, "pruned.yaml"), []byte(`tenants:
  - name: default
    default_role: user
    contexts:
      - {name: default, kind: internal, ranges: [1000-1999]}
      - {name: from-extern, kind: incall, ranges: [2000-2999]}
    roles: [{name: user}, {name: agent}, {name: supervisor}, {name: admin}]
    cti_profiles: [{name: Client}, {name: Agent}, {name: Supervisor}]
    call_permissions: [{name: intl}]
    skill_groups: [{name: support}]
  - name: acme
    contexts:
      - {name: acme-internal, kind: internal, ranges: [100-199]}
    roles: [{name: user}]
    default_role: user
`), 0o644)
	for _, args := range [][]string{
		{"setup", "setup.yaml"},
		{"setup", "--prune", "pruned.yaml"},
		{"import", "wazo-users.csv"},
		{"import", "trueconf-bundle.zip"},
		{"rooms", "add", "Atlas", "--create", "--user", "smith"},
		{"rooms", "add", "Empty", "--create", "--user", "taylor"},
		{"rooms", "remove", "Empty", "--user", "taylor"},
		{"clients", "create", "hr", "--tenant", "acme", "--scope", "users:read"},
		{"clients", "create", "old", "--all-tenants", "--scope", "users:write"},
	} {
		if out, errOut, code := run(t, dir, args...); code != 0 {
			t.Fatalf("%s: %s%s", strings.Join(args, " "), out, errOut)
		}
	}
	out, _, _ := run(t, dir, "clients", "list", "--json")
	old := out[strings.LastIndex(out, `"client_id":"`)+13:]
	if _, errOut, code := run(t, dir, "clients", "revoke", old[:strings.Index(old, `"`)]); code != 0 {
		t.Fatal(errOut)
	}
	for _, args := range [][]string{
		{"operators", "create", "ana", "--all-tenants", "--role", "admin", "--password-stdin"},
		{"operators", "create", "bob", "--tenant", "acme", "--password-stdin"},
	} {
		if _, errOut, code := runStdin(t, dir, "correct horse battery\n", args...); code != 0 {
			t.Fatal(errOut)
		}
	}
	if _, errOut, code := run(t, dir, "operators", "disable", "bob"); code != 0 {
		t.Fatal(errOut)
	}
	saveJobs(t, filepath.Join(dir, "roster.db"))
	want := state(t, dir)
	wantJobs := jobsOf(t, filepath.Join(dir, "roster.db"), "")
	if len(wantJobs) != 2 {
		t.Fatalf("the directory to move has %d jobs, want 2", len(wantJobs))
	}
	if !strings.Contains(want["export users.csv"], "0042") || len(want) < 4 || !strings.Contains(want["rooms list --json"], `"Empty","members":0`) {
		t.Fatalf("the directory to move lacks what the test moves: %v", want)
	}

	pg := postgrestest.NewURL(t)
	key := []string{"--key-file", filepath.Join(dir, "pg.key")}
	out, errOut, code := run(t, dir, append(key, "migrate", "--from", "roster.db", "--to", pg)...)
	if code != 0 || !strings.Contains(out, "signing key") || !strings.Contains(out, "2 jobs") {
		t.Fatalf("migrate to PostgreSQL: exit %d: %s %s", code, out, errOut)
	}
	if got := jobsOf(t, pg, filepath.Join(dir, "pg.key")); !reflect.DeepEqual(got, wantJobs) {
		t.Fatalf("PostgreSQL's jobs\n%+v\nthe SQLite file's\n%+v", got, wantJobs)
	}
	if got := state(t, dir, append(key, "--db", pg)...); !reflect.DeepEqual(got, want) {
		t.Fatalf("PostgreSQL shows\n%v\nthe SQLite file showed\n%v", got, want)
	}
	if _, errOut, code := run(t, dir, append(key, "migrate", "--from", "roster.db", "--to", pg)...); code != 2 || !strings.Contains(errOut, "not empty") {
		t.Fatalf("a second move into the same directory: exit %d: %s", code, errOut)
	}

	out, errOut, code = run(t, dir, append(key, "migrate", "--from", pg, "--to", "back.db")...)
	if code != 0 {
		t.Fatalf("migrate back to SQLite: exit %d: %s %s", code, out, errOut)
	}
	if got := jobsOf(t, filepath.Join(dir, "back.db"), ""); !reflect.DeepEqual(got, wantJobs) {
		t.Fatalf("the jobs moved back\n%+v\nthe first\n%+v", got, wantJobs)
	}
	if got := state(t, dir, "--db", "back.db"); !reflect.DeepEqual(got, want) {
		t.Fatalf("the SQLite file moved back shows\n%v\nthe first showed\n%v", got, want)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "roster.db.key"))
	back, _ := os.ReadFile(filepath.Join(dir, "back.db.key"))
	if len(back) == 0 || bytes.Equal(first, back) {
		t.Fatal("the secrets moved back were not sealed with a key of their own")
	}
}

// saveJobs records two jobs of a server in the SQLite directory at path:
// one that ended with its result and reports, one left running.
func saveJobs(t *testing.T, path string) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 12, 1, 10, 0, 0, 5_000_000, time.UTC)
	done, external := at.Add(time.Minute), "batch-7"
	created, failed := 3, 1
	jobs := []*roster.Job{
		{ID: "0190a000-0000-7000-8000-000000000001", Command: "import", Status: roster.JobSucceeded, ExternalID: &external,
			ClientID: "c1", Tenant: "acme", File: roster.JobFile{Name: "a.csv", Format: "csv", Bytes: 100}, Options: []byte(`{"mode":"partial"}`),
			CreatedAt: at, StartedAt: &at, FinishedAt: &done, IdempotencyKey: "k1",
			Result:  &roster.Result{Command: "import", Created: &created, Failed: failed},
			Reports: roster.JobReports{Errors: "errors.csv", Success: "success.csv", Secret: true}},
		{ID: "0190a000-0000-7000-8000-000000000002", Command: "check", Status: roster.JobRunning, ClientID: "c1",
			File: roster.JobFile{Name: "b.xlsx", Format: "xlsx", Bytes: 200}, Options: []byte(`{}`), CreatedAt: done, StartedAt: &done},
	}
	if err := db.SaveJobs(t.Context(), jobs); err != nil {
		t.Fatal(err)
	}
}

// jobsOf lists the jobs of a directory, without the progress a server
// keeps of a running one.
func jobsOf(t *testing.T, name, keyFile string) []*roster.Job {
	t.Helper()
	var js roster.JobService
	if postgres.IsURL(name) {
		db, err := postgres.Open(t.Context(), name, postgres.Options{KeyFile: keyFile})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		js = db
	} else {
		db, err := sqlite.OpenExisting(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		js = db
	}
	jobs, err := js.Jobs(t.Context(), roster.JobFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		j.Progress = nil
	}
	return jobs
}
