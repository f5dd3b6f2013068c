package provision_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// rerunFiles are files whose every row names its user by username or
// email, so that a second import finds them all. (wazo-users.csv is not
// one: Bill Bush has neither, so a second import would create him again.)
var rerunFiles = []struct {
	name    string
	options func(t *testing.T) provision.Options
}{
	{"trueconf-users.csv", options},
	{"trueconf-bundle.zip", options},
	{"commpeak-users.csv", commpeakOptions},
}

// TestImportAgainWritesNothing re-imports a file: with --on-existing skip
// every row is skipped, with --on-existing update every row is unchanged,
// and nothing is written either way.
func TestImportAgainWritesNothing(t *testing.T) {
	for _, policy := range []struct {
		name provision.OnExisting
		want func(rows int) counts
	}{
		{provision.OnExistingSkip, func(rows int) counts { return counts{Rows: rows, Skipped: rows} }},
		{provision.OnExistingUpdate, func(rows int) counts { return counts{Rows: rows, Unchanged: rows} }},
	} {
		for _, f := range rerunFiles {
			t.Run(string(policy.name)+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				db, path := newDB(t)
				first := importFile(t, db, fixture(f.name), f.options(t))
				wantClean(t, first)
				before := users(t, db)
				writes := writeCounter(t, path)
				opt := f.options(t)
				opt.OnExisting = policy.name
				res := importFile(t, db, fixture(f.name), opt)
				wantCounts(t, res, policy.want(first.Rows))
				if n := writes(); n != 0 || res.Applied {
					t.Errorf("wrote %d users (applied %v), want nothing written", n, res.Applied)
				}
				wantSameUsers(t, before, users(t, db))
			})
		}
	}
}

// TestImportAgainByDefaultFailsEveryRow re-imports a file with the default
// --on-existing fail: every row fails with a message.
func TestImportAgainByDefaultFailsEveryRow(t *testing.T) {
	for _, f := range rerunFiles {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			db, _ := newDB(t)
			first := importFile(t, db, fixture(f.name), f.options(t))
			wantClean(t, first)
			before := users(t, db)
			res := importFile(t, db, fixture(f.name), f.options(t))
			wantCounts(t, res, counts{Rows: first.Rows, Failed: first.Rows})
			failed := map[int]bool{}
			for _, p := range res.Errors {
				failed[p.Row] = true
			}
			if len(failed) != first.Rows {
				t.Errorf("problems name %d rows, want all %d", len(failed), first.Rows)
			}
			problemsAt(t, res) // every problem has a message
			if res.Applied {
				t.Error("applied, want nothing written")
			}
			wantSameUsers(t, before, users(t, db))
		})
	}
}

// extensions maps each user's firstname to its line's exten ("-" for no
// line).
func extensions(t *testing.T, db roster.Directory) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, u := range users(t, db) {
		if u.Line == nil {
			out[u.Firstname] = "-"
		} else {
			out[u.Firstname] = u.Line.Exten
		}
	}
	return out
}

// TestGenerateExtenTakesFreeNumbersInRowOrder: rows with a line and no
// exten get the next free numbers of the context, skipping those the
// directory uses and those later rows give.
func TestGenerateExtenTakesFreeNumbersInRowOrder(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "existing.csv", [][]string{
		{"firstname", "line_protocol", "context", "exten"},
		{"Old1", "sip", "default", "1000"},
		{"Old2", "sip", "default", "1003"},
	}), options(t)))
	opt := options(t)
	opt.Generate = provision.GenerateExten
	res := importFile(t, db, writeCSV(t, dir, "new.csv", [][]string{
		{"firstname", "line_protocol", "context", "exten"},
		{"A", "sip", "default", ""},
		{"B", "sip", "default", "1001"},
		{"C", "sccp", "default", ""},
		{"D", "webrtc", "default", "auto"},
		{"E", "", "", ""},
	}), opt)
	wantClean(t, res)
	wantCounts(t, res, counts{Rows: 5, Created: 5})
	got := extensions(t, db)
	want := map[string]string{"Old1": "1000", "Old2": "1003", "A": "1002", "B": "1001", "C": "1004", "D": "1005", "E": "-"}
	for name, exten := range want {
		if got[name] != exten {
			t.Errorf("%s: exten %q, want %q", name, got[name], exten)
		}
	}
}

// TestExtenAutoTakesTheNextFreeNumber: a cell "auto" takes the next free
// number without --generate exten; an empty cell stays empty.
func TestExtenAutoTakesTheNextFreeNumber(t *testing.T) {
	db, _ := newDB(t)
	res := importFile(t, db, writeCSV(t, t.TempDir(), "auto.csv", [][]string{
		{"firstname", "line_protocol", "context", "exten"},
		{"A", "sip", "default", "AUTO"},
		{"B", "sip", "default", "1000"},
		{"C", "sip", "default", ""},
	}), options(t))
	wantClean(t, res)
	got := extensions(t, db)
	for name, exten := range map[string]string{"A": "1001", "B": "1000", "C": ""} {
		if got[name] != exten {
			t.Errorf("%s: exten %q, want %q", name, got[name], exten)
		}
	}
}

// readSuccess reads success.csv into rows by their row number.
func readSuccess(t *testing.T, res *roster.Result) map[string][]string {
	t.Helper()
	if res.Reports == nil || res.Reports.Success == nil {
		t.Fatalf("no success.csv (reports %+v)", res.Reports)
	}
	recs := readCSV(t, *res.Reports.Success)
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"row", "uuid", "username", "email", "exten", "password"}) {
		t.Fatalf("success.csv holds %q", recs)
	}
	out := map[string][]string{}
	for _, r := range recs[1:] {
		out[r[0]] = r
	}
	return out
}

// TestGeneratePasswordGivesPasswordsOnlyInSuccessCSV: rows without a
// password get a generated one (16 letters and digits, or 10 digits), shown
// only in success.csv, whose stored hash verifies it.
func TestGeneratePasswordGivesPasswordsOnlyInSuccessCSV(t *testing.T) {
	for _, tc := range []struct {
		name   string
		digits bool
		shape  *regexp.Regexp
	}{
		{"letters and digits", false, regexp.MustCompile(`^[A-Za-z0-9]{16}$`)},
		{"digits", true, regexp.MustCompile(`^[0-9]{10}$`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db, _ := newDB(t)
			hash := password.Hash("hashed-pass")
			opt := options(t)
			opt.Generate, opt.PasswordDigits = provision.GeneratePassword, tc.digits
			res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
				{"username", "firstname", "password", "password_hash"},
				{"gen1", "Gen", "", ""},
				{"given", "Given", "given-pass", ""},
				{"hashed", "Hashed", "", hash},
				{"gen2", "Gen", "", ""},
			}), opt)
			wantClean(t, res)
			success := readSuccess(t, res)
			if len(success) != 4 {
				t.Errorf("success.csv lists rows %v, want the 4 written", mapKeys(success))
			}
			out, _ := json.Marshal(res)
			exported := exportBytes(t, db, provision.ExportOptions{Format: sheet.CSV, Secrets: true})
			for row, user := range map[string]string{"2": "gen1", "5": "gen2"} {
				pw := success[row][5]
				if !tc.shape.MatchString(pw) {
					t.Errorf("%s: generated password %q, want %s", user, pw, tc.shape)
				}
				u := userBy(t, db, byUsername, user)
				if !password.Matches(u.PasswordHash, pw) {
					t.Errorf("%s: the stored hash %q does not verify the generated password", user, u.PasswordHash)
				}
				if bytes.Contains(out, []byte(pw)) || bytes.Contains(exported, []byte(pw)) {
					t.Errorf("%s: the generated password shows outside success.csv", user)
				}
			}
			if success["2"][5] == success["5"][5] {
				t.Error("two generated passwords are the same")
			}
			for row, user := range map[string]string{"3": "given", "4": "hashed"} {
				if pw := success[row][5]; pw != "" {
					t.Errorf("%s: success.csv shows password %q, want only generated ones", user, pw)
				}
			}
			if u := userBy(t, db, byUsername, "given"); !password.Matches(u.PasswordHash, "given-pass") {
				t.Error("the given password does not verify")
			}
			if u := userBy(t, db, byUsername, "hashed"); u.PasswordHash != hash {
				t.Errorf("the given hash was stored as %q", u.PasswordHash)
			}
		})
	}
}

// TestGenerateUsernameFromEmailOrNameMadeUnique: usernames come from the
// email's local part, else firstname.lastname folded to ASCII, made unique
// against the directory, earlier rows and later rows with a number.
func TestGenerateUsernameFromEmailOrNameMadeUnique(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "existing.csv", [][]string{
		{"firstname", "username"},
		{"Existing", "ana.lopez"},
	}), options(t)))
	opt := options(t)
	opt.Generate = provision.GenerateUsername
	res := importFile(t, db, writeCSV(t, dir, "new.csv", [][]string{
		{"firstname", "lastname", "email", "username"},
		{"Ana", "Lopez", "Ana.Lopez@example.com", ""},
		{"Zoë", "Ångström", "", ""},
		{"Max", "Power", "max@example.com", ""},
		{"Maxine", "Given", "maxine@example.com", "max"},
		{"Zoe", "Angstrom", "", ""},
		{"Олена", "Коваль", "", ""},
	}), opt)
	wantClean(t, res)
	got := map[string]string{}
	for _, u := range users(t, db) {
		got[u.Firstname+" "+u.Lastname] = u.Username
	}
	for name, want := range map[string]*regexp.Regexp{
		"Ana Lopez":    regexp.MustCompile(`^ana\.lopez[0-9]+$`), // ana.lopez is taken in the directory
		"Zoë Ångström": regexp.MustCompile(`^zoe\.angstrom$`),
		"Max Power":    regexp.MustCompile(`^max[0-9]+$`), // a later row gives max
		"Maxine Given": regexp.MustCompile(`^max$`),
		"Zoe Angstrom": regexp.MustCompile(`^zoe\.angstrom[0-9]+$`), // an earlier row got zoe.angstrom
		"Олена Коваль": regexp.MustCompile(`^[a-z]+\.[a-z]+$`),
		"Existing ":    regexp.MustCompile(`^ana\.lopez$`),
	} {
		if !want.MatchString(got[name]) {
			t.Errorf("%s: username %q, want %s", name, got[name], want)
		}
	}
}

// TestGivenUUIDIsKept: a uuid in the file is the user's uuid.
func TestGivenUUIDIsKept(t *testing.T) {
	db, _ := newDB(t)
	const id = "3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a"
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"uuid", "firstname"},
		{id, "Kept"},
		{"", "Generated"},
	}), options(t)))
	if u := userBy(t, db, byFirstname, "Kept"); u.UUID != id {
		t.Errorf("uuid %q, want the file's %s", u.UUID, id)
	}
	if u := userBy(t, db, byFirstname, "Generated"); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(u.UUID) {
		t.Errorf("generated uuid %q is not a UUID", u.UUID)
	}
}

// TestGroupsAndRoomsAreCreatedWhenMissing: groups and rooms a file names
// are created when missing and listed in the result; existing ones are not.
func TestGroupsAndRoomsAreCreatedWhenMissing(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	first := importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{
		{"username", "firstname", "groups", "rooms"},
		{"one", "One", "Existing", "Hall"},
	}), options(t))
	wantClean(t, first)
	res := importFile(t, db, writeCSV(t, dir, "second.csv", [][]string{
		{"username", "firstname", "groups", "rooms"},
		{"two", "Two", "existing, New1", "Lobby"},
		{"three", "Three", "New1,New2", "hall"},
	}), options(t))
	wantClean(t, res)
	groups, rooms := slices.Sorted(slices.Values(res.GroupsCreated)), slices.Sorted(slices.Values(res.RoomsCreated))
	if !slices.Equal(groups, []string{"New1", "New2"}) || !slices.Equal(rooms, []string{"Lobby"}) {
		t.Errorf("created groups %q and rooms %q, want [New1 New2] and [Lobby]", groups, rooms)
	}
	for _, c := range []struct {
		kind, name string
		want       []string
	}{
		{"group", "Existing", []string{"one", "two"}},
		{"group", "New1", []string{"three", "two"}},
		{"group", "New2", []string{"three"}},
		{"room", "Hall", []string{"one", "three"}},
		{"room", "Lobby", []string{"two"}},
	} {
		if got := members(t, db, c.kind, c.name); !slices.Equal(got, c.want) {
			t.Errorf("%s %s: members %q, want %q", c.kind, c.name, got, c.want)
		}
	}
}

// TestGivenPasswordHashIsStoredAsGiven: a bcrypt or argon2id hash is stored
// as it is, and verifies its password.
func TestGivenPasswordHashIsStoredAsGiven(t *testing.T) {
	b, err := bcrypt.GenerateFromPassword([]byte("bcrypt-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]struct{ hash, password string }{
		"bcrypt":   {string(b), "bcrypt-pass"},
		"argon2id": {password.Hash("argon-pass"), "argon-pass"},
	}
	db, _ := newDB(t)
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname", "password_hash"},
		{"bcrypt", "B", hashes["bcrypt"].hash},
		{"argon2id", "A", hashes["argon2id"].hash},
	}), options(t)))
	exp := exportTable(t, db, true)
	for user, h := range hashes {
		got := exp.one(t, "username", user)["password_hash"]
		if got != h.hash {
			t.Errorf("%s: stored %q, want %q as given", user, got, h.hash)
		}
		if !password.Matches(got, h.password) || password.Matches(got, "wrong") {
			t.Errorf("%s: the stored hash does not verify its password alone", user)
		}
	}
}

// TestPartialModeStopsAtMaxErrors: in partial mode with --max-errors 2,
// the run stops after the second failed row; later rows are not applied
// and are listed.
func TestPartialModeStopsAtMaxErrors(t *testing.T) {
	db, _ := newDB(t)
	opt := options(t)
	opt.Mode, opt.MaxErrors = provision.Partial, 2
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname", "email"},
		{"aa", "A", "a@example.com"},
		{"bb", "B", "b@"},
		{"cc", "C", "c@example.com"},
		{"dd", "D", "d@"},
		{"ee", "E", "e@example.com"},
		{"ff", "F", "f@"},
		{"gg", "G", "g@example.com"},
	}), opt)
	wantProblems(t, res, "3:email", "5:email")
	if !slices.Equal(res.NotApplied, []int{6, 7, 8}) {
		t.Errorf("not applied %v, want [6 7 8]", res.NotApplied)
	}
	if c := countsOf(res); c.Created != 2 || c.Failed != 2 {
		t.Errorf("created %d, failed %d; want 2 and 2", c.Created, c.Failed)
	}
	var got []string
	for _, u := range users(t, db) {
		got = append(got, u.Username)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"aa", "cc"}) {
		t.Errorf("the directory holds %q, want [aa cc]", got)
	}
}

// TestHeaderMapMapsAHeader: --map gives a header that aliases do not catch
// a column.
func TestHeaderMapMapsAHeader(t *testing.T) {
	db, _ := newDB(t)
	opt := options(t)
	opt.Header.Map = map[string]string{"Agent Login": "username", "Vorname": "firstname"}
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"Agent Login", "Vorname", "Email"},
		{"agent7", "Sieben", "agent7@example.com"},
	}), opt)
	wantClean(t, res)
	if len(res.IgnoredColumns) != 0 {
		t.Errorf("ignored %+v, want no ignored column", res.IgnoredColumns)
	}
	u := userBy(t, db, byUsername, "agent7")
	if u.Firstname != "Sieben" || u.Email != "agent7@example.com" {
		t.Errorf("user %+v, want firstname Sieben and the email", u)
	}
}

// TestHeaderStrictFailsOnUnknownColumns: --strict refuses a file with an
// unknown column, and writes nothing.
func TestHeaderStrictFailsOnUnknownColumns(t *testing.T) {
	db, _ := newDB(t)
	opt := options(t)
	opt.Header.Strict = true
	_, err := provision.Import(t.Context(), db, source(t, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"firstname", "emial"},
		{"A", "a@example.com"},
	})), opt)
	if err == nil {
		t.Fatal("no error, want the file refused for its unknown column")
	}
	if roster.ErrorCode(err) != roster.EINVALID || !strings.Contains(err.Error(), "emial") {
		t.Errorf("error %q (code %s), want an invalid-input error naming emial", err, roster.ErrorCode(err))
	}
	if n := countUsers(t, db); n != 0 {
		t.Errorf("%d users written, want none", n)
	}
}

// TestUnknownColumnsAreIgnoredWithAHint: without --strict, unknown columns
// are listed with the nearest known name, and the rows import.
func TestUnknownColumnsAreIgnoredWithAHint(t *testing.T) {
	db, _ := newDB(t)
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"firstname", "emial", "notes"},
		{"A", "a@example.com", "whatever"},
	}), options(t))
	wantClean(t, res)
	ignored := map[string]string{}
	for _, ig := range res.IgnoredColumns {
		ignored[ig.Column] = ig.Hint
	}
	if hint, ok := ignored["emial"]; !ok || hint != "email" {
		t.Errorf("ignored %+v, want emial with the hint email", res.IgnoredColumns)
	}
	if _, ok := ignored["notes"]; !ok || len(ignored) != 2 {
		t.Errorf("ignored %+v, want emial and notes", res.IgnoredColumns)
	}
	if u := userBy(t, db, byFirstname, "A"); u.Email != "" {
		t.Errorf("email %q taken from an ignored column", u.Email)
	}
}

// bigPNG writes a valid PNG of more than 1 MiB (noise does not compress).
func bigPNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 640, 640))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.UintN(256))
	}
	img.Set(0, 0, color.NRGBA{A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Len() <= 1<<20 {
		t.Fatalf("the big picture is only %d bytes", b.Len())
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBadPicturesFailTheirRow: an avatar path that is absolute or leaves
// the file's folder, a file that is not a picture, and a picture over 1 MiB
// each fail their row, and only their row.
func TestBadPicturesFailTheirRow(t *testing.T) {
	root := t.TempDir()
	copyAvatars(t, root) // root/avatars: reachable only by leaving the file's folder
	dir := filepath.Join(root, "sheet")
	copyAvatars(t, dir)
	bigPNG(t, filepath.Join(dir, "avatars", "big.png"))
	for _, tc := range []struct {
		name, avatar, message string
	}{
		{"dot-dot", "../avatars/01.png", ""},
		{"dot-dot inside", "avatars/../../avatars/01.png", ""},
		{"backslashes", `..\avatars\01.png`, ""},
		{"absolute", filepath.Join(dir, "avatars", "01.png"), ""},
		{"not an image", "avatars/not-an-image.png", "not a PNG"},
		{"over 1 MiB", "avatars/big.png", "1 MiB"},
		{"missing", "avatars/none.png", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := newDB(t)
			opt := options(t)
			opt.Mode = provision.Partial
			res := importFile(t, db, writeCSV(t, dir, "users-"+strings.ReplaceAll(tc.name, " ", "-")+".csv", [][]string{
				{"username", "display_name", "avatar"},
				{"good", "Good", "avatars/01.png"},
				{"bad", "Bad", tc.avatar},
			}), opt)
			wantProblems(t, res, "3:avatar")
			if len(res.Errors) == 1 && !strings.Contains(res.Errors[0].Message, tc.message) {
				t.Errorf("message %q, want it to say %q", res.Errors[0].Message, tc.message)
			}
			u := userBy(t, db, byUsername, "good")
			want, _ := os.ReadFile(filepath.Join(dir, "avatars", "01.png"))
			if u.Avatar == nil || !bytes.Equal(u.Avatar.Data, want) || u.Avatar.Type != "png" {
				t.Errorf("the good row's picture is %s, want 01.png", show(u.Avatar))
			}
			if n := countUsers(t, db); n != 1 {
				t.Errorf("%d users, want only the good row's", n)
			}
		})
	}
}

// TestReportFilesArePrivate: the report folder is 0700 and its files 0600.
func TestReportFilesArePrivate(t *testing.T) {
	db, _ := newDB(t)
	dir := filepath.Join(t.TempDir(), "reports")
	opt := provision.Options{Reports: reportsIn(t, dir), Mode: provision.Partial, Generate: provision.GeneratePassword}
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname", "email"},
		{"ok", "Ok", "ok@example.com"},
		{"bad", "Bad", "bad@"},
	}), opt)
	if res.Reports == nil || res.Reports.Errors == nil || res.Reports.Success == nil {
		t.Fatalf("reports %+v, want errors and success", res.Reports)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm != 0o700 {
		t.Errorf("report folder mode %o, want 700", perm)
	}
	for _, p := range []string{*res.Reports.Errors, *res.Reports.Success} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := st.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s mode %o, want 600", filepath.Base(p), perm)
		}
		if filepath.Dir(p) != dir {
			t.Errorf("%s is not in the report folder %s", p, dir)
		}
	}
}

// TestErrorReportOfAnXLSXIsAnXLSXThatReimports: failed rows of a
// spreadsheet go to errors.xlsx, exactly as they were plus an errors
// column; fixed in place, it imports as it is.
func TestErrorReportOfAnXLSXIsAnXLSXThatReimports(t *testing.T) {
	db, _ := newDB(t)
	input := [][]string{
		{"username", "firstname", "email", "exten", "context", "line_protocol"},
		{"good", "Good", "good@example.com", "1000", "default", "sip"},
		{"bad1", "Bad", "bad1@", "0042", "default", "sip"},
		{"bad2", "", "bad2@", "", "", ""},
	}
	path := writeSheet(t, filepath.Join(t.TempDir(), "users.xlsx"), sheet.XLSX, input)
	opt := options(t)
	opt.Mode = provision.Partial
	res := importFile(t, db, path, opt)
	wantProblems(t, res, "3:email", "3:exten", "4:email")
	if res.Reports == nil || res.Reports.Errors == nil {
		t.Fatalf("no error report (reports %+v)", res.Reports)
	}
	errPath := *res.Reports.Errors
	if filepath.Base(errPath) != "errors.xlsx" {
		t.Fatalf("the error report is %s, want errors.xlsx", filepath.Base(errPath))
	}
	data, err := os.ReadFile(errPath)
	if err != nil {
		t.Fatal(err)
	}
	if f := sheet.Detect(bytes.NewReader(data), int64(len(data)), "report"); f != sheet.XLSX {
		t.Fatalf("errors.xlsx holds %s, want an XLSX workbook", f)
	}
	rep := readTable(t, data, "errors.xlsx")
	if !slices.Equal(rep.header, append(slices.Clone(input[0]), catalog.ErrorsColumn)) {
		t.Errorf("header %q, want the file's plus errors", rep.header)
	}
	if len(rep.rows) != 2 {
		t.Fatalf("%d rows in the report, want the 2 failed ones", len(rep.rows))
	}
	for i, row := range rep.rows {
		for j, col := range input[0] {
			if row[col] != input[i+2][j] {
				t.Errorf("report row %d, %s: %q, want %q as it was", i+2, col, row[col], input[i+2][j])
			}
		}
		if row["errors"] == "" {
			t.Errorf("report row %d has no errors", i+2)
		}
	}

	// Fix the rows in place, keeping the errors column, and import the
	// report as it is.
	fixed := [][]string{rep.header}
	for _, row := range rep.rows {
		row["email"] = row["username"] + "@example.com"
		row["firstname"] = "Fixed"
		if row["exten"] != "" {
			row["exten"] = "1042"
		}
		var cells []string
		for _, h := range rep.header {
			cells = append(cells, row[h])
		}
		fixed = append(fixed, cells)
	}
	writeSheet(t, errPath, sheet.XLSX, fixed)
	res2 := importFile(t, db, errPath, options(t))
	wantClean(t, res2)
	wantCounts(t, res2, counts{Rows: 2, Created: 2})
	if len(res2.IgnoredColumns) != 0 {
		t.Errorf("ignored %+v, want none", res2.IgnoredColumns)
	}
	if n := countUsers(t, db); n != 3 {
		t.Errorf("%d users, want 3", n)
	}
}

// TestDryRunAndCheckWriteNoReports: neither a dry run nor check writes a
// report file, even with failed rows and generated passwords.
func TestDryRunAndCheckWriteNoReports(t *testing.T) {
	cwd := t.TempDir()
	file := writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname", "email"},
		{"ok", "Ok", "ok@example.com"},
		{"bad", "Bad", "bad@"},
	})
	db, _ := newDB(t)
	t.Chdir(cwd) // where the default report folder would go
	for _, tc := range []struct {
		name string
		run  func(opt provision.Options) (*roster.Result, error)
	}{
		{"import dry run", func(opt provision.Options) (*roster.Result, error) {
			opt.DryRun = true
			return provision.Import(t.Context(), db, source(t, file), opt)
		}},
		{"update dry run", func(opt provision.Options) (*roster.Result, error) {
			opt.DryRun, opt.Key = true, "username"
			return provision.Update(t.Context(), db, source(t, file), opt)
		}},
		{"check", func(opt provision.Options) (*roster.Result, error) {
			return provision.Check(t.Context(), source(t, file), opt)
		}},
	} {
		for _, dir := range []string{"", filepath.Join(t.TempDir(), "reports")} {
			opt := provision.Options{Generate: provision.GeneratePassword, Mode: provision.Partial}
			if dir != "" {
				opt.Reports = reportsIn(t, dir)
			}
			res, err := tc.run(opt)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if res.Failed == 0 {
				t.Errorf("%s: no failed row", tc.name)
			}
			if res.Reports != nil && (res.Reports.Errors != nil || res.Reports.Success != nil) {
				t.Errorf("%s: reports %+v, want none", tc.name, res.Reports)
			}
			if dir != "" && exists(t, dir) {
				t.Errorf("%s: the report folder %s was made", tc.name, dir)
			}
			if exists(t, filepath.Join(cwd, "roster-reports")) {
				t.Errorf("%s: roster-reports/ was made in the current folder", tc.name)
			}
		}
	}
	if n := countUsers(t, db); n != 0 {
		t.Errorf("%d users written by dry runs", n)
	}
}

// TestSecretValuesAreNeverShownInProblems: a problem with a secret column
// shows *** as its value.
func TestSecretValuesAreNeverShownInProblems(t *testing.T) {
	db, _ := newDB(t)
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"firstname", "password", "call_permission_password", "line_protocol", "context", "sip_secret", "voicemail_name", "voicemail_number", "voicemail_context", "voicemail_password"},
		{"A", "abc", "12ab", "sip", "default", strings.Repeat("s", 81), "A", "1000", "default", "12a#x"},
		{"B", "", "", "", "", "", "", "", "", ""},
	}), options(t))
	wantProblems(t, res, "2:call_permission_password", "2:password", "2:sip_secret", "2:voicemail_password")
	for _, p := range res.Errors {
		if p.Value != "***" {
			t.Errorf("%s: value %q, want ***", p.Column, p.Value)
		}
	}
	res = importFile(t, db, writeCSV(t, t.TempDir(), "hash.csv", [][]string{
		{"firstname", "password_hash"},
		{"A", "$2b$10$notreallyahash"},
	}), options(t))
	wantProblems(t, res, "2:password_hash")
	if len(res.Errors) == 1 && res.Errors[0].Value != "***" {
		t.Errorf("password_hash: value %q, want ***", res.Errors[0].Value)
	}
}

// TestEmptyRowsAreSkippedButCounted: entirely empty rows are not rows, but
// the row numbers of problems still count them.
func TestEmptyRowsAreSkippedButCounted(t *testing.T) {
	db, _ := newDB(t)
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte("firstname,email\nA,a@example.com\n\n,\nB,b@\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := importFile(t, db, path, options(t))
	wantProblems(t, res, "5:email")
	if res.Rows != 2 {
		t.Errorf("rows %d, want 2", res.Rows)
	}
}

// TestHeadersThatFailTheWholeFile: two columns with the same meaning, or no
// known column at all, refuse the file.
func TestHeadersThatFailTheWholeFile(t *testing.T) {
	for name, header := range map[string][]string{
		"same column twice":  {"email", "E-Mail", "firstname"},
		"alias and name":     {"login", "username", "firstname"},
		"no known column":    {"foo", "bar"},
		"first row is empty": {"", ""},
	} {
		t.Run(name, func(t *testing.T) {
			db, _ := newDB(t)
			_, err := provision.Import(t.Context(), db, source(t, writeCSV(t, t.TempDir(), "users.csv", [][]string{
				header, {"a@example.com", "b@example.com", "A"},
			})), options(t))
			if err == nil {
				t.Fatal("no error, want the file refused")
			}
			if code := roster.ErrorCode(err); code == roster.EINTERNAL {
				t.Errorf("error %q is internal, want one a person can act on", err)
			}
			if n := countUsers(t, db); n != 0 {
				t.Errorf("%d users written", n)
			}
		})
	}
}

// TestUniqueValuesAreCheckedAgainstTheDirectory: a value another user
// holds in the directory fails the row at its column.
func TestUniqueValuesAreCheckedAgainstTheDirectory(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{
		{"username", "email", "firstname", "line_protocol", "context", "exten", "sip_username", "provisioning_code", "incall_exten", "incall_context", "voicemail_name", "voicemail_number", "voicemail_context"},
		{"one", "one@example.com", "One", "sip", "default", "1000", "sip1", "111111", "2000", "from-extern", "One", "1000", "default"},
	}), options(t)))
	res := importFile(t, db, writeCSV(t, dir, "second.csv", [][]string{
		{"username", "email", "firstname", "line_protocol", "context", "exten", "sip_username", "provisioning_code", "incall_exten", "incall_context", "voicemail_name", "voicemail_number", "voicemail_context"},
		{"two", "two@example.com", "Two", "sip", "default", "1000", "sip1", "111111", "2000", "from-extern", "Two", "1000", "default"},
	}), options(t))
	wantProblems(t, res, "2:exten", "2:incall_exten", "2:provisioning_code", "2:sip_username", "2:voicemail_number")
	if n := countUsers(t, db); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

// TestARowMatchingTwoUsersFails: a row whose username is one user's and
// whose email is another's fails, whatever --on-existing says.
func TestARowMatchingTwoUsersFails(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{
		{"username", "email", "firstname"},
		{"one", "one@example.com", "One"},
		{"two", "two@example.com", "Two"},
	}), options(t)))
	before := users(t, db)
	for _, policy := range []provision.OnExisting{provision.OnExistingFail, provision.OnExistingSkip, provision.OnExistingUpdate} {
		opt := options(t)
		opt.OnExisting = policy
		res := importFile(t, db, writeCSV(t, dir, "second.csv", [][]string{
			{"username", "email", "firstname"},
			{"one", "two@example.com", "Mixed"},
		}), opt)
		if res.Failed != 1 {
			t.Errorf("%s: failed %d, want the row failed", policy, res.Failed)
		}
	}
	wantSameUsers(t, before, users(t, db))
}

// TestOnExistingUpdateChangesOnlyNonEmptyCells: --on-existing update
// updates the matched user with the row's non-empty cells, as --blank keep.
func TestOnExistingUpdateChangesOnlyNonEmptyCells(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{
		{"username", "email", "firstname", "lastname", "language", "groups"},
		{"one", "one@example.com", "One", "Uno", "en_US", "A"},
	}), options(t)))
	before := userBy(t, db, byUsername, "one")
	opt := options(t)
	opt.OnExisting = provision.OnExistingUpdate
	res := importFile(t, db, writeCSV(t, dir, "second.csv", [][]string{
		{"username", "email", "firstname", "lastname", "language", "groups", "password"},
		{"one", "", "", "Eins", "", "B", "new-pass"},
		{"new", "new@example.com", "New", "", "", "", "new-pass"},
	}), opt)
	wantClean(t, res)
	wantCounts(t, res, counts{Rows: 2, Created: 1, Updated: 1})
	after := userBy(t, db, byUsername, "one")
	if !password.Matches(after.PasswordHash, "new-pass") {
		t.Error("the new password does not verify")
	}
	want := before.Clone()
	want.Lastname, want.Groups, want.PasswordHash = "Eins", []string{"B"}, after.PasswordHash
	if d := diffUsers(want, after); d != "" {
		t.Errorf("user differs: %s", d)
	}
}

// TestImportDryRunPlansWhatTheRunDoes: a dry run reports per row create,
// skip or error, writes nothing, and the real run then does the same.
func TestImportDryRunPlansWhatTheRunDoes(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	wantClean(t, importFile(t, db, writeCSV(t, dir, "first.csv", [][]string{
		{"username", "firstname"}, {"one", "One"},
	}), options(t)))
	file := writeCSV(t, dir, "second.csv", [][]string{
		{"username", "firstname", "email"},
		{"one", "One", ""},
		{"two", "Two", ""},
		{"three", "Three", "three@"},
	})
	opt := options(t)
	opt.OnExisting, opt.Mode, opt.DryRun = provision.OnExistingSkip, provision.Partial, true
	var steps []roster.Step
	opt.Step = func(s roster.Step) { steps = append(steps, s) }
	res := importFile(t, db, file, opt)
	var plan []string
	for _, s := range steps {
		plan = append(plan, itoa(s.Row)+":"+string(s.Action))
	}
	if want := []string{"2:skip", "3:create", "4:error"}; !slices.Equal(plan, want) {
		t.Errorf("plan %q, want %q", plan, want)
	}
	if n := countUsers(t, db); n != 1 || res.Applied {
		t.Errorf("a dry run wrote: %d users, applied %v", n, res.Applied)
	}
	opt.DryRun, opt.Step = false, nil
	real := importFile(t, db, file, opt)
	if countsOf(real) != countsOf(res) {
		t.Errorf("the real run counts %+v, the dry run %+v", countsOf(real), countsOf(res))
	}
	if n := countUsers(t, db); n != 2 {
		t.Errorf("%d users after the real run, want 2", n)
	}
}

// TestErrorReportOfACSVKeepsItsSeparatorAndReimports: the error report of
// a semicolon CSV is a semicolon CSV, and imports as it is once fixed.
func TestErrorReportOfACSVKeepsItsSeparatorAndReimports(t *testing.T) {
	db, _ := newDB(t)
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte("Username;Email;Role\nagent.one;agent.one@example.com;agent\nagent.two;agent.two@;agent\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := commpeakOptions(t)
	opt.Mode = provision.Partial
	res := importFile(t, db, path, opt)
	wantProblems(t, res, "3:email")
	if res.Reports == nil || res.Reports.Errors == nil {
		t.Fatalf("no error report (reports %+v)", res.Reports)
	}
	data, err := os.ReadFile(*res.Reports.Errors)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(data), "\r\n", "\n")), "\n")
	if len(lines) != 2 || lines[0] != "Username;Email;Role;errors" || !strings.HasPrefix(lines[1], "agent.two;agent.two@;agent;") {
		t.Fatalf("errors.csv holds %q, want the semicolon header and the failed row as it was", lines)
	}
	fixed := strings.Replace(string(data), "agent.two@;", "agent.two@example.com;", 1)
	if err := os.WriteFile(*res.Reports.Errors, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
	res2 := importFile(t, db, *res.Reports.Errors, commpeakOptions(t))
	wantClean(t, res2)
	wantCounts(t, res2, counts{Rows: 1, Created: 1})
	if len(res2.IgnoredColumns) != 0 {
		t.Errorf("ignored %+v, want none", res2.IgnoredColumns)
	}
}

// TestSetFillsEmptyCellsAndAbsentColumns: --set gives a value to rows
// whose cell is empty or whose column is absent, and leaves given cells.
func TestSetFillsEmptyCellsAndAbsentColumns(t *testing.T) {
	db, _ := newDB(t)
	opt := options(t)
	opt.Header.Set = map[string]string{"role": "agent", "language": "fr_FR", "lastname": "{username}-x"}
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname", "role", "lastname"},
		{"given", "G", "admin", "Given"},
		{"empty", "E", "", ""},
	}), opt))
	for user, want := range map[string][3]string{"given": {"admin", "fr_FR", "Given"}, "empty": {"agent", "fr_FR", "empty-x"}} {
		u := userBy(t, db, byUsername, user)
		if got := [3]string{u.Role, u.Language, u.Lastname}; got != want {
			t.Errorf("%s: role, language, lastname %q, want %q", user, got, want)
		}
	}
}

// TestGenerateExtenKeepsRowOrderAcrossBatches: generated numbers follow
// the row order in a file longer than the engine's batches, and skip a
// number that a much later row gives.
func TestGenerateExtenKeepsRowOrderAcrossBatches(t *testing.T) {
	const n = 900
	rows := [][]string{{"username", "firstname", "line_protocol", "context", "exten"}}
	for i := range n {
		exten := ""
		if i == n-1 {
			exten = "1005" // the last row, in the last batch
		}
		rows = append(rows, []string{"user" + itoa(i+10), "U", "sccp", "default", exten})
	}
	db, _ := newDB(t)
	opt := options(t)
	opt.Generate = provision.GenerateExten
	res := importFile(t, db, writeCSV(t, t.TempDir(), "many.csv", rows), opt)
	wantClean(t, res)
	got := map[string]string{}
	for _, u := range users(t, db) {
		if u.Line != nil {
			got[u.Username] = u.Line.Exten
		}
	}
	next := 1000
	for i := range n - 1 {
		if next == 1005 {
			next++
		}
		user := "user" + itoa(i+10)
		if want := itoa(next); got[user] != want {
			t.Fatalf("%s (row %d): exten %q, want %s", user, i+2, got[user], want)
		}
		next++
	}
	if got["user"+itoa(n-1+10)] != "1005" {
		t.Errorf("the last row's given exten is %q, want 1005", got["user"+itoa(n-1+10)])
	}
}

// TestCellsUnderNoHeaderAreErrorsAndKeptInTheReport: a value past the
// header's last column, or under an empty header cell, would be lost, so
// it fails its row; the error report keeps it, after the errors column,
// and a report imported again keeps one errors column.
func TestCellsUnderNoHeaderAreErrorsAndKeptInTheReport(t *testing.T) {
	db, _ := newDB(t)
	path := filepath.Join(t.TempDir(), "users.csv")
	// Row 2: "Smith, Jr." was not quoted. Row 3: a note under no header.
	if err := os.WriteFile(path, []byte("username,,lastname\njdoe,,Smith, Jr.\nann,see HR,Lee\nbob,,Ray\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := options(t)
	opt.Mode = provision.Partial
	opt.Header.Set = map[string]string{"firstname": "{username}"}
	res := importFile(t, db, path, opt)
	wantProblems(t, res, "2:D", "3:B")
	for _, p := range res.Errors {
		if want := map[int]string{2: "Jr.", 3: "see HR"}[p.Row]; p.Value != want {
			t.Errorf("row %d: value %q, want %q", p.Row, p.Value, want)
		}
	}
	wantCounts(t, res, counts{Rows: 3, Created: 1, Failed: 2})
	report := readCSV(t, *res.Reports.Errors)
	header := []string{"username", "", "lastname", "errors"}
	if len(report) != 3 || !slices.Equal(report[0], header) ||
		!slices.Equal(report[1][:3], []string{"jdoe", "", "Smith"}) || !slices.Equal(report[1][4:], []string{" Jr."}) ||
		!slices.Equal(report[2][:3], []string{"ann", "see HR", "Lee"}) || len(report[2]) != 4 {
		t.Fatalf("errors.csv holds %q, want the rows as they were, the stray cell after the errors", report)
	}
	if !strings.HasPrefix(report[1][3], "D: ") || !strings.HasPrefix(report[2][3], "B: ") {
		t.Errorf("errors cells %q and %q, want the stray cells named", report[1][3], report[2][3])
	}

	// Imported again as it is: the same errors, one errors column, and the
	// stray cell one place to the right of the note.
	opt.Reports = reportsIn(t, filepath.Join(t.TempDir(), "again"))
	res = importFile(t, db, *res.Reports.Errors, opt)
	wantProblems(t, res, "2:E", "3:B")
	again := readCSV(t, *res.Reports.Errors)
	if !slices.Equal(again[0], header) || len(again[1]) != 5 || again[1][4] != " Jr." {
		t.Fatalf("the report of the report holds %q", again)
	}
}

// TestSecretsLeftOutOfAReportMustBeEnteredAgain: an error report blanks a
// failed row's password; imported again as it is, the row fails until the
// password is entered again (or its note removed), so that the user does
// not silently end up without the password the first file gave.
func TestSecretsLeftOutOfAReportMustBeEnteredAgain(t *testing.T) {
	db, _ := newDB(t)
	opt := options(t)
	opt.Mode = provision.Partial
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"username", "firstname", "email", "password"},
		{"alice", "Alice", "alice@", "Secret-1"},
		{"bob", "Bob", "bob@", "Secret-2"},
	}), opt)
	wantProblems(t, res, "2:email", "3:email")
	report := readCSV(t, *res.Reports.Errors)
	if report[1][3] != "" || !strings.HasSuffix(report[1][4], "password: "+catalog.LeftOut) {
		t.Fatalf("report row %q, want the password blanked and noted", report[1])
	}
	// Fixed: alice's email and password; bob's email only, then his note.
	report[1][2], report[1][3] = "alice@example.com", "Secret-1"
	report[2][2] = "bob@example.com"
	fixed := writeCSV(t, t.TempDir(), "fixed.csv", report)
	opt.Reports = reportsIn(t, filepath.Join(t.TempDir(), "again"))
	res = importFile(t, db, fixed, opt)
	wantProblems(t, res, "3:password")
	wantCounts(t, res, counts{Rows: 2, Created: 1, Failed: 1})
	if !password.Matches(userBy(t, db, byUsername, "alice").PasswordHash, "Secret-1") {
		t.Error("alice's password is not the one entered again")
	}
	report[2][4] = ""
	res = importFile(t, db, writeCSV(t, t.TempDir(), "bob.csv", [][]string{report[0], report[2]}), options(t))
	wantClean(t, res)
	if h := userBy(t, db, byUsername, "bob").PasswordHash; h != "" {
		t.Errorf("bob has a password hash %q, want none", h)
	}
}

// TestAFirstSheetWithoutAHeaderNamesTheOtherSheets: when no sheet was
// named and the first one has no header, the error names the others, for
// --sheet; naming one reads it.
func TestAFirstSheetWithoutAHeaderNamesTheOtherSheets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.ods")
	copyFile(t, "../testdata/conformance/messytables/multilineods.ods", path)
	_, err := provision.Check(t.Context(), source(t, path), options(t))
	var e *roster.Error
	if !errors.As(err, &e) || e.Code != roster.EINVALID || !strings.HasSuffix(e.Message, `other sheets: "Sheet2", "Sheet3"`) || e.Hint == nil || e.Hint.Option != "sheet" {
		t.Fatalf("error %v, want the other sheets named", err)
	}
	opt := options(t)
	opt.Sheet.Sheet = "Sheet1"
	if _, err := provision.Check(t.Context(), source(t, path), opt); err == nil || strings.Contains(err.Error(), "other sheets") {
		t.Errorf("with --sheet: error %v, want the header error alone", err)
	}
}
