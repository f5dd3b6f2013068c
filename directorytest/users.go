package directorytest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// PagingDirectory fills a directory with n users in two tenants, with
// names that repeat (so that the order needs every one of its keys), names
// in other scripts and cases, groups and rooms, and extensions.
func PagingDirectory(t testing.TB, db roster.Directory, n int) {
	t.Helper()
	ctx := t.Context()
	ref := roster.DefaultReference()
	ref.Tenants = append(ref.Tenants, roster.Tenant{Name: "acme", DefaultRole: "user", Roles: []roster.Object{{Name: "user"}},
		Contexts: []roster.Context{{Name: "acme-int", Kind: roster.Internal, Ranges: []string{"100000-199999"}}}})
	ref.Tenants[0].Contexts[0].Ranges = []string{"100000-199999"}
	if _, err := db.SetReference(ctx, ref, false); err != nil {
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
	mustCreate(t, db, users...)
}

// pageAll reads every page of a query and checks that no page is longer
// than the limit.
func pageAll(t *testing.T, db roster.Directory, q roster.UserQuery) []string {
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

// CheckPages pages through a PagingDirectory with every filter: each user
// that matches comes exactly once, in the order of export.
func CheckPages(t *testing.T, db roster.Directory) {
	t.Helper()
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
				t.Errorf("%+v: %d users, want %d", c.q, len(got), len(want))
			}
		}
	}
}

// pagesHoldEveryUserOnceInExportOrder: paging through a few thousand users
// with every filter gives each user that matches exactly once, in the
// order of export.
func pagesHoldEveryUserOnceInExportOrder(t *testing.T, s Store) {
	db, _ := s.open(t)
	PagingDirectory(t, db, 3000)
	CheckPages(t, db)
}

// findUserByReference: a uuid, a username or an email in any case or
// Unicode form finds its user; another tenant's user is not found; a
// reference that is one user's username and another's email is refused,
// naming both.
func findUserByReference(t *testing.T, s Store) {
	db, _ := s.open(t)
	PagingDirectory(t, db, 30)
	a, b := User("00000000-0000-4000-8000-0000000000a1", "ann@example.com", "ann2@example.com"),
		User("00000000-0000-4000-8000-0000000000b1", "bob", "ANN@example.com")
	c := User("00000000-0000-4000-8000-0000000000c1", "sofia", "ΣΟΦΙΑ@example.com")
	c.Tenant = "acme"
	mustCreate(t, db, a, b, c)
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

// everyWriteOfAUserChangesItsVersion: an update, a membership added or
// removed and the deletion of a group the user is in each change the
// user's version; a user made again with the uuid of a deleted one does not
// get its version back.
func everyWriteOfAUserChangesItsVersion(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	u := User(id(1), "alice", "")
	u.Groups = []string{"Sales"}
	mustCreate(t, db, u, User(id(2), "bob", ""))
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
		tx := begin(t, db)
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
	tx := begin(t, db)
	if err := tx.Delete(ctx, []int64{u.ID}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, db, User(u.UUID, "alice", ""))
	if again := version(); again == last {
		t.Errorf("made again, the user has its old version %d", again)
	}
}

// jobsAreSavedListedAndInterrupted: a job reads back as saved (to the
// millisecond), is replaced by a save of the same ID, is found by its
// client's Idempotency-Key, listed newest first with filters and a cursor,
// interrupted when a server that ended left it queued or running, and
// deleted.
func jobsAreSavedListedAndInterrupted(t *testing.T, s Store) {
	var db roster.Directory
	var js roster.JobService
	ctx := t.Context()
	at := time.Date(2026, 12, 1, 10, 0, 0, 123_000_000, time.UTC)
	external, applies := "hr-42", "0190a000-0000-7000-8000-000000000000"
	job := func(n int, status roster.JobStatus, tenant string) *roster.Job {
		created := at.Add(time.Duration(n) * time.Second)
		return &roster.Job{ID: fmt.Sprintf("0190a000-0000-7000-8000-%012d", n), Command: "import", Status: status,
			ClientID: "client-a", Tenant: tenant, File: roster.JobFile{Name: "users.csv", Format: "csv", Bytes: 1234},
			Options: []byte(`{"mode":"atomic"}`), CreatedAt: created}
	}
	a, b, c := job(1, roster.JobSucceeded, "default"), job(2, roster.JobRunning, "acme"), job(3, roster.JobQueued, "default")
	started, finished := at.Add(time.Minute), at.Add(2*time.Minute)
	a.ExternalID, a.Applies, a.IdempotencyKey = &external, &applies, "key-1"
	a.StartedAt, a.FinishedAt = &started, &finished
	a.Result = &roster.Result{Command: "import", Failed: 2}
	a.Reports = roster.JobReports{Errors: "errors.csv", Success: "success.csv", Secret: true, Taken: true}
	b.StartedAt = &started
	c.Error = &roster.JobError{Type: "about:blank", Title: "Bad file", Status: 422, Detail: "no header"}
	// The unfinished jobs are another server's, which ends before this
	// one starts (InterruptJobs).
	gone, name := s.open(t)
	if err := gone.(roster.JobService).SaveJobs(ctx, []*roster.Job{b, c}); err != nil {
		t.Fatal(err)
	}
	gone.Close()
	db = s.MustOpen(t, name)
	js = db.(roster.JobService)
	if err := js.SaveJobs(ctx, []*roster.Job{a}); err != nil {
		t.Fatal(err)
	}
	got, err := js.Job(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("read back:\n%+v\nwant\n%+v", got, a)
	}
	if got, err := js.Job(ctx, c.ID); err != nil || !reflect.DeepEqual(got.Error, c.Error) {
		t.Fatalf("a job's error: %+v, %v", got, err)
	}
	if _, err := js.Job(ctx, "nobody"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("a missing job: %v", err)
	}
	if got, err := js.JobByKey(ctx, "client-a", "key-1", at); err != nil || got.ID != a.ID {
		t.Fatalf("by key: %v, %v", got, err)
	}
	if _, err := js.JobByKey(ctx, "client-a", "key-1", at.Add(time.Hour)); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("by key, too old: %v", err)
	}
	ids := func(jobs []*roster.Job, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range jobs {
			out = append(out, j.ID)
		}
		return out
	}
	for _, f := range []struct {
		filter roster.JobFilter
		want   []string
	}{
		{roster.JobFilter{}, []string{c.ID, b.ID, a.ID}},
		{roster.JobFilter{Tenant: "default"}, []string{c.ID, a.ID}},
		{roster.JobFilter{Status: roster.JobRunning}, []string{b.ID}},
		{roster.JobFilter{Before: c.ID, Limit: 1}, []string{b.ID}},
		{roster.JobFilter{Command: "check"}, nil},
	} {
		if got := ids(js.Jobs(ctx, f.filter)); !slices.Equal(got, f.want) {
			t.Errorf("%+v: %v, want %v", f.filter, got, f.want)
		}
	}
	if got, err := js.FinishedBefore(ctx, finished.Add(time.Second)); err != nil || !slices.Equal(got, []string{a.ID}) {
		t.Errorf("finished before: %v, %v", got, err)
	}
	interrupted, err := js.InterruptJobs(ctx, finished)
	if got := ids(interrupted, err); len(got) != 2 || !slices.Contains(got, b.ID) || !slices.Contains(got, c.ID) {
		t.Fatalf("interrupted: %v", got)
	}
	if got, err := js.Job(ctx, b.ID); err != nil || got.Status != roster.JobInterrupted || got.FinishedAt == nil {
		t.Fatalf("an interrupted job: %+v, %v", got, err)
	}
	b.Status = roster.JobCancelled
	if err := js.SaveJobs(ctx, []*roster.Job{b}); err != nil {
		t.Fatal(err)
	}
	if got, err := js.Job(ctx, b.ID); err != nil || got.Status != roster.JobCancelled || got.FinishedAt != nil {
		t.Fatalf("a job saved again: %+v, %v", got, err)
	}
	if err := js.DeleteJobs(ctx, []string{a.ID, c.ID}); err != nil {
		t.Fatal(err)
	}
	if got := ids(js.Jobs(ctx, roster.JobFilter{})); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("after deletion: %v", got)
	}
}

// BenchListUsers measures a page of 100 users of a directory (a
// PagingDirectory, say): the first, one in the middle of the order, and
// with each kind of filter; and a user found by username.
func BenchListUsers(b *testing.B, db roster.Directory) {
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
