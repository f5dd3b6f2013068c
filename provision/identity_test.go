package provision_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
)

// TestIdentitiesFoldAgainstTheDirectory: an email that differs from a
// stored one only by Unicode case, normalisation or compatibility form is
// the same email in a later run: an import refuses it as existing, skips
// it or updates that user, an update finds the user by it, and references
// of delete and memberships name that user. SQLite's lower() folds ASCII
// only, so all of these used to create a second user or find none.
func TestIdentitiesFoldAgainstTheDirectory(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{
		{"firstname", "email"},
		{"Sofia", "ΣΟΦΙΑ@example.com"},
		{"José", "jose\u0301@example.com"}, // e and a combining accent
		{"Bob", "ｂｏｂ@example.com"},         // full-width letters
	}), options(t)))
	later := writeCSV(t, dir, "later.csv", [][]string{
		{"firstname", "lastname", "email"},
		{"Sofia", "Again", "σοφια@example.com"},
		{"José", "Again", "JOSÉ@example.com"},
		{"Bob", "Again", "BOB@example.com"},
	})

	res := importFile(t, db, later, options(t))
	wantProblems(t, res, "2:email", "3:email", "4:email")
	for _, p := range res.Errors {
		if p.Message != "a user with this email already exists" || p.Hint == nil || p.Hint.Option != "on_existing" {
			t.Errorf("row %d: %q", p.Row, p.Message)
		}
	}
	opt := options(t)
	opt.OnExisting = provision.OnExistingSkip
	wantCounts(t, importFile(t, db, later, opt), counts{Rows: 3, Skipped: 3})
	opt = options(t)
	opt.OnExisting = provision.OnExistingUpdate
	wantCounts(t, importFile(t, db, later, opt), counts{Rows: 3, Updated: 3})
	if n := countUsers(t, db); n != 3 {
		t.Fatalf("%d users, want 3", n)
	}
	for _, u := range users(t, db) {
		if u.Lastname != "Again" {
			t.Errorf("%s was not updated: %+v", u.Email, u)
		}
	}

	opt = options(t)
	opt.Key = "email"
	wantCounts(t, updateFile(t, db, writeCSV(t, dir, "update.csv", [][]string{
		{"email", "lastname"}, {"σοφια@EXAMPLE.com", "Updated"},
	}), opt), counts{Rows: 1, Updated: 1})
	if u := userBy(t, db, byFirstname, "Sofia"); u.Lastname != "Updated" {
		t.Fatalf("update --key email did not find ΣΟΦΙΑ: %+v", u)
	}

	refs := []provision.Ref{{Row: 1, Value: "σοφια@example.com"}, {Row: 2, Value: "bob@example.com"}}
	p, err := provision.ChangeMembers(t.Context(), db, "room", "add", "", "Atlas", refs, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	var in []string
	for _, u := range users(t, db) {
		if slices.Contains(u.Rooms, "Atlas") {
			in = append(in, u.Firstname)
		}
	}
	if slices.Sort(in); !slices.Equal(in, []string{"Bob", "Sofia"}) {
		t.Fatalf("room members %v, want Bob and Sofia", in)
	}

	p, err = provision.DeleteUsers(t.Context(), db, []provision.Ref{{Row: 1, Value: "JOSÉ@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, u := range users(t, db) {
		if u.Firstname == "José" {
			t.Fatalf("delete by JOSÉ@example.com left %s", u.Email)
		}
	}
	if n := countUsers(t, db); n != 2 {
		t.Fatalf("%d users after deleting José, want 2", n)
	}
}

// TestEngineMessagesNameNoFlag: the engine speaks of the domain: its errors
// and problems name no command-line flag. An option that would help is a
// hint (roster.Hint), for each caller to word as its flag or parameter.
func TestEngineMessagesNameNoFlag(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	users := writeCSV(t, dir, "users.csv", [][]string{{"username", "firstname", "cti_profile_enabled", "cti_profile_name"}, {"ann", "Ann", "1", "Agent"}, {"", "Bob", "1", "Agent"}})
	importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{{"username", "firstname"}, {"ann", "Ann"}}), options(t))
	var messages []string
	res, err := provision.Import(t.Context(), db, source(t, users), options(t))
	if err != nil {
		t.Fatal(err)
	}
	hinted := 0
	for _, p := range res.Errors {
		messages = append(messages, p.Message)
		if p.Hint != nil {
			hinted++
		}
	}
	if hinted < 3 {
		t.Errorf("%d problems with a hint, want the existing user's and the missing login's: %+v", hinted, res.Errors)
	}
	errs := []error{}
	for _, opt := range []provision.Options{{Mode: "all"}, {MaxErrors: -1}, {Header: catalog.HeaderOptions{Map: map[string]string{"x": "y"}}}, {Header: catalog.HeaderOptions{Strict: true, Set: map[string]string{"nope": "1"}}}} {
		_, err := provision.Import(t.Context(), db, source(t, users), opt)
		errs = append(errs, err)
	}
	_, err = provision.Update(t.Context(), db, source(t, users), options(t))
	errs = append(errs, err)
	nul := filepath.Join(dir, "nul.csv")
	os.WriteFile(nul, []byte("u\x00s\x00e\x00r\x00\n"), 0o600)
	_, err = provision.Check(t.Context(), source(t, nul), provision.Options{})
	errs = append(errs, err)
	_, err = provision.ChangeMembers(t.Context(), db, "group", "add", "", "Nobody", nil, false)
	errs = append(errs, err)
	for _, err := range errs {
		var e *roster.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v, want an application error", err)
		}
		if e.Option == "" && e.Hint == nil {
			t.Errorf("error %q names no option", e.Message)
		}
		messages = append(messages, e.Message)
	}
	for _, m := range messages {
		if strings.Contains(m, "--") {
			t.Errorf("message %q names a flag", m)
		}
	}
}
