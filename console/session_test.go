package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
)

// sessionCookie returns the session cookie an answer sets, if any.
func sessionCookie(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "roster_session" {
			return c
		}
	}
	return nil
}

// While an import holds the directory's write lock, an operator signs in,
// browses, picks a tenant, keeps the session alive and signs out, and a
// copy of the signed-out cookie is refused: nothing of it waits for the
// write, which is released only once they are done. Before sessions were
// signed cookies, signing in, picking a tenant and signing out were
// writes: they failed as busy, or waited for the server's own import.
func TestTheConsoleDoesNotWaitForAWriter(t *testing.T) {
	old := sqlite.BusyTimeout
	sqlite.BusyTimeout = 5 * time.Second
	t.Cleanup(func() { sqlite.BusyTimeout = old })
	for _, own := range []bool{false, true} {
		t.Run(map[bool]string{false: "another handle", true: "the server's handle"}[own], func(t *testing.T) {
			e := newEnv(t)
			pw := e.operator("root", roster.RoleAdmin, "")
			holder := e.db
			if !own {
				holder = sqlitetest.Another(t, e.db)
			}
			release := sqlitetest.HoldWrite(t, holder)

			a := e.signIn("root", pw)
			for _, path := range []string{"/", "/columns", "/setup", "/clients"} {
				res, body := a.get(path)
				expect(t, res, body, http.StatusOK)
			}
			res, body := a.post("/tenant", url.Values{"tenant": {"acme"}})
			expect(t, res, body, http.StatusSeeOther)
			res, body = a.get("/setup")
			expect(t, res, body, http.StatusOK, "name: acme")
			if strings.Contains(body, "name: default") {
				t.Error("the tenant picked is not kept")
			}
			// A minute on, the next page signs the cookie again with the
			// time; the form token stays the session's.
			token := a.csrf
			e.clock.Add(2 * time.Minute)
			res, body = a.get("/columns")
			expect(t, res, body, http.StatusOK)
			if sessionCookie(res) == nil {
				t.Error("the cookie was not signed again after two minutes")
			}
			if a.csrf != token {
				t.Error("the form token changed with the cookie")
			}
			u, _ := url.Parse(e.url)
			cookies := a.c.Jar.Cookies(u)
			res, body = a.post("/logout", url.Values{})
			expect(t, res, body, http.StatusSeeOther)
			if c := sessionCookie(res); c == nil || c.MaxAge >= 0 {
				t.Errorf("sign-out does not clear the cookie: %+v", c)
			}
			replay := e.agent()
			replay.c.Jar.SetCookies(u, cookies)
			if res, _ := replay.get("/columns"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("a copy of the signed-out cookie: %d", res.StatusCode)
			}
			release()
		})
	}
}

// Every server of a directory takes the cookies another signed, and sees
// at once a sign-out made through another, and a disable or a new password
// made by the command.
func TestSessionsAreKnownToEveryServer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	b := e.another()
	pw := e.operator("root", roster.RoleAdmin, "")
	anaPW, bobPW := e.operator("ana", roster.RoleViewer, "default"), e.operator("bob", roster.RoleViewer, "default")
	u, _ := url.Parse(e.url)
	ub, _ := url.Parse(b.url)

	// A browser whose session, made on e, goes to b (one site behind a
	// load balancer; here, two addresses).
	a := e.signIn("root", pw)
	ab := b.agent()
	ab.c.Jar.SetCookies(ub, a.c.Jar.Cookies(u))
	if res, body := ab.get("/clients"); res.StatusCode != http.StatusOK {
		t.Fatalf("a cookie of another server: %d %s", res.StatusCode, body)
	}
	// Its form token holds on the other server: it is the session's.
	res, body := ab.post("/tenant", url.Values{"tenant": {"acme"}, "csrf": {a.csrf}})
	expect(t, res, body, http.StatusSeeOther)

	cookies := a.c.Jar.Cookies(u)
	res, body = a.post("/logout", url.Values{})
	expect(t, res, body, http.StatusSeeOther)
	e.db.Close() // writes what may have waited for the write lock
	replay := b.agent()
	replay.c.Jar.SetCookies(ub, cookies)
	if res, _ := replay.get("/columns"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out cookie on another server: %d", res.StatusCode)
	}

	// roster operators reset-password and disable, in another process.
	ana, bob := b.signIn("ana", anaPW), b.signIn("bob", bobPW)
	cli, err := sqlite.OpenExisting(ctx, b.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.SetOperatorPassword(ctx, "ana", "another hash"); err != nil {
		t.Fatal(err)
	}
	if err := cli.DisableOperator(ctx, "BOB", time.Now()); err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*agent{"ana": ana, "bob": bob} {
		if res, _ := a.get("/columns"); res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "expired=1") {
			t.Errorf("%s: %d to %s", name, res.StatusCode, res.Header.Get("Location"))
		}
	}
}
