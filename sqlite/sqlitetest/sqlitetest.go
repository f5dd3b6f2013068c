// Package sqlitetest helps the tests of the packages built on an SQLite
// directory: a second handle on a directory, as another process would
// open it, a write held open as an import holds it, and statements run
// behind the store's back.
package sqlitetest

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sqlite"
)

// Another opens a second handle on db's file, as another process would;
// it is closed when the test ends.
func Another(t testing.TB, db *sqlite.DB) *sqlite.DB {
	t.Helper()
	other, err := sqlite.OpenExisting(context.Background(), db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// HoldWrite starts a write transaction on db, which holds the directory's
// write lock as an import does, and returns what ends it. The test ends it
// once the requests it makes meanwhile are done: should one of them wait
// for the write instead, the write is ended after a minute and the test
// fails, rather than hang. The test's cleanup ends it too.
func HoldWrite(t testing.TB, db roster.Directory) (release func()) {
	t.Helper()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done, released := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(released)
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Error("a request waited for the write: it was ended after a minute")
		}
		tx.Rollback()
	}()
	release = sync.OnceFunc(func() {
		close(done)
		<-released
	})
	t.Cleanup(release)
	return release
}

// Exec runs statements on a directory's file through the SQLite driver
// the build registered, as another program (or another version of roster)
// would.
func Exec(t testing.TB, path string, stmts ...string) {
	t.Helper()
	var driver string
	for _, d := range sql.Drivers() {
		if strings.HasPrefix(d, "sqlite") {
			driver = d
		}
	}
	db, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}
