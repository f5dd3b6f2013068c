package provision_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/provision"
)

// commpeakOptions are the options a CommPeak user passes: generated
// passwords and extensions, and the line CommPeak files lack. The display
// name defaults to the username.
func commpeakOptions(t *testing.T) provision.Options {
	opt := options(t)
	opt.Generate = provision.GeneratePassword | provision.GenerateExten
	opt.Header.Set = map[string]string{
		"line_protocol": "webrtc",
		"context":       "default",
	}
	return opt
}

// seedProducts are the products whose files roster imports unchanged, with
// the options their users pass and, for empty cells, what the export holds.
var seedProducts = []struct {
	product string
	files   []string
	options func(t *testing.T) provision.Options
	// whenEmpty is the exported value of a column whose cell is empty.
	whenEmpty map[string]string
	// generated are columns whose empty cells get generated values,
	// checked on their own.
	generated []string
}{
	{
		product:   "wazo",
		files:     []string{"wazo-users.csv", "wazo-users-bom.csv", "wazo-users-cp1252.csv", "wazo-users.xlsx", "wazo-users.ods", "wazo-users.xls"},
		options:   options,
		whenEmpty: map[string]string{"ring_seconds": "30", "simultaneous_calls": "5", "enabled": "1"},
	},
	{
		product: "trueconf",
		files:   []string{"trueconf-users.csv", "trueconf-users.xlsx", "trueconf-users.xls", "trueconf-users.ods", "trueconf-bundle.zip"},
		options: options,
	},
	{
		product:   "commpeak",
		files:     []string{"commpeak-users.csv", "commpeak-users-semicolon.csv", "commpeak-users.xlsx", "commpeak-users.ods", "commpeak-users.xls"},
		options:   commpeakOptions,
		generated: []string{"exten"},
	},
}

// rowKey matches a file's row with an exported one: the columns of a
// person's name and logins, as far as the file has them.
func rowKey(row map[string]string) string {
	return row["firstname"] + "|" + row["lastname"] + "|" + row["username"] + "|" + row["email"]
}

// TestSeedFixturesImportAndExportTheirValues imports each seed product's
// file, in each of its formats, into a new directory with the options a user
// of that product passes, then checks that the export holds the file's value
// in every column the file has.
func TestSeedFixturesImportAndExportTheirValues(t *testing.T) {
	for _, p := range seedProducts {
		for _, name := range p.files {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				db, _ := newDB(t)
				path := fixture(name)
				opt := p.options(t)
				res := importFile(t, db, path, opt)
				file := readFileTable(t, path)
				wantClean(t, res)
				wantCounts(t, res, counts{Rows: len(file.rows), Created: len(file.rows)})

				exp := exportTable(t, db, true)
				if len(exp.rows) != len(file.rows) {
					t.Fatalf("exported %d users, the file has %d rows", len(exp.rows), len(file.rows))
				}
				byKey := map[string]map[string]string{}
				for _, r := range exp.rows {
					k := rowKey(pick(r, file.header))
					if byKey[k] != nil {
						t.Fatalf("two exported users for %q", k)
					}
					byKey[k] = r
				}
				for i, fr := range file.rows {
					er := byKey[rowKey(fr)]
					if er == nil {
						t.Errorf("row %d (%s): no exported user", i+2, rowKey(fr))
						continue
					}
					for _, col := range file.header {
						want := fr[col]
						got, exported := er[col]
						switch {
						case col == "password":
							if _, ok := er["password"]; ok {
								t.Errorf("the export has a password column")
							}
							if !password.Matches(er["password_hash"], want) {
								t.Errorf("row %d: the stored hash %q does not verify the file's password", i+2, er["password_hash"])
							}
							continue
						case col == "avatar":
							if exported {
								t.Errorf("the CSV export has an avatar column")
							}
							continue // checked in the ZIP export
						case want == "" && slices.Contains(p.generated, col):
							continue // checked below
						case col == "tenant" && want == "1":
							want = "default"
						case want == "":
							want = p.whenEmpty[col]
						}
						if !exported {
							t.Errorf("the export has no %s column", col)
							continue
						}
						if got != want {
							t.Errorf("row %d, %s: exported %q, the file has %q", i+2, col, got, want)
						}
					}
				}
				switch p.product {
				case "commpeak":
					checkCommPeak(t, exp, res)
				case "trueconf":
					checkTrueConfPictures(t, db, file)
				}
			})
		}
	}
}

// pick keeps a row's columns that the file has.
func pick(row map[string]string, columns []string) map[string]string {
	out := map[string]string{}
	for _, c := range columns {
		out[c] = row[c]
	}
	return out
}

// checkCommPeak checks what CommPeak's options give: the --set values,
// extensions in row order that skip those later rows give, generated SIP
// credentials, and generated passwords listed in success.csv whose hashes
// are the ones stored.
func checkCommPeak(t *testing.T, exp *table, res *roster.Result) {
	t.Helper()
	for _, r := range exp.rows {
		if r["line_protocol"] != "webrtc" || r["context"] != "default" {
			t.Errorf("%s: line %q in context %q, want webrtc in default (--set)", r["username"], r["line_protocol"], r["context"])
		}
		if r["display_name"] != r["username"] {
			t.Errorf("%s: display_name %q, want the username (--set display_name={username})", r["username"], r["display_name"])
		}
		if r["sip_username"] == "" || r["sip_secret"] == "" || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(r["provisioning_code"]) {
			t.Errorf("%s: sip_username %q, sip_secret %q, provisioning_code %q; want them generated", r["username"], r["sip_username"], r["sip_secret"], r["provisioning_code"])
		}
	}
	// The rows without an extension get the first free numbers of the
	// context (1000-1999), in row order; 1101 and 1102 are the file's.
	for user, exten := range map[string]string{"agent.one": "1101", "agent.two": "1102", "sup.one": "1000", "agent.three": "1001"} {
		if got := exp.one(t, "username", user)["exten"]; got != exten {
			t.Errorf("%s: exten %q, want %s", user, got, exten)
		}
	}
	if res.Reports == nil || res.Reports.Success == nil {
		t.Fatalf("no success.csv, though passwords were generated (reports %+v)", res.Reports)
	}
	data, err := os.ReadFile(*res.Reports.Success)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("success.csv: %v", err)
	}
	if len(recs) != len(exp.rows)+1 || !slices.Equal(recs[0], []string{"row", "uuid", "username", "email", "exten", "password"}) {
		t.Fatalf("success.csv holds %q", recs)
	}
	generated := regexp.MustCompile(`^[A-Za-z0-9]{16}$`)
	for _, rec := range recs[1:] {
		u := exp.one(t, "uuid", rec[1])
		if rec[2] != u["username"] || rec[3] != u["email"] || rec[4] != u["exten"] {
			t.Errorf("success.csv row %q does not match the user %v", rec, u)
		}
		if !generated.MatchString(rec[5]) {
			t.Errorf("%s: generated password %q, want 16 letters and digits", rec[2], rec[5])
		}
		if !password.Matches(u["password_hash"], rec[5]) {
			t.Errorf("%s: the stored hash does not verify the generated password", rec[2])
		}
		if out, _ := json.Marshal(res); bytes.Contains(out, []byte(rec[5])) {
			t.Errorf("the result shows the generated password of %s", rec[2])
		}
	}
}

// checkTrueConfPictures checks that the pictures the file names are stored:
// a ZIP export holds each as avatars/<uuid>.png with the fixture's bytes.
func checkTrueConfPictures(t *testing.T, db roster.Directory, file *table) {
	t.Helper()
	z := exportZIP(t, db, false)
	exp := readTable(t, z.users, "users.csv")
	pictures := 0
	for _, fr := range file.rows {
		u := exp.one(t, "username", fr["username"])
		if fr["avatar"] == "" {
			if u["avatar"] != "" {
				t.Errorf("%s: avatar %q, want none", fr["username"], u["avatar"])
			}
			continue
		}
		pictures++
		name := "avatars/" + u["uuid"] + ".png"
		if u["avatar"] != name {
			t.Errorf("%s: avatar cell %q, want %s", fr["username"], u["avatar"], name)
		}
		want, err := os.ReadFile(filepath.Join(fixturesDir, filepath.FromSlash(fr["avatar"])))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := z.entries[name]; !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: the ZIP's %s holds %d bytes (present %v), want the %d bytes of %s", fr["username"], name, len(got), ok, len(want), fr["avatar"])
		}
	}
	if len(z.entries) != pictures+1 {
		t.Errorf("the export ZIP holds %v, want users.csv and %d pictures", mapKeys(z.entries), pictures)
	}
}

// mistakes is mistakes.expected.json.
type mistakes struct {
	ValidRows []int `json:"valid_rows"`
	Errors    []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
	} `json:"errors"`
}

func readMistakes(t *testing.T) ([]string, mistakes) {
	t.Helper()
	var m mistakes
	b, err := os.ReadFile(fixture("mistakes.expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var at []string
	for _, e := range m.Errors {
		at = append(at, itoa(e.Row)+":"+e.Column)
	}
	return at, m
}

// readCSV reads a CSV file as it is, with encoding/csv.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// TestMistakesAtomicWritesNothingAndReportsEachMistake imports mistakes.csv
// in the default atomic mode: every mistake is reported at its row and
// column, and nothing is written.
func TestMistakesAtomicWritesNothingAndReportsEachMistake(t *testing.T) {
	db, _ := newDB(t)
	want, m := readMistakes(t)
	res := importFile(t, db, fixture("mistakes.csv"), options(t))
	if res.Applied {
		t.Error("applied, want nothing written in atomic mode")
	}
	// Counts describe the rows that passed validation, written or not.
	wantCounts(t, res, counts{Rows: 16, Created: len(m.ValidRows), Failed: 14})
	wantProblems(t, res, want...)
	if n := countUsers(t, db); n != 0 {
		t.Errorf("the directory holds %d users after a failed atomic import, want 0", n)
	}
}

// TestMistakesPartialWritesValidRowsAndAFixableErrorReport imports
// mistakes.csv in partial mode: the valid rows are written, the failed ones
// are in errors.csv exactly as they were with an errors column, and that
// file, fixed in place, imports as it is.
func TestMistakesPartialWritesValidRowsAndAFixableErrorReport(t *testing.T) {
	db, _ := newDB(t)
	want, m := readMistakes(t)
	opt := options(t)
	opt.Mode = provision.Partial
	res := importFile(t, db, fixture("mistakes.csv"), opt)
	if !res.Applied {
		t.Error("not applied, want the valid rows written")
	}
	wantCounts(t, res, counts{Rows: 16, Created: len(m.ValidRows), Failed: 14})
	wantProblems(t, res, want...)

	input := readCSV(t, fixture("mistakes.csv"))
	var written []string
	for _, u := range users(t, db) {
		written = append(written, u.Username)
	}
	slices.Sort(written)
	var valid []string
	for _, row := range m.ValidRows {
		valid = append(valid, input[row-1][2])
	}
	slices.Sort(valid)
	if !slices.Equal(written, valid) {
		t.Errorf("the directory holds %v, want the valid rows' users %v", written, valid)
	}

	if res.Reports == nil || res.Reports.Errors == nil {
		t.Fatalf("no error report (reports %+v)", res.Reports)
	}
	errPath := *res.Reports.Errors
	if filepath.Base(errPath) != "errors.csv" {
		t.Errorf("the error report is %s, want errors.csv", errPath)
	}
	report := readCSV(t, errPath)
	if !slices.Equal(report[0], append(slices.Clone(input[0]), "errors")) {
		t.Errorf("the error report's header is %q, want the file's plus errors", report[0])
	}
	var failedRows [][]string
	for i, rec := range input[1:] {
		if !slices.Contains(m.ValidRows, i+2) {
			failedRows = append(failedRows, rec)
		}
	}
	if len(report)-1 != len(failedRows) {
		t.Fatalf("the error report has %d rows, want the %d failed ones", len(report)-1, len(failedRows))
	}
	for i, rec := range report[1:] {
		n := len(rec) - 1
		if n < 0 || !slices.Equal(rec[:n], failedRows[i]) {
			t.Errorf("error report row %d is %q, want the failed row %q as it was", i+2, rec, failedRows[i])
			continue
		}
		if strings.TrimSpace(rec[n]) == "" {
			t.Errorf("error report row %d has an empty errors cell", i+2)
		}
	}

	// Fix every failed row in the report, in place, and import it as it is.
	col := map[string]int{}
	for i, h := range report[0] {
		col[h] = i
	}
	for i, rec := range report[1:] {
		n := itoa(i + 1)
		set := func(name, v string) { rec[col[name]] = v }
		set("firstname", "Fixed"+n)
		set("username", "fixed"+n)
		set("email", "fixed"+n+"@example.com")
		set("enabled", "1")
		set("ring_seconds", "30")
		set("simultaneous_calls", "5")
		set("language", "en_US")
		set("call_permissions", "")
		set("mobile_phone_number", "")
		if rec[col["exten"]] != "" || rec[col["context"]] != "" || rec[col["line_protocol"]] != "" {
			set("exten", itoa(1300+i))
			set("context", "default")
			set("line_protocol", "sip")
		}
	}
	fixed := writeCSV(t, filepath.Dir(errPath), "errors.csv", report)
	opt2 := options(t)
	res2 := importFile(t, db, fixed, opt2)
	wantClean(t, res2)
	wantCounts(t, res2, counts{Rows: 14, Created: 14})
	if len(res2.IgnoredColumns) != 0 {
		t.Errorf("re-importing the error report ignored columns %+v, want none (the errors column is roster's own)", res2.IgnoredColumns)
	}
	if n := countUsers(t, db); n != 16 {
		t.Errorf("the directory holds %d users, want 16", n)
	}
}

// TestCheckReportsTheSameMistakes checks mistakes.csv without a directory.
func TestCheckReportsTheSameMistakes(t *testing.T) {
	want, _ := readMistakes(t)
	res, err := provision.Check(t.Context(), source(t, fixture("mistakes.csv")), options(t))
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, res, want...)
	if res.Applied || !res.DryRun {
		t.Errorf("check: applied %v, dry run %v; want a dry run that writes nothing", res.Applied, res.DryRun)
	}
}
