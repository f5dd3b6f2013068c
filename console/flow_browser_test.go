package console_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/roster-dev/roster"
)

const fixtures = "../testdata/fixtures"

// downloads lets the tab save files into a folder of its own, and returns
// it.
func (tb *tab) downloads() string {
	tb.t.Helper()
	dir := tb.t.TempDir()
	_, err := chromedp.CallBrowser(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir,
		BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID})
	if err != nil {
		tb.t.Fatal(err)
	}
	return dir
}

// download clicks a link that downloads a file into dir, and returns the
// file's content once it is there.
func (tb *tab) download(dir, sel, name string) []byte {
	tb.t.Helper()
	os.Remove(filepath.Join(dir, name))
	tb.do(chromedp.Click(chromedp.CSS(sel)))
	for tb.ctx.Err() == nil {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.t.Fatalf("%s was not downloaded", name)
	return nil
}

// waitFor waits until the page says something: a job's page reloads
// itself when the job ends.
func (tb *tab) waitFor(want string) {
	tb.t.Helper()
	for tb.ctx.Err() == nil {
		text, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : ""`))
		if err == nil && strings.Contains(text, want) {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	tb.t.Fatalf("the page never says %q", want)
}

// upload drops a file on the import page, and waits for the mapping.
func (tb *tab) upload(path string) {
	tb.t.Helper()
	tb.open("/import")
	abs, err := filepath.Abs(path)
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{abs}))
	tb.submit("#upload button[type=submit]")
	tb.waitFor("Columns of the file")
}

// check sends the mapping as the page has it, and waits for the check.
func (tb *tab) check() {
	tb.t.Helper()
	tb.submit(`form.mapping button[type=submit]`)
	tb.waitFor("What the import would do")
}

// importChecked confirms the import of the check shown, and waits for its
// result.
func (tb *tab) importChecked() {
	tb.t.Helper()
	tb.submit(`a[href$="/apply"]`)
	tb.submit(`form[action$="/apply"] button[type=submit]`)
	tb.waitFor("What was done")
}

// The CommPeak file, mapped by hand: its Role header ignored and one role
// given to everyone, a line for each with the next free extension, and
// generated passwords; checked, planned, imported, and its success file
// downloaded once.
func TestBrowserImportCommPeakMappedByHand(t *testing.T) {
	e := newEnv(t)
	tb := e.browser()
	dir := tb.downloads()
	tb.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	tb.open("/import")
	tb.says("Drop a file", "Send the file")
	tb.shot("import-drop")

	tb.upload(filepath.Join(fixtures, "commpeak-users.csv"))
	tb.says("Virtual Extension", "agent.one@callcenter.example", "Required columns that nothing gives yet", "line_protocol", "context")
	if v := tb.eval(`document.getElementById("column-2").value`); v != "exten" {
		t.Errorf("Virtual Extension is read as %q", v)
	}
	tb.set("#column-3", "")
	tb.set("#same-role", "agent")
	tb.set("#same-line_protocol", "webrtc")
	tb.set("#same-context", "default")
	tb.do(chromedp.Click(chromedp.CSS("#gen-password")), chromedp.Click(chromedp.CSS("#gen-exten")))
	tb.shot("import-map")
	tb.check()
	tb.says("Every row passes.", "To create\n4")
	tb.shot("import-check")
	check := tb.eval(`location.pathname`)

	tb.submit(`a[href$="/plan"]`)
	tb.says("Every row", "create")
	tb.shot("import-plan")
	tb.open(check)

	tb.submit(`a[href$="/apply"]`)
	tb.says("create 4 users", "Passwords are generated")
	tb.shot("import-confirm")
	tb.submit(`form[action$="/apply"] button[type=submit]`)
	tb.waitFor("What was done")
	tb.says("The import is done.", "Created\n4", "can be downloaded once")
	tb.shot("import-result")

	success := string(tb.download(dir, `a[href$="/success"]`, "success.csv"))
	if strings.Count(success, "\n") != 5 || !strings.Contains(success, "password") || !strings.Contains(success, "sup.one") {
		t.Errorf("success.csv:\n%s", success)
	}
	tb.submit(`a[href$="/success"]`)
	tb.says("given once")
	tb.shot("success-gone")

	u, err := e.db.FindUser(context.Background(), "", "username", "sup.one", false)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != "agent" || u.Line == nil || u.Line.Protocol != "webrtc" || u.Line.Exten == "" || u.PasswordHash == "" {
		t.Errorf("sup.one: role %q, line %+v", u.Role, u.Line)
	}
}

// The TrueConf ZIP: its sheet and pictures in one file, checked then
// imported; a user of it edited and another deleted; a room made and
// given members from a typed list, as Symphony's userIDs.csv lists them.
func TestBrowserZIPThenUsersAndRooms(t *testing.T) {
	e := newEnv(t)
	tb := e.browser()
	tb.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))

	tb.upload(filepath.Join(fixtures, "trueconf-bundle.zip"))
	tb.says("login_name", "avatars/01.png")
	tb.check()
	tb.says("Every row passes.", "To create\n5")
	tb.importChecked()
	tb.says("Created\n5", "Groups created: IT, Sales, Support.")

	tb.open("/users?q=tay")
	tb.says("Ian Taylor", "taylor@company.name")
	tb.shot("users")
	tb.submit(`main table a`)
	tb.says("display_name", "Ian Taylor", "IT")
	if ok := tb.eval(`String(document.querySelector("img.avatar").naturalWidth > 0)`); ok != "true" {
		t.Error("the user's picture does not show")
	}
	tb.shot("user")
	tb.submit(`a[href$="/edit"]`)
	tb.fill("#col-lastname", "Taylor-Brown")
	tb.fill("#col-email", "not an email")
	tb.submit(`main form button[type=submit]`)
	tb.says("Nothing was saved.", "not a valid email")
	if v := tb.eval(`document.getElementById("col-email").getAttribute("aria-invalid")`); v != "true" {
		t.Error("the bad field is not marked")
	}
	tb.shot("user-edit-mistake")
	tb.fill("#col-email", "ian.taylor@company.name")
	tb.submit(`main form button[type=submit]`)
	tb.says("Saved.", "Taylor-Brown", "ian.taylor@company.name")
	u, err := e.db.FindUser(context.Background(), "", "username", "taylor", false)
	if err != nil || u.Lastname != "Taylor-Brown" || len(u.Groups) != 1 {
		t.Fatalf("taylor: %+v, %v", u, err)
	}

	tb.open("/users?q=soren")
	tb.submit(`main table a`)
	tb.submit(`form[action$="/delete"] button`)
	tb.says("The user was deleted")
	if _, err := e.db.FindUser(context.Background(), "", "username", "soren", false); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("soren after the delete: %v", err)
	}

	tb.open("/rooms")
	tb.says("No room yet.")
	tb.fill("#set-name", "Project Atlas")
	tb.submit(`main form button[type=submit]`)
	tb.says("No member yet.")
	tb.fill("#refs", "smith\nkoval\nolena.koval@company.name\nnobody\n")
	tb.submit(`form[action$="/add"] button[type=submit]`)
	tb.says("2 added", "1 already as asked", "Not found: nobody (line 4)", "James Smith", "Олена Коваль")
	tb.shot("room-members-added")
	tb.do(chromedp.Click(chromedp.CSS(`input[name=user]`)))
	tb.submit(`form[action$="/remove"] button[type=submit]`)
	tb.says("1 removed")
	tb.open("/rooms")
	tb.says("Project Atlas\t1")
	tb.shot("rooms")
}

// The mistakes file: its errors shown in place, every bad cell marked;
// imported in the mode that writes the rows that pass, its error file
// downloaded, fixed, and dropped again.
func TestBrowserMistakesFixedThroughTheErrorFile(t *testing.T) {
	e := newEnv(t)
	tb := e.browser()
	dir := tb.downloads()
	tb.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	tb.upload(filepath.Join(fixtures, "mistakes.csv"))
	tb.check()
	tb.says("14 rows fail.", "To create\n2", "Failed\n14", "The failed rows, as in the file", "bob@", "klingon")
	bad := tb.eval(`Array.from(document.querySelectorAll("td.bad mark")).map(m => m.textContent).join("|")`)
	for _, cell := range []string{"bob@", "maybe", "7", "21", "klingon", "alice", "5000", "nowhere", "skype", "1200", "intl;premium", "call-me-maybe"} {
		if !strings.Contains("|"+bad+"|", "|"+cell+"|") {
			t.Errorf("the cell %q is not marked: %s", cell, bad)
		}
	}
	tb.shot("import-check-mistakes")

	tb.submit(`a[href$="/map"]`)
	tb.do(chromedp.Click(chromedp.CSS("#mode-partial")))
	tb.check()
	tb.submit(`a[href$="/apply"]`)
	tb.says("leave out the 14 failed rows")
	tb.submit(`form[action$="/apply"] button[type=submit]`)
	tb.waitFor("What was done")
	tb.says("Created\n2", "14 rows failed")
	errs := string(tb.download(dir, `a[href$="/errors"]`, "errors.csv"))
	if strings.Count(errs, "\n") != 15 {
		t.Fatalf("errors.csv:\n%s", errs)
	}
	fixed := filepath.Join(t.TempDir(), "errors.csv")
	if err := os.WriteFile(fixed, []byte(fix(t, errs)), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.upload(fixed)
	tb.check()
	tb.says("Every row passes.", "To create\n14")
	tb.importChecked()
	tb.says("Created\n14")
	n := 0
	e.db.Export(context.Background(), "", false, func(*roster.User) error { n++; return nil })
	if n != 16 {
		t.Errorf("%d users in the directory, want 16", n)
	}
}

// fix corrects the rows of mistakes.csv's error file, as a person would:
// each by its lastname, the column at fault.
func fix(t *testing.T, errs string) string {
	t.Helper()
	fixes := map[string][2]string{
		"NoFirstName": {"firstname", "Nora"}, "BadEmail": {"email", "bob@example.com"}, "BadBool": {"enabled", "1"},
		"BadRing": {"ring_seconds", "10"}, "TooManyCalls": {"simultaneous_calls", "20"}, "BadLang": {"language", "fr_FR"},
		"DupUser": {"username", "grace"}, "OutOfRange": {"exten", "1300"}, "NoContext": {"context", "default"},
		"UnknownContext": {"context", "default"}, "BadProtocol": {"line_protocol", "sip"}, "DupExten": {"exten", "1204"},
		"UnknownPermission": {"call_permissions", ""}, "BadPhone": {"mobile_phone_number", ""},
	}
	r := csv.NewReader(strings.NewReader(errs))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int{}
	for i, h := range rows[0] {
		at[h] = i
	}
	for _, row := range rows[1:] {
		f, ok := fixes[row[at["lastname"]]]
		if !ok {
			t.Fatalf("no fix for %q", row)
		}
		row[at[f[0]]] = f[1]
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.String()
}

// A viewer looks and downloads: no import, no edit, no delete. An
// operator of one tenant sees its users and jobs only; another tenant's
// are not found.
func TestBrowserViewerAndTenants(t *testing.T) {
	e := newEnv(t)
	e.seed("firstname,username,tenant\nDana,dana,default\nAce,ace,acme\n")
	ana := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	ana.get("/import")
	res, _ := ana.send("/import", nil, "commpeak-users.csv", readFixture(t, "commpeak-users.csv"))
	job := strings.TrimSuffix(res.Header.Get("Location"), "/map")
	if !strings.HasPrefix(job, "/jobs/") {
		t.Fatalf("the upload answered %d, %s", res.StatusCode, res.Header.Get("Location"))
	}

	tb := e.browser()
	tb.signIn("vera", e.operator("vera", roster.RoleViewer, "default"))
	if nav := tb.eval(`document.querySelector("nav").innerText`); strings.Contains(nav, "Import") || !strings.Contains(nav, "Users") {
		t.Errorf("a viewer's navigation: %s", nav)
	}
	tb.open("/import")
	tb.says("Your role is viewer: you can look at users and jobs and download them, not change them.")
	tb.shot("viewer-cannot-import")
	tb.open(job)
	tb.waitFor("What the import would do")
	if n := tb.eval(`String(document.querySelectorAll('a[href$="/apply"], a[href$="/map"]').length)`); n != "0" {
		t.Errorf("a viewer is offered %s ways to import", n)
	}
	tb.open("/users/" + e.uuidOf("dana"))
	tb.says("Dana")
	if n := tb.eval(`String(document.querySelectorAll('a[href$="/edit"], form[action$="/delete"]').length)`); n != "0" {
		t.Errorf("a viewer is offered %s ways to change a user", n)
	}
	tb.submit(`form[action="/logout"] button`)

	tb.signIn("otto", e.operator("otto", roster.RoleOperator, "acme"))
	tb.open("/users")
	tb.says("Ace")
	if text := tb.text(); strings.Contains(text, "Dana") {
		t.Errorf("an operator of acme sees default's users:\n%s", text)
	}
	tb.open("/users/" + e.uuidOf("dana"))
	tb.says("Not Found", "no user")
	tb.shot("tenant-other-refused")
	tb.open(job)
	tb.says("Not Found", "no job")
	tb.open("/jobs")
	tb.says("No job yet.")
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An import's progress is live, is the same after a reload (the job is in
// the address), and the import can be cancelled: all or nothing, it
// writes nothing. Its passwords make it long enough to watch: each is
// hashed with argon2id.
func TestBrowserImportProgressSurvivesAReloadAndIsCancelled(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("username,password\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "user%04d,password of user %d\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "passwords.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := e.browser()
	tb.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	tb.upload(path)
	tb.submit(`form.mapping button[type=submit]`)
	tb.waitFor("Every row passes.")
	tb.submit(`a[href$="/apply"]`)
	// The page's script gets the job's events as they come.
	events := chromedp.Events(tb.ctx, network.EventSourceMessageReceived)
	tb.submit(`form[action$="/apply"] button[type=submit]`)
	tb.waitFor("Running")
	for ev, err := range events {
		if err != nil {
			t.Fatal(err)
		}
		if ev.EventName == "progress" && strings.Contains(ev.Data, `"stage"`) {
			break
		}
	}
	tb.shot("import-progress")

	tb.open(tb.eval(`location.pathname`))
	tb.says("Running", "3,000 rows")
	if tb.eval(`String(document.getElementById("job-bar") !== null)`) != "true" {
		t.Error("no progress bar after a reload")
	}
	tb.submit(`form[action$="/cancel"] button`)
	tb.waitFor("The job was cancelled. Nothing was written.")
	tb.accessible("import-cancelled")
	n := 0
	e.db.Export(context.Background(), "", false, func(*roster.User) error { n++; return nil })
	if n != 0 {
		t.Errorf("a cancelled import wrote %d users", n)
	}
}
