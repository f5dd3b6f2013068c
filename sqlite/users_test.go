package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
)

// TestPagesHoldEveryUserOnceInExportOrder: each way of reading a page
// (the walk of the export order, the sorted candidates) gives each user
// that matches exactly once, in the order of export (the contract suite
// checks the way the directory chooses).
func TestPagesHoldEveryUserOnceInExportOrder(t *testing.T) {
	db := pagingDirectory(t, 3000)
	defer func(n int) { pageScan = n }(pageScan)
	for _, scan := range []int{0, 1_000_000} { // always walk the order; always sort the candidates
		pageScan = scan
		directorytest.CheckPages(t, db)
	}
}

// pagingDirectory is a new directory that directorytest.PagingDirectory
// fills with n users.
func pagingDirectory(t testing.TB, n int) *DB {
	t.Helper()
	db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
	directorytest.PagingDirectory(t, db, n)
	return db
}

// TestAPageIsReadThroughAnIndex: the query of a page never scans the users
// table whole. It walks the export-order index, or, for a group or room of
// few members, takes them by rowid and sorts them.
func TestAPageIsReadThroughAnIndex(t *testing.T) {
	db := pagingDirectory(t, 200)
	tx, err := db.snapshot(t.Context(), db.sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	after := &roster.Cursor{TenantID: 1, Lastname: "M", Firstname: "A", UUID: "0"}
	for _, q := range []roster.UserQuery{
		{}, {After: after}, {Tenant: "acme", After: after},
		{Prefix: "mar"}, {Prefix: "1001", After: after}, {Group: "Sales"}, {Room: "Atlas", Tenant: "acme"},
	} {
		query, args, err := tx.pageQuery(t.Context(), q, 100)
		if err != nil || query == "" {
			t.Fatalf("%+v: %q, %v", q, query, err)
		}
		plan, outer := plans(t, tx, query, args...)
		for _, step := range plan {
			// A scan of a subquery reads what it gave (the groups of one
			// user), not a table.
			if strings.HasPrefix(step, "SCAN") && !strings.Contains(step, "INDEX") && !strings.HasPrefix(step, "SCAN (subquery") {
				t.Errorf("%+v: %q scans a table whole; plan %q", q, step, plan)
			}
		}
		sets := q.Group != "" || q.Room != ""
		if !sets && !slices.ContainsFunc(plan, func(s string) bool {
			return strings.HasPrefix(s, "SCAN u USING INDEX users_order") ||
				strings.HasPrefix(s, "SEARCH u USING INDEX users_order")
		}) {
			t.Errorf("%+v: the page does not walk the export order: %q", q, plan)
		}
		// The index gives the whole order, uuid included: users without
		// names (a CommPeak file's) would otherwise be sorted again on
		// every page.
		if !sets && slices.ContainsFunc(outer, func(s string) bool { return strings.Contains(s, "ORDER BY") }) {
			t.Errorf("%+v: the walk sorts: %q", q, outer)
		}
		if sets && !slices.ContainsFunc(plan, func(s string) bool { return strings.HasPrefix(s, "SEARCH u USING INTEGER PRIMARY KEY") }) {
			t.Errorf("%+v: the page does not take the few members by rowid: %q", q, plan)
		}
	}
}

// queryPlan returns the steps of SQLite's plan for a query.
func queryPlan(t *testing.T, tx *Tx, query string, args ...any) []string {
	t.Helper()
	plan, _ := plans(t, tx, query, args...)
	return plan
}

// plans returns the steps of SQLite's plan for a query, all of them and
// those of the outer query alone.
func plans(t *testing.T, tx *Tx, query string, args ...any) (all, outer []string) {
	t.Helper()
	rows, err := tx.tx.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		all = append(all, detail)
		if parent == 0 {
			outer = append(outer, detail)
		}
	}
	return all, outer
}

// TestMigrationFoldsStoredNames: the users of a directory made before
// versions and folded names get both, so that a search by the start of a
// name that is not ASCII finds them, and an ETag.
func TestMigrationFoldsStoredNames(t *testing.T) {
	path := versionOne(t, [2]string{"emile", ""}, [2]string{"ole", ""})
	sdb, err := sql.Open(driverName, dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE users SET firstname = 'Émile', lastname = 'Zola' WHERE username = 'emile'`); err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE users SET firstname = 'Ole', lastname = 'ØDEGAARD' WHERE username = 'ole'`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	db := openTest(t, path)
	for prefix, want := range map[string]string{"émile": "emile", "ødeg": "ole", "ZOL": "emile"} {
		page, err := db.ListUsers(t.Context(), roster.UserQuery{Prefix: prefix, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != 1 || page.Users[0].Username != want || page.Users[0].Version == 0 {
			t.Errorf("%q: %+v, want %s with a version", prefix, page.Users, want)
		}
	}
}

// BenchmarkListUsers measures a page of 100 users: the first, one in the
// middle of the order, and with each kind of filter. It reads the directory
// named by ROSTER_BENCH_DB (a copy: it is migrated), else one of 100,000
// users it makes.
func BenchmarkListUsers(b *testing.B) {
	var db *DB
	if path := os.Getenv("ROSTER_BENCH_DB"); path != "" {
		var err error
		if db, err = Open(b.Context(), path); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	} else {
		db = pagingDirectory(b, 100_000)
	}
	directorytest.BenchListUsers(b, db)
}
