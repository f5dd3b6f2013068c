// Package sqlite stores roster's directory in an SQLite file. It uses the
// C library through github.com/mattn/go-sqlite3 when the build has cgo (a C
// compiler is installed), and the pure-Go translation modernc.org/sqlite
// otherwise, so that roster builds with nothing but Go and is about twice
// as fast where it can be (see docs/decisions.md for the measurements).
//
// Open creates a file that does not exist yet, migrates it and gives it the
// default reference data; OpenExisting refuses a missing one. A DB writes
// on one connection of its own, which takes the file's write lock at the
// start of a transaction (BEGIN IMMEDIATE), so that two imports on one file
// run one after the other instead of failing halfway. It reads on other,
// read-only connections, which in WAL mode read a snapshot and never wait
// for the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/opentx"
	"github.com/roster-dev/roster/seal"
)

//go:embed migration/*.sql
var migrations embed.FS

// BusyTimeout is how long a write waits for another one to finish, at most:
// the caller's context may end the wait sooner.
var BusyTimeout = 10 * time.Minute

// SQLite's primary result codes that the package tells apart.
const (
	codeBusy       = 5
	codeLocked     = 6
	codeCantOpen   = 14
	codeConstraint = 19
	codeNotADB     = 26
)

// DB is a directory in one SQLite file.
type DB struct {
	db       *sql.DB // the writer: one connection, kept for the life of the DB
	rd       *sql.DB // the readers: read-only connections
	path     string  // the file's real path, links resolved
	sealer   *seal.Sealer
	fresh    bool     // a first import runs with a rollback journal (see Begin)
	created  bool     // this Open created the directory
	migrated []string // the migrations this Open applied
	marks    marks    // used assertions and ended sessions not written yet
	open     opentx.Set
}

var _ roster.Directory = (*DB)(nil)

// Open opens the directory at path, creating, migrating and seeding it when
// needed: for the commands that write.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, true)
}

// OpenExisting opens the directory at path, migrating it when needed, and
// fails when there is none: for the commands that only read, so that a
// mistyped path is told instead of read as a new, empty directory.
func OpenExisting(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, false)
}

func open(ctx context.Context, path string, create bool) (*DB, error) {
	if path == "" {
		return nil, roster.Errorf(roster.EINVALID, "the directory's path is empty")
	}
	real, exists, err := resolve(path)
	if err != nil {
		return nil, err
	}
	if !exists && !create {
		return nil, missing(path)
	}
	mode := "mode=rw"
	if create {
		mode = "mode=rwc"
	}
	busyTimeout := fmt.Sprintf("_busy_timeout=%d", BusyTimeout.Milliseconds())
	w, err := sql.Open(driverName, dsn(real, mode, "_txlock=immediate", busyTimeout))
	if err != nil {
		return nil, err
	}
	// One connection, kept for the life of the DB: the pragmas set on it
	// hold for all its writes, and it is the one writer of this DB.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// query_only: a reader can never write, whatever a bug asks of it.
	r, err := sql.Open(driverName, dsn(real, "mode=rw", "_query_only=1", busyTimeout, readerCache))
	if err != nil {
		w.Close()
		return nil, err
	}
	db := &DB{db: w, rd: r, path: real, sealer: &seal.Sealer{Path: real + ".key"}}
	if err := db.start(ctx, path, create); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	return db, nil
}

// start sets up the writer's connection, migrates the file when it is
// behind, and checks that the key of its sealed secrets is there.
func (db *DB) start(ctx context.Context, path string, create bool) error {
	// A new file gets 16 KiB pages (an existing one keeps its own): a
	// bulk load and the index builds after it touch a quarter as many
	// pages, which is a tenth of a million-user import.
	for _, pragma := range []string{
		"PRAGMA page_size = 16384",
		"PRAGMA foreign_keys = ON",
		"PRAGMA cache_size = -65536",
		"PRAGMA temp_store = MEMORY",
		// A commit is durable when it returns, in either journal mode:
		// the reports written before it name users that exist.
		"PRAGMA synchronous = FULL",
	} {
		if _, err := db.db.ExecContext(ctx, pragma); err != nil {
			return explain(path, err)
		}
	}
	// Read first, without the write lock: nearly always the schema is
	// current, and a reader must not wait for a long write to learn that.
	st, err := readSchema(ctx, db.db)
	if err != nil {
		return explain(path, err)
	}
	if err := st.usable(path, create); err != nil {
		return err
	}
	if len(st.missing()) > 0 {
		if err := db.migrate(ctx, path); err != nil {
			return err
		}
	}
	var check string
	switch err := db.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'key'`).Scan(&check); {
	case errors.Is(err, sql.ErrNoRows):
		return nil // no secret sealed yet: no key needed
	case err != nil:
		return explain(path, err)
	}
	db.sealer.Recorded = check
	if _, err := os.Lstat(db.sealer.Path); errors.Is(err, fs.ErrNotExist) {
		return db.sealer.Missing()
	}
	return nil
}

// dsn names the file as an SQLite URI, with parameters.
func dsn(path string, params ...string) string {
	return "file:" + url.PathEscape(path) + "?" + strings.Join(params, "&")
}

// resolve returns the real path of the database file, its links followed,
// so that its key, journal and log are found beside the real file wherever
// it is opened from, and whether it exists.
func resolve(path string) (string, bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err == nil {
		if st, err := os.Stat(real); err == nil && st.IsDir() {
			return "", false, roster.Errorf(roster.EINVALID, "%s is a folder: name the directory's file (such as %s)", path, filepath.Join(path, "roster.db"))
		}
		return real, true, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, roster.Errorf(roster.EINVALID, "the directory %s cannot be opened: %v", path, err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return "", false, roster.Errorf(roster.EINVALID, "%s is a link to a file that does not exist; roster does not create a directory through a link", path)
	}
	folder, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", false, roster.Errorf(roster.ENOTFOUND, "there is no folder %s for the directory %s", filepath.Dir(path), path)
	}
	return filepath.Join(folder, filepath.Base(abs)), false, nil
}

// missing is the error of a directory that does not exist.
func missing(path string) error {
	return roster.Errorf(roster.ENOTFOUND, "there is no directory %s; roster init creates one (or name another with --db)", path)
}

// explain turns SQLite's failures to open a file into errors that name it.
func explain(path string, err error) error {
	switch code(err) {
	case codeNotADB:
		return roster.Errorf(roster.EINVALID, "%s is not a roster directory: it is not an SQLite database", path)
	case codeCantOpen:
		if _, serr := os.Stat(path); errors.Is(serr, fs.ErrNotExist) {
			return missing(path)
		}
		return roster.Errorf(roster.EINVALID, "the directory %s cannot be opened: %v", path, err)
	}
	return busy(err)
}

// queryer is a connection pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schema is what a file holds of roster's schema.
type schema struct {
	tables  int             // tables of any kind
	applied map[string]bool // migrations applied; nil without a migrations table
}

func readSchema(ctx context.Context, q queryer) (*schema, error) {
	st := &schema{}
	var ours bool
	err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(name = 'migrations'), 0) FROM sqlite_master WHERE type = 'table'`).Scan(&st.tables, &ours)
	if err != nil || !ours {
		return st, err
	}
	rows, err := q.QueryContext(ctx, `SELECT name FROM migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st.applied = map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		st.applied[name] = true
	}
	return st, rows.Err()
}

// migrationNames lists the embedded migrations in the order they apply.
func migrationNames() []string {
	names, _ := fs.Glob(migrations, "migration/*.sql")
	slices.Sort(names)
	return names
}

// missing lists the embedded migrations the file does not have.
func (st *schema) missing() []string {
	var out []string
	for _, name := range migrationNames() {
		if !st.applied[name] {
			out = append(out, name)
		}
	}
	return out
}

// usable refuses a file that is not a roster directory, and one made by a
// newer roster: one of its migrations is not known here, so this roster
// neither understands nor may write what it holds.
func (st *schema) usable(path string, create bool) error {
	switch {
	case st.applied == nil && st.tables > 0:
		return roster.Errorf(roster.EINVALID, "%s is not a roster directory: it is an SQLite database with other tables", path)
	case st.applied == nil && !create:
		return roster.Errorf(roster.EINVALID, "%s is not a roster directory: it is empty; roster init makes one", path)
	}
	known := migrationNames()
	for name := range st.applied {
		if !slices.Contains(known, name) {
			return roster.Errorf(roster.EINVALID, "the directory %s was made by a newer roster (its schema has %s, which this roster does not know): "+
				"use that version of roster or a later one; this one reads and writes nothing in it", path, strings.TrimPrefix(name, "migration/"))
		}
	}
	return nil
}

// migrate applies the embedded migrations that the file does not have, in
// one transaction under the write lock, and seeds a new directory with the
// default reference data. It reads the schema again under the lock, since
// another run may have migrated the file meanwhile.
func (db *DB) migrate(ctx context.Context, path string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	st, err := readSchema(ctx, tx)
	if err != nil {
		return err
	}
	if err := st.usable(path, true); err != nil {
		return err
	}
	fresh := false
	for _, name := range st.missing() {
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
		db.migrated = append(db.migrated, strings.TrimSuffix(strings.TrimPrefix(name, "migration/"), ".sql"))
	}
	if fresh {
		if _, err := setReference(ctx, tx, roster.DefaultReference(), false); err != nil {
			return err
		}
		slog.Debug("created directory", "path", db.path)
	}
	db.created = fresh
	return tx.Commit()
}

// Created says whether this Open created the directory.
func (db *DB) Created() bool { return db.created }

// Migrated lists the migrations this Open applied to an existing
// directory, by name.
func (db *DB) Migrated() []string {
	if db.created {
		return nil
	}
	return db.migrated
}

// Path returns the real path of the directory's file, links resolved.
func (db *DB) Path() string { return db.path }

// busy turns SQLite's "database is locked" into an error a person can act on.
func busy(err error) error {
	if isBusy(err) {
		return roster.Errorf(roster.ECONFLICT, "the directory is busy with another run that did not finish within %s; try again when it has", BusyTimeout)
	}
	return err
}

func isBusy(err error) bool {
	c := code(err)
	return c == codeBusy || c == codeLocked
}

// begin starts a write transaction, waiting while another run holds the
// write lock for as long as ctx allows, and at most BusyTimeout (waitLock).
// Inside the transaction, the statements wait as long as BusyTimeout (with
// a rollback journal, a commit waits for the readers that are still
// reading).
func (db *DB) begin(ctx context.Context) (*sql.Tx, error) {
	if _, err := db.db.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return nil, err
	}
	var tx *sql.Tx
	err := waitLock(ctx, func() (err error) {
		tx, err = db.db.BeginTx(ctx, nil)
		return err
	})
	if err == nil {
		if _, err = tx.ExecContext(ctx, longBusy()); err != nil {
			tx.Rollback()
		}
	}
	if err != nil {
		db.db.ExecContext(context.WithoutCancel(ctx), longBusy())
		return nil, err
	}
	return tx, nil
}

func longBusy() string { return fmt.Sprintf("PRAGMA busy_timeout = %d", BusyTimeout.Milliseconds()) }

// waitLock calls try, which asks for the write lock without waiting (the
// connection's busy timeout is 0), until SQLite stops refusing it as busy.
// SQLite's own wait does not see a context, so the pauses are Go's: from
// 1 ms, growing to 50 ms, until ctx ends (cancelled: context.Canceled, so
// Ctrl-C stops a queued import at once; deadline: the ECONFLICT "busy"
// error) or BusyTimeout has passed.
func waitLock(ctx context.Context, try func() error) error {
	start, pause := time.Now(), time.Millisecond
	for {
		err := try()
		if !isBusy(err) {
			return err
		}
		if time.Since(start)+pause > BusyTimeout {
			return busy(err)
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return roster.Errorf(roster.ECONFLICT, "the directory is busy with another run that did not finish within %s; try again when it has", time.Since(start).Round(time.Millisecond))
			}
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// writeNow runs fn in a write transaction, waiting for this DB's writer
// connection and the directory's write lock for patience at most (0: as
// long as ctx allows, up to BusyTimeout). Unlike begin, it never waits
// longer: it holds the connection from the start, so that giving the
// connection back its busy timeout does not wait for an import of this
// process that took it meanwhile. fn may run more than once, when the
// commit itself is refused as busy.
func (db *DB) writeNow(ctx context.Context, patience time.Duration, fn func(*sql.Tx) error) error {
	wait := ctx
	if patience > 0 {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, patience)
		defer cancel()
	}
	conn, err := db.db.Conn(wait)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), longBusy())
	return waitLock(wait, func() error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// Close closes the database.
func (db *DB) Close() error {
	db.open.RollbackAll()
	db.stopMarks()
	err := db.rd.Close()
	if db.fresh {
		// Leave the directory in WAL mode for whoever opens it next;
		// when another run holds it, the next writer switches it.
		db.setJournal(context.Background(), "wal")
	}
	return errors.Join(err, db.db.Close())
}

// Begin starts a write transaction holding the directory's write lock.
//
// Once it holds the lock, it sees to the journal mode, from what the
// directory holds then. A directory with users runs in WAL mode,
// where readers never wait for a writer (an export during an import, the
// server's requests). A directory with no user, client or operator yet,
// which is about to receive its first import, runs with a rollback journal
// until Close:
// there, every page of a bulk load is written once into the file, where
// WAL writes it twice (to the log, then to the file), which is a sixth of
// a million-user import; its readers may wait, but they have no user to
// read. Both are atomic, and a commit survives a crash and a power cut.
func (db *DB) Begin(ctx context.Context) (roster.Tx, error) {
	stx, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	t := &Tx{tx: stx, stmts: map[string]*sql.Stmt{}, sealer: db.sealer, open: &db.open}
	ref, err := loadReference(ctx, stx)
	if err != nil {
		stx.Rollback()
		return nil, err
	}
	t.start(ref)
	db.open.Add(t)
	return t, nil
}

func (db *DB) beginWrite(ctx context.Context) (*sql.Tx, error) {
	for switched := false; ; switched = true {
		stx, err := db.begin(ctx)
		if err != nil {
			return nil, err
		}
		// A directory with clients or operators is read by a server at
		// any time (each token and each page reads its client or its
		// operator), so it stays in WAL mode even before its first users.
		var users bool
		var mode string
		if err := stx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM clients)
			OR EXISTS (SELECT 1 FROM operators)`).Scan(&users); err != nil {
			stx.Rollback()
			return nil, err
		}
		if err := stx.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			stx.Rollback()
			return nil, err
		}
		want := "wal"
		if !users {
			want = "delete"
		}
		// The mode can change only outside a transaction, and only when no
		// other run has the file open: one try, then the file's mode is
		// kept (as safe, only slower, or its readers may wait).
		if mode = strings.ToLower(mode); mode == want || switched {
			db.fresh = db.fresh || mode == "delete"
			return stx, nil
		}
		stx.Rollback()
		if err := db.setJournal(ctx, want); err != nil {
			return nil, err
		}
	}
}

// setJournal switches the journal mode without waiting: a switch needs the
// file to itself, and when another run holds it, the mode stays.
func (db *DB) setJournal(ctx context.Context, mode string) error {
	if _, err := db.db.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return err
	}
	_, err := db.db.ExecContext(ctx, `PRAGMA journal_mode = `+mode)
	if isBusy(err) {
		err = nil
	}
	if _, rerr := db.db.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", BusyTimeout.Milliseconds())); err == nil {
		err = rerr
	}
	return err
}

// Snapshot starts a read-only transaction on one state of the directory, on
// a reader's connection: it never waits for the writer in WAL mode.
func (db *DB) Snapshot(ctx context.Context) (roster.Tx, error) {
	return db.snapshot(ctx, db.sealer)
}

func (db *DB) snapshot(ctx context.Context, s *seal.Sealer) (*Tx, error) {
	stx, err := db.rd.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, busy(err)
	}
	t := &Tx{tx: stx, stmts: map[string]*sql.Stmt{}, sealer: s, open: &db.open}
	ref, err := loadReference(ctx, stx)
	if err != nil {
		stx.Rollback()
		return nil, busy(err)
	}
	t.start(ref)
	db.open.Add(t)
	return t, nil
}

// Reference returns the reference data.
func (db *DB) Reference(ctx context.Context) (*roster.Reference, error) {
	t, err := db.snapshot(ctx, db.sealer)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	return t.Ref, nil
}

// SetReference applies declared reference data.
func (db *DB) SetReference(ctx context.Context, ref *roster.Reference, prune bool) ([]string, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	changes, err := setReference(ctx, tx, ref, prune)
	if err != nil {
		return nil, err
	}
	return changes, tx.Commit()
}

// JournalMode returns SQLite's journal mode: wal, or delete for a directory
// that takes its first import.
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
