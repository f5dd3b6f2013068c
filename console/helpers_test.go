package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/jobs"
	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
	"github.com/roster-dev/roster/throttle"
)

// clock is a clock the tests move forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a real `roster serve` handler, the API and the console, on a
// loopback port over a real SQLite directory.
type env struct {
	t     testing.TB
	db    *sqlite.DB
	url   string
	clock *clock
}

// maxFailures is how many failed sign-ins an address may make in a minute
// in the tests.
const maxFailures = 5

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, func(*console.Config) {})
}

// newEnvWith is newEnv with a change to the console's configuration.
func newEnvWith(t testing.TB, change func(*console.Config)) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := serve(t, db, &clock{now: time.Now()}, change)
	// A second tenant, so that tenant-bound operators have a neighbour.
	ref := roster.DefaultReference()
	ref.Tenants = append(ref.Tenants, roster.Tenant{Name: "acme", DefaultRole: "user",
		Contexts: []roster.Context{{Name: "acme-internal", Kind: roster.Internal, Ranges: []string{"3000-3999"}}},
		Roles:    []roster.Object{{Name: "user"}}})
	if _, err := db.SetReference(context.Background(), ref, false); err != nil {
		t.Fatal(err)
	}
	return e
}

// another starts a second server on the same directory file, through a
// handle of its own, as a second `roster serve` would.
func (e *env) another() *env {
	e.t.Helper()
	return serve(e.t, sqlitetest.Another(e.t, e.db), e.clock, func(*console.Config) {})
}

// serve starts `roster serve`'s handler over an open directory, with its
// keys read as the command reads them when it starts.
func serve(t testing.TB, db *sqlite.DB, clock *clock, change func(*console.Config)) *env {
	t.Helper()
	e := &env{t: t, db: db, clock: clock}
	log := slog.New(slog.NewJSONHandler(testWriter{t}, nil))
	limiter := throttle.New(maxFailures, time.Minute)
	keys, err := roster.LoadKeys(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	cfg := console.Config{Directory: db, Clients: db, Operators: db, Keys: keys, Limiter: limiter, Logger: log, Now: e.clock.Now}
	change(&cfg)
	con := console.New(cfg)
	runner, err := jobs.New(jobs.Config{Directory: db, Store: db, Dir: filepath.Join(t.TempDir(), "data"), Log: log, Now: e.clock.Now,
		Words: rhttp.APIWords, Problem: rhttp.JobProblem})
	if err != nil {
		t.Fatal(err)
	}
	srv := rhttp.New(rhttp.Config{Directory: db, Clients: db, Keys: keys, Logger: log, Limiter: limiter, Console: con, Now: e.clock.Now,
		Jobs: runner})
	if err := srv.Open("127.0.0.1:0", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.url = srv.BaseURL()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return e
}

// testWriter sends the server's log to the test's.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// operator creates an operator as `roster operators create` does and
// returns its password; tenant "" binds it to all tenants.
func (e *env) operator(name, role, tenant string) string {
	e.t.Helper()
	pw := "pw of " + name + " is long"
	o := &roster.Operator{ID: uuid.NewString(), Name: name, Role: role, Tenant: tenant, AllTenants: tenant == "",
		PasswordHash: password.Hash(pw), CreatedAt: e.clock.Now()}
	if err := e.db.CreateOperator(context.Background(), o); err != nil {
		e.t.Fatal(err)
	}
	return pw
}

// agent is a browser without JavaScript: a cookie jar that does not
// follow redirects, so that the tests see them.
type agent struct {
	e    *env
	c    *http.Client
	csrf string // the token of the last page read
}

func (e *env) agent() *agent {
	jar, _ := cookiejar.New(nil)
	return &agent{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get reads a page, and keeps its CSRF token.
func (a *agent) get(path string) (*http.Response, string) {
	a.e.t.Helper()
	res, err := a.c.Get(a.e.url + path)
	if err != nil {
		a.e.t.Fatal(err)
	}
	return a.read(res)
}

// post sends a form as a browser would, with the token of the last page
// read unless the form names its own csrf.
func (a *agent) post(path string, form url.Values) (*http.Response, string) {
	a.e.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", a.csrf)
	}
	res, err := a.c.PostForm(a.e.url+path, form)
	if err != nil {
		a.e.t.Fatal(err)
	}
	return a.read(res)
}

func (a *agent) read(res *http.Response) (*http.Response, string) {
	a.e.t.Helper()
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		a.e.t.Fatal(err)
	}
	if m := csrfInput.FindSubmatch(b); m != nil {
		a.csrf = string(m[1])
	}
	return res, string(b)
}

// signIn signs an operator in through the form, and checks that it
// worked.
func (e *env) signIn(name, pw string) *agent {
	e.t.Helper()
	a := e.agent()
	a.get("/login")
	res, body := a.post("/login", url.Values{"name": {name}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in of %s: status %d: %s", name, res.StatusCode, body)
	}
	a.get("/")
	return a
}

// expect checks a status and that the page says something.
func expect(t testing.TB, res *http.Response, body string, status int, says ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, body)
		return
	}
	for _, s := range says {
		if !strings.Contains(body, s) {
			t.Errorf("%s %s: the page does not say %q: %s", res.Request.Method, res.Request.URL.Path, s, body)
		}
	}
}

// send posts a form that sends a file, as a browser does: the token
// first, then the fields, then the file part (named file) when name is not
// empty.
func (a *agent) send(path string, fields url.Values, name string, body []byte) (*http.Response, string) {
	a.e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if _, ok := fields["csrf"]; !ok {
		mw.WriteField("csrf", a.csrf)
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		for _, v := range fields[k] {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(body)
	}
	mw.Close()
	res, err := a.c.Post(a.e.url+path, mw.FormDataContentType(), &b)
	if err != nil {
		a.e.t.Fatal(err)
	}
	return a.read(res)
}

// seed imports users into the directory, as a file would.
func (e *env) seed(csv string) {
	e.t.Helper()
	src := sheet.NewSource("seed.csv", strings.NewReader(csv), int64(len(csv)), nil)
	res, err := provision.Import(context.Background(), e.db, src, provision.Options{})
	if err != nil || res.Failed > 0 {
		e.t.Fatalf("seeding: %+v, %v", res, err)
	}
}

// uuidOf finds a user's uuid by username.
func (e *env) uuidOf(username string) string {
	e.t.Helper()
	u, err := e.db.FindUser(context.Background(), "", "username", username, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.UUID
}
