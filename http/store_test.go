package http_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/postgres/postgrestest"
	"github.com/roster-dev/roster/sqlite"
)

// store is a directory as the server uses it: both stores are one.
type store interface {
	roster.Directory
	roster.ClientService
	roster.OperatorService
	roster.JobService
}

// newStoreName names a new directory: an SQLite file in a temporary folder
// or, with ROSTER_TEST_STORE=postgres, a schema of its own in the server
// ROSTER_TEST_POSTGRES names, so that what the server asks of its store is
// proven on both.
func newStoreName(t *testing.T) string {
	t.Helper()
	if postgrestest.Chosen() {
		return postgrestest.NewURL(t)
	}
	return filepath.Join(t.TempDir(), "roster.db")
}

// openStore opens a test directory by name, as another process would; it
// is made when missing.
func openStore(t *testing.T, name string) store {
	t.Helper()
	if postgres.IsURL(name) {
		return postgrestest.Open(t, name)
	}
	db, err := sqlite.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
