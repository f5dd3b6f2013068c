package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
)

// TestMain lets the tests run the real command in a subprocess (for the
// crash and concurrency tests): with ROSTER_TEST_MAIN set, the test binary
// is roster.
func TestMain(m *testing.M) {
	if os.Getenv("ROSTER_TEST_MAIN") == "1" {
		os.Exit(osMain())
	}
	os.Exit(m.Run())
}

const fixtures = "../../testdata/fixtures"

// run runs the command in-process and returns its stdout, stderr and
// exit status.
func run(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	wd, _ := os.Getwd()
	if dir != "" {
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(wd)
	}
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

func copyFixture(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(fixtures, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func decode(t *testing.T, s string) roster.Result {
	t.Helper()
	var r roster.Result
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, s)
	}
	return r
}

func TestCheckExitStatusesAndJSON(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "mistakes.csv", "wazo-users.csv")
	out, _, code := run(t, dir, "check", "--json", "mistakes.csv")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	res := decode(t, out)
	if res.Command != "check" || !res.DryRun || res.Failed != 14 || len(res.Errors) != 14 || len(res.Plan) != 16 {
		t.Fatalf("unexpected result: %+v", res)
	}
	for _, key := range []string{`"created":2`, `"updated":0`, `"skipped":0`, `"groups_created":[]`, `"ignored_columns":[]`, `"applied":false`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	if _, _, code := run(t, dir, "check", "wazo-users.csv"); code != 0 {
		t.Errorf("valid file: exit %d, want 0", code)
	}
	if _, errOut, code := run(t, dir, "check", "nope.csv"); code != 2 || !strings.Contains(errOut, "nope.csv") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
	if _, _, code := run(t, dir, "check", "--mode", "sideways", "wazo-users.csv"); code != 2 {
		t.Errorf("bad option: exit %d, want 2", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "roster.db")); !os.IsNotExist(err) {
		t.Error("check created a database")
	}
	if _, err := os.Stat(filepath.Join(dir, "roster-reports")); !os.IsNotExist(err) {
		t.Error("check wrote reports")
	}
}

func TestReadPrintsRowsAsRead(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.csv"), []byte("a;b\n\n x ;\"1\n2\"\n"), 0o644)
	out, _, code := run(t, dir, "read", "f.csv")
	want := "{\"row\":1,\"cells\":[\"a\",\"b\"]}\n{\"row\":3,\"cells\":[\" x \",\"1\\n2\"]}\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
	os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("a,b\n1,\"open\n"), 0o644)
	_, errOut, code := run(t, dir, "read", "bad.csv")
	if code != 2 || !strings.Contains(errOut, "line 2") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = run(t, dir, "read", "--sheet", "Nope", filepath.Join(wdFixtures(t), "wazo-users.xlsx"))
	if code != 2 || !strings.Contains(errOut, "Nope") {
		t.Fatalf("missing sheet: exit %d, stderr %q", code, errOut)
	}
}

func wdFixtures(t *testing.T) string {
	abs, err := filepath.Abs(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestImportExportUpdateThroughTheCommand(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "wazo-users.csv")
	out, _, code := run(t, dir, "import", "--json", "wazo-users.csv")
	if res := decode(t, out); code != 0 || !res.Applied || *res.Created != 4 {
		t.Fatalf("import: exit %d, %s", code, out)
	}
	if _, _, code := run(t, dir, "export", "-o", "users.xlsx"); code != 0 {
		t.Fatalf("export: exit %d", code)
	}
	out, _, code = run(t, dir, "update", "--json", "users.xlsx")
	if res := decode(t, out); code != 0 || res.Unchanged != 4 || res.Applied {
		t.Fatalf("update of the export: exit %d, %s", code, out)
	}
	out, _, code = run(t, dir, "import", "--json", "wazo-users.csv")
	if res := decode(t, out); code != 1 || res.Failed != 4 || res.Applied {
		t.Fatalf("second import: exit %d, %s", code, out)
	}
}

func TestTemplateAndColumns(t *testing.T) {
	dir := t.TempDir()
	if _, _, code := run(t, dir, "template", "-o", "t.xlsx"); code != 0 {
		t.Fatal("template failed")
	}
	out, _, code := run(t, dir, "read", "t.xlsx")
	if code != 0 || !strings.HasPrefix(out, `{"row":1,"cells":["uuid","tenant","firstname"`) {
		t.Fatalf("template reads as %q", out)
	}
	out, _, code = run(t, dir, "read", "--sheet", "columns", "t.xlsx")
	if code != 0 || !strings.Contains(out, "exten") || !strings.Contains(out, "digits, 1–40") {
		t.Fatalf("explanations sheet: %q", out)
	}
	out, _, _ = run(t, dir, "columns", "--json")
	var cols []map[string]any
	if err := json.Unmarshal([]byte(out), &cols); err != nil || len(cols) < 40 {
		t.Fatalf("columns --json: %v (%d columns)", err, len(cols))
	}
}

func TestSetupIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "setup.yaml"), []byte(`tenants:
  - name: default
    default_role: user
    contexts:
      - {name: default, kind: internal, ranges: ["1000-1999", "5000-5999"]}
      - {name: from-extern, kind: incall, ranges: ["2000-2999"]}
    roles: [{name: user}, {name: agent}]
    call_permissions: [{name: intl}]
`), 0o644)
	out, _, code := run(t, dir, "setup", "setup.yaml")
	if code != 0 || !strings.Contains(out, "call_permission default/intl") {
		t.Fatalf("setup: exit %d, %q", code, out)
	}
	out, _, code = run(t, dir, "setup", "setup.yaml")
	if code != 0 || !strings.Contains(out, "Nothing to change") {
		t.Fatalf("second setup: exit %d, %q", code, out)
	}
	out, _, _ = run(t, dir, "setup", "--show")
	if !strings.Contains(out, "5000-5999") || !strings.Contains(out, "intl") {
		t.Fatalf("--show: %q", out)
	}
}

func TestDeleteNeedsYesOffATerminal(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "trueconf-users.csv", "avatars/01.png", "avatars/02.png", "avatars/03.png")
	if _, errOut, code := run(t, dir, "import", "trueconf-users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	_, errOut, code := run(t, dir, "delete", "users", "--user", "smith")
	if code != 2 || !strings.Contains(errOut, "--yes") {
		t.Fatalf("without --yes: exit %d, %q", code, errOut)
	}
	out, _, code := run(t, dir, "delete", "users", "--user", "smith", "--user", "nobody", "--dry-run", "--json")
	if res := decode(t, out); code != 1 || *res.Deleted != 1 || res.Applied || len(*res.NotFound) != 1 {
		t.Fatalf("dry run: exit %d, %s", code, out)
	}
	out, _, code = run(t, dir, "delete", "users", "--user", "smith", "--user", "taylor@company.name", "--yes", "--json")
	if res := decode(t, out); code != 0 || *res.Deleted != 2 || !res.Applied {
		t.Fatalf("delete: exit %d, %s", code, out)
	}
	exported, _, _ := run(t, dir, "export")
	if strings.Contains(exported, "smith") || strings.Contains(exported, "taylor") || !strings.Contains(exported, "koval") {
		t.Fatalf("after delete:\n%s", exported)
	}
}

func TestGroupMembershipsFromABareList(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "commpeak-users.csv")
	if _, errOut, code := run(t, dir, "import", "--generate", "exten", "--set", "line_protocol=sip", "--set", "context=default",
		"--set", "display_name={username}", "commpeak-users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	os.WriteFile(filepath.Join(dir, "ids.txt"), []byte("agent.one\nagent.two\nghost\n"), 0o644)
	if _, _, code := run(t, dir, "groups", "add", "Night", "ids.txt"); code != 2 {
		t.Fatalf("a missing group without --create: exit %d", code)
	}
	out, _, code := run(t, dir, "groups", "add", "Night", "ids.txt", "--create", "--json")
	res := decode(t, out)
	if code != 1 || *res.Added != 2 || len(*res.NotFound) != 1 || (*res.NotFound)[0].Row != 3 || len(res.GroupsCreated) != 1 {
		t.Fatalf("add: exit %d, %s", code, out)
	}
	out, _, _ = run(t, dir, "groups", "add", "Night", "--user", "agent.one", "--json")
	if res := decode(t, out); res.Unchanged != 1 || *res.Added != 0 {
		t.Fatalf("adding a member again: %s", out)
	}
	out, _, _ = run(t, dir, "groups", "list", "Night")
	if !strings.Contains(out, "agent.one") || !strings.Contains(out, "agent.two") || strings.Contains(out, "sup.one") {
		t.Fatalf("list:\n%s", out)
	}
	out, _, code = run(t, dir, "groups", "remove", "Night", "--user", "agent.one", "--json")
	if res := decode(t, out); code != 0 || *res.Removed != 1 {
		t.Fatalf("remove: exit %d, %s", code, out)
	}
	if _, _, code := run(t, dir, "delete", "groups", "Night", "--yes"); code != 0 {
		t.Fatalf("delete groups: exit %d", code)
	}
	if _, _, code := run(t, dir, "groups", "list", "Night"); code != 2 {
		t.Fatalf("list of a deleted group: exit %d", code)
	}
}

// TestPicturesCannotLeaveTheFolder imports a file whose avatar is a
// symbolic link to a picture outside the file's folder: the row fails.
func TestPicturesCannotLeaveTheFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "import")
	copyFixture(t, root, "avatars/01.png")
	copyFixture(t, dir, "avatars/02.png")
	if err := os.Symlink(filepath.Join(root, "avatars", "01.png"), filepath.Join(dir, "link.png")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte("firstname,username,avatar\nIn,inside,avatars/02.png\nOut,outside,link.png\nUp,up,../avatars/01.png\n"), 0o644)
	out, _, code := run(t, dir, "check", "--json", "users.csv")
	res := decode(t, out)
	if code != 1 || res.Failed != 2 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, p := range res.Errors {
		if p.Column != "avatar" || p.Row == 2 {
			t.Errorf("unexpected problem %+v", p)
		}
	}
}

// TestPlanKeepsGivenUUIDs checks that the plan of a check (which builds no
// users) carries the uuid a row gives, and a new one otherwise.
func TestPlanKeepsGivenUUIDs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "u.csv"), []byte("uuid,firstname\n3F2B6F0E-8F5D-4C8E-9A57-1B0F2F1F2D4A,Ann\n,Bob\n"), 0o644)
	out, _, code := run(t, dir, "check", "--json", "u.csv")
	res := decode(t, out)
	if code != 0 || len(res.Plan) != 2 || res.Plan[0].UUID != "3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a" || len(res.Plan[1].UUID) != 36 {
		t.Fatalf("plan %+v", res.Plan)
	}
}

// TestAtomicImportWithoutGeneratedPasswordsWritesNoReports checks that a
// clean run leaves no report behind, and one with generated passwords
// leaves success.csv.
func TestAtomicImportWithoutGeneratedPasswordsWritesNoReports(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("firstname,username\nAnn,ann\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("firstname,username\nBob,bob\n"), 0o644)
	out, _, code := run(t, dir, "import", "--json", "a.csv")
	if res := decode(t, out); code != 0 || res.Reports.Success != nil || res.Reports.Errors != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "roster-reports")); !os.IsNotExist(err) {
		t.Fatal("a clean run left a report folder")
	}
	out, _, code = run(t, dir, "import", "--json", "--generate", "password", "b.csv")
	if res := decode(t, out); code != 0 || res.Reports.Success == nil {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// TestUsageErrorsSayWhatIsWrong: a wrong flag, command or argument count
// is named, with the way to the help, and exits 2.
func TestUsageErrorsSayWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--bogus", "x.csv"}, "unknown flag: --bogus"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"read", "a.csv", "b.csv"}, "accepts 1 arg(s), received 2"},
	} {
		_, stderr, code := run(t, "", c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "roster --help") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestSummariesCountInWords: the human summary says "1 row" and "2 rows".
func TestSummariesCountInWords(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"one.csv": "username,firstname\nann,Ann\n", "two.csv": "username,firstname\nann,Ann\nbob,Bob\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"one.csv": "one.csv (csv): 1 row: 1 would be created", "two.csv": "two.csv (csv): 2 rows: 2 would be created"} {
		if out, _, code := run(t, dir, "check", name); code != 0 || !strings.Contains(out, want) {
			t.Errorf("check %s: exit %d, summary %q; want %q", name, code, out, want)
		}
	}
}
