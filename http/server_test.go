package http_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/jobs"
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

// env is a real server on a loopback port over a real directory (see
// newStoreName).
type env struct {
	t     *testing.T
	db    store
	path  string
	srv   *rhttp.Server
	url   string
	clock *clock
	jobs  *jobs.Runner
	data  string // the jobs' data folder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, rhttp.Config{})
}

// newEnvWith is newEnv with a configuration.
func newEnvWith(t *testing.T, cfg rhttp.Config) *env {
	t.Helper()
	path := newStoreName(t)
	return serve(t, openStore(t, path), path, cfg)
}

// serve starts a server over an open directory. Addresses may fail 1000
// token requests a minute, but where cfg says otherwise.
func serve(t *testing.T, db store, path string, cfg rhttp.Config) *env {
	t.Helper()
	e := &env{t: t, db: db, path: path, clock: &clock{now: time.Now()}}
	cfg.Directory, cfg.Clients, cfg.Keys, cfg.Now = db, db, keysOf(t, db), e.clock.Now
	cfg.Logger = slog.New(slog.NewJSONHandler(testWriter{t}, nil))
	if cfg.MaxFailures == 0 {
		cfg.MaxFailures = 1000
	}
	var runner *jobs.Runner
	if cfg.Jobs == nil {
		var err error
		runner, err = jobs.New(jobs.Config{Directory: db, Store: db, Dir: filepath.Join(t.TempDir(), "data"), Log: cfg.Logger,
			Now: e.clock.Now, Words: rhttp.APIWords, Problem: rhttp.JobProblem})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Jobs = runner
	}
	e.jobs, e.data = cfg.Jobs, cfg.Jobs.Dir()
	e.srv = rhttp.New(cfg)
	if err := e.srv.Open("127.0.0.1:0", "", ""); err != nil {
		t.Fatal(err)
	}
	if runner != nil {
		if err := runner.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	e.url = e.srv.BaseURL()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, 10*time.Second) }()
	t.Cleanup(func() {
		// A connection the client dialed but never sent a request on
		// (under load, its transport dials more than it uses) is one that
		// net/http's Shutdown waits five seconds for: closed here, and the
		// grace period longer than those five seconds for one still being
		// dialed, it is not taken for a request still running.
		http.DefaultClient.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return e
}

// keysOf reads (or makes) the directory's keys, as roster serve does when
// it starts.
func keysOf(t testing.TB, db roster.ClientService) *roster.Keys {
	t.Helper()
	keys, err := roster.LoadKeys(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// testWriter sends the server's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// client creates a client with a secret, as `roster clients create` does.
func (e *env) client(tenant string, scopes ...string) (id, secret string) {
	e.t.Helper()
	secret = roster.NewSecret()
	id = e.store(&roster.Client{Tenant: tenant, AllTenants: tenant == "", Scopes: scopes, SecretHash: roster.HashSecret(secret)})
	return id, secret
}

// keyClient creates a client that signs assertions with a key.
func (e *env) keyClient(pub crypto.PublicKey, scopes ...string) string {
	e.t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.store(&roster.Client{AllTenants: true, Scopes: scopes,
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
}

func (e *env) store(c *roster.Client) string {
	e.t.Helper()
	c.ID, c.Name, c.CreatedAt = uuid.NewString(), "test", e.clock.Now()
	if err := e.db.CreateClient(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// token gets an access token with a form body.
func (e *env) token(id, secret string, scope ...string) string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if len(scope) > 0 {
		form.Set("scope", strings.Join(scope, " "))
	}
	res := e.post("/oauth2/token", "application/x-www-form-urlencoded", form.Encode())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	e.decode(res, http.StatusOK, &tok)
	return tok.AccessToken
}

func (e *env) post(path, contentType, body string, header ...string) *http.Response {
	e.t.Helper()
	return e.do(http.MethodPost, path, strings.NewReader(body), append(header, "Content-Type", contentType)...)
}

// do sends a request with headers given as name, value pairs.
func (e *env) do(method, path string, body io.Reader, header ...string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { res.Body.Close() })
	return res
}

// get sends a GET with a bearer token.
func (e *env) get(path, token string, header ...string) *http.Response {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil, append(header, "Authorization", "Bearer "+token)...)
}

// decode checks the status and decodes a JSON answer.
func (e *env) decode(res *http.Response, status int, v any) {
	e.t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.StatusCode != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			e.t.Fatalf("%s: %v", b, err)
		}
	}
}

// problem checks that an answer is an RFC 9457 problem of a status.
func (e *env) problem(res *http.Response, status int) map[string]any {
	e.t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Errorf("%s: Content-Type %q, want application/problem+json", res.Request.URL.Path, ct)
	}
	var p map[string]any
	e.decode(res, status, &p)
	if p["type"] == "" || p["title"] == "" || p["status"] != float64(status) || p["detail"] == "" {
		e.t.Errorf("%s: not a full problem: %v", res.Request.URL.Path, p)
	}
	return p
}

// oauthError checks an error of the token endpoint (RFC 6749 §5.2).
func (e *env) oauthError(res *http.Response, status int, code string) string {
	e.t.Helper()
	var got struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	e.decode(res, status, &got)
	if got.Error != code {
		e.t.Errorf("error %q (%s), want %q", got.Error, got.Description, code)
	}
	if status == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
		e.t.Error("401 without WWW-Authenticate")
	}
	return got.Description
}
