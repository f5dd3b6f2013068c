package postgres_test

import (
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/postgres/postgrestest"
)

func store() directorytest.Store {
	return directorytest.Store{
		New:  func(t *testing.T) string { return postgrestest.NewURL(t) },
		Open: func(t *testing.T, name string) roster.Directory { return postgrestest.Open(t, name) },
		LockWait: func(d time.Duration) func() {
			old := postgres.LockTimeout
			postgres.LockTimeout = d
			return func() { postgres.LockTimeout = old }
		},
	}
}

func TestDirectoryContract(t *testing.T) {
	directorytest.Run(t, store())
}
