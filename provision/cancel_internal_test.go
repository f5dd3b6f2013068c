package provision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/roster-dev/roster/sqlite"
)

// TestCancelStopsTheHashers: Ctrl-C while generated passwords are hashed
// stops the hashing workers after the hashes they are making, instead of
// hashing every queued password first (40 s for a big file), and an atomic
// run cancelled writes nothing. Hashes are counted, not timed: after the
// cancel, each worker may finish the one hash it has started.
func TestCancelStopsTheHashers(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("username,firstname,email\n")
	const rows = 1200 // more than the hashers queue, and than a batch
	for i := range rows {
		fmt.Fprintf(&b, "user%d,User,user%d@example.com\n", i, i)
	}
	path := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "roster.db")
	db, err := sqlite.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const before = 4 // hashes made when the person presses Ctrl-C
	var hashed, atCancel atomic.Int64
	opt := Options{GeneratePassword: true, ReportDir: filepath.Join(dir, "reports")}
	opt.hashed = func() {
		if n := hashed.Add(1); n == before {
			atCancel.Store(n)
			cancel()
		}
	}
	_, err = Import(ctx, db, path, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled import returned %v, want context.Canceled", err)
	}
	if atCancel.Load() != before {
		t.Fatalf("the import was not cancelled while hashing (%d hashes)", hashed.Load())
	}
	if after := hashed.Load() - before; after > int64(runtime.GOMAXPROCS(0)) {
		t.Errorf("%d passwords were hashed after the cancel; at most one per worker (%d) may finish", after, runtime.GOMAXPROCS(0))
	}

	tx, err := db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if has, err := tx.HasUsers(t.Context()); err != nil || has {
		t.Fatalf("a cancelled atomic import left users (%v)", err)
	}
}
