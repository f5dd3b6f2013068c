//go:build cgo

package sqlite

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// driverName is the C library's driver, used when the build has cgo.
const driverName = "sqlite3"

// readerCache sets a reader connection's page cache, as the writer's, in
// this driver's DSN syntax.
const readerCache = "_cache_size=-65536"

// code returns SQLite's primary result code of err, or 0.
func code(err error) int {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return int(se.Code)
	}
	return 0
}
