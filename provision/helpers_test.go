package provision_test

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/postgres/postgrestest"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/reportdir"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

// fixturesDir is the shared test files' folder, absolute so that tests that
// change the working folder still find it.
var fixturesDir = func() string {
	p, err := filepath.Abs(filepath.Join("..", "testdata", "fixtures"))
	if err != nil {
		panic(err)
	}
	return p
}()

// fixture returns the path of a shared test file.
func fixture(name string) string { return filepath.Join(fixturesDir, name) }

// newDB opens a new directory and returns it with its name: an SQLite file
// in a temporary folder or, with ROSTER_TEST_STORE=postgres, a schema of
// its own in the server ROSTER_TEST_POSTGRES names (its URL), so that every
// rule of the engine is proven on both stores.
func newDB(t *testing.T) (roster.Directory, string) {
	t.Helper()
	if postgrestest.Chosen() {
		return postgrestest.New(t)
	}
	path := filepath.Join(t.TempDir(), "roster.db")
	return reopenDB(t, path), path
}

// reopenDB opens a test directory by name, as another process would.
func reopenDB(t *testing.T, name string) roster.Directory {
	t.Helper()
	if postgres.IsURL(name) {
		return postgrestest.Open(t, name)
	}
	db, err := sqlite.Open(t.Context(), name)
	if err != nil {
		t.Fatalf("opening a directory: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// lockWait makes the directories opened from now on wait at most d for
// another writer, and returns a function that restores the wait.
func lockWait(d time.Duration) func() {
	busy, lock := sqlite.BusyTimeout, postgres.LockTimeout
	sqlite.BusyTimeout, postgres.LockTimeout = d, d
	return func() { sqlite.BusyTimeout, postgres.LockTimeout = busy, lock }
}

// source opens a file as a run's source, closed when the test ends.
func source(t testing.TB, path string) *sheet.Source {
	t.Helper()
	src, err := sheet.OpenSource(path)
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// reportsIn returns a sink that keeps reports in dir (a new or empty
// folder), released when the test ends.
func reportsIn(t testing.TB, dir string) provision.ReportSink {
	f := reportdir.New(dir)
	t.Cleanup(func() { f.Close() })
	return f
}

// options returns run options whose reports go to a temporary folder,
// never to the package's folder.
func options(t *testing.T) provision.Options {
	t.Helper()
	return provision.Options{Reports: reportsIn(t, filepath.Join(t.TempDir(), "reports"))}
}

// writeCSV writes rows as a UTF-8 CSV file into dir and returns its path.
func writeCSV(t *testing.T, dir, name string, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeSheet writes rows in a format sheet can write (CSV, XLSX, ODS).
func writeSheet(t *testing.T, path string, format sheet.Format, rows [][]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := sheet.NewWriter(f, format, sheet.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// copyFile copies src to dst, making dst's folder.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyAvatars copies the fixtures' avatars/ folder into dir.
func copyAvatars(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(fixture("avatars"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join(fixture("avatars"), e.Name()), filepath.Join(dir, "avatars", e.Name()))
	}
}

// run calls an engine entry point and fails the test on a run error.
func run(t *testing.T, what string, f func() (*roster.Result, error)) *roster.Result {
	t.Helper()
	res, err := f()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return res
}

func importFile(t *testing.T, dir roster.Directory, path string, opt provision.Options) *roster.Result {
	t.Helper()
	return run(t, "import "+filepath.Base(path), func() (*roster.Result, error) {
		return provision.Import(t.Context(), dir, source(t, path), opt)
	})
}

func updateFile(t *testing.T, dir roster.Directory, path string, opt provision.Options) *roster.Result {
	t.Helper()
	return run(t, "update "+filepath.Base(path), func() (*roster.Result, error) {
		return provision.Update(t.Context(), dir, source(t, path), opt)
	})
}

// counts are the row counts of a result, with nil counts as 0.
type counts struct {
	Rows, Created, Updated, Unchanged, Skipped, Failed int
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func countsOf(res *roster.Result) counts {
	return counts{Rows: res.Rows, Created: deref(res.Created), Updated: deref(res.Updated), Unchanged: res.Unchanged,
		Skipped: deref(res.Skipped), Failed: res.Failed}
}

// wantCounts checks a result's counts and logs its problems when they differ.
func wantCounts(t *testing.T, res *roster.Result, want counts) {
	t.Helper()
	if got := countsOf(res); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
		logProblems(t, res)
	}
}

// wantClean checks that a run had no failed row and wrote.
func wantClean(t *testing.T, res *roster.Result) {
	t.Helper()
	if res.Failed != 0 || len(res.Errors) != 0 || !res.Applied {
		t.Errorf("failed %d, applied %v; want no failure and applied", res.Failed, res.Applied)
		logProblems(t, res)
	}
}

func logProblems(t *testing.T, res *roster.Result) {
	t.Helper()
	for _, p := range res.Errors {
		t.Logf("  row %d, %s = %q: %s", p.Row, p.Column, p.Value, p.Message)
	}
}

// problemsAt lists a result's problems as sorted "row:column" strings, and
// checks that each has a message.
func problemsAt(t *testing.T, res *roster.Result) []string {
	t.Helper()
	var out []string
	for _, p := range res.Errors {
		if strings.TrimSpace(p.Message) == "" {
			t.Errorf("row %d, column %s: a problem without a message", p.Row, p.Column)
		}
		out = append(out, fmt.Sprintf("%d:%s", p.Row, p.Column))
	}
	sort.Strings(out)
	return out
}

// wantProblems checks that a result's problems are exactly at the given
// "row:column" places.
func wantProblems(t *testing.T, res *roster.Result, want ...string) {
	t.Helper()
	got := problemsAt(t, res)
	want = slices.Clone(want)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems at %v, want %v", got, want)
		logProblems(t, res)
	}
}

// table is a sheet read back: its header and its rows by column name.
type table struct {
	header []string
	rows   []map[string]string
}

// readTable reads a file's bytes as roster reads files (so that export's
// formula escapes are undone) into a table.
func readTable(t *testing.T, data []byte, name string) *table {
	t.Helper()
	f, err := sheet.OpenReader(bytes.NewReader(data), int64(len(data)), name, sheet.Options{})
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return collectTable(t, f, func(h string) string { return h })
}

// readFileTable reads a file on disk into a table whose keys are the
// canonical column names of its header (unknown headers keep their name).
func readFileTable(t *testing.T, path string) *table {
	t.Helper()
	f, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return collectTable(t, f, func(h string) string {
		if c := catalog.Lookup(h); c != nil {
			return c.Name
		}
		return h
	})
}

// collectTable reads the rows of an open file, its header named by key.
func collectTable(t *testing.T, f *sheet.File, key func(string) string) *table {
	t.Helper()
	defer f.Close()
	tb := &table{}
	first := true
	for {
		row, err := f.Next()
		if err == io.EOF {
			return tb
		}
		if err != nil {
			t.Fatalf("reading %s: %v", f.Name, err)
		}
		if first {
			for _, h := range row.Cells {
				tb.header = append(tb.header, key(h))
			}
			first = false
			continue
		}
		m := map[string]string{}
		for i, h := range tb.header {
			m[h] = ""
			if i < len(row.Cells) {
				m[h] = row.Cells[i]
			}
		}
		tb.rows = append(tb.rows, m)
	}
}

// find returns the rows whose column has the value.
func (tb *table) find(column, value string) []map[string]string {
	var out []map[string]string
	for _, r := range tb.rows {
		if r[column] == value {
			out = append(out, r)
		}
	}
	return out
}

// one returns the only row whose column has the value.
func (tb *table) one(t *testing.T, column, value string) map[string]string {
	t.Helper()
	rows := tb.find(column, value)
	if len(rows) != 1 {
		t.Fatalf("%d exported rows with %s = %q, want 1", len(rows), column, value)
	}
	return rows[0]
}

// exportBytes exports the directory in a format.
func exportBytes(t *testing.T, dir roster.Directory, opt provision.ExportOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := provision.Export(t.Context(), dir, &b, opt); err != nil {
		t.Fatalf("export: %v", err)
	}
	return b.Bytes()
}

// exportTable exports the directory as CSV and reads it back.
func exportTable(t *testing.T, dir roster.Directory, secrets bool) *table {
	t.Helper()
	return readTable(t, exportBytes(t, dir, provision.ExportOptions{Format: sheet.CSV, Secrets: secrets}), "export.csv")
}

// zipExport is an export ZIP taken apart.
type zipExport struct {
	users   []byte
	entries map[string][]byte
}

func exportZIP(t *testing.T, dir roster.Directory, secrets bool) *zipExport {
	t.Helper()
	z := &zipExport{entries: zipEntries(t, exportBytes(t, dir, provision.ExportOptions{Format: sheet.ZIP, Secrets: secrets}))}
	z.users = z.entries["users.csv"]
	if z.users == nil {
		t.Fatalf("the export ZIP has no users.csv; it holds %v", mapKeys(z.entries))
	}
	return z
}

// zipEntries returns the files of a ZIP by name.
func zipEntries(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the export ZIP: %v", err)
	}
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name] = b
	}
	return entries
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// users returns every user of the directory, in export order.
func users(t *testing.T, dir roster.Directory) []*roster.User {
	t.Helper()
	var out []*roster.User
	if err := dir.Export(t.Context(), "", true, func(u *roster.User) error {
		out = append(out, u.Clone())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// userBy returns the user whose field (as fn reads it) has the value.
func userBy(t *testing.T, dir roster.Directory, fn func(*roster.User) string, value string) *roster.User {
	t.Helper()
	var found []*roster.User
	for _, u := range users(t, dir) {
		if fn(u) == value {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d users with %q, want 1", len(found), value)
	}
	return found[0]
}

func byUUID(u *roster.User) string      { return u.UUID }
func byUsername(u *roster.User) string  { return u.Username }
func byFirstname(u *roster.User) string { return u.Firstname }

// numbers returns the numbers used in a context of the default tenant.
func numbers(t *testing.T, db roster.Directory, key, context string) []string {
	t.Helper()
	tx, err := db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	used, err := tx.Numbers(t.Context(), key, "default", context)
	if err != nil {
		t.Fatal(err)
	}
	return mapKeys(used)
}

// countUsers returns the number of users of the directory.
func countUsers(t *testing.T, db roster.Directory) int {
	t.Helper()
	return len(users(t, db))
}

// members returns the usernames of a group's or room's members, sorted.
func members(t *testing.T, db roster.Directory, kind, name string) []string {
	t.Helper()
	us, err := provision.Members(t.Context(), db, kind, "", name)
	if err != nil {
		t.Fatalf("members of %s %s: %v", kind, name, err)
	}
	out := []string{}
	for _, u := range us {
		out = append(out, u.Username)
	}
	sort.Strings(out)
	return out
}

// writeCounter installs, in the directory file, a trigger that records
// every write of a users row, so that a test can tell whether a run wrote
// a user. It returns a function that reads the count.
func writeCounter(t *testing.T, path string) func() int {
	t.Helper()
	if postgres.IsURL(path) {
		return postgrestest.UserWrites(t, path)
	}
	open := func() *sql.DB {
		// The sqlite package uses the C library's driver when built with
		// cgo, and the pure-Go one otherwise.
		driver := ""
		for _, d := range sql.Drivers() {
			if d == "sqlite3" || d == "sqlite" && driver == "" {
				driver = d
			}
		}
		db, err := sql.Open(driver, "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		if _, err := db.ExecContext(t.Context(), `PRAGMA busy_timeout = 10000`); err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE test_user_writes (user_id INTEGER)`,
		`CREATE TRIGGER test_users_updated AFTER UPDATE ON users BEGIN INSERT INTO test_user_writes VALUES (NEW.id); END`,
		`CREATE TRIGGER test_users_inserted AFTER INSERT ON users BEGIN INSERT INTO test_user_writes VALUES (NEW.id); END`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return func() int {
		t.Helper()
		db := open()
		defer db.Close()
		var n int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM test_user_writes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// setTestReference adds call permissions, skill groups and desks to the
// default tenant.
func setTestReference(t *testing.T, db roster.Directory) {
	t.Helper()
	directorytest.SetTestReference(t, db)
}

// exists says whether a path exists.
func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// diffUsers describes how two states of a user differ, field by field; ""
// when they are alike.
func diffUsers(a, b *roster.User) string {
	va, vb := reflect.ValueOf(*a), reflect.ValueOf(*b)
	var out []string
	for i := range va.NumField() {
		if va.Type().Field(i).Name == "Version" {
			continue // the directory moves it on with every write
		}
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if !reflect.DeepEqual(fa, fb) {
			out = append(out, fmt.Sprintf("%s: %s → %s", va.Type().Field(i).Name, show(fa), show(fb)))
		}
	}
	return strings.Join(out, "; ")
}

func show(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "nil"
		}
		if p, ok := v.(*roster.Picture); ok {
			return fmt.Sprintf("%s picture of %d bytes", p.Type, len(p.Data))
		}
		return fmt.Sprintf("%+v", rv.Elem().Interface())
	}
	return fmt.Sprintf("%#v", v)
}
