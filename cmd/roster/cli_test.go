package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
)

// writeFile writes a file into dir.
func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lookAlikes is a directory where bob@example.com is one user's username
// and another's email.
func lookAlikes(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "users.csv", "username,email,firstname\nbob@example.com,bob.other@example.com,Bob\nrobert,bob@example.com,Robert\n")
	if _, errOut, code := run(t, dir, "import", "users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	return dir
}

// TestAnAmbiguousUserDeletesNobody: --user bob@example.com, the username
// of one user and the email of another, deletes nobody and adds nobody to
// a room; the error names both, and the summary names no file and no row 0.
func TestAnAmbiguousUserDeletesNobody(t *testing.T) {
	dir := lookAlikes(t)
	out, _, code := run(t, dir, "delete", "users", "--user", "bob@example.com", "--yes", "--json")
	res := decode(t, out)
	if code != 1 || res.Applied || res.Failed != 1 || len(res.Errors) != 1 {
		t.Fatalf("exit %d: %s", code, out)
	}
	exported, _, _ := run(t, dir, "export")
	for _, line := range strings.Split(strings.TrimSpace(exported), "\n")[1:] {
		if uuid, _, _ := strings.Cut(line, ","); !strings.Contains(res.Errors[0].Message, uuid) {
			t.Errorf("the error does not name user %s: %q", uuid, res.Errors[0].Message)
		}
	}
	out, _, code = run(t, dir, "delete", "users", "--user", "bob@example.com", "--yes")
	if code != 1 || strings.HasPrefix(out, ":") || strings.Contains(out, "row 0") || !strings.Contains(out, "--user") {
		t.Errorf("summary of a --user run (exit %d):\n%s", code, out)
	}
	exported, _, _ = run(t, dir, "export")
	if !strings.Contains(exported, "robert") || !strings.Contains(exported, "Bob") {
		t.Fatalf("a user was deleted:\n%s", exported)
	}
	if _, _, code := run(t, dir, "rooms", "add", "Atlas", "--user", "bob@example.com", "--create"); code != 1 {
		t.Errorf("rooms add: exit %d, want 1", code)
	}
	if out, _, _ := run(t, dir, "rooms", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("rooms after a refused add: %s", out)
	}
	// Under a header, the column says which key it is.
	writeFile(t, dir, "leavers.csv", "email\nbob@example.com\n")
	if _, errOut, code := run(t, dir, "delete", "users", "leavers.csv", "--yes"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	exported, _, _ = run(t, dir, "export")
	if strings.Contains(exported, "robert") || !strings.Contains(exported, "Bob") {
		t.Fatalf("after deleting the email's user:\n%s", exported)
	}
}

// TestListsWithoutAName: groups list and rooms list with no name list them
// all with their member counts.
func TestListsWithoutAName(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "users.csv", "username,firstname,groups,rooms\nann,Ann,\"Sales,IT\",Atlas\nbob,Bob,IT,\n")
	if _, errOut, code := run(t, dir, "import", "users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	out, _, code := run(t, dir, "groups", "list", "--json")
	var sets []roster.Set
	if err := json.Unmarshal([]byte(out), &sets); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if want := []roster.Set{{Name: "IT", Members: 2}, {Name: "Sales", Members: 1}}; len(sets) != 2 || sets[0] != want[0] || sets[1] != want[1] {
		t.Errorf("groups %+v, want %+v", sets, want)
	}
	out, _, code = run(t, dir, "rooms", "list")
	if code != 0 || !regexp.MustCompile(`(?m)^Atlas\s+1$`).MatchString(out) {
		t.Errorf("rooms list (exit %d):\n%s", code, out)
	}
}

// TestSetupJSON: setup --json prints what it changed, and with --show the
// reference data.
func TestSetupJSON(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := run(t, dir, "init"); code != 0 {
		t.Fatalf("init: %s", errOut)
	}
	out, _, code := run(t, dir, "setup", "--show", "--json")
	var ref roster.Reference
	if err := json.Unmarshal([]byte(out), &ref); err != nil || code != 0 || ref.Tenant("").Context("default") == nil {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	writeFile(t, dir, "setup.yaml", "tenants:\n  - name: default\n    skill_groups:\n      - name: support\n")
	out, _, code = run(t, dir, "setup", "--json", "setup.yaml")
	var res struct {
		Command string
		Applied bool
		Changes []string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Command != "setup" || !res.Applied || len(res.Changes) != 1 {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
}

// TestOnlyDryRunsSayWouldBe: a real run that wrote nothing says what it
// was to do, not what "would be" done; its plan has no empty line for the
// failed row (the row's problem is listed below it).
func TestOnlyDryRunsSayWouldBe(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "users.csv", "username,firstname,email\ndave,Dave,dave@\nerin,Erin,erin@example.com\n")
	out, _, code := run(t, dir, "import", "--verbose", "users.csv")
	if code != 1 || strings.Contains(out, "would be") || !strings.Contains(out, "1 to create, 1 failed") {
		t.Errorf("real run (exit %d):\n%s", code, out)
	}
	if regexp.MustCompile(`(?m)^2\s+error`).MatchString(out) || !regexp.MustCompile(`(?m)^3\s+create\s+\S+`).MatchString(out) {
		t.Errorf("plan of the real run:\n%s", out)
	}
	if out, _, _ := run(t, dir, "import", "--dry-run", "users.csv"); !strings.Contains(out, "1 would be created, 1 failed") {
		t.Errorf("dry run:\n%s", out)
	}
	writeFile(t, dir, "users.csv", "username,firstname\nerin,Erin\n")
	if out, _, _ := run(t, dir, "import", "users.csv"); strings.Contains(out, "would be") || !strings.Contains(out, "1 created") {
		t.Errorf("applied run:\n%s", out)
	}
}

// TestErrorsArePrintedOnce: a failure that is no application error (a
// directory file that is not a database, a report folder that cannot be
// made) is printed once, not logged and then printed again.
func TestErrorsArePrintedOnce(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "roster.db", strings.Repeat("not a database\n", 512))
	_, errOut, code := run(t, dir, "export")
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); code != 2 || len(lines) != 1 || lines[0] == "" {
		t.Errorf("export: exit %d, stderr:\n%s", code, errOut)
	}
	// The engine's own logging goes to the process's stderr: run the
	// command in a process of its own.
	dir = t.TempDir()
	writeFile(t, dir, "users.csv", "username,firstname,email\ndave,Dave,dave@\n")
	writeFile(t, dir, "afile", "")
	var stderr bytes.Buffer
	cmd := command(t, dir, "import", "--report-dir", "afile/reports", "users.csv")
	cmd.Stderr = &stderr
	err := cmd.Run()
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); cmd.ProcessState.ExitCode() != 2 || len(lines) != 1 || lines[0] == "" {
		t.Errorf("import: %v, stderr:\n%s", err, stderr.String())
	}
}

// TestVersion: roster --version says which version it is.
func TestVersion(t *testing.T) {
	out, _, code := run(t, "", "--version")
	if code != 0 || !regexp.MustCompile(`^roster version \S+\n$`).MatchString(out) {
		t.Errorf("exit %d: %q", code, out)
	}
}

// TestAPDFRenamedXLSXIsCalledAPDF: the message says what the file is.
func TestAPDFRenamedXLSXIsCalledAPDF(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "x.xlsx", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	_, errOut, code := run(t, dir, "check", "x.xlsx")
	if code != 2 || !strings.Contains(errOut, "x.xlsx looks like a PDF document, not an XLSX workbook") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestTheREADMESampleImports runs the README's sample commands (with fewer
// rows, still more than a new directory's contexts hold): sample, the
// setup it says to apply, and the import.
func TestTheREADMESampleImports(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^roster sample --rows (\d+) --with (\S+) -o (\S+)`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README shows no 'roster sample --rows N --with … -o FILE'")
	}
	file := string(m[3])
	rest := string(readme[strings.Index(string(readme), string(m[0])):])
	setup := strings.Index(rest, "\nroster setup "+file+".setup.yaml")
	imp := strings.Index(rest, "\nroster import "+file+"\n")
	if setup < 0 || imp < setup {
		t.Fatalf("the README does not apply %s.setup.yaml before importing %s", file, file)
	}
	dir := t.TempDir()
	_, errOut, code := run(t, dir, "sample", "--rows", "1500", "--with", string(m[2]), "-o", file)
	if code != 0 || !strings.Contains(errOut, "roster setup "+file+".setup.yaml") {
		t.Fatalf("sample: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run(t, dir, "setup", file+".setup.yaml"); code != 0 {
		t.Fatalf("setup: exit %d: %s", code, errOut)
	}
	out, _, code := run(t, dir, "import", "--json", file)
	if res := decode(t, out); code != 0 || *res.Created != 1500 {
		t.Fatalf("import: exit %d: %.300s", code, out)
	}
}
