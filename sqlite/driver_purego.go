//go:build !cgo

package sqlite

import (
	"errors"

	"modernc.org/sqlite"
)

// driverName is the pure-Go driver, used when the build has no cgo.
const driverName = "sqlite"

// readerCache sets a reader connection's page cache, as the writer's, in
// this driver's DSN syntax.
const readerCache = "_pragma=cache_size(-65536)"

// code returns SQLite's primary result code of err, or 0.
func code(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}
