// Package postgres stores roster's directory in a PostgreSQL database, with
// the behaviour of the SQLite directory (package sqlite): the same tables
// and rules, the same reference data, the same sealing of secrets.
//
// A directory is one schema of a database: the first of the connection's
// search_path, "public" unless the URL says otherwise (?search_path=name),
// so that several directories may share a database. A schema without the
// directory's tables is migrated and given the default reference data on
// first use.
//
// Writes are one at a time, across processes and machines: Begin takes a
// transaction-scoped advisory lock of the directory, which PostgreSQL
// releases at commit, at rollback, or when the connection of a process
// that died is closed. Readers take no lock and never wait: PostgreSQL
// gives each statement (or, for an export, each transaction) a snapshot.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/opentx"
	"github.com/roster-dev/roster/seal"
)

//go:embed migration/*.sql
var migrations embed.FS

// LockTimeout is how long a write waits for another one to finish.
var LockTimeout = 10 * time.Minute

// lockClass is the first half of the directory's advisory lock key ("rost");
// the second is the oid of the directory's schema, so that directories in
// other schemas of the database do not wait for each other.
const lockClass = 0x726f7374

// IsURL says whether a --db value names a PostgreSQL directory.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns a URL without its password, to be shown to people.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the PostgreSQL directory"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Options says where a directory's key lives, and whether a missing
// directory is made.
type Options struct {
	// KeyFile holds the key that seals the directory's secrets. It is
	// created, mode 0600, when a secret is first sealed; a directory that
	// has sealed secrets opens only with it.
	KeyFile string
	// Create makes the directory in a schema that has none yet: for the
	// commands that write. Without it, such a schema is refused, so that a
	// mistyped URL is told instead of read as a new, empty directory.
	Create bool
}

// DB is a directory in a PostgreSQL schema.
type DB struct {
	pool   *pgxpool.Pool
	name   string // the URL without its password
	wait   time.Duration
	schema int32 // the schema's oid, the second half of the lock key
	sealer *seal.Sealer

	created  bool     // this Open created the directory
	migrated []string // the migrations this Open applied

	open   opentx.Set
	server server // its part as one of the directory's servers (see servers.go)
}

var _ roster.Directory = (*DB)(nil)

// Open connects to the directory at a postgres:// URL and migrates it when
// it is behind; with opt.Create, it also creates and seeds a missing one.
func Open(ctx context.Context, dbURL string, opt Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "%s is not a PostgreSQL URL: %v", Redact(dbURL), err)
	}
	params := map[string]string{"application_name": "roster",
		// PostgreSQL ends the connections of a machine that vanished (and
		// releases its locks, rolls back its import) when TCP keepalives
		// go unanswered: after about a minute, not the system's two hours,
		// so that the other servers go on writing and mark its jobs.
		"tcp_keepalives_idle": "30", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "3"}
	for k, v := range params {
		if _, ok := cfg.ConnConfig.RuntimeParams[k]; !ok {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{pool: pool, name: Redact(dbURL), wait: LockTimeout, sealer: &seal.Sealer{Path: opt.KeyFile, Hint: keyHint}}
	if err := db.prepare(ctx, opt); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// prepare finds the schema, migrates it and checks the key.
func (db *DB) prepare(ctx context.Context, opt Options) error {
	var schema *string
	var oid *int64
	err := db.pool.QueryRow(ctx, `SELECT current_schema(), (SELECT oid FROM pg_namespace WHERE nspname = current_schema())::bigint`).Scan(&schema, &oid)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return roster.Errorf(roster.EINVALID, "cannot reach the PostgreSQL directory %s: %v", db.name, err)
	}
	if schema == nil || oid == nil {
		return roster.Errorf(roster.EINVALID, "%s: the search_path names no schema that exists; create it first", db.name)
	}
	db.schema = int32(*oid)
	if err := db.migrate(ctx, opt); err != nil {
		return err
	}
	return db.checkKey(ctx)
}

// Close rolls back the transactions left open and closes the directory's
// connections.
func (db *DB) Close() error {
	db.stopServing()
	db.open.RollbackAll()
	db.pool.Close()
	return nil
}

// beginLocked begins a transaction and takes the write lock in it. The
// caller defers its rollback, which does nothing once it is committed.
func (db *DB) beginLocked(ctx context.Context) (pgx.Tx, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if err := db.lock(ctx, tx); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return tx, nil
}

// lock takes the directory's write lock for the transaction, waiting at
// most LockTimeout (and no longer than ctx allows).
//
// It also steers the writer's plans to indexes. PostgreSQL plans the
// foreign-key check of a table once per connection and keeps that plan: made
// while a new directory's users table holds a page or two, it scans the
// table, and a load then scans it once per membership, which is quadratic.
// Every table a writer looks rows up in has an index for it. Compiling
// plans (JIT), which the cost of a disabled scan would trigger, only slows
// the small statements of a writer.
func (db *DB) lock(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d; SET LOCAL enable_seqscan = off; SET LOCAL jit = off`, db.wait.Milliseconds())); err != nil {
		return err
	}
	start := time.Now()
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(lockClass), db.schema)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "55P03": // lock_not_available
		return busy(db.wait)
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		// The caller's deadline is a bound on the wait, as lock_timeout is.
		return busy(time.Since(start))
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	}
	return err
}

// migrate applies the embedded migrations not applied yet, in one
// transaction under the directory's lock, and seeds a new directory with
// the default reference data. A directory that is up to date is only read:
// opening it waits for nobody. One that a newer roster migrated is refused,
// and so is a schema that holds other tables than a directory's: it is
// another program's, and roster adds nothing to it.
func (db *DB) migrate(ctx context.Context, opt Options) error {
	names, err := fs.Glob(migrations, "migration/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	applied, err := appliedMigrations(ctx, db.pool, db.schema)
	if err != nil {
		return err
	}
	if applied == nil {
		if err := db.empty(ctx, db.pool, opt.Create); err != nil {
			return err
		}
	}
	if done, err := db.upToDate(names, applied); done || err != nil {
		return err
	}
	tx, err := db.beginLocked(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Another process may have migrated while this one waited.
	if applied, err = appliedMigrations(ctx, tx, db.schema); err != nil {
		return err
	}
	if done, err := db.upToDate(names, applied); done || err != nil {
		return err
	}
	if applied == nil {
		if err := db.empty(ctx, tx, opt.Create); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS migrations (name text PRIMARY KEY)`); err != nil {
		return err
	}
	fresh := false
	for _, name := range names {
		if slices.Contains(applied, migrationName(name)) {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if fill := backfills[migrationName(name)]; fill != nil {
			if err := fill(ctx, tx); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO migrations (name) VALUES ($1)`, migrationName(name)); err != nil {
			return err
		}
		fresh = fresh || strings.HasSuffix(name, "0001_directory.sql")
		db.migrated = append(db.migrated, strings.TrimSuffix(migrationName(name), ".sql"))
	}
	if fresh {
		if _, err := setReference(ctx, tx, roster.DefaultReference(), false); err != nil {
			return err
		}
		slog.Debug("created directory", "db", db.name)
	}
	db.created = fresh
	return tx.Commit(ctx)
}

// empty checks a schema that holds no directory: it must hold no table at
// all, and be one that may be given a directory (create).
func (db *DB) empty(ctx context.Context, q querier, create bool) error {
	var tables int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relnamespace = $1::oid AND relkind IN ('r', 'p', 'v', 'm', 'f')`,
		uint32(db.schema)).Scan(&tables); err != nil {
		return err
	}
	switch {
	case tables > 0:
		return roster.Errorf(roster.EINVALID, "%s is not a roster directory: its schema holds other tables; name an empty schema with ?search_path=NAME", db.name)
	case !create:
		return roster.Errorf(roster.ENOTFOUND, "there is no directory in %s; roster init --db postgres://… creates one there (or name another with --db)", db.name)
	}
	return nil
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

// migrationName is the name a migration is recorded under: its file name.
func migrationName(path string) string { return strings.TrimPrefix(path, "migration/") }

// upToDate says whether every migration is applied, and refuses a
// directory that holds migrations this roster does not know.
func (db *DB) upToDate(names, applied []string) (bool, error) {
	known := map[string]bool{}
	for _, n := range names {
		known[migrationName(n)] = true
	}
	for _, a := range applied {
		if !known[a] {
			return false, roster.Errorf(roster.EINVALID, "the directory %s was created or migrated by a newer roster (migration %s); use that version or a later one", db.name, a)
		}
	}
	return len(applied) == len(names), nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// appliedMigrations lists the migrations applied to the schema, nil when
// it has no directory yet.
func appliedMigrations(ctx context.Context, q querier, schema int32) ([]string, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = $1::oid AND relname = 'migrations')`,
		uint32(schema)).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if names == nil && err == nil {
		names = []string{}
	}
	return names, err
}

// Begin starts a write transaction holding the directory's write lock.
func (db *DB) Begin(ctx context.Context) (roster.Tx, error) {
	start := time.Now()
	ptx, err := db.pool.Begin(ctx)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// A deadline that ends while a connection is made is a bound
			// on the wait too, as in lock.
			return nil, busy(time.Since(start))
		}
		return nil, err
	}
	if err := db.lock(ctx, ptx); err != nil {
		ptx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return db.newTx(ctx, ptx, false)
}

// newTx makes a Tx of a transaction that began, with its reference data.
func (db *DB) newTx(ctx context.Context, ptx pgx.Tx, readOnly bool) (*Tx, error) {
	ref, err := loadReference(ctx, ptx)
	if err != nil {
		ptx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	t := &Tx{tx: ptx, ctx: ctx, db: db, readOnly: readOnly}
	t.start(ref)
	db.open.Add(t)
	return t, nil
}

// Snapshot starts a read-only transaction on one state of the directory:
// a repeatable-read snapshot, which takes no lock, so that it never waits
// for a writer nor makes one wait. Its writes fail.
func (db *DB) Snapshot(ctx context.Context) (roster.Tx, error) {
	return db.snapshot(ctx)
}

func (db *DB) snapshot(ctx context.Context) (*Tx, error) {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	return db.newTx(ctx, ptx, true)
}

// Reference returns the reference data.
func (db *DB) Reference(ctx context.Context) (*roster.Reference, error) {
	t, err := db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	return t.Ref, nil
}

// Sets lists the groups or rooms of a tenant with their member counts,
// from a snapshot.
func (db *DB) Sets(ctx context.Context, kind, tenant string) ([]roster.Set, error) {
	t, err := db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	tid, err := t.TenantOf(tenant)
	if err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT s.name, (SELECT count(*) FROM members m WHERE m.set_id = s.id)
		FROM sets s WHERE s.tenant_id = $1 AND s.kind = $2 ORDER BY lower(s.name COLLATE "C"), s.name COLLATE "C"`, tid, kind)
	if err != nil {
		return nil, err
	}
	out := []roster.Set{}
	var set roster.Set
	_, err = pgx.ForEachRow(rows, []any{&set.Name, &set.Members}, func() error {
		out = append(out, set)
		return nil
	})
	return out, err
}

// SetReference applies declared reference data, under the write lock.
func (db *DB) SetReference(ctx context.Context, ref *roster.Reference, prune bool) ([]string, error) {
	tx, err := db.beginLocked(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	changes, err := setReference(ctx, tx, ref, prune)
	if err != nil {
		return nil, err
	}
	return changes, tx.Commit(ctx)
}

// backfills are the steps of migrations that SQL cannot do alone, run
// after the migration's file, in its transaction.
var backfills = map[string]func(context.Context, pgx.Tx) error{
	"0003_user_lists.sql": foldNames,
}

// foldNames fills the folded names of the users a directory had before
// 0003: ASCII names are lowered in SQL (lower() in the "C" collation lowers
// ASCII letters only, as roster.FoldIdentity does them); the others, whose
// bytes outnumber their characters, are folded in Go.
func foldNames(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET firstname_key = lower(firstname COLLATE "C"), lastname_key = lower(lastname COLLATE "C")`); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT id, firstname, lastname FROM users
		WHERE octet_length(firstname) <> char_length(firstname) OR octet_length(lastname) <> char_length(lastname)`)
	if err != nil {
		return err
	}
	var ids []int64
	var firsts, lasts []string
	var id int64
	var first, last string
	if _, err := pgx.ForEachRow(rows, []any{&id, &first, &last}, func() error {
		ids, firsts, lasts = append(ids, id), append(firsts, roster.FoldIdentity(first)), append(lasts, roster.FoldIdentity(last))
		return nil
	}); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE users u SET firstname_key = f.first, lastname_key = f.last
		FROM unnest($1::bigint[], $2::text[], $3::text[]) AS f (id, first, last) WHERE u.id = f.id`, ids, firsts, lasts)
	return err
}

// busy is the error of a write that waited d for the write lock in vain.
func busy(d time.Duration) error {
	return roster.Errorf(roster.ECONFLICT, "the directory is busy with another run that did not finish within %s; try again when it has", d.Round(time.Millisecond))
}
