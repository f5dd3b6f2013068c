package provision_test

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

	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sqlite"
)

// TestCancelStopsTheHashers: Ctrl-C while passwords are hashed (generated
// ones on import, password cells compared with the stored hashes on update)
// stops the hashing workers after the hashes they are making, instead of
// hashing every queued password first (40 s for a big file), and an atomic
// run cancelled writes nothing. Hashes are counted, not timed: after the
// cancel, each worker may finish the one hash it has started.
func TestCancelStopsTheHashers(t *testing.T) {
	const rows = 1200 // more than the hashers queue, and than a batch
	users := func(columns string, row func(i int) string) string {
		var b strings.Builder
		b.WriteString(columns + "\n")
		for i := range rows {
			b.WriteString(row(i) + "\n")
		}
		path := filepath.Join(t.TempDir(), "users.csv")
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// cancelled runs fn with a context cancelled after the 4th hash, and
	// checks what the cancel left running.
	cancelled := func(t *testing.T, fn func(ctx context.Context, opt provision.Options) error) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		const before = 4 // hashes made when the person presses Ctrl-C
		var hashed, atCancel atomic.Int64
		opt := provision.Options{Reports: reportsIn(t, filepath.Join(t.TempDir(), "reports"))}
		provision.CountHashes(&opt, func() {
			if n := hashed.Add(1); n == before {
				atCancel.Store(n)
				cancel()
			}
		})
		if err := fn(ctx, opt); !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled run returned %v, want context.Canceled", err)
		}
		if atCancel.Load() != before {
			t.Fatalf("the run was not cancelled while hashing (%d hashes)", hashed.Load())
		}
		if after := hashed.Load() - before; after > int64(runtime.GOMAXPROCS(0)) {
			t.Errorf("%d passwords were hashed after the cancel; at most one per worker (%d) may finish", after, runtime.GOMAXPROCS(0))
		}
	}

	t.Run("generated on import", func(t *testing.T) {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		path := users("username,firstname", func(i int) string { return fmt.Sprintf("user%d,User", i) })
		cancelled(t, func(ctx context.Context, opt provision.Options) error {
			opt.Generate = provision.GeneratePassword
			_, err := provision.Import(ctx, db, source(t, path), opt)
			return err
		})
		tx, err := db.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if has, err := tx.HasUsers(t.Context()); err != nil || has {
			t.Fatalf("a cancelled atomic import left users (%v)", err)
		}
	})

	t.Run("compared on update", func(t *testing.T) {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "roster.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// The users come with a hash, so that only the update hashes.
		hash := password.Hash("Secret-1")
		res, err := provision.Import(t.Context(), db, source(t, users("username,firstname,password_hash", func(i int) string {
			return fmt.Sprintf("user%d,User,%q", i, hash)
		})), provision.Options{Reports: reportsIn(t, filepath.Join(t.TempDir(), "reports"))})
		if err != nil || res.Failed != 0 {
			t.Fatalf("import: %v, %d failed", err, res.Failed)
		}
		cancelled(t, func(ctx context.Context, opt provision.Options) error {
			opt.Key = "username"
			_, err := provision.Update(ctx, db, source(t, users("username,password", func(i int) string {
				return fmt.Sprintf("user%d,Secret-%d", i, i%2)
			})), opt)
			return err
		})
	})
}
