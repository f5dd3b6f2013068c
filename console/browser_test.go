package console_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/roster-dev/roster"
)

var screenshots = flag.Bool("screenshots", false, "write the browser tests' screenshots into docs/screenshots, for the README")

// chromium finds Debian's Chromium. scripts/test.sh installs it when it is
// missing (scripts/install-chromium.sh); there, and in CI, its absence
// fails the tests instead of skipping them.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("ROSTER_TEST_BROWSER") == "required" {
		t.Fatal("Chromium is missing; scripts/install-chromium.sh installs it")
	}
	t.Skip("Chromium is missing; scripts/install-chromium.sh installs it")
	return ""
}

// tab is a page of a headless Chromium of its own (its own profile, so
// its own cookies), on the test's server.
type tab struct {
	t   testing.TB
	e   *env
	ctx context.Context
}

// One headless Chromium serves every browser test of the package, since
// starting one takes a second or two; TestMain stops it. It runs with the
// flags this machine needs (no sandbox as root, nothing fetched in the
// background) and an empty profile of its own.
var chrome struct {
	once sync.Once
	ctx  context.Context
	err  error
	stop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.stop != nil {
		chrome.stop()
	}
	os.Exit(code)
}

// browser opens a tab in the shared Chromium, in a browser context of its
// own: its own cookies and downloads, as a new profile would have.
func (e *env) browser() *tab {
	t := e.t
	t.Helper()
	path := chromium(t)
	chrome.once.Do(func() {
		dir, err := os.MkdirTemp("", "roster-chromium-")
		if err != nil {
			chrome.err = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1280, 900),
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(actx)
		chrome.ctx, chrome.err = ctx, chromedp.Do(ctx)
		chrome.stop = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
	})
	if chrome.err != nil {
		t.Fatalf("starting Chromium: %v", chrome.err)
	}
	ctx, cancelCtx := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	// The deadline only keeps a broken page from hanging the run.
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelCtx() })
	tb := &tab{t: t, e: e, ctx: ctx}
	// The tab and its browser context are made now, so that downloads can
	// be allowed in them before the first page.
	tb.do(chromedp.EmulateViewport(1280, 900))
	// Confirmation dialogs (revoke) are accepted, as a person would.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return tb
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.e.url + path))
}

// submit clicks a button that sends a form, and waits for the page that
// answers it.
func (tb *tab) submit(sel string) {
	tb.t.Helper()
	tb.markPage()
	tb.do(chromedp.Click(chromedp.CSS(sel)))
	tb.waitNewPage()
}

// markPage marks the page shown, so that waitNewPage can tell when it is
// replaced.
func (tb *tab) markPage() {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`window.rosterOldPage = 1`)); err != nil {
		tb.t.Fatal(err)
	}
}

// waitNewPage waits until the marked page is replaced by one fully
// loaded. While the browser navigates, the page's scripts cannot be
// reached; that is retried.
func (tb *tab) waitNewPage() {
	tb.t.Helper()
	for tb.ctx.Err() == nil {
		done, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`window.rosterOldPage === undefined && document.readyState === "complete"`))
		if err == nil && done {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.t.Fatal("no new page came")
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("%s: %v", js, err)
	}
	return s
}

// text is the text of the page's main part.
func (tb *tab) text() string {
	tb.t.Helper()
	return tb.eval(`document.querySelector("main").innerText`)
}

func (tb *tab) says(want ...string) {
	tb.t.Helper()
	text := tb.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			tb.t.Errorf("%s: the page does not say %q:\n%s", tb.eval(`location.pathname`), w, text)
		}
	}
}

// fill types into a field, replacing what it held.
func (tb *tab) fill(sel, text string) {
	tb.t.Helper()
	tb.set(sel, "")
	tb.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// set sets a field's value, as choosing in a drop-down does.
func (tb *tab) set(sel, value string) {
	tb.t.Helper()
	js, _ := json.Marshal([]string{sel, value})
	tb.eval(`(([sel, value]) => { document.querySelector(sel).value = value; return "" })(` + string(js) + `)`)
}

// accessibilityCheck finds what keeps a page from being used with a screen
// reader or a keyboard: controls without a label, headings that skip a
// level, not exactly one h1, images without alt, buttons and links without
// a name, repeated ids, no language.
const accessibilityCheck = `(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("the page has no lang");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(h1 + " h1 headings");
  let last = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push(h.tagName + " after h" + last + ": " + h.textContent.trim());
    last = level;
  }
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) ||
      el.closest("label") || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) problems.push("a " + el.tagName.toLowerCase() + " without a label: " + (el.name || el.id));
  }
  for (const img of document.querySelectorAll("img:not([alt])")) problems.push("an image without alt: " + img.src);
  for (const el of document.querySelectorAll("a[href], button")) {
    if (!el.hidden && !el.textContent.trim() && !el.getAttribute("aria-label")) problems.push("a " + el.tagName.toLowerCase() + " without a name");
  }
  const ids = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (ids.has(el.id)) problems.push("the id " + el.id + " twice");
    ids.add(el.id);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("the page is wider than the window");
  return problems.join("\n");
})()`

// accessible checks the page's accessibility.
func (tb *tab) accessible(name string) {
	tb.t.Helper()
	if problems := tb.eval(accessibilityCheck); problems != "" {
		tb.t.Errorf("%s: accessibility:\n%s", name, problems)
	}
}

// shot checks the page's accessibility and takes its screenshot, written
// into docs/screenshots with -screenshots.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	tb.accessible(name)
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatal(err)
	}
	dir := tb.t.TempDir()
	if *screenshots {
		dir = filepath.Join("..", "docs", "screenshots")
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// signIn signs in through the form, with the keyboard alone: Tab from the
// top of the page reaches the name, then the password; Enter sends.
func (tb *tab) signIn(name, pw string) {
	tb.t.Helper()
	tb.open("/login")
	for range 3 {
		tb.do(chromedp.KeyEvent("\t"))
	}
	if id := tb.eval(`document.activeElement.id`); id != "name" {
		tb.t.Fatalf("three Tabs reach %q, not the name", id)
	}
	tb.do(chromedp.KeyEvent(name), chromedp.KeyEvent("\t"))
	if id := tb.eval(`document.activeElement.id`); id != "password" {
		tb.t.Fatalf("Tab from the name reaches %q", id)
	}
	tb.do(chromedp.KeyEvent(pw))
	tb.markPage()
	tb.do(chromedp.KeyEvent("\r"))
	tb.waitNewPage()
}

// A failed sign-in says so in place, keeps the name, and after repeated
// failures the address must wait; a good one opens the home page, and
// signing out ends the session.
func TestBrowserSignInAndOut(t *testing.T) {
	e := newEnv(t)
	pw := e.operator("admin", roster.RoleAdmin, "")
	tb := e.browser()
	tb.open("/")
	if path := tb.eval(`location.pathname`); path != "/login" {
		t.Fatalf("a visitor without a session is at %s", path)
	}
	tb.shot("login")
	tb.signIn("admin", "not the password")
	tb.says("The name or the password is wrong.")
	if v := tb.eval(`document.getElementById("name").value`); v != "admin" {
		t.Errorf("the name field holds %q", v)
	}
	tb.shot("login-failed")
	for range maxFailures - 1 {
		tb.fill("#password", "still not it")
		tb.submit("main button[type=submit]")
	}
	tb.fill("#password", pw)
	tb.submit("main button[type=submit]")
	tb.says("Too many failed sign-ins from this address")
	e.clock.Add(time.Minute)

	tb.signIn("admin", pw)
	if path := tb.eval(`location.pathname`); path != "/" {
		t.Fatalf("signed in at %s", path)
	}
	tb.says("Signed in as admin", "Template", "Setup", "API clients")
	tb.shot("home")
	tb.do(chromedp.EmulateViewport(390, 844))
	tb.shot("home-phone")
	tb.do(chromedp.EmulateViewport(1280, 900))
	tb.open("/columns")
	tb.says("username", "Also read from")
	tb.shot("columns")

	tb.submit(`form[action="/logout"] button`)
	if path := tb.eval(`location.pathname`); path != "/login" {
		t.Fatalf("signed out at %s", path)
	}
	tb.open("/columns")
	if path := tb.eval(`location.pathname`); path != "/login" {
		t.Fatalf("after signing out, /columns shows %s", path)
	}
}

// A viewer sees the pages to look and download, no admin section in the
// navigation, and is refused the admin pages.
func TestBrowserViewerCannotReachAdminPages(t *testing.T) {
	e := newEnv(t)
	tb := e.browser()
	tb.signIn("vera", e.operator("vera", roster.RoleViewer, "default"))
	tb.says("Signed in as vera", "Template")
	if nav := tb.eval(`document.querySelector("nav").innerText`); strings.Contains(nav, "Setup") || strings.Contains(nav, "clients") {
		t.Errorf("a viewer's navigation: %s", nav)
	}
	for _, path := range []string{"/setup", "/clients"} {
		tb.open(path)
		tb.says("This page is for administrators. Your role is viewer.")
	}
	tb.shot("viewer-refused")
	ref, _ := e.db.Reference(context.Background())
	if len(ref.Tenants) != 2 {
		t.Fatal("the setup changed")
	}
}

// The setup is edited as YAML: a mistake is shown above the text, which
// is kept with the cursor on the bad line; fixed, it is saved and the
// changes are listed.
func TestBrowserSetupShowsItsMistakeInPlace(t *testing.T) {
	e := newEnv(t)
	tb := e.browser()
	tb.signIn("admin", e.operator("admin", roster.RoleAdmin, ""))
	tb.open("/setup")
	tb.says("Reference data (YAML)")
	bad := "tenants:\n  - name: default\n    rols:\n      - name: auditor\n"
	tb.fill("#yaml", bad)
	tb.submit("main button[type=submit]")
	tb.says("Nothing was saved.", "Line 3: field rols is not a known key here")
	if v := tb.eval(`document.getElementById("yaml").value`); v != bad {
		t.Errorf("the text shown after the mistake is %q", v)
	}
	if sel := tb.eval(`(() => { const t = document.getElementById("yaml"); return t.value.slice(t.selectionStart, t.selectionEnd) })()`); sel != "    rols:" {
		t.Errorf("the selection is %q, not the bad line", sel)
	}
	if tb.eval(`document.activeElement.id + " " + document.getElementById("yaml").getAttribute("aria-invalid")`) != "yaml true" {
		t.Error("the text is not focused and marked invalid")
	}
	tb.shot("setup-mistake")
	tb.fill("#yaml", strings.Replace(bad, "rols", "roles", 1))
	tb.submit("main button[type=submit]")
	tb.says("Saved. What changed:", "auditor")
	tb.shot("setup-saved")
	ref, _ := e.db.Reference(context.Background())
	if _, ok := ref.Tenant("default").Lookup(roster.KindRole, "auditor"); !ok {
		t.Fatal("the role was not saved")
	}
}

// A client created in the console gets its secret shown once, and the
// secret works at the token endpoint; revoked, it stops working.
func TestBrowserClientCreatedAndRevoked(t *testing.T) {
	e := newEnv(t)
	tb := e.browser()
	tb.signIn("admin", e.operator("admin", roster.RoleAdmin, ""))
	tb.open("/clients")
	tb.says("No client yet.")
	tb.fill("#client-name", "hr-sync")
	tb.set("#client-tenant", "default")
	tb.do(chromedp.Click(chromedp.CSS("#scope-users\\:write")))
	tb.submit("main form:not(.inline) button[type=submit]")
	tb.says("The client hr-sync was created.", "Copy the secret now.")
	id := tb.eval(`document.getElementById("client-id").textContent`)
	secret := tb.eval(`document.getElementById("client-secret").textContent`)
	if len(secret) < 43 {
		t.Fatalf("secret %q", secret)
	}
	tb.shot("client-created")
	token := func() int {
		res, err := http.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {id}, "client_secret": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := token(); code != http.StatusOK {
		t.Fatalf("the secret shown gets %d at the token endpoint", code)
	}

	tb.open("/clients")
	tb.says("hr-sync", "users:read users:write", "default")
	if html := tb.eval(`document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Fatal("the secret is shown again")
	}
	tb.shot("clients")
	tb.submit(`form[action$="/revoke"] button`)
	tb.says("The client was revoked", "revoked")
	if code := token(); code != http.StatusUnauthorized {
		t.Fatalf("a revoked client's secret gets %d", code)
	}
}
