package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
)

// pagingDirectory holds n users in two tenants, with names that repeat
// (so that the order needs every one of its keys), names in other scripts
// and cases, groups and rooms, and extensions.
func pagingDirectory(t testing.TB, n int) *DB {
	t.Helper()
	db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
	ref := roster.DefaultReference()
	ref.Tenants = append(ref.Tenants, roster.Tenant{Name: "acme", DefaultRole: "user", Roles: []roster.Object{{Name: "user"}},
		Contexts: []roster.Context{{Name: "acme-int", Kind: roster.Internal, Ranges: []string{"100000-199999"}}}})
	ref.Tenants[0].Contexts[0].Ranges = []string{"100000-199999"}
	if _, err := db.SetReference(t.Context(), ref, false); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	lasts := []string{"Martin", "martin", "Müller", "MÜLLER", "Ødegaard", "Σοφία", "Dupont", "", "Mar", "Émile"}
	firsts := []string{"Anna", "anna", "Émile", "émile", "Bob", "", "Marc", "Zoë"}
	var users []*roster.User
	for i := range n {
		u := roster.NewUser()
		u.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", r.IntN(1_000_000_000)*10+i%10)
		u.Tenant, u.Role, u.Firstname, u.Lastname = "default", "user", firsts[r.IntN(len(firsts))], lasts[r.IntN(len(lasts))]
		ctx := "default"
		if i%3 == 0 {
			u.Tenant, ctx = "acme", "acme-int"
		}
		if i%2 == 0 {
			u.Username = fmt.Sprintf("User%d", i)
		}
		if i%5 != 0 {
			u.Email = fmt.Sprintf("mail%d@Example.com", i)
		}
		if u.Firstname == "" && u.Username == "" {
			u.Firstname = "Anna"
		}
		if i%4 == 0 {
			u.Line = &roster.Line{Protocol: "sccp", Context: ctx, Exten: fmt.Sprint(100000 + i), ProvisioningCode: fmt.Sprintf("%06d", i)}
		}
		if i%7 == 0 {
			u.Groups = []string{"Sales"}
		}
		if i%11 == 0 {
			u.Groups = append(u.Groups, "Support")
			u.Rooms = []string{"Atlas"}
		}
		users = append(users, u)
	}
	if err := createUsers(t, db, false, users...); err != nil {
		t.Fatal(err)
	}
	return db
}

// pageAll reads every page of a query and checks that no page is longer
// than the limit.
func pageAll(t *testing.T, db *DB, q roster.UserQuery) []string {
	t.Helper()
	var got []string
	for pages := 0; ; pages++ {
		page, err := db.ListUsers(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) > q.Limit {
			t.Fatalf("a page of %d users, limit %d", len(page.Users), q.Limit)
		}
		for _, u := range page.Users {
			got = append(got, u.UUID)
		}
		if page.Next == nil {
			return got
		}
		if len(page.Users) < q.Limit {
			t.Fatalf("a page of %d users, limit %d, has a next page", len(page.Users), q.Limit)
		}
		// The cursor goes through its text, as a client sends it back.
		c, err := roster.ParseCursor(page.Next.String())
		if err != nil {
			t.Fatal(err)
		}
		q.After = c
		if pages > 100_000 {
			t.Fatal("paging does not end")
		}
	}
}

// TestPagesHoldEveryUserOnceInExportOrder: paging through a few thousand
// users with every filter, and each way of reading a page (the walk of the
// export order, the sorted candidates), gives each user that matches
// exactly once, in the order of export.
func TestPagesHoldEveryUserOnceInExportOrder(t *testing.T) {
	db := pagingDirectory(t, 3000)
	var all []*roster.User
	if err := db.Export(t.Context(), "", false, func(u *roster.User) error { all = append(all, u); return nil }); err != nil {
		t.Fatal(err)
	}
	starts := func(v, p string) bool { return strings.HasPrefix(roster.FoldIdentity(v), roster.FoldIdentity(p)) }
	queries := []struct {
		q    roster.UserQuery
		keep func(u *roster.User) bool
	}{
		{roster.UserQuery{}, func(*roster.User) bool { return true }},
		{roster.UserQuery{Tenant: "ACME"}, func(u *roster.User) bool { return u.Tenant == "acme" }},
		{roster.UserQuery{Prefix: "mar"}, func(u *roster.User) bool {
			return starts(u.Firstname, "mar") || starts(u.Lastname, "mar") || starts(u.Username, "mar") || starts(u.Email, "mar")
		}},
		{roster.UserQuery{Prefix: "ÉMILE"}, func(u *roster.User) bool { return starts(u.Firstname, "émile") || starts(u.Lastname, "émile") }},
		{roster.UserQuery{Prefix: "σοφ", Tenant: "default"}, func(u *roster.User) bool { return u.Tenant == "default" && starts(u.Lastname, "σοφ") }},
		{roster.UserQuery{Prefix: "USER1"}, func(u *roster.User) bool { return starts(u.Username, "user1") }},
		{roster.UserQuery{Prefix: "mail2"}, func(u *roster.User) bool { return starts(u.Email, "mail2") }},
		{roster.UserQuery{Prefix: "1002"}, func(u *roster.User) bool { return u.Line != nil && strings.HasPrefix(u.Line.Exten, "1002") }},
		{roster.UserQuery{Group: "sales"}, func(u *roster.User) bool { return slices.Contains(u.Groups, "Sales") }},
		{roster.UserQuery{Group: "Sales", Tenant: "acme"}, func(u *roster.User) bool { return u.Tenant == "acme" && slices.Contains(u.Groups, "Sales") }},
		{roster.UserQuery{Room: "Atlas", Prefix: "m"}, func(u *roster.User) bool {
			return slices.Contains(u.Rooms, "Atlas") && (starts(u.Firstname, "m") || starts(u.Lastname, "m") || starts(u.Email, "m"))
		}},
		{roster.UserQuery{Group: "Support", Room: "Atlas"}, func(u *roster.User) bool { return slices.Contains(u.Rooms, "Atlas") }},
		{roster.UserQuery{Group: "nobody"}, func(*roster.User) bool { return false }},
		{roster.UserQuery{Tenant: "nowhere"}, func(*roster.User) bool { return false }},
		{roster.UserQuery{Prefix: "zzz"}, func(*roster.User) bool { return false }},
	}
	defer func(n int) { pageScan = n }(pageScan)
	for _, scan := range []int{0, 1_000_000} { // always walk the order; always sort the candidates
		pageScan = scan
		for _, c := range queries {
			var want []string
			for _, u := range all {
				if c.keep(u) {
					want = append(want, u.UUID)
				}
			}
			for _, limit := range []int{1, 7, 500} {
				if limit == 1 && len(want) > 300 {
					continue
				}
				c.q.Limit = limit
				if got := pageAll(t, db, c.q); !slices.Equal(got, want) {
					t.Errorf("%+v, candidates up to %d: %d users, want %d", c.q, scan, len(got), len(want))
				}
			}
		}
	}
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

// TestFindUserByReference: a uuid, a username or an email in any case or
// Unicode form finds its user; another tenant's user is not found; a
// reference that is one user's username and another's email is refused,
// naming both.
func TestFindUserByReference(t *testing.T) {
	db := pagingDirectory(t, 30)
	a, b := newUser("00000000-0000-4000-8000-0000000000a1", "ann@example.com", "ann2@example.com"),
		newUser("00000000-0000-4000-8000-0000000000b1", "bob", "ANN@example.com")
	c := newUser("00000000-0000-4000-8000-0000000000c1", "sofia", "ΣΟΦΙΑ@example.com")
	c.Tenant = "acme"
	if err := createUsers(t, db, false, a, b, c); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ tenant, ref, want string }{
		{"", "00000000-0000-4000-8000-0000000000A1", a.UUID}, {"", "BOB", b.UUID}, {"default", "bob", b.UUID},
		{"", "ann2@EXAMPLE.com", a.UUID}, {"", "σοφια@example.com", c.UUID}, {"ACME", "Sofia", c.UUID},
		// Another tenant's user is not there, not even to make a
		// reference ambiguous.
		{"acme", "ann@example.com", ""}, {"default", "sofia", ""}, {"", "nobody", ""},
	} {
		u, err := db.FindUser(t.Context(), f.tenant, "", f.ref, false)
		switch {
		case f.want == "" && roster.ErrorCode(err) != roster.ENOTFOUND:
			t.Errorf("%s in %q: %v, %v; want not found", f.ref, f.tenant, u, err)
		case f.want != "" && (err != nil || u.UUID != f.want):
			t.Errorf("%s in %q: %v, %v; want %s", f.ref, f.tenant, u, err, f.want)
		}
	}
	_, err := db.FindUser(t.Context(), "default", "", "Ann@Example.com", false)
	if roster.ErrorCode(err) != roster.ECONFLICT || !strings.Contains(err.Error(), a.UUID) || !strings.Contains(err.Error(), b.UUID) {
		t.Errorf("one's username and another's email: %v", err)
	}
	// Under a key, it is that key only.
	for key, want := range map[string]string{"username": a.UUID, "email": b.UUID} {
		if u, err := db.FindUser(t.Context(), "", key, "ann@example.COM", false); err != nil || u.UUID != want {
			t.Errorf("as the %s: %v, %v; want %s", key, u, err, want)
		}
	}
	if _, err := db.FindUser(t.Context(), "", "uuid", "bob", false); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("a username as a uuid: %v", err)
	}
}

// TestEveryWriteOfAUserChangesItsVersion: an update, a membership added or
// removed and the deletion of a group the user is in each change the
// user's version; a user made again with the uuid of a deleted one does not
// get its version back.
func TestEveryWriteOfAUserChangesItsVersion(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
	ctx := t.Context()
	u := newUser("00000000-0000-4000-8000-000000000001", "alice", "")
	u.Groups = []string{"Sales"}
	if err := createUsers(t, db, false, u, newUser("00000000-0000-4000-8000-000000000002", "bob", "")); err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		t.Helper()
		got, err := db.FindUser(ctx, "", "username", "alice", false)
		if err != nil {
			t.Fatal(err)
		}
		return got.Version
	}
	write := func(what string, fn func(tx roster.Tx) error) {
		t.Helper()
		before := version()
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if after := version(); after == before {
			t.Errorf("%s: the version stays %d", what, after)
		}
	}
	if version() == 0 {
		t.Fatal("a new user has no version")
	}
	set := func(tx roster.Tx, kind, name string) int64 {
		id, _, err := tx.FindSet(ctx, kind, "default", name)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	write("update", func(tx roster.Tx) error {
		c := u.Clone()
		c.Lastname = "Liddell"
		return tx.Update(ctx, []*roster.User{c})
	})
	write("added to a room", func(tx roster.Tx) error {
		id, err := tx.CreateSet(ctx, "room", "default", "Atlas")
		if err != nil {
			return err
		}
		return tx.AddMembers(ctx, "room", id, []int64{u.ID})
	})
	write("removed from the room", func(tx roster.Tx) error {
		return tx.RemoveMembers(ctx, "room", set(tx, "room", "Atlas"), []int64{u.ID})
	})
	write("its group deleted", func(tx roster.Tx) error { return tx.DeleteSet(ctx, "group", set(tx, "group", "Sales")) })

	last := version()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Delete(ctx, []int64{u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := createUsers(t, db, false, newUser(u.UUID, "alice", "")); err != nil {
		t.Fatal(err)
	}
	if again := version(); again == last {
		t.Errorf("made again, the user has its old version %d", again)
	}
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
	first, err := db.ListUsers(b.Context(), roster.UserQuery{Limit: 1})
	if err != nil || len(first.Users) == 0 {
		b.Fatal("an empty directory", err)
	}
	u := first.Users[0]
	var middle *roster.Cursor
	if err := db.Export(b.Context(), "", false, func(x *roster.User) error {
		if middle == nil && x.Lastname > "M" {
			middle = roster.CursorOf(1, x)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	sets, err := db.Sets(b.Context(), "group", "")
	if err != nil {
		b.Fatal(err)
	}
	groups := []string{"nobody"}
	for _, s := range sets {
		groups = append(groups, s.Name)
	}
	for _, c := range []struct {
		name string
		q    roster.UserQuery
	}{
		{"first page", roster.UserQuery{}},
		{"middle page", roster.UserQuery{After: middle}},
		{"q=a", roster.UserQuery{Prefix: "a"}},
		{"q=lastname", roster.UserQuery{Prefix: u.Lastname}},
		{"q=username", roster.UserQuery{Prefix: u.Username}},
		{"q=rare", roster.UserQuery{Prefix: "zzzq"}},
		{"group=" + groups[len(groups)-1], roster.UserQuery{Group: groups[len(groups)-1]}},
		{"group=" + groups[0], roster.UserQuery{Group: groups[0]}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.q.Limit = 100
			for b.Loop() {
				if _, err := db.ListUsers(b.Context(), c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("find by username", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindUser(b.Context(), "", "", u.Username, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
