package provision_test

import (
	"context"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

// benchChange measures a change to 30,000 users named by username, as a
// file with a username column names them: each run imports them into a new
// directory first, untimed, then plans the change and applies it at once,
// as the command does with nobody to ask.
func benchChange(b *testing.B, plan func(*sqlite.DB, []provision.Ref) (*provision.Pending, error), done func(*roster.Result) int) {
	path := sampleFile(b, 30_000, sample.WithGroups)
	refs, err := provision.ReadRefs(source(b, path), sheet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		db := openDB(b)
		if _, err := provision.Import(context.Background(), db, source(b, path), provision.Options{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p, err := plan(db, refs)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Apply(context.Background()); err != nil || done(p.Result) != 30_000 {
			b.Fatalf("changed %d users: %v", done(p.Result), err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkDeleteUsers30k deletes 30,000 users, as `roster delete users
// FILE --yes` does.
func BenchmarkDeleteUsers30k(b *testing.B) {
	benchChange(b, func(db *sqlite.DB, refs []provision.Ref) (*provision.Pending, error) {
		return provision.DeleteUsers(context.Background(), db, refs)
	}, func(res *roster.Result) int { return *res.Deleted })
}

// BenchmarkRoomsAdd30k adds 30,000 users to a new room, as `roster rooms
// add ROOM FILE --create` does.
func BenchmarkRoomsAdd30k(b *testing.B) {
	benchChange(b, func(db *sqlite.DB, refs []provision.Ref) (*provision.Pending, error) {
		return provision.ChangeMembers(context.Background(), db, "room", "add", "", "Everyone", refs, true)
	}, func(res *roster.Result) int { return *res.Added })
}
