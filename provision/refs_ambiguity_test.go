package provision_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// seedLookAlikes makes two users whose keys cross: "bob" has the username
// bob@example.com, "robert" has it as his email.
func seedLookAlikes(t *testing.T) (roster.Directory, map[string]string) {
	t.Helper()
	db, _ := newDB(t)
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "email", "firstname", "rooms"},
		{"bob@example.com", "bob.other@example.com", "Bob", "Atlas"},
		{"robert", "bob@example.com", "Robert", ""},
		{"carol", "carol@example.com", "Carol", ""},
	}), options(t)))
	ids := map[string]string{}
	for _, u := range users(t, db) {
		ids[u.Firstname] = u.UUID
	}
	return db, ids
}

// TestAFileColumnSaysWhichKeyItHolds: under a username header,
// bob@example.com is the user whose username it is, never the one whose
// email it is; under an email header, the other way round.
func TestAFileColumnSaysWhichKeyItHolds(t *testing.T) {
	for _, c := range []struct{ header, deleted, kept string }{
		{"username", "Bob", "Robert"},
		{"email", "Robert", "Bob"},
	} {
		t.Run(c.header, func(t *testing.T) {
			db, _ := seedLookAlikes(t)
			file := writeCSV(t, t.TempDir(), "leavers.csv", [][]string{{c.header}, {"BOB@example.com"}})
			refs, err := provision.ReadRefs(source(t, file), sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := []provision.Ref{{Row: 2, Key: c.header, Value: "BOB@example.com"}}; !slices.Equal(refs, want) {
				t.Fatalf("refs %+v, want %+v", refs, want)
			}
			p, err := provision.DeleteUsers(t.Context(), db, refs)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Apply(t.Context()); err != nil {
				t.Fatal(err)
			}
			if deref(p.Result.Deleted) != 1 || p.Result.Failed != 0 {
				t.Fatalf("deleted %d, failed %d: %+v", deref(p.Result.Deleted), p.Result.Failed, p.Result.Errors)
			}
			var left []string
			for _, u := range users(t, db) {
				left = append(left, u.Firstname)
			}
			want := []string{c.kept, "Carol"}
			slices.Sort(left)
			slices.Sort(want)
			if !slices.Equal(left, want) {
				t.Fatalf("users left %q, want %q", left, want)
			}
		})
	}
}

// TestAnAmbiguousReferenceChangesNothing: a bare reference that is one
// user's username and another's email deletes nobody and changes no
// membership, even beside references that are clear, and the error names
// both users.
func TestAnAmbiguousReferenceChangesNothing(t *testing.T) {
	db, ids := seedLookAlikes(t)
	bare := []provision.Ref{{Value: "carol"}, {Value: "Bob@Example.com"}}
	wantRefused := func(what string, p *provision.Pending) {
		t.Helper()
		res := p.Result
		if res.Failed != 1 || len(res.Errors) != 1 {
			t.Fatalf("%s: failed %d, errors %+v; want the ambiguous reference", what, res.Failed, res.Errors)
		}
		e := res.Errors[0]
		if e.Value != "Bob@Example.com" || !strings.Contains(e.Message, ids["Bob"]) || !strings.Contains(e.Message, ids["Robert"]) {
			t.Errorf("%s: error %+v does not name both users (%s, %s)", what, e, ids["Bob"], ids["Robert"])
		}
		if !p.Empty() {
			t.Errorf("%s: an ambiguous reference leaves something to write", what)
		}
		if err := p.Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		if res.Applied {
			t.Errorf("%s: applied", what)
		}
	}
	p, err := provision.DeleteUsers(t.Context(), db, bare)
	if err != nil {
		t.Fatal(err)
	}
	wantRefused("delete", p)
	if n := countUsers(t, db); n != 3 {
		t.Fatalf("%d users left, want all 3", n)
	}
	for _, action := range []string{"add", "remove"} {
		p, err := provision.ChangeMembers(t.Context(), db, "room", action, "", "Atlas", bare, false)
		if err != nil {
			t.Fatal(err)
		}
		wantRefused("rooms "+action, p)
		if got := members(t, db, "room", "Atlas"); !slices.Equal(got, []string{"bob@example.com"}) {
			t.Fatalf("after rooms %s: members %q, want only bob@example.com", action, got)
		}
	}
	// By uuid, the same user is clear.
	p, err = provision.DeleteUsers(t.Context(), db, []provision.Ref{{Value: ids["Robert"]}})
	if err != nil {
		t.Fatal(err)
	}
	if deref(p.Result.Deleted) != 1 || p.Result.Failed != 0 {
		t.Fatalf("by uuid: deleted %d, failed %d", deref(p.Result.Deleted), p.Result.Failed)
	}
}

// TestRefsPreferTheMostExactKey: a sheet with uuid, username and email
// columns names each row's user by its uuid when the row has one, else its
// username, else its email.
func TestRefsPreferTheMostExactKey(t *testing.T) {
	file := writeCSV(t, t.TempDir(), "list.csv", [][]string{
		{"E-Mail", "Login", "id"},
		{"a@example.com", "alice", "3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a"},
		{"b@example.com", "bob", ""},
		{"c@example.com", "", ""},
		{"", "", ""},
	})
	refs, err := provision.ReadRefs(source(t, filepath.Clean(file)), sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []provision.Ref{{Row: 2, Key: "uuid", Value: "3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a"},
		{Row: 3, Key: "username", Value: "bob"}, {Row: 4, Key: "email", Value: "c@example.com"}}
	if !slices.Equal(refs, want) {
		t.Fatalf("refs %+v, want %+v", refs, want)
	}
}
