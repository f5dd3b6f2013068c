package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console"
)

// Every form that changes something needs the page's token: without it,
// with a wrong one, or with another session's, the answer is 403 and
// nothing changes.
func TestFormsNeedTheirCSRFToken(t *testing.T) {
	e := newEnv(t)
	pw := e.operator("admin", roster.RoleAdmin, "")
	a := e.signIn("admin", pw)
	other := e.signIn("admin", pw)
	for _, token := range []string{"", "wrong", other.csrf} {
		for _, path := range []string{"/clients", "/setup", "/tenant", "/logout"} {
			res, body := a.post(path, url.Values{"csrf": {token}, "name": {"x"}, "scope": {"users:read"}, "yaml": {"tenants: []"}})
			expect(t, res, body, http.StatusForbidden, "did not come from this console")
		}
		// The token may come as a header from a script, never empty.
		req, _ := http.NewRequest(http.MethodPost, e.url+"/logout", nil)
		req.Header.Set("X-CSRF-Token", token)
		res, err := a.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("logout with header %q: %d", token, res.StatusCode)
		}
	}
	if list, _ := e.db.Clients(context.Background()); len(list) != 0 {
		t.Fatalf("a forged form created a client: %v", list)
	}
	if res, _ := a.get("/"); res.StatusCode != http.StatusOK {
		t.Fatal("a forged sign-out ended the session")
	}
	res, body := a.post("/clients", url.Values{"name": {"hr"}, "scope": {"users:read"}})
	expect(t, res, body, http.StatusCreated, "client_secret")

	// The sign-in form has its own token, in a cookie of its own.
	b := e.agent()
	res, body = b.post("/login", url.Values{"name": {"admin"}, "password": {pw}})
	expect(t, res, body, http.StatusForbidden, "did not come from this console")
	b.get("/login")
	res, body = b.post("/login", url.Values{"csrf": {"forged"}, "name": {"admin"}, "password": {pw}})
	expect(t, res, body, http.StatusForbidden)
}

// A session ends after 8 hours without a request; each request pushes
// the end back. The sign-in form then says so, and brings the operator
// back to the page asked.
func TestSessionsExpireAfter8HoursIdle(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("ana", e.operator("ana", roster.RoleViewer, "default"))
	e.clock.Add(7 * time.Hour)
	if res, body := a.get("/columns"); res.StatusCode != http.StatusOK {
		t.Fatalf("after 7 hours: %d %s", res.StatusCode, body)
	}
	e.clock.Add(7 * time.Hour)
	if res, body := a.get("/columns"); res.StatusCode != http.StatusOK {
		t.Fatalf("7 hours after the last request: %d %s", res.StatusCode, body)
	}
	e.clock.Add(8*time.Hour + time.Minute)
	res, _ := a.get("/columns")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/login?expired=1&next=%2Fcolumns" {
		t.Fatalf("after 8 idle hours: %d to %q", res.StatusCode, loc)
	}
	res, body := a.get(res.Header.Get("Location"))
	expect(t, res, body, http.StatusOK, "Your session has ended", `name="next" value="/columns"`)
	res, _ = a.post("/login", url.Values{"name": {"ana"}, "password": {"pw of ana is long"}, "next": {"/columns"}})
	if loc := res.Header.Get("Location"); loc != "/columns" {
		t.Fatalf("back to %q", loc)
	}
}

// Signing out ends the session in the directory: a copy of the cookie
// is worth nothing afterwards.
func TestSignOutEndsTheSession(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("ana", e.operator("ana", roster.RoleViewer, "default"))
	u, _ := url.Parse(e.url)
	cookies := a.c.Jar.Cookies(u)
	res, _ := a.post("/logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	replay := e.agent()
	replay.c.Jar.SetCookies(u, cookies)
	if res, _ := replay.get("/columns"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the old cookie still works: %d", res.StatusCode)
	}
}

// The session cookie is out of scripts' reach, not sent with other sites'
// forms, and Secure when the console is reached over HTTPS.
func TestSessionCookieAttributes(t *testing.T) {
	e := newEnv(t)
	pw := e.operator("ana", roster.RoleViewer, "default")
	a := e.agent()
	a.get("/login")
	res, _ := a.post("/login", url.Values{"name": {"ana"}, "password": {pw}})
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "roster_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || len(session.Value) < 43 {
		t.Fatalf("session cookie: %+v", session)
	}
	if session.Secure {
		t.Error("Secure on plain HTTP: the browser would never send it back")
	}
	if h := res.Header.Get("Cache-Control"); h != "no-store" {
		t.Errorf("Cache-Control %q", h)
	}

	// Behind a proxy that terminates TLS (--base-url https://…), the
	// browser speaks HTTPS: the cookies are Secure.
	e = newEnvWith(t, func(c *console.Config) { c.SecureCookies = true })
	res, err := http.Get(e.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if c := res.Cookies(); len(c) != 1 || c[0].Name != "roster_login" || !c[0].Secure {
		t.Fatalf("login cookie behind TLS: %+v", c)
	}
}

// Failed sign-ins are slowed down per address: after the limit, even the
// right password waits until the minute ends. The message never says
// whether the name exists.
func TestFailedSignInsAreThrottled(t *testing.T) {
	e := newEnv(t)
	pw := e.operator("ana", roster.RoleViewer, "default")
	e.operator("gone", roster.RoleViewer, "default")
	if err := e.db.DisableOperator(context.Background(), "gone", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	a := e.agent()
	a.get("/login")
	for i, try := range [][2]string{{"ana", "wrong password"}, {"nobody", pw}, {"gone", "pw of gone is long"}, {"ANA", "wrong"}, {"ana", ""}} {
		res, body := a.post("/login", url.Values{"name": {try[0]}, "password": {try[1]}})
		if try[1] == "" {
			expect(t, res, body, http.StatusBadRequest, "Enter your password.")
			continue
		}
		expect(t, res, body, http.StatusUnauthorized, "The name or the password is wrong.")
		if !strings.Contains(body, `value="`+try[0]+`"`) {
			t.Errorf("try %d: the name typed is not kept", i)
		}
	}
	for range maxFailures - 3 {
		a.post("/login", url.Values{"name": {"ana"}, "password": {"still wrong"}})
	}
	res, body := a.post("/login", url.Values{"name": {"ana"}, "password": {pw}})
	expect(t, res, body, http.StatusTooManyRequests, "Too many failed sign-ins")
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	e.clock.Add(time.Minute)
	res, body = a.post("/login", url.Values{"name": {"ana"}, "password": {pw}})
	expect(t, res, body, http.StatusSeeOther)
}

// A viewer and an operator see the pages to look and download, not the
// admin pages, and change nothing there even with a valid token.
func TestRolesKeepAdminPagesToAdmins(t *testing.T) {
	e := newEnv(t)
	for _, role := range []string{roster.RoleViewer, roster.RoleOperator} {
		a := e.signIn(role, e.operator(role, role, ""))
		for _, path := range []string{"/", "/columns", "/template?format=csv", "/template?format=xlsx"} {
			if res, body := a.get(path); res.StatusCode != http.StatusOK {
				t.Errorf("%s %s: %d %.200s", role, path, res.StatusCode, body)
			}
		}
		_, home := a.get("/")
		if strings.Contains(home, `href="/setup"`) || strings.Contains(home, `href="/clients"`) {
			t.Errorf("%s: the navigation offers admin pages", role)
		}
		for _, path := range []string{"/setup", "/clients"} {
			res, body := a.get(path)
			expect(t, res, body, http.StatusForbidden, "This page is for administrators")
		}
		res, body := a.post("/clients", url.Values{"name": {"x"}, "scope": {"users:read"}})
		expect(t, res, body, http.StatusForbidden)
		res, body = a.post("/setup", url.Values{"yaml": {"tenants: [{name: evil}]"}})
		expect(t, res, body, http.StatusForbidden)
	}
	ref, _ := e.db.Reference(context.Background())
	if ref.Tenant("evil") != nil {
		t.Fatal("a viewer changed the setup")
	}
}

// An admin of one tenant sees its tenant's clients and setup only, cannot
// change the whole directory's setup, and creates clients of its tenant.
func TestAnAdminOfOneTenantStaysInIt(t *testing.T) {
	e := newEnv(t)
	root := e.signIn("root", e.operator("root", roster.RoleAdmin, ""))
	res, body := root.post("/clients", url.Values{"name": {"global-bot"}, "scope": {"users:read"}})
	expect(t, res, body, http.StatusCreated)
	res, body = root.post("/clients", url.Values{"name": {"acme-hr"}, "tenant": {"acme"}, "scope": {"users:read"}})
	expect(t, res, body, http.StatusCreated)

	a := e.signIn("lead", e.operator("lead", roster.RoleAdmin, "default"))
	res, body = a.post("/clients", url.Values{"name": {"default-hr"}, "tenant": {"acme"}, "scope": {"users:write"}})
	expect(t, res, body, http.StatusCreated)
	res, body = a.get("/clients")
	expect(t, res, body, http.StatusOK, "default-hr")
	if strings.Contains(body, "global-bot") || strings.Contains(body, "acme-hr") {
		t.Errorf("another tenant's clients are listed: %s", body)
	}
	list, _ := e.db.Clients(context.Background())
	for _, c := range list {
		if c.Name == "default-hr" && (c.AllTenants || c.Tenant != "default") {
			t.Errorf("the tenant admin's client is bound to %q", c.Tenant)
		}
		if c.Name != "default-hr" {
			res, body := a.post("/clients/"+c.ID+"/revoke", url.Values{})
			expect(t, res, body, http.StatusNotFound)
		}
	}
	res, body = a.get("/setup")
	expect(t, res, body, http.StatusOK, "needs an administrator of all tenants", "default")
	if strings.Contains(body, "acme") || strings.Contains(body, "<textarea") {
		t.Errorf("the tenant admin sees another tenant or an editor: %s", body)
	}
	res, body = a.post("/setup", url.Values{"yaml": {"tenants: [{name: default}]"}})
	expect(t, res, body, http.StatusForbidden)
	res, body = a.post("/tenant", url.Values{"tenant": {"acme"}})
	expect(t, res, body, http.StatusForbidden)

	// The admin of all tenants picks one.
	root.get("/clients")
	res, _ = root.post("/tenant", url.Values{"tenant": {"ACME"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pick: %d", res.StatusCode)
	}
	_, body = root.get("/clients")
	if !strings.Contains(body, "acme-hr") || strings.Contains(body, "global-bot") || strings.Contains(body, "default-hr") {
		t.Errorf("tenant acme's clients: %s", body)
	}
	_, body = root.get("/setup")
	if strings.Contains(body, "name: default") || !strings.Contains(body, "name: acme") || strings.Contains(body, `id="prune"`) {
		t.Errorf("tenant acme's setup: %s", body)
	}
}

// Every form says what is wrong with bad input, keeps what was typed,
// and changes nothing.
func TestFormsRefuseBadInput(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("root", e.operator("root", roster.RoleAdmin, ""))
	for _, c := range []struct {
		path   string
		form   url.Values
		status int
		says   string
	}{
		{"/clients", url.Values{"scope": {"users:read"}}, 400, "Give the client a name"},
		{"/clients", url.Values{"name": {strings.Repeat("n", 101)}, "scope": {"users:read"}}, 400, "longer than 100"},
		{"/clients", url.Values{"name": {"hr"}}, 400, "Tick at least one scope"},
		{"/clients", url.Values{"name": {"hr"}, "scope": {"users:admin"}}, 400, "There is no scope &#34;users:admin&#34;"},
		{"/clients", url.Values{"name": {"hr"}, "scope": {"users:read"}, "public_key": {"not a key"}}, 400, "not in PEM format"},
		{"/clients", url.Values{"name": {"hr"}, "scope": {"users:read"}, "tenant": {"nope"}}, 400, "no tenant &#34;nope&#34; in the directory"},
		{"/setup", url.Values{"yaml": {"  \n"}}, 400, "The text is empty"},
		{"/setup", url.Values{"yaml": {strings.Repeat("#", 1<<20+1)}}, 400, "longer than 1 MiB"},
		{"/setup", url.Values{"yaml": {"tenants:\n  - name: default\n    contxts: []\n"}}, 400, "Line 3: field contxts is not a known key here"},
		{"/setup", url.Values{"yaml": {"tenants: [\n"}}, 400, "did not find expected node content"},
		{"/setup", url.Values{"yaml": {"tenants:\n  - name: default\n    contexts: [{name: c, kind: weird}]\n"}}, 400, "weird"},
		{"/tenant", url.Values{"tenant": {"nope"}}, 400, "no tenant &#34;nope&#34; in the directory"},
		{"/clients/nope/revoke", url.Values{}, 404, "no client"},
	} {
		res, body := a.post(c.path, c.form)
		expect(t, res, body, c.status, c.says)
		if name := c.form.Get("name"); name != "" && len(name) < 100 && !strings.Contains(body, `value="`+name+`"`) {
			t.Errorf("%s: the name typed is not kept", c.path)
		}
	}
	if list, _ := e.db.Clients(context.Background()); len(list) != 0 {
		t.Errorf("bad forms created clients: %v", list)
	}
	for _, path := range []string{"/template?format=pdf"} {
		res, body := a.get(path)
		expect(t, res, body, http.StatusBadRequest, "format=xlsx")
	}
	// Sign-in: both fields are needed, and "next" never leads off the site.
	b := e.agent()
	b.get("/login")
	res, body := b.post("/login", url.Values{"name": {""}, "password": {""}})
	expect(t, res, body, http.StatusBadRequest, "Enter your name and your password.")
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		b := e.agent()
		b.get("/login")
		res, _ := b.post("/login", url.Values{"name": {"root"}, "password": {"pw of root is long"}, "next": {next}})
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q leads to %q", next, loc)
		}
	}
}

// The setup saved from the console is the one the API serves: one
// reader, one directory call; the browser's CRLF lines read as LF.
func TestSetupSavedThroughTheConsole(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("root", e.operator("root", roster.RoleAdmin, ""))
	res, body := a.get("/setup")
	expect(t, res, body, http.StatusOK, "name: acme", `id="prune"`)
	text := "tenants:\r\n  - name: default\r\n    roles:\r\n      - name: auditor\r\n"
	res, body = a.post("/setup", url.Values{"yaml": {text}})
	expect(t, res, body, http.StatusOK, "Saved. What changed:", "auditor")
	ref, _ := e.db.Reference(context.Background())
	if _, ok := ref.Tenant("default").Lookup(roster.KindRole, "auditor"); !ok || ref.Tenant("acme") == nil {
		t.Fatalf("after saving: %+v", ref)
	}
}
