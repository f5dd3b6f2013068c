package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
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
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
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
	tb.submit(`form.mapping button[type=submit]`)
	tb.waitFor("What the import would do")
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
