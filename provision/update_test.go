package provision_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// The users of the update tests: John has every resource and set, Jane
// has none.
const (
	john = "11111111-1111-4111-8111-111111111111"
	jane = "22222222-2222-4222-8222-222222222222"
)

// updateDir returns a directory holding John and Jane, and its file.
func updateDir(t *testing.T) (*roster.User, roster.Directory, string) {
	t.Helper()
	db, path := newDB(t)
	setTestReference(t, db)
	res := importFile(t, db, writeCSV(t, t.TempDir(), "seed.csv", [][]string{
		{"uuid", "firstname", "lastname", "username", "email", "language", "mobile_phone_number",
			"line_protocol", "context", "exten", "voicemail_name", "voicemail_number", "voicemail_context",
			"incall_exten", "incall_context", "incall_ring_seconds", "groups", "rooms", "tags", "call_permissions", "skill_groups"},
		{john, "John", "Doe", "john", "john@example.com", "en_US", "+3312345678",
			"sip", "default", "1000", "John VM", "1000", "default",
			"2000", "from-extern", "20", "A,B", "R1,R2", "t1,t2", "intl", "support"},
		{jane, "Jane", "Roe", "jane", "jane@example.com", "fr_FR", "",
			"", "", "", "", "", "",
			"", "", "", "", "", "", "", ""},
	}), options(t))
	wantClean(t, res)
	u := userBy(t, db, byUUID, john)
	if u.Line == nil || u.Voicemail == nil || len(u.Incalls) != 1 || len(u.Groups) != 2 {
		t.Fatalf("John was not imported with his resources: %+v", u)
	}
	return u, db, path
}

// update writes rows to a CSV and updates the directory from it.
func update(t *testing.T, db roster.Directory, opt provision.Options, rows ...[]string) *roster.Result {
	t.Helper()
	return updateFile(t, db, writeCSV(t, t.TempDir(), "update.csv", rows), opt)
}

// wantUser checks that a user is the expected state, field by field.
func wantUser(t *testing.T, db roster.Directory, want *roster.User) {
	t.Helper()
	got := userBy(t, db, byUUID, want.UUID)
	if d := diffUsers(want, got); d != "" {
		t.Errorf("user %s %s differs from what was expected: %s", want.Firstname, want.UUID, d)
	}
}

// TestUpdateLeavesAbsentColumnsAlone: columns absent from the header are
// not touched.
func TestUpdateLeavesAbsentColumnsAlone(t *testing.T) {
	before, db, _ := updateDir(t)
	res := update(t, db, options(t), []string{"uuid", "lastname"}, []string{john, "Smith"})
	wantClean(t, res)
	wantCounts(t, res, counts{Rows: 1, Updated: 1})
	want := before.Clone()
	want.Lastname = "Smith"
	wantUser(t, db, want)
}

// TestUpdateEmptyCellClears: an empty cell clears the value.
func TestUpdateEmptyCellClears(t *testing.T) {
	before, db, _ := updateDir(t)
	res := update(t, db, options(t),
		[]string{"uuid", "lastname", "language", "mobile_phone_number", "email"},
		[]string{john, "", "", "", ""})
	wantClean(t, res)
	wantCounts(t, res, counts{Rows: 1, Updated: 1})
	want := before.Clone()
	want.Lastname, want.Language, want.MobilePhoneNumber, want.Email = "", "", "", ""
	wantUser(t, db, want)
}

// TestUpdateBlankKeepKeepsEmptyCells: with --blank keep, empty cells keep
// the stored values.
func TestUpdateBlankKeepKeepsEmptyCells(t *testing.T) {
	before, db, _ := updateDir(t)
	opt := options(t)
	opt.Blank = provision.BlankKeep
	res := update(t, db, opt,
		[]string{"uuid", "lastname", "language", "mobile_phone_number", "email", "firstname", "exten", "context", "line_protocol", "groups", "voicemail_name"},
		[]string{john, "", "", "", "", "Johnny", "", "", "", "", ""})
	wantClean(t, res)
	wantCounts(t, res, counts{Rows: 1, Updated: 1})
	want := before.Clone()
	want.Firstname = "Johnny"
	wantUser(t, db, want)
}

// TestUpdateClearingARequiredValueFails: a row that would leave a user or a
// resource without a required value fails, and nothing is written.
func TestUpdateClearingARequiredValueFails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		row    []string
		at     string
	}{
		{"firstname without display_name or username", []string{"uuid", "firstname", "display_name", "username"}, []string{john, "", "", ""}, "2:firstname"},
		{"line context", []string{"uuid", "line_protocol", "context", "exten"}, []string{john, "sip", "", "1000"}, "2:context"},
		{"line protocol", []string{"uuid", "line_protocol", "context", "exten"}, []string{john, "", "default", "1000"}, "2:line_protocol"},
		{"voicemail number", []string{"uuid", "voicemail_name", "voicemail_number", "voicemail_context"}, []string{john, "John VM", "", "default"}, "2:voicemail_number"},
		{"incall context", []string{"uuid", "incall_exten", "incall_context"}, []string{john, "2000", ""}, "2:incall_context"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, db, path := updateDir(t)
			writes := writeCounter(t, path)
			res := update(t, db, options(t), tc.header, tc.row)
			wantCounts(t, res, counts{Rows: 1, Failed: 1})
			wantProblems(t, res, tc.at)
			if res.Applied || writes() != 0 {
				t.Error("written, want nothing written")
			}
			wantUser(t, db, before)
		})
	}
}

// TestUpdateCreatesAResourceTheUserLacks: a resource whose columns have
// values is created for a user who has none.
func TestUpdateCreatesAResourceTheUserLacks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		row    []string
		check  func(t *testing.T, u *roster.User)
	}{
		{"line", []string{"uuid", "line_protocol", "context", "exten"}, []string{jane, "sip", "default", "1001"}, func(t *testing.T, u *roster.User) {
			l := u.Line
			if l == nil || l.Protocol != "sip" || l.Context != "default" || l.Exten != "1001" {
				t.Fatalf("line %+v, want a sip line 1001 in default", l)
			}
			if l.SIPUsername == "" || l.SIPSecret == "" || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(l.ProvisioningCode) {
				t.Errorf("line %+v, want SIP credentials and a provisioning code generated", l)
			}
		}},
		{"voicemail", []string{"uuid", "voicemail_name", "voicemail_number", "voicemail_context"}, []string{jane, "Jane VM", "1001", "default"}, func(t *testing.T, u *roster.User) {
			want := &roster.Voicemail{Name: "Jane VM", Number: "1001", Context: "default", AskPassword: true}
			if u.Voicemail == nil || *u.Voicemail != *want {
				t.Errorf("voicemail %s, want %+v", show(u.Voicemail), want)
			}
		}},
		{"incall", []string{"uuid", "incall_exten", "incall_context"}, []string{jane, "2001", "from-extern"}, func(t *testing.T, u *roster.User) {
			if !slices.Equal(u.Incalls, []roster.Incall{{Exten: "2001", Context: "from-extern"}}) {
				t.Errorf("incalls %+v, want 2001 in from-extern", u.Incalls)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, db, _ := updateDir(t)
			res := update(t, db, options(t), tc.header, tc.row)
			wantClean(t, res)
			wantCounts(t, res, counts{Rows: 1, Updated: 1})
			tc.check(t, userBy(t, db, byUUID, jane))
			wantUser(t, db, before) // John is untouched
		})
	}
}

// TestUpdateChangesAResourceTheUserHas: a resource the user has is updated
// in place; its columns absent from the header keep their values.
func TestUpdateChangesAResourceTheUserHas(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		row    []string
		change func(u *roster.User)
	}{
		{"line", []string{"uuid", "exten"}, []string{john, "1005"}, func(u *roster.User) { u.Line.Exten = "1005" }},
		{"voicemail", []string{"uuid", "voicemail_name", "voicemail_attach_audio"}, []string{john, "New VM", "1"}, func(u *roster.User) {
			u.Voicemail.Name, u.Voicemail.AttachAudio = "New VM", true
		}},
		{"incall", []string{"uuid", "incall_exten"}, []string{john, "2005"}, func(u *roster.User) { u.Incalls[0].Exten = "2005" }},
		{"incall ring seconds cleared", []string{"uuid", "incall_exten", "incall_context", "incall_ring_seconds"}, []string{john, "2000", "from-extern", ""}, func(u *roster.User) {
			u.Incalls[0].RingSeconds = ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, db, _ := updateDir(t)
			res := update(t, db, options(t), tc.header, tc.row)
			wantClean(t, res)
			wantCounts(t, res, counts{Rows: 1, Updated: 1})
			want := before.Clone()
			tc.change(want)
			wantUser(t, db, want)
		})
	}
}

// TestUpdateRemovesAResourceWhoseColumnsAreAllEmpty: a resource whose
// columns in the header are all empty is removed from the user, and its
// numbers are free again.
func TestUpdateRemovesAResourceWhoseColumnsAreAllEmpty(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  []string
		change  func(u *roster.User)
		key     string
		context string
	}{
		{"line", []string{"uuid", "line_protocol", "context", "exten"}, func(u *roster.User) { u.Line = nil }, "exten", "default"},
		{"line by exten alone", []string{"uuid", "exten"}, func(u *roster.User) { u.Line = nil }, "exten", "default"},
		{"voicemail", []string{"uuid", "voicemail_name", "voicemail_number", "voicemail_context"}, func(u *roster.User) { u.Voicemail = nil }, "voicemail_number", "default"},
		{"incall", []string{"uuid", "incall_exten", "incall_context", "incall_ring_seconds"}, func(u *roster.User) { u.Incalls = nil }, "incall_exten", "from-extern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before, db, _ := updateDir(t)
			row := make([]string, len(tc.header))
			row[0] = john
			res := update(t, db, options(t), tc.header, row)
			wantClean(t, res)
			wantCounts(t, res, counts{Rows: 1, Updated: 1})
			want := before.Clone()
			tc.change(want)
			wantUser(t, db, want)
			if used := numbers(t, db, tc.key, tc.context); len(used) != 0 {
				t.Errorf("%s numbers still used in %s: %v", tc.key, tc.context, used)
			}
		})
	}
}

// TestUpdateCannotChangeTheLineProtocol: a different line_protocol fails
// the row; the same one, in any case, is no change.
func TestUpdateCannotChangeTheLineProtocol(t *testing.T) {
	before, db, _ := updateDir(t)
	res := update(t, db, options(t), []string{"uuid", "line_protocol"}, []string{john, "webrtc"})
	wantCounts(t, res, counts{Rows: 1, Failed: 1})
	wantProblems(t, res, "2:line_protocol")
	wantUser(t, db, before)

	res = update(t, db, options(t), []string{"uuid", "line_protocol"}, []string{john, "SIP"})
	wantCounts(t, res, counts{Rows: 1, Unchanged: 1})
	wantUser(t, db, before)
}

// TestUpdateIncallColumnsFailForAUserWithSeveralIncalls: a user with two
// incoming numbers cannot be updated through the incall columns; its other
// columns still update.
func TestUpdateIncallColumnsFailForAUserWithSeveralIncalls(t *testing.T) {
	_, db, _ := updateDir(t)
	const twice = "33333333-3333-4333-8333-333333333333"
	tx, err := db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	u := roster.NewUser()
	u.UUID, u.Tenant, u.Firstname, u.DisplayName, u.Role = twice, "default", "Twice", "Twice", "user"
	u.Incalls = []roster.Incall{{Exten: "2101", Context: "from-extern"}, {Exten: "2102", Context: "from-extern"}}
	if err := tx.Create(t.Context(), []*roster.User{u}); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	before := userBy(t, db, byUUID, twice)
	if len(before.Incalls) != 2 {
		t.Fatalf("incalls %+v, want 2", before.Incalls)
	}
	for _, tc := range []struct {
		name   string
		header []string
		row    []string
		at     []string
	}{
		{"ring seconds", []string{"uuid", "incall_ring_seconds"}, []string{twice, "20"}, []string{"2:incall_ring_seconds"}},
		{"exten and context", []string{"uuid", "lastname", "incall_exten", "incall_context"}, []string{twice, "Two", "2103", "from-extern"}, []string{"2:incall_context", "2:incall_exten"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := update(t, db, options(t), tc.header, tc.row)
			wantCounts(t, res, counts{Rows: 1, Failed: 1})
			wantProblems(t, res, tc.at...)
			wantUser(t, db, before)
		})
	}
	res := update(t, db, options(t), []string{"uuid", "lastname"}, []string{twice, "Two"})
	wantClean(t, res)
	want := before.Clone()
	want.Lastname = "Two"
	wantUser(t, db, want)
}

// TestUpdateListColumnsReplaceTheWholeSet: groups, rooms, call
// permissions, skill groups and tags are replaced, not added to.
func TestUpdateListColumnsReplaceTheWholeSet(t *testing.T) {
	for _, tc := range []struct {
		column, value string
		want          []string
		field         func(u *roster.User) *[]string
	}{
		{"groups", "B,C", []string{"B", "C"}, func(u *roster.User) *[]string { return &u.Groups }},
		{"rooms", "R3", []string{"R3"}, func(u *roster.User) *[]string { return &u.Rooms }},
		{"call_permissions", "national", []string{"national"}, func(u *roster.User) *[]string { return &u.CallPermissions }},
		{"skill_groups", "sales,support", []string{"sales", "support"}, func(u *roster.User) *[]string { return &u.SkillGroups }},
		{"tags", "t2,t3", []string{"t2", "t3"}, func(u *roster.User) *[]string { return &u.Tags }},
		{"groups", "", nil, func(u *roster.User) *[]string { return &u.Groups }},
	} {
		t.Run(tc.column+"="+tc.value, func(t *testing.T) {
			t.Parallel()
			before, db, _ := updateDir(t)
			res := update(t, db, options(t), []string{"uuid", tc.column}, []string{john, tc.value})
			wantClean(t, res)
			wantCounts(t, res, counts{Rows: 1, Updated: 1})
			want := before.Clone()
			*tc.field(want) = tc.want
			wantUser(t, db, want)
		})
	}
}

// TestUpdateUnchangedRowsAreCountedAndNotWritten: a row that changes
// nothing counts as unchanged and is not written.
func TestUpdateUnchangedRowsAreCountedAndNotWritten(t *testing.T) {
	before, db, path := updateDir(t)
	writes := writeCounter(t, path)
	header := []string{"uuid", "firstname", "lastname", "language", "groups", "tags", "exten", "voicemail_name"}
	res := update(t, db, options(t), header,
		[]string{john, "John", "Doe", "en_US", "B,A", "t2,t1", "1000", "John VM"},
		[]string{jane, "Jane", "Roe", "fr_FR", "", "", "", ""})
	wantCounts(t, res, counts{Rows: 2, Unchanged: 2})
	if res.Applied {
		t.Error("applied, want nothing written")
	}
	if n := writes(); n != 0 {
		t.Errorf("%d users rows written, want none", n)
	}
	wantUser(t, db, before)

	res = update(t, db, options(t), header,
		[]string{john, "John", "Doe", "en_US", "A,B", "t1,t2", "1000", "John VM"},
		[]string{jane, "Jane", "Roe-Smith", "fr_FR", "", "", "", ""})
	wantCounts(t, res, counts{Rows: 2, Updated: 1, Unchanged: 1})
	if n := writes(); n != 1 {
		t.Errorf("%d users rows written, want only Jane's", n)
	}
}

// TestUpdateKeyMatchingNobodyFailsTheRow: a uuid that matches no user is
// an error for that row only.
func TestUpdateKeyMatchingNobodyFailsTheRow(t *testing.T) {
	before, db, _ := updateDir(t)
	opt := options(t)
	opt.Mode = provision.Partial
	res := update(t, db, opt, []string{"uuid", "lastname"},
		[]string{"44444444-4444-4444-8444-444444444444", "Ghost"},
		[]string{john, "Smith"})
	wantCounts(t, res, counts{Rows: 2, Updated: 1, Failed: 1})
	wantProblems(t, res, "2:uuid")
	want := before.Clone()
	want.Lastname = "Smith"
	wantUser(t, db, want)
	if n := countUsers(t, db); n != 2 {
		t.Errorf("%d users, want 2 (an update creates nobody)", n)
	}
}

// TestUpdateByEmailKey: --key email finds users by their email, and a file
// without the key column is refused.
func TestUpdateByEmailKey(t *testing.T) {
	before, db, _ := updateDir(t)
	opt := options(t)
	opt.Key = "email"
	res := update(t, db, opt, []string{"email", "lastname"},
		[]string{"john@example.com", "Smith"},
		[]string{"jane@EXAMPLE.com", "Roe"})
	wantClean(t, res)
	wantCounts(t, res, counts{Rows: 2, Updated: 1, Unchanged: 1})
	want := before.Clone()
	want.Lastname = "Smith"
	wantUser(t, db, want)

	_, err := provision.Update(t.Context(), db, source(t, writeCSV(t, t.TempDir(), "nokey.csv", [][]string{
		{"email", "lastname"}, {"john@example.com", "Smith"},
	})), options(t))
	if roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("update by uuid of a file without uuid: error %v, want an invalid-input error", err)
	}
}

// TestUpdateDryRunReportsChangesAndWritesNothing: a dry run reports, per
// row, update with each changed column's old and new value, or unchanged,
// and writes nothing.
func TestUpdateDryRunReportsChangesAndWritesNothing(t *testing.T) {
	before, db, path := updateDir(t)
	writes := writeCounter(t, path)
	dir := filepath.Join(t.TempDir(), "reports")
	opt := provision.Options{Reports: reportsIn(t, dir), DryRun: true}
	var steps []roster.Step
	opt.Step = func(s roster.Step) { steps = append(steps, s) }
	res := update(t, db, opt, []string{"uuid", "lastname", "language", "groups", "exten"},
		[]string{john, "Smith", "fr_FR", "A,B", "1007"},
		[]string{jane, "Roe", "fr_FR", "", ""})
	wantCounts(t, res, counts{Rows: 2, Updated: 1, Unchanged: 1})
	if res.Applied || !res.DryRun {
		t.Errorf("applied %v, dry run %v; want a dry run", res.Applied, res.DryRun)
	}
	if len(steps) != 2 {
		t.Fatalf("steps %+v, want one per row", steps)
	}
	if s := steps[0]; s.Row != 2 || s.Action != roster.Update || s.UUID != john {
		t.Errorf("row 2: step %+v, want update of John", s)
	}
	changes := slices.Clone(steps[0].Changes)
	slices.SortFunc(changes, func(a, b roster.Change) int { return strings.Compare(a.Column, b.Column) })
	want := []roster.Change{
		{Column: "exten", Old: "1000", New: "1007"},
		{Column: "language", Old: "en_US", New: "fr_FR"},
		{Column: "lastname", Old: "Doe", New: "Smith"},
	}
	if !slices.Equal(changes, want) {
		t.Errorf("changes %+v, want %+v", changes, want)
	}
	if s := steps[1]; s.Row != 3 || s.Action != roster.Unchanged || len(s.Changes) != 0 {
		t.Errorf("row 3: step %+v, want unchanged", s)
	}
	if n := writes(); n != 0 {
		t.Errorf("%d users rows written by a dry run", n)
	}
	wantUser(t, db, before)
	if exists(t, dir) {
		t.Error("a dry run made the report folder")
	}
}

// seedDelete fills a directory with four users who have every resource and
// belong to a group and a room.
func seedDelete(t *testing.T) (roster.Directory, map[string]string) {
	t.Helper()
	db, _ := newDB(t)
	dir := t.TempDir()
	copyAvatars(t, dir)
	rows := [][]string{{"username", "email", "firstname", "line_protocol", "context", "exten",
		"voicemail_name", "voicemail_number", "voicemail_context", "incall_exten", "incall_context", "groups", "rooms", "avatar"}}
	for i, name := range []string{"alpha", "bravo", "charlie", "delta"} {
		n := itoa(i)
		rows = append(rows, []string{name, name + "@example.com", strings.ToUpper(name[:1]) + name[1:], "sip", "default", "100" + n,
			name, "100" + n, "default", "200" + n, "from-extern", "G", "R", "avatars/01.png"})
	}
	wantClean(t, importFile(t, db, writeCSV(t, dir, "users.csv", rows), options(t)))
	ids := map[string]string{}
	for _, u := range users(t, db) {
		ids[u.Username] = u.UUID
	}
	return db, ids
}

// TestDeleteUsersByUUIDUsernameOrEmail: references by uuid, username or
// email delete their users with their line, voicemail, incalls and
// memberships; unknown references are listed.
func TestDeleteUsersByUUIDUsernameOrEmail(t *testing.T) {
	db, ids := seedDelete(t)
	file := filepath.Join(t.TempDir(), "leavers.csv")
	writeSheet(t, file, sheet.CSV, [][]string{{ids["alpha"]}, {"Bravo"}, {"CHARLIE@example.com"}, {"nobody"}})
	refs, err := provision.ReadRefs(source(t, file), sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 4 || refs[0].Row != 1 || refs[3] != (provision.Ref{Row: 4, Value: "nobody"}) {
		t.Fatalf("refs %+v, want the 4 lines with their numbers", refs)
	}
	p, err := provision.DeleteUsers(t.Context(), db, refs)
	if err != nil {
		t.Fatal(err)
	}
	res := p.Result
	if deref(res.Deleted) != 3 {
		t.Errorf("deleted %d, want 3", deref(res.Deleted))
	}
	if res.NotFound == nil || !slices.Equal(*res.NotFound, []roster.NotFound{{Row: 4, Value: "nobody"}}) {
		t.Errorf("not found %+v, want row 4 nobody", res.NotFound)
	}
	var planned []string
	for _, u := range p.Users {
		planned = append(planned, u.Username)
	}
	slices.Sort(planned)
	if !slices.Equal(planned, []string{"alpha", "bravo", "charlie"}) {
		t.Errorf("planned to delete %q", planned)
	}
	if err := p.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !res.Applied {
		t.Error("not applied")
	}
	left := users(t, db)
	if len(left) != 1 || left[0].Username != "delta" {
		t.Fatalf("users left %v, want delta", left)
	}
	for _, c := range []struct{ key, context, want string }{
		{"exten", "default", "1003"}, {"voicemail_number", "default", "1003"}, {"incall_exten", "from-extern", "2003"},
	} {
		if got := numbers(t, db, c.key, c.context); !slices.Equal(got, []string{c.want}) {
			t.Errorf("%s used: %v, want only delta's %s", c.key, got, c.want)
		}
	}
	for _, kind := range []string{"group", "room"} {
		name := map[string]string{"group": "G", "room": "R"}[kind]
		if got := members(t, db, kind, name); !slices.Equal(got, []string{"delta"}) {
			t.Errorf("%s %s: members %q, want delta", kind, name, got)
		}
	}
	// The deleted users' logins and numbers are free for new users.
	again := importFile(t, db, writeCSV(t, t.TempDir(), "again.csv", [][]string{
		{"username", "email", "firstname", "line_protocol", "context", "exten", "voicemail_name", "voicemail_number", "voicemail_context", "incall_exten", "incall_context"},
		{"alpha", "alpha@example.com", "Alpha", "sip", "default", "1000", "alpha", "1000", "default", "2000", "from-extern"},
	}), options(t))
	wantClean(t, again)
}

// TestMembersAddAndRemoveFromABareList: a file with one username per line
// and no header adds members, and removes them.
func TestMembersAddAndRemoveFromABareList(t *testing.T) {
	db, _ := seedDelete(t)
	dir := t.TempDir()
	refs := func(lines ...string) []provision.Ref {
		var rows [][]string
		for _, l := range lines {
			rows = append(rows, []string{l})
		}
		file := writeSheet(t, filepath.Join(dir, "list.csv"), sheet.CSV, rows)
		refs, err := provision.ReadRefs(source(t, file), sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return refs
	}
	change := func(action string, refs []provision.Ref) *roster.Result {
		t.Helper()
		p, err := provision.ChangeMembers(t.Context(), db, "room", action, "", "Atlas", refs, true)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if err := p.Apply(t.Context()); err != nil {
			t.Fatal(err)
		}
		return p.Result
	}
	res := change("add", refs("alpha", "bravo"))
	if deref(res.Added) != 2 || res.Unchanged != 0 || !slices.Equal(res.RoomsCreated, []string{"Atlas"}) {
		t.Errorf("added %d, unchanged %d, rooms created %q; want 2, 0, [Atlas]", deref(res.Added), res.Unchanged, res.RoomsCreated)
	}
	if got := members(t, db, "room", "Atlas"); !slices.Equal(got, []string{"alpha", "bravo"}) {
		t.Errorf("members %q, want alpha and bravo", got)
	}
	res = change("add", refs("bravo", "charlie"))
	if deref(res.Added) != 1 || res.Unchanged != 1 || len(res.RoomsCreated) != 0 {
		t.Errorf("added %d, unchanged %d, rooms created %q; want 1, 1, none", deref(res.Added), res.Unchanged, res.RoomsCreated)
	}
	res = change("remove", refs("alpha", "delta"))
	if deref(res.Removed) != 1 || res.Unchanged != 1 {
		t.Errorf("removed %d, unchanged %d; want 1 and 1", deref(res.Removed), res.Unchanged)
	}
	if got := members(t, db, "room", "Atlas"); !slices.Equal(got, []string{"bravo", "charlie"}) {
		t.Errorf("members %q, want bravo and charlie", got)
	}
}

// TestMembersFromASheetWithAnEmailColumn: a sheet with an email column
// names the members; unknown ones are listed with their row.
func TestMembersFromASheetWithAnEmailColumn(t *testing.T) {
	db, _ := seedDelete(t)
	file := writeSheet(t, filepath.Join(t.TempDir(), "members.xlsx"), sheet.XLSX, [][]string{
		{"Name", "E-Mail"},
		{"Alpha", "alpha@example.com"},
		{"Delta", "DELTA@example.com"},
		{"Ghost", "ghost@example.com"},
	})
	refs, err := provision.ReadRefs(source(t, file), sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []provision.Ref{{Row: 2, Key: "email", Value: "alpha@example.com"}, {Row: 3, Key: "email", Value: "DELTA@example.com"}, {Row: 4, Key: "email", Value: "ghost@example.com"}}
	if !slices.Equal(refs, want) {
		t.Fatalf("refs %+v, want %+v", refs, want)
	}
	p, err := provision.ChangeMembers(t.Context(), db, "group", "add", "", "G2", refs, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	res := p.Result
	if deref(res.Added) != 2 || res.NotFound == nil || !slices.Equal(*res.NotFound, []roster.NotFound{{Row: 4, Value: "ghost@example.com"}}) {
		t.Errorf("added %d, not found %+v; want 2 and row 4", deref(res.Added), res.NotFound)
	}
	if got := members(t, db, "group", "G2"); !slices.Equal(got, []string{"alpha", "delta"}) {
		t.Errorf("members %q, want alpha and delta", got)
	}
}

// TestMembersOfAMissingRoomNeedCreate: without create, adding to a missing
// room is an error and creates nothing; with it, the room is created.
func TestMembersOfAMissingRoomNeedCreate(t *testing.T) {
	db, _ := seedDelete(t)
	refs := []provision.Ref{{Value: "alpha"}}
	_, err := provision.ChangeMembers(t.Context(), db, "room", "add", "", "Nowhere", refs, false)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("error %v, want not found", err)
	}
	if _, err := provision.Members(t.Context(), db, "room", "", "Nowhere"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("the room exists after a refused add (error %v)", err)
	}
	_, err = provision.ChangeMembers(t.Context(), db, "room", "remove", "", "Nowhere", refs, true)
	if roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("remove from a missing room: error %v, want not found", err)
	}
	p, err := provision.ChangeMembers(t.Context(), db, "room", "add", "", "Nowhere", refs, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Result.RoomsCreated, []string{"Nowhere"}) {
		t.Errorf("rooms created %q, want Nowhere", p.Result.RoomsCreated)
	}
	if got := members(t, db, "room", "Nowhere"); !slices.Equal(got, []string{"alpha"}) {
		t.Errorf("members %q, want alpha", got)
	}
}

// TestUpdateGroupNamesInAnotherCaseAreUnchanged: groups and rooms are
// matched by name without regard to case, so naming the user's groups in
// another case changes nothing.
func TestUpdateGroupNamesInAnotherCaseAreUnchanged(t *testing.T) {
	before, db, path := updateDir(t)
	writes := writeCounter(t, path)
	res := update(t, db, options(t), []string{"uuid", "groups", "rooms"}, []string{john, "b,a", "r2,R1"})
	wantCounts(t, res, counts{Rows: 1, Unchanged: 1})
	if n := writes(); n != 0 {
		t.Errorf("%d users rows written, want none", n)
	}
	wantUser(t, db, before)
}

// TestUpdatePassword: a new password replaces the hash; the same password
// is no change; the dry run shows secrets as ***.
func TestUpdatePassword(t *testing.T) {
	_, db, _ := updateDir(t)
	res := update(t, db, options(t), []string{"uuid", "password"}, []string{john, "first-pass"})
	wantCounts(t, res, counts{Rows: 1, Updated: 1})
	first := userBy(t, db, byUUID, john).PasswordHash
	if !password.Matches(first, "first-pass") {
		t.Fatal("the new password does not verify")
	}
	res = update(t, db, options(t), []string{"uuid", "password"}, []string{john, "first-pass"})
	wantCounts(t, res, counts{Rows: 1, Unchanged: 1})
	if h := userBy(t, db, byUUID, john).PasswordHash; h != first {
		t.Error("the same password was hashed again")
	}
	opt := options(t)
	opt.DryRun = true
	var steps []roster.Step
	opt.Step = func(s roster.Step) { steps = append(steps, s) }
	update(t, db, opt, []string{"uuid", "password"}, []string{john, "second-pass"})
	if len(steps) != 1 || len(steps[0].Changes) != 1 {
		t.Fatalf("steps %+v, want one change", steps)
	}
	if c := steps[0].Changes[0]; c.Column != "password" || c.Old != "***" || c.New != "***" {
		t.Errorf("change %+v, want password *** → ***", c)
	}
}

// TestUpdatePasswordsOfManyRows: rows that give passwords are compared
// with their users' hashes all together; each row keeps its own answer.
func TestUpdatePasswordsOfManyRows(t *testing.T) {
	db, _ := newDB(t)
	rows := [][]string{{"username", "firstname", "password"}}
	for i := range 6 {
		rows = append(rows, []string{"u" + itoa(i), "U", "pass-" + itoa(i)})
	}
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", rows), options(t)))
	rows[2][2], rows[5][2] = "changed-1", "changed-4"
	opt := options(t)
	opt.Key = "username"
	res := updateFile(t, db, writeCSV(t, t.TempDir(), "update.csv", rows), opt)
	wantCounts(t, res, counts{Rows: 6, Updated: 2, Unchanged: 4})
	for i, want := range []string{"pass-0", "changed-1", "pass-2", "pass-3", "changed-4", "pass-5"} {
		if !password.Matches(userBy(t, db, byUsername, "u"+itoa(i)).PasswordHash, want) {
			t.Errorf("u%d: the password is not %s", i, want)
		}
	}
}

// TestUpdateToAValueAnotherUserHoldsFails: an update cannot take another
// user's username, email or extension.
func TestUpdateToAValueAnotherUserHoldsFails(t *testing.T) {
	before, db, _ := updateDir(t)
	wantClean(t, update(t, db, options(t), []string{"uuid", "line_protocol", "context", "exten"}, []string{jane, "sip", "default", "1001"}))
	janeBefore := userBy(t, db, byUUID, jane)
	res := update(t, db, options(t), []string{"uuid", "username", "email", "exten"},
		[]string{jane, "JOHN", "john@example.com", "1000"})
	wantProblems(t, res, "2:email", "2:exten", "2:username")
	wantUser(t, db, before)
	wantUser(t, db, janeBefore)
}

// TestUpdateAvatar: a picture path in an update is read beside the update
// file and replaces the picture; an empty cell removes it.
func TestUpdateAvatar(t *testing.T) {
	_, db, _ := updateDir(t)
	dir := t.TempDir()
	copyAvatars(t, dir)
	want, err := os.ReadFile(filepath.Join(dir, "avatars", "02.png"))
	if err != nil {
		t.Fatal(err)
	}
	res := updateFile(t, db, writeCSV(t, dir, "pic.csv", [][]string{{"uuid", "avatar"}, {john, "avatars/02.png"}}), options(t))
	wantCounts(t, res, counts{Rows: 1, Updated: 1})
	if u := userBy(t, db, byUUID, john); u.Avatar == nil || !bytes.Equal(u.Avatar.Data, want) {
		t.Fatalf("picture %s, want 02.png", show(u.Avatar))
	}
	res = updateFile(t, db, writeCSV(t, dir, "pic.csv", [][]string{{"uuid", "avatar"}, {john, "avatars/02.png"}}), options(t))
	wantCounts(t, res, counts{Rows: 1, Unchanged: 1})
	res = updateFile(t, db, writeCSV(t, dir, "nopic.csv", [][]string{{"uuid", "avatar"}, {john, ""}}), options(t))
	wantCounts(t, res, counts{Rows: 1, Updated: 1})
	if u := userBy(t, db, byUUID, john); u.Avatar != nil {
		t.Errorf("picture %s, want none", show(u.Avatar))
	}
}
