package provision_test

import (
	"context"
	"testing"

	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

// benchRefs imports 30,000 sample users into a new directory, untimed, and
// returns it with the list of their usernames, as a file under a username
// header names them.
func benchRefs(b *testing.B) (*sqlite.DB, []provision.Ref) {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	path := sampleFile(b, 30_000, sample.WithGroups)
	db := openDB(b)
	if _, err := provision.Import(context.Background(), db, path, provision.Options{}); err != nil {
		b.Fatal(err)
	}
	refs, err := provision.ReadRefs(path, sheet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return db, refs
}

// BenchmarkDeleteUsers30k deletes 30,000 users named by username, as
// `roster delete users FILE --yes` does: a plan, then the same plan again
// under the write lock, and the deletion.
func BenchmarkDeleteUsers30k(b *testing.B) {
	for b.Loop() {
		db, refs := benchRefs(b)
		p, err := provision.DeleteUsers(context.Background(), db, refs)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Apply(context.Background()); err != nil || *p.Result.Deleted != 30_000 {
			b.Fatalf("deleted %d: %v", *p.Result.Deleted, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkRoomsAdd30k adds 30,000 users to a new room, as `roster rooms
// add ROOM FILE --create` does.
func BenchmarkRoomsAdd30k(b *testing.B) {
	for b.Loop() {
		db, refs := benchRefs(b)
		p, err := provision.ChangeMembers(context.Background(), db, "room", "add", "", "Everyone", refs, true)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Apply(context.Background()); err != nil || *p.Result.Added != 30_000 {
			b.Fatalf("added %d: %v", *p.Result.Added, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
