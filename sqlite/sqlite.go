// Package sqlite stores roster's directory in an SQLite file. It uses the
// C library through github.com/mattn/go-sqlite3 when the build has cgo (a C
// compiler is installed), and the pure-Go translation modernc.org/sqlite
// otherwise, so that roster builds with nothing but Go and is about twice
// as fast where it can be (see docs/decisions.md for the measurements).
//
// A file that does not exist yet is created, migrated and given the default
// reference data. Writes take the database's write lock at once (BEGIN
// IMMEDIATE), so that two imports on one file run one after the other
// instead of failing halfway.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/roster-dev/roster"
)

//go:embed migration/*.sql
var migrations embed.FS

// BusyTimeout is how long a write waits for another one to finish.
var BusyTimeout = 10 * time.Minute

// DB is a directory in one SQLite file.
type DB struct {
	db     *sql.DB
	path   string
	sealer *sealer
	fresh  bool // opened without users, in rollback-journal mode
}

var _ roster.Directory = (*DB)(nil)

// Open opens (and creates, migrates and seeds when needed) the directory at
// path.
func Open(ctx context.Context, path string) (*DB, error) {
	sdb, err := sql.Open(driverName, dsn(path))
	if err != nil {
		return nil, err
	}
	// One connection, kept for the life of the DB: a command is one unit
	// of work, and the pragmas set on it hold for all of it.
	sdb.SetMaxOpenConns(1)
	sdb.SetMaxIdleConns(1)
	sdb.SetConnMaxLifetime(0)
	// A new file gets 16 KiB pages (an existing one keeps its own): a
	// bulk load and the index builds after it touch a quarter as many
	// pages, which is a tenth of a million-user import.
	for _, pragma := range []string{
		"PRAGMA page_size = 16384",
		"PRAGMA foreign_keys = ON",
		fmt.Sprintf("PRAGMA busy_timeout = %d", BusyTimeout.Milliseconds()),
		"PRAGMA cache_size = -65536",
		"PRAGMA temp_store = MEMORY",
	} {
		if _, err := sdb.ExecContext(ctx, pragma); err != nil {
			sdb.Close()
			return nil, busy(fmt.Errorf("%s: %w", path, err))
		}
	}
	db := &DB{db: sdb, path: path}
	keyPath := path + ".key"
	if path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		keyPath = ""
	}
	if db.sealer, err = loadSealer(keyPath); err != nil {
		sdb.Close()
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	if err := db.journal(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return db, nil
}

// dsn names the file; the write lock is taken at BEGIN (immediate), so
// that two runs on one file queue instead of failing halfway.
func dsn(path string) string {
	return "file:" + url.PathEscape(path) + "?_txlock=immediate"
}

// Close closes the database.
func (db *DB) Close() error {
	if db.fresh {
		// Leave the directory in WAL mode for whoever opens it next.
		db.db.Exec(`PRAGMA journal_mode = WAL`)
	}
	return db.db.Close()
}

// journal picks the journal mode. A directory with users runs in WAL mode,
// where readers never wait for a writer (an export during an import, the
// coming server's requests). A directory with no user yet, which is about
// to receive its first import, runs with a rollback journal until Close:
// there, every page of a bulk load is written once into the file, where
// WAL writes it twice (to the log, then to the file), which is a sixth of
// a million-user import. Both are atomic and survive a crash; the rollback
// journal syncs fully to also survive a power cut.
func (db *DB) journal(ctx context.Context) error {
	var users int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return err
	}
	mode := "WAL"
	if users == 0 {
		mode = "DELETE"
	}
	var got string
	// Switching fails when another process holds the file; the mode it
	// has then is as safe, only slower.
	if err := db.db.QueryRowContext(ctx, `PRAGMA journal_mode = `+mode).Scan(&got); err != nil && !isBusy(err) {
		return err
	}
	db.fresh = strings.EqualFold(got, "delete")
	sync := "NORMAL" // enough for WAL to survive a power cut
	if !strings.EqualFold(got, "wal") {
		sync = "FULL"
	}
	_, err := db.db.ExecContext(ctx, `PRAGMA synchronous = `+sync)
	return err
}

// migrate applies the embedded migrations not applied yet, in one
// transaction, and seeds a new directory with the default reference data.
func (db *DB) migrate(ctx context.Context) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return busy(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	fresh := false
	for _, name := range names {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if fill := backfills[name]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name) VALUES (?)`, name); err != nil {
			return err
		}
		fresh = fresh || strings.HasSuffix(name, "0001_directory.sql")
	}
	if fresh {
		if _, err := setReference(ctx, tx, roster.DefaultReference(), false); err != nil {
			return err
		}
		slog.Debug("created directory", "path", db.path)
	}
	return tx.Commit()
}

// busy turns SQLite's "database is locked" into an error a person can act on.
func busy(err error) error {
	if isBusy(err) {
		return roster.Errorf(roster.ECONFLICT, "the directory is busy with another run that did not finish within %s; try again when it has", BusyTimeout)
	}
	return err
}

// Begin starts a write transaction holding the directory's write lock.
func (db *DB) Begin(ctx context.Context) (roster.Tx, error) {
	stx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, busy(err)
	}
	t := &Tx{tx: stx, stmts: map[string]*sql.Stmt{}, sealer: db.sealer}
	if t.ref, err = loadReference(ctx, stx); err != nil {
		stx.Rollback()
		return nil, err
	}
	t.index()
	return t, nil
}

// Reference returns the reference data.
func (db *DB) Reference(ctx context.Context) (*roster.Reference, error) {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, busy(err)
	}
	defer tx.Rollback()
	return loadReference(ctx, tx)
}

// SetReference applies declared reference data.
func (db *DB) SetReference(ctx context.Context, ref *roster.Reference, prune bool) ([]string, error) {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, busy(err)
	}
	defer tx.Rollback()
	changes, err := setReference(ctx, tx, ref, prune)
	if err != nil {
		return nil, err
	}
	return changes, tx.Commit()
}

// JournalMode returns SQLite's journal mode: wal, or delete for a directory
// opened without users.
func (db *DB) JournalMode(ctx context.Context) (string, error) {
	var m string
	err := db.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&m)
	return strings.ToLower(m), err
}

// IntegrityCheck runs SQLite's integrity check and returns its findings,
// "ok" when the file is sound.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var s string
	err := db.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&s)
	return s, err
}
