// Package postgrestest gives tests directories in a real PostgreSQL
// server, the one ROSTER_TEST_POSTGRES names (scripts/postgres.sh starts
// one and prints its URL; scripts/test.sh sets the variable). Each
// directory is a schema of its own, dropped when its test ends, so that
// tests run in parallel on one database. ROSTER_TEST_STORE=postgres makes
// the engine's tests, which use SQLite otherwise, use PostgreSQL.
package postgrestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-dev/roster/postgres"
)

// Env names the environment variable that holds the server's URL.
const Env = "ROSTER_TEST_POSTGRES"

// StoreEnv names the environment variable that chooses the store of the
// engine's tests: "postgres", or SQLite when unset.
const StoreEnv = "ROSTER_TEST_STORE"

// Chosen says whether the engine's tests run against PostgreSQL.
func Chosen() bool { return os.Getenv(StoreEnv) == "postgres" }

var (
	once    sync.Once
	admin   *pgxpool.Pool
	openErr error
)

// server returns a pool on the test server, failing the test when the
// variable names a server that cannot be reached: a run that was asked to
// test PostgreSQL never passes without it.
func server(t testing.TB) *pgxpool.Pool {
	t.Helper()
	if os.Getenv(Env) == "" {
		if Chosen() {
			t.Fatalf("%s=postgres, and %s names no server", StoreEnv, Env)
		}
		t.Skipf("%s is not set: run ./scripts/postgres.sh start and set it to the URL it prints", Env)
	}
	once.Do(func() {
		admin, openErr = pgxpool.New(context.Background(), os.Getenv(Env))
		if openErr == nil {
			openErr = admin.Ping(context.Background())
		}
	})
	if openErr != nil {
		t.Fatalf("%s names a PostgreSQL server that cannot be reached: %v", Env, openErr)
	}
	return admin
}

// NewURL makes a new, empty schema and returns the URL of a directory in
// it. The schema is dropped when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	pool := server(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := pool.Exec(context.Background(), `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if _, err := pool.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Logf("dropping the test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(os.Getenv(Env))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// KeyFile returns the path of the key file a test's directory at dbURL
// uses: one per directory, in a temporary folder of the test.
func KeyFile(t testing.TB, dbURL string) string {
	t.Helper()
	keys.Lock()
	defer keys.Unlock()
	if keys.m == nil {
		keys.m = map[string]string{}
	}
	if p, ok := keys.m[dbURL]; ok {
		return p
	}
	p := filepath.Join(t.TempDir(), "roster.key")
	keys.m[dbURL] = p
	return p
}

var keys struct {
	sync.Mutex
	m map[string]string
}

// Open opens the directory at dbURL with its test key file, and closes it
// when the test ends.
func Open(t testing.TB, dbURL string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), dbURL, postgres.Options{KeyFile: KeyFile(t, dbURL), Create: true})
	if err != nil {
		t.Fatalf("opening %s: %v", postgres.Redact(dbURL), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// New opens a new directory in a schema of its own.
func New(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	u := NewURL(t)
	return Open(t, u), u
}

// Exec runs statements in the schema of the directory at dbURL, behind
// roster's back.
func Exec(t testing.TB, dbURL, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// UserWrites installs, in the directory at dbURL, a trigger that records
// every write of a users row, so that a test can tell whether a run wrote
// a user. It returns a function that reads the count.
func UserWrites(t testing.TB, dbURL string) func() int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	for _, q := range []string{
		`CREATE TABLE test_user_writes (user_id bigint)`,
		`CREATE FUNCTION test_user_written() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO test_user_writes VALUES (NEW.id); RETURN NEW; END $$`,
		`CREATE TRIGGER test_users_written AFTER INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION test_user_written()`,
	} {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return func() int {
		t.Helper()
		var n int
		if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM test_user_writes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}
