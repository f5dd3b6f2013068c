package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/provision"
)

// TestRunsInTheSameSecondKeepTheirReports: report folders of earlier runs,
// named for this second and the next ones, are never written into: a run
// takes a new folder, and the earlier generated passwords stay.
func TestRunsInTheSameSecondKeepTheirReports(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("username,firstname\nann,Ann\n"), 0o644)
	earlier := "row,uuid,username,email,exten,password\n2,x,bob,,,Earlier-Password\n"
	now := time.Now()
	var taken []string
	for s := range 30 {
		p := filepath.Join(dir, "roster-reports", "import-"+now.Add(time.Duration(s)*time.Second).Format("20060102-150405"), "success.csv")
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(earlier), 0o600)
		taken = append(taken, p)
	}
	out, errOut, code := run(t, dir, "import", "--generate", "password", "--json", "users.csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	res := decode(t, out)
	if res.Reports.Success == nil || !strings.HasSuffix(filepath.Dir(*res.Reports.Success), "-2") {
		t.Fatalf("success report %v, want one in a new folder, with -2", res.Reports.Success)
	}
	for _, p := range taken {
		if b, _ := os.ReadFile(p); string(b) != earlier {
			t.Fatalf("%s was overwritten: %q", p, b)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, *res.Reports.Success))
	if !strings.Contains(string(b), ",ann,") {
		t.Errorf("the new success report holds %q, want ann", b)
	}
}

// TestReportDirThatHoldsFilesIsRefused: --report-dir never mixes a run's
// reports with files already there, nor follows a link: the run is
// refused before it starts, and nothing is written.
func TestReportDirThatHoldsFilesIsRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("username,firstname,email\nok,Ok,ok@example.com\nbad,Bad,bad@\n"), 0o644)
	if _, errOut, code := run(t, dir, "init"); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	os.Mkdir(filepath.Join(dir, "old"), 0o700)
	os.WriteFile(filepath.Join(dir, "old", "errors.csv"), []byte("earlier"), 0o600)
	os.Mkdir(filepath.Join(dir, "elsewhere"), 0o700)
	os.Symlink("elsewhere", filepath.Join(dir, "link"))
	for _, reportDir := range []string{"old", "link"} {
		_, errOut, code := run(t, dir, "import", "--mode", "partial", "--report-dir", reportDir, "users.csv")
		if code != 2 || !strings.Contains(errOut, "--report-dir") {
			t.Errorf("--report-dir %s: exit %d, %q: want it refused", reportDir, code, errOut)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "old", "errors.csv")); string(b) != "earlier" {
		t.Errorf("old/errors.csv was changed: %q", b)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "elsewhere")); len(left) > 0 {
		t.Errorf("a report was written through the link: %s", left[0].Name())
	}
	if out := snapshot(t, dir); strings.Count(out, "\n") != 1 {
		t.Errorf("users were written:\n%s", out)
	}
	// An empty folder is taken.
	os.Mkdir(filepath.Join(dir, "empty"), 0o700)
	if _, errOut, code := run(t, dir, "import", "--mode", "partial", "--report-dir", "empty", "users.csv"); code != 1 {
		t.Errorf("--report-dir empty: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty", "errors.csv")); err != nil {
		t.Error(err)
	}
}

// TestJSONListsEveryProblem: the result keeps only the first problems, but
// the JSON output lists every one, and the summary says how many more
// there are.
func TestJSONListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	n := provision.KeptProblems + 500
	var b strings.Builder
	b.WriteString("username,firstname,email\n")
	for i := range n {
		fmt.Fprintf(&b, "u%d,Name,u%d@\n", i, i)
	}
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte(b.String()), 0o644)
	out, _, code := run(t, dir, "check", "--json", "users.csv")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var res struct {
		Errors []struct {
			Row int `json:"row"`
		} `json:"errors"`
		ErrorCount int `json:"error_count"`
		Plan       []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not one JSON object: %v", err)
	}
	if len(res.Errors) != n || res.ErrorCount != n || len(res.Plan) != n {
		t.Fatalf("%d errors, error_count %d, %d steps: want %d of each", len(res.Errors), res.ErrorCount, len(res.Plan), n)
	}
	for i, p := range res.Errors {
		if p.Row != i+2 {
			t.Fatalf("error %d is of row %d, want %d", i, p.Row, i+2)
		}
	}
	out, _, _ = run(t, dir, "check", "users.csv")
	if !strings.Contains(out, "… and 500 more problems (--json lists them all)") {
		t.Errorf("the summary does not say how many problems it leaves out:\n%s", out[len(out)-300:])
	}

	// With no temporary folder to spool to, the JSON stays one object,
	// with the kept problems, and a warning says so.
	t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
	out, errOut, _ := run(t, dir, "check", "--json", "users.csv")
	res.Errors = nil
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Errors) != provision.KeptProblems {
		t.Errorf("%d errors (%v), want the %d kept", len(res.Errors), err, provision.KeptProblems)
	}
	if !strings.Contains(errOut, "warning: the JSON lists only the first 1,000 problems") {
		t.Errorf("no warning: %q", errOut)
	}
}
