package provision_test

import (
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// TestAPendingChangeLocksNothingAndIsPlannedAgain: while a released change
// waits for a person's confirmation, another run can write to the
// directory. Apply then writes the change if its plan still holds, and
// writes nothing, with a conflict, if the other run changed what it would
// do.
func TestAPendingChangeLocksNothingAndIsPlannedAgain(t *testing.T) {
	ctx := t.Context()
	db, path := newDB(t)
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname"}, {"alpha", "A"}, {"bravo", "B"}, {"charlie", "C"},
	}), options(t)))
	// A run that waits for the lock fails after this long instead of ten minutes.
	defer lockWait(200 * time.Millisecond)()
	other := reopenDB(t, path)

	waiting, err := provision.DeleteUsers(ctx, db, []provision.Ref{{Row: 1, Value: "alpha"}})
	if err != nil {
		t.Fatal(err)
	}
	waiting.Release()
	meanwhile, err := provision.DeleteUsers(ctx, other, []provision.Ref{{Row: 1, Value: "charlie"}})
	if err != nil {
		t.Fatalf("another run could not plan while a change waited: %v", err)
	}
	if err := meanwhile.Apply(ctx); err != nil {
		t.Fatalf("another run could not write while a change waited: %v", err)
	}
	if err := waiting.Apply(ctx); err != nil {
		t.Fatalf("a change whose plan still holds: %v", err)
	}
	if !waiting.Result.Applied {
		t.Error("the change that still held is not marked applied")
	}
	var left []string
	for _, u := range users(t, db) {
		left = append(left, u.Username)
	}
	if !slices.Equal(left, []string{"bravo"}) {
		t.Fatalf("users left %q, want bravo", left)
	}

	bravo := []provision.Ref{{Row: 1, Value: "bravo"}}
	waiting, err = provision.ChangeMembers(ctx, db, "room", "add", "", "Atlas", bravo, true)
	if err != nil {
		t.Fatal(err)
	}
	waiting.Release()
	meanwhile, err = provision.ChangeMembers(ctx, other, "room", "add", "", "Atlas", bravo, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := meanwhile.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if err := waiting.Apply(ctx); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a change made stale by another run: error %v, want a conflict", err)
	}
	if waiting.Result.Applied {
		t.Error("the stale change is marked applied")
	}
	if got := members(t, db, "room", "Atlas"); !slices.Equal(got, []string{"bravo"}) {
		t.Errorf("members of Atlas %q, want bravo once", got)
	}
}
