package postgres_test

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/postgres/postgrestest"
	"github.com/roster-dev/roster/seal"
)

func store() directorytest.Store {
	return directorytest.Store{
		New: func(t *testing.T) string { return postgrestest.NewURL(t) },
		Open: func(t *testing.T, name string) (roster.Directory, error) {
			db, err := postgres.Open(t.Context(), name, postgres.Options{KeyFile: postgrestest.KeyFile(t, name), Create: true})
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { db.Close() })
			return db, nil
		},
		KeyFile: func(t *testing.T, name string) string { return postgrestest.KeyFile(t, name) },
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

// raw runs a query on the directory's schema behind roster's back.
func raw(t *testing.T, dbURL, query string, args ...any) pgx.Rows {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	rows, err := conn.Query(t.Context(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	db, dbURL := postgrestest.New(t)
	directorytest.SetTestReference(t, db)
	if _, err := os.Stat(postgrestest.KeyFile(t, dbURL)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a directory without secrets has a key file: %v", err)
	}
	if err := directorytest.Create(t, db, directorytest.Rich("00000000-0000-4000-8000-0000000000bb", "a")); err != nil {
		t.Fatal(err)
	}
	signing, err := db.SigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rows := raw(t, dbURL, `SELECT u.call_permission_password, l.sip_secret, v.password, s.value
		FROM users u JOIN lines l ON l.user_id = u.id JOIN voicemails v ON v.user_id = u.id JOIN settings s ON s.name = 'signing_key'`)
	stored, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ A, B, C, D string }])
	if err != nil || len(stored) != 1 {
		t.Fatalf("%v %v", stored, err)
	}
	for _, s := range []string{stored[0].A, stored[0].B, stored[0].C, stored[0].D} {
		if !strings.HasPrefix(s, seal.Prefix) || strings.Contains(s, "73915") || strings.Contains(s, "Sip-Secret") || strings.Contains(s, "918273645") ||
			strings.Contains(s, string(signing)) {
			t.Errorf("a secret is stored as %q", s)
		}
	}
	st, err := os.Lstat(postgrestest.KeyFile(t, dbURL))
	if err != nil || st.Mode().Perm() != 0o600 || !st.Mode().IsRegular() {
		t.Fatalf("key file: %v %v", st, err)
	}
}

// TestAWriteRefusedOutsideTryCommitsNothing: after PostgreSQL refused a
// write, the transaction goes on for reads, but commits nothing.
func TestAWriteRefusedOutsideTryCommitsNothing(t *testing.T) {
	db, _ := postgrestest.New(t)
	ctx := t.Context()
	if err := directorytest.Create(t, db, directorytest.User("00000000-0000-4000-8000-000000000001", "taken", "")); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Create(ctx, []*roster.User{directorytest.User("00000000-0000-4000-8000-000000000002", "fine", "")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, []*roster.User{directorytest.User("00000000-0000-4000-8000-000000000003", "TAKEN", "")}); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("got %v, want a conflict", err)
	}
	if err := tx.Create(ctx, []*roster.User{directorytest.User("00000000-0000-4000-8000-000000000004", "later", "")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("a transaction whose write was refused committed")
	}
	n := 0
	db.Export(ctx, "", false, func(*roster.User) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d users, want the first one only", n)
	}
}

func TestANewerSchemaIsRefused(t *testing.T) {
	_, dbURL := postgrestest.New(t)
	postgrestest.Exec(t, dbURL, `INSERT INTO migrations (name) VALUES ('9999_future.sql')`)
	_, err := postgres.Open(t.Context(), dbURL, postgres.Options{})
	if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "newer roster") {
		t.Fatalf("opening a directory of a newer roster: %v", err)
	}
}

// TestOpeningAtOnceMigratesOnce: processes that open a new directory at
// the same moment create it once.
func TestOpeningAtOnceMigratesOnce(t *testing.T) {
	dbURL := postgrestest.NewURL(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), dbURL, postgres.Options{Create: true})
			if err == nil {
				db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	rows := raw(t, dbURL, `SELECT count(*) FROM tenants`)
	if _, err := pgx.ForEachRow(rows, []any{&n}, func() error { return nil }); err != nil || n != 1 {
		t.Fatalf("%d tenants (%v), want 1", n, err)
	}
}

// TestAClosedConnectionLeavesNothing: a process killed in the middle of
// an import loses its connection, and PostgreSQL rolls its transaction
// back and releases its lock.
func TestAClosedConnectionLeavesNothing(t *testing.T) {
	_, dbURL := postgrestest.New(t)
	ctx := t.Context()
	killed, err := postgres.Open(ctx, dbURL, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := killed.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, []*roster.User{directorytest.User("00000000-0000-4000-8000-000000000001", "a", "")}); err != nil {
		t.Fatal(err)
	}
	// The connection goes, without a commit or a rollback: the server ends
	// the backend that holds the directory's lock.
	rows := raw(t, dbURL, `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objid = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`)
	var ended bool
	if _, err := pgx.ForEachRow(rows, []any{&ended}, func() error { return nil }); err != nil || !ended {
		t.Fatalf("ending the importing backend: %v %v", ended, err)
	}
	tx.Rollback()
	killed.Close()
	db := postgrestest.Open(t, dbURL)
	tx, err = db.Begin(ctx)
	if err != nil {
		t.Fatalf("the lock of a closed connection: %v", err)
	}
	defer tx.Rollback()
	if has, err := tx.HasUsers(ctx); err != nil || has {
		t.Fatalf("users after a connection closed mid-import: %v (%v)", has, err)
	}
}

func TestRedactHidesPasswords(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://roster:s3cret@db:5432/roster":        "postgres://roster:xxxxx@db:5432/roster",
		"postgres://db/roster?password=s3cret&sslmode=x": "postgres://db/roster?password=xxxxx&sslmode=x",
		"postgres://db/roster":                           "postgres://db/roster",
	} {
		if got := postgres.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCommitChecksTheForeignKeysOfABulkLoad: rows written while triggers
// were off are checked at Commit, each foreign key with one query.
func TestCommitChecksTheForeignKeysOfABulkLoad(t *testing.T) {
	db, _ := postgrestest.New(t)
	if err := postgres.CheckForeignKeysAfter(t.Context(), db); err != nil {
		t.Fatalf("a new directory: %v", err)
	}
	err := postgres.CheckForeignKeysAfter(t.Context(), db,
		`INSERT INTO sets (tenant_id, kind, name) VALUES (1, 'group', 'G')`,
		`INSERT INTO members (set_id, user_id) SELECT id, 42 FROM sets`)
	if err == nil || !strings.Contains(err.Error(), "members_user_id_fkey") {
		t.Fatalf("a membership of a user who does not exist: %v", err)
	}
	err = postgres.CheckForeignKeysAfter(t.Context(), db, `INSERT INTO users (id, uuid, tenant_id, role_id) VALUES (1, 'u', 1, 99)`)
	if err == nil || !strings.Contains(err.Error(), "users_role_id_fkey") {
		t.Fatalf("a user of a role that does not exist: %v", err)
	}
}

// TestABadURLHidesItsPassword: a URL that cannot be read is named without
// its password (pgx's parser redacts it in its message, which Open
// repeats; this keeps it so).
func TestABadURLHidesItsPassword(t *testing.T) {
	for _, u := range []string{"postgres://roster:S3cret-Pw@db:notaport/roster", "postgres://roster:S3cret-Pw@db/roster?sslmode=nonsense"} {
		_, err := postgres.Open(t.Context(), u, postgres.Options{})
		if roster.ErrorCode(err) != roster.EINVALID || strings.Contains(err.Error(), "S3cret") {
			t.Errorf("%s: %v", postgres.Redact(u), err)
		}
	}
}

// TestOnlyTheJobsOfServersThatDiedAreInterrupted: two servers on one
// directory. The start of the second (InterruptJobs) leaves the first's
// running job alone, and both read its progress; once the first is gone
// (its connections end, as when it is killed), the second marks the job
// interrupted within a few WatchIntervals, without being restarted.
func TestOnlyTheJobsOfServersThatDiedAreInterrupted(t *testing.T) {
	defer func(d time.Duration) { postgres.WatchInterval = d }(postgres.WatchInterval)
	postgres.WatchInterval = 50 * time.Millisecond
	ctx := t.Context()
	first, name := postgrestest.New(t)
	if _, err := first.InterruptJobs(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	pct := 40
	j := &roster.Job{ID: "0190a000-0000-7000-8000-000000000001", Command: "import", Status: roster.JobRunning, ClientID: "c",
		File: roster.JobFile{Name: "a.csv", Format: "csv"}, Options: []byte(`{}`), CreatedAt: time.Now(),
		Progress: &roster.JobProgress{Stage: "writing", Rows: 400, Percent: &pct}}
	if err := first.SaveJobs(ctx, []*roster.Job{j}); err != nil {
		t.Fatal(err)
	}
	second := postgrestest.Open(t, name)
	if left, err := second.InterruptJobs(ctx, time.Now()); err != nil || len(left) != 0 {
		t.Fatalf("the second server's start interrupted %d jobs (%v), want none: the first runs", len(left), err)
	}
	got, err := second.Job(ctx, j.ID)
	if err != nil || got.Status != roster.JobRunning || got.Progress == nil || got.Progress.Rows != 400 || *got.Progress.Percent != pct {
		t.Fatalf("the first server's job, read by the second: %+v, %v", got, err)
	}
	first.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := second.Job(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == roster.JobInterrupted {
			if got.FinishedAt == nil || got.Progress != nil {
				t.Errorf("interrupted: %+v", got)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job of a server that is gone is still %s", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkListUsers measures pages of a directory of 100,000 users (see
// directorytest.BenchListUsers).
func BenchmarkListUsers(b *testing.B) {
	db, _ := postgrestest.New(b)
	directorytest.PagingDirectory(b, db, 100_000)
	directorytest.BenchListUsers(b, db)
}

// TestAServerTakenForDeadCommitsNothing: a server whose liveness
// connection alone ends (the others take it for dead, and mark its jobs
// interrupted) cannot commit the import it was running.
func TestAServerTakenForDeadCommitsNothing(t *testing.T) {
	ctx := t.Context()
	db, name := postgrestest.New(t)
	if _, err := db.InterruptJobs(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Create(ctx, []*roster.User{directorytest.User("00000000-0000-4000-8000-000000000001", "ann", "")}); err != nil {
		t.Fatal(err)
	}
	class, key := postgres.LivenessLock(db)
	conn, err := pgx.Connect(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2`, class, key); err != nil {
		t.Fatal(err)
	}
	for held := true; held; {
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2)`, class, key).Scan(&held); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("the commit of a server taken for dead: %v, want a conflict", err)
	}
	n := 0
	if err := db.Export(ctx, "", false, func(*roster.User) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("%d users written (%v)", n, err)
	}
}
