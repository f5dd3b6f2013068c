package provision_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/reportdir"
)

// fileHolds fails the test when a file under dir holds one of the strings.
func noFileHolds(t *testing.T, dir string, except string, secrets ...string) {
	t.Helper()
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || p == except {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds the secret %q", p, s)
			}
		}
		return nil
	})
}

// TestShiftedPasswordIsLeftOutOfTheErrorReport: a name with an unquoted
// comma moves every later cell one column right, the password into exten
// and the extension past the header (or an empty last cell, for carol).
// Neither the error report nor the problems show the password; the note
// names what to enter again.
func TestShiftedPasswordIsLeftOutOfTheErrorReport(t *testing.T) {
	db, _ := newDB(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "users.csv")
	os.WriteFile(path, []byte("username,firstname,lastname,password,exten,context,line_protocol\n"+
		"alice,Alice,Smith,Secret-Alice-1,1000,default,sip\n"+
		"bob,Bob,Smith, Jr,Secret-Bob-2,1001,default,sip\n"+
		"carol,Carol,Smith, Jr,Secret-Carol-3,1002,default,\n"), 0o644)
	opt := options(t)
	opt.Mode = provision.Partial
	var streamed []roster.Problem
	opt.Problem = func(p roster.Problem) { streamed = append(streamed, p) }
	res := importFile(t, db, path, opt)
	if res.Failed != 2 || res.Reports.Errors == nil {
		t.Fatalf("failed %d, reports %+v: want bob's and carol's rows failed and reported", res.Failed, res.Reports)
	}
	for _, p := range append(res.Errors, streamed...) {
		if strings.Contains(p.Value, "Secret") {
			t.Errorf("problem %+v shows the password", p)
		}
	}
	noFileHolds(t, filepath.Dir(*res.Reports.Errors), "", "Secret-Bob-2", "Secret-Alice-1", "Secret-Carol-3")
	report := readCSV(t, *res.Reports.Errors)
	if len(report) != 3 {
		t.Fatalf("report %q, want the header, bob's and carol's rows", report)
	}
	for _, row := range report[1:] {
		if note := row[7]; !strings.HasSuffix(note, "password, exten: "+catalog.LeftOut) {
			t.Errorf("errors cell %q, want it to end by naming password and exten to enter again", note)
		}
	}
}

// TestAtomicErrorReportHoldsEveryRow: an atomic run with one bad row of five
// writes nothing, and its error report holds all five rows, the good ones
// with an empty errors cell; fixed in place and imported, it gives all five
// users.
func TestAtomicErrorReportHoldsEveryRow(t *testing.T) {
	input := [][]string{
		{"username", "firstname", "email", "exten", "context", "line_protocol"},
		{"u1", "One", "u1@example.com", "1001", "default", "sip"},
		{"u2", "Two", "u2@example.com", "1002", "default", "sip"},
		{"u3", "Three", "u3@", "1003", "default", "sip"},
		{"u4", "Four", "u4@example.com", "1004", "default", "sip"},
		{"u5", "Five", "u5@example.com", "1005", "default", "sip"},
	}
	for _, bad := range []int{1, 3, 5} { // first, middle and last row
		t.Run(fmt.Sprint("bad row ", bad), func(t *testing.T) {
			db, _ := newDB(t)
			rows := slices.Clone(input)
			rows[3] = input[bad]
			rows[bad] = slices.Clone(input[3])
			path := writeCSV(t, t.TempDir(), "users.csv", rows)
			res := importFile(t, db, path, options(t))
			if res.Applied || res.Failed != 1 || res.Reports.Errors == nil {
				t.Fatalf("applied %v, failed %d, reports %+v: want nothing written and a report", res.Applied, res.Failed, res.Reports)
			}
			report := readCSV(t, *res.Reports.Errors)
			if len(report) != 6 {
				t.Fatalf("the error report has %d rows, want the header and all 5:\n%q", len(report), report)
			}
			for i, row := range report[1:] {
				if !slices.Equal(row[:6], rows[i+1]) {
					t.Errorf("report row %d is %q, want %q as it was", i+2, row[:6], rows[i+1])
				}
				if failed := row[2] == "u3@"; (row[6] != "") != failed {
					t.Errorf("report row %d has errors %q", i+2, row[6])
				}
			}
			for _, row := range report[1:] {
				if row[2] == "u3@" {
					row[2] = "u3@example.com"
				}
			}
			fixed := writeCSV(t, t.TempDir(), "fixed.csv", report)
			res = importFile(t, db, fixed, options(t))
			wantClean(t, res)
			if n := countUsers(t, db); n != 5 {
				t.Errorf("%d users after importing the fixed report, want 5", n)
			}
		})
	}
}

// TestManyFailedRowsKeepAThousandProblems: memory must not grow with the
// failed rows. A run with 30,000 failed rows keeps the first thousand
// problems, counts them all, streams them all, and its report holds every
// row.
func TestManyFailedRowsKeepAThousandProblems(t *testing.T) {
	const n = 30_000
	rows := [][]string{{"username", "firstname", "email"}}
	for i := range n {
		rows = append(rows, []string{fmt.Sprint("u", i), "Name", fmt.Sprintf("u%d@", i)})
	}
	path := writeCSV(t, t.TempDir(), "users.csv", rows)
	db, _ := newDB(t)
	opt := options(t)
	streamed := 0
	last := 0
	opt.Problem = func(p roster.Problem) {
		streamed++
		if p.Row <= last {
			t.Fatalf("problem of row %d after row %d", p.Row, last)
		}
		last = p.Row
	}
	res := importFile(t, db, path, opt)
	if len(res.Errors) != provision.KeptProblems || res.ErrorCount != n || streamed != n || res.Failed != n {
		t.Errorf("kept %d problems, counted %d, streamed %d, failed %d: want %d kept and %d of the others",
			len(res.Errors), res.ErrorCount, streamed, res.Failed, provision.KeptProblems, n)
	}
	if res.Errors[len(res.Errors)-1].Row != provision.KeptProblems+1 {
		t.Errorf("the last kept problem is of row %d, want the first ones kept", res.Errors[len(res.Errors)-1].Row)
	}
	if got := len(readCSV(t, *res.Reports.Errors)) - 1; got != n {
		t.Errorf("the error report holds %d rows, want %d", got, n)
	}
}

// TestUnwritableReportsWriteNothing: when the reports cannot be written,
// the run fails before the commit and the directory is unchanged; it says
// so truthfully.
func TestUnwritableReportsWriteNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode provision.Mode
		gen  bool
		bad  bool
	}{
		{"partial with a failed row", provision.Partial, false, true},
		{"generated passwords", provision.Atomic, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := newDB(t)
			rows := [][]string{{"username", "firstname", "email"}, {"ok", "Ok", "ok@example.com"}}
			if tc.bad {
				rows = append(rows, []string{"bad", "Bad", "bad@"})
			}
			path := writeCSV(t, t.TempDir(), "users.csv", rows)
			blocker := filepath.Join(t.TempDir(), "a-file")
			os.WriteFile(blocker, nil, 0o600)
			opt := provision.Options{Reports: reportsIn(t, filepath.Join(blocker, "reports")), Mode: tc.mode}
			if tc.gen {
				opt.Generate = provision.GeneratePassword
			}
			res, err := provision.Import(t.Context(), db, source(t, path), opt)
			if err == nil || roster.ErrorCode(err) != roster.EUNWRITABLE {
				t.Fatalf("result %+v, error %v: want the reports' failure", res, err)
			}
			if !strings.Contains(err.Error(), "nothing was written") {
				t.Errorf("error %q does not say that nothing was written", err)
			}
			if n := countUsers(t, db); n != 0 {
				t.Errorf("%d users written, want none", n)
			}
		})
	}
}

// TestTwoRunsNeverShareAReportFolder: runs started in the same second get
// folders of their own, and neither report is lost.
func TestTwoRunsNeverShareAReportFolder(t *testing.T) {
	base := t.TempDir()
	const name = "roster-reports/import-20261124-101500"
	var success []string
	for range 3 {
		db, _ := newDB(t)
		path := writeCSV(t, t.TempDir(), "users.csv", [][]string{{"username", "firstname"}, {"ann", "Ann"}})
		folder := reportdir.NewUnique(base, name)
		res := importFile(t, db, path, provision.Options{Reports: folder, Generate: provision.GeneratePassword})
		folder.Close()
		success = append(success, *res.Reports.Success)
	}
	want := []string{name + "/success.csv", name + "-2/success.csv", name + "-3/success.csv"}
	for i := range want {
		want[i] = filepath.Join(base, want[i])
	}
	if !slices.Equal(success, want) {
		t.Fatalf("success reports %q, want %q", success, want)
	}
	seen := map[string]bool{}
	for _, p := range success {
		recs := readCSV(t, p)
		if len(recs) != 2 || seen[recs[1][5]] {
			t.Errorf("%s holds %q, want its own run's password", p, recs)
		}
		seen[recs[1][5]] = true
	}
}

// TestGeneratedPasswordsNeedAPlaceForReports: the engine writes nowhere it
// was not told to (not the current folder); a run that would generate
// passwords with no place for success.csv is refused, and writes nothing.
func TestGeneratedPasswordsNeedAPlaceForReports(t *testing.T) {
	db, _ := newDB(t)
	path := writeCSV(t, t.TempDir(), "users.csv", [][]string{{"username", "firstname"}, {"ann", "Ann"}})
	res, err := provision.Import(t.Context(), db, source(t, path), provision.Options{Generate: provision.GeneratePassword})
	if roster.ErrorCode(err) != roster.EINVALID {
		t.Fatalf("result %+v, error %v: want the run refused", res, err)
	}
	if n := countUsers(t, db); n != 0 {
		t.Errorf("%d users written, want none", n)
	}
}
