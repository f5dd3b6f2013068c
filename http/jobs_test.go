package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/jobs"
)

const fixtures = "../testdata/fixtures"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writer is a client that may import: users:write, users:read and
// secrets:read, of a tenant ("" for all of them).
func (e *env) writer(tenant string) string {
	e.t.Helper()
	id, secret := e.client(tenant, roster.ScopeUsersRead, roster.ScopeUsersWrite, roster.ScopeSecretsRead)
	return e.token(id, secret)
}

// submit posts a file as a raw body, its options in the query.
func (e *env) submit(tok, name string, body []byte, query string, header ...string) *http.Response {
	e.t.Helper()
	path := "/api/v1/jobs"
	q, _ := url.ParseQuery(query)
	if name != "" {
		q.Set("filename", name)
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return e.do(http.MethodPost, path, bytes.NewReader(body),
		append([]string{"Authorization", "Bearer " + tok, "Content-Type", "application/octet-stream"}, header...)...)
}

// submitForm posts a file as multipart/form-data, its options as fields.
func (e *env) submitForm(tok, name string, body []byte, fields url.Values, query string) *http.Response {
	e.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	path := "/api/v1/jobs"
	if query != "" {
		path += "?" + query
	}
	return e.do(http.MethodPost, path, &b, "Authorization", "Bearer "+tok, "Content-Type", mw.FormDataContentType())
}

// job decodes a job answer of a status.
func (e *env) job(res *http.Response, status int) *roster.Job {
	e.t.Helper()
	var j roster.Job
	e.decode(res, status, &j)
	return &j
}

// wait polls a job until it ends.
func (e *env) wait(tok, id string) *roster.Job {
	e.t.Helper()
	for {
		var j roster.Job
		e.decode(e.get("/api/v1/jobs/"+id, tok), http.StatusOK, &j)
		if j.Status.Final() {
			return &j
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// run submits a file and waits for its job to end.
func (e *env) run(tok, name string, body []byte, query string) *roster.Job {
	e.t.Helper()
	if query != "" {
		query += "&"
	}
	j := e.job(e.submit(tok, name, body, query+"wait=60s"), http.StatusAccepted)
	if !j.Status.Final() {
		e.t.Fatalf("job %s is %s after a minute", j.ID, j.Status)
	}
	return j
}

// fetch gets a job's file (plan, errors, success) and its status.
func (e *env) fetch(tok, path string) ([]byte, *http.Response) {
	e.t.Helper()
	res := e.get(path, tok)
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, res
}

// users counts the users of the directory.
func (e *env) users() int {
	e.t.Helper()
	n := 0
	if err := e.db.Export(context.Background(), "", false, func(*roster.User) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// holdWrites takes the directory's write lock until the returned function
// is called: jobs that write wait meanwhile (their rows too).
func (e *env) holdWrites() func() {
	e.t.Helper()
	tx, err := e.db.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { tx.Rollback() }) }
	e.t.Cleanup(release)
	return release
}

// TestJobLifecycle: a job is accepted with 202 and its Location, runs,
// and ends with the CLI's result object; its plan, errors and success
// reports are served, success.csv with generated passwords once.
func TestJobLifecycle(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	res := e.submit(tok, "", fixture(t, "commpeak-users.csv"), "generate=password&generate=exten&set=line_protocol%3Dwebrtc&set=context%3Ddefault&external_id=hr-42")
	j := e.job(res, http.StatusAccepted)
	if loc := res.Header.Get("Location"); loc != "/api/v1/jobs/"+j.ID {
		t.Errorf("Location %q", loc)
	}
	if j.ExternalID == nil || *j.ExternalID != "hr-42" || j.File.Name != "upload" || j.File.Format != "csv" || j.Command != "import" {
		t.Errorf("job %+v", j)
	}
	if want := `{"dry_run":false,"mode":"atomic","on_existing":"fail","generate":["password","exten"],"set":["line_protocol=webrtc","context=default"]}`; string(j.Options) != want {
		t.Errorf("options %s, want %s", j.Options, want)
	}
	var done roster.Job
	for {
		e.decode(e.get("/api/v1/jobs/"+j.ID, tok), http.StatusOK, &done)
		if done.Status.Final() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if done.Status != roster.JobSucceeded || done.Result == nil || !done.Result.Applied || *done.Result.Created != 4 {
		t.Fatalf("job %+v, result %+v", done, done.Result)
	}
	if done.Links.Success == nil || done.Result.Reports.Success == nil || *done.Result.Reports.Success != *done.Links.Success {
		t.Fatalf("links %+v, reports %+v", done.Links, done.Result.Reports)
	}
	if n := e.users(); n != 4 {
		t.Errorf("%d users, want 4", n)
	}
	plan, _ := e.fetch(tok, done.Links.Plan)
	if lines := strings.Count(string(plan), "\n"); lines != 4 {
		t.Errorf("plan of %d lines:\n%s", lines, plan)
	}
	success, res := e.fetch(tok, *done.Links.Success)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(success), "row,uuid,username,email,exten,password\n") {
		t.Fatalf("success: %d %s", res.StatusCode, success)
	}
	e.problem(e.get(*done.Links.Success, tok), http.StatusGone)
	if left, _ := filepath.Glob(filepath.Join(e.data, "jobs", j.ID, "reports", "success.csv")); len(left) > 0 {
		t.Error("success.csv with passwords is still on the server's disk after its download")
	}
}

// TestJobStatusCodes: every status of the job routes.
func TestJobStatusCodes(t *testing.T) {
	e := newEnvWith(t, rhttp.Config{MaxUpload: 4096})
	tok := e.writer("")
	id, secret := e.client("", roster.ScopeUsersRead)
	reader := e.token(id, secret)
	csv := fixture(t, "wazo-users.csv")

	e.problem(e.do(http.MethodPost, "/api/v1/jobs", bytes.NewReader(csv)), http.StatusUnauthorized)
	e.problem(e.submit(reader, "users.csv", csv, ""), http.StatusForbidden)
	for query, detail := range map[string]string{
		"colour=red":               `unknown option "colour"`,
		"mode=all":                 `the mode parameter must be atomic or partial, not "all"`,
		"generate=pin":             `the generate parameter takes password, exten or username, not "pin"`,
		"key=username":             "the key parameter and blank are options of update only",
		"command=delete":           `the command parameter must be import, update or check, not "delete"`,
		"dry_run=maybe":            `the dry_run parameter must be true or false`,
		"wait=2m":                  "the wait parameter must be between 0s and 1m0s",
		"mode=atomic&mode=partial": "the mode parameter is given 2 times",
		"map=nothing":              `the map parameter takes NAME=VALUE`,
		"max_errors=-1":            "the max_errors parameter must be a number, 0 or more",
	} {
		p := e.problem(e.submit(tok, "users.csv", csv, query), http.StatusBadRequest)
		if !strings.Contains(p["detail"].(string), detail) {
			t.Errorf("%s: %q, want %q", query, p["detail"], detail)
		}
	}
	e.problem(e.submit(tok, "users.csv", csv, "", "Idempotency-Key", "clé"), http.StatusBadRequest)
	e.problem(e.do(http.MethodPost, "/api/v1/jobs", bytes.NewReader(csv), "Authorization", "Bearer "+tok, "Content-Type", "image/png"),
		http.StatusUnsupportedMediaType)
	e.problem(e.submit(tok, "users.csv", bytes.Repeat(csv, 100), ""), http.StatusRequestEntityTooLarge)
	e.problem(e.submitForm(tok, "users.csv", bytes.Repeat(csv, 100), nil, ""), http.StatusRequestEntityTooLarge)
	if left := e.folders(); len(left) != 0 {
		t.Errorf("refused uploads left %d folders", len(left))
	}

	// A file that is no sheet: the job is accepted, and fails with a
	// problem that says why.
	j := e.run(tok, "users.xlsx", []byte("%PDF-1.7 not a workbook"), "")
	if j.Status != roster.JobFailed || j.Error == nil || j.Error.Status != http.StatusUnprocessableEntity || !strings.Contains(j.Error.Detail, "PDF") {
		t.Errorf("job %s, error %+v", j.Status, j.Error)
	}

	done := e.run(tok, "users.csv", csv, "")
	e.decode(e.get("/api/v1/jobs/"+done.ID, tok), http.StatusOK, nil)
	e.decode(e.get("/api/v1/jobs", tok), http.StatusOK, nil)
	e.problem(e.get("/api/v1/jobs/"+uuid.NewString(), tok), http.StatusNotFound)
	e.problem(e.get("/api/v1/jobs/..%2f..%2froster.db", tok), http.StatusNotFound)
	e.problem(e.get("/api/v1/jobs/"+done.ID+"/errors", tok), http.StatusNotFound)
	e.problem(e.get("/api/v1/jobs/"+done.ID+"/success", tok), http.StatusNotFound)
	e.problem(e.do(http.MethodPost, "/api/v1/jobs/"+done.ID+"/cancel", nil, "Authorization", "Bearer "+tok), http.StatusConflict)
	e.problem(e.do(http.MethodPost, "/api/v1/jobs/"+done.ID+"/apply", nil, "Authorization", "Bearer "+tok), http.StatusConflict)

	release := e.holdWrites()
	running := e.job(e.submit(tok, "users.csv", csv, ""), http.StatusAccepted)
	e.problem(e.do(http.MethodDelete, "/api/v1/jobs/"+running.ID, nil, "Authorization", "Bearer "+tok), http.StatusConflict)
	// Jobs wait behind the running one, up to the client's limit.
	var busy *http.Response
	for range jobs.DefaultMaxQueued + 1 {
		if res := e.submit(tok, "users.csv", csv, ""); res.StatusCode != http.StatusAccepted {
			busy = res
			break
		}
	}
	if busy == nil || busy.Header.Get("Retry-After") == "" {
		t.Fatalf("no 429 with Retry-After past %d jobs waiting", jobs.DefaultMaxQueued)
	}
	e.problem(busy, http.StatusTooManyRequests)
	release()

	res := e.do(http.MethodDelete, "/api/v1/jobs/"+done.ID, nil, "Authorization", "Bearer "+tok)
	e.decode(res, http.StatusNoContent, nil)
	e.problem(e.get("/api/v1/jobs/"+done.ID, tok), http.StatusNotFound)
	if _, err := os.Stat(filepath.Join(e.data, "jobs", done.ID)); !os.IsNotExist(err) {
		t.Errorf("the deleted job's folder is still there (%v)", err)
	}
}

// folders lists the jobs' folders.
func (e *env) folders() []string {
	e.t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.data, "jobs"))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, d := range entries {
		out = append(out, d.Name())
	}
	return out
}

// TestJobTenantIsolation: another tenant's job, plan, reports and events
// answer 404, as a job that does not exist; lists hold the tenant's jobs
// only.
func TestJobTenantIsolation(t *testing.T) {
	e := newEnv(t)
	ref := roster.DefaultReference()
	ref.Tenants[0].Name, ref.Tenants[0].ID = "acme", 0
	if _, err := e.db.SetReference(context.Background(), ref, false); err != nil {
		t.Fatal(err)
	}
	acme, other, all := e.writer("acme"), e.writer("default"), e.writer("")
	j := e.run(acme, "commpeak.csv", fixture(t, "commpeak-users.csv"), "generate=password&generate=exten&set=line_protocol%3Dwebrtc&set=context%3Ddefault&mode=partial&set=call_permission_password%3D8642")
	if j.Status != roster.JobSucceeded || j.Tenant != "acme" || j.Links.Success == nil {
		t.Fatalf("job %+v", j)
	}
	if strings.Contains(string(j.Options), "8642") || !strings.Contains(string(j.Options), `"call_permission_password=***"`) {
		t.Errorf("options %s: the value of a secret column shows", j.Options)
	}
	path := "/api/v1/jobs/" + j.ID
	for _, p := range []string{path, path + "/plan", path + "/errors", path + "/success", path + "/events"} {
		e.problem(e.get(p, other), http.StatusNotFound)
		e.problem(e.get(p, all, "Wazo-Tenant", "default"), http.StatusNotFound)
	}
	for _, p := range []string{path + "/apply", path + "/cancel"} {
		e.problem(e.do(http.MethodPost, p, nil, "Authorization", "Bearer "+other), http.StatusNotFound)
	}
	e.problem(e.do(http.MethodDelete, path, nil, "Authorization", "Bearer "+other), http.StatusNotFound)
	e.decode(e.get(path, all), http.StatusOK, nil)
	e.decode(e.get(path, all, "Wazo-Tenant", "acme"), http.StatusOK, nil)
	var list struct {
		Items []*roster.Job `json:"items"`
	}
	e.decode(e.get("/api/v1/jobs", other), http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Errorf("another tenant lists %d jobs", len(list.Items))
	}
	e.decode(e.get("/api/v1/jobs", acme), http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != j.ID {
		t.Errorf("the tenant lists %+v", list.Items)
	}
	// The users went to the client's tenant.
	n := 0
	e.db.Export(context.Background(), "acme", false, func(*roster.User) error { n++; return nil })
	if n != 4 {
		t.Errorf("%d users in acme, want 4", n)
	}
}

// TestJobIdempotencyKey: a retried upload with the same key and client
// within 24 hours returns the first job, without reading its body again;
// another client's key, or the key a day later, makes a new job.
func TestJobIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead, roster.ScopeUsersWrite)
	tok, other := e.token(id, secret), e.writer("")
	csv := fixture(t, "wazo-users.csv")
	first := e.job(e.submit(tok, "users.csv", csv, "wait=60s", "Idempotency-Key", "hr-2026-12-01"), http.StatusAccepted)
	res := e.submit(tok, "other.csv", []byte("not even a sheet"), "", "Idempotency-Key", "hr-2026-12-01")
	again := e.job(res, http.StatusAccepted)
	if again.ID != first.ID || res.Header.Get("Idempotent-Replayed") != "true" || res.Header.Get("Location") != "/api/v1/jobs/"+first.ID {
		t.Errorf("the retry made job %s (%q), want %s", again.ID, res.Header.Get("Idempotent-Replayed"), first.ID)
	}
	if j := e.job(e.submit(other, "users.csv", csv, "", "Idempotency-Key", "hr-2026-12-01"), http.StatusAccepted); j.ID == first.ID {
		t.Error("another client's key named the first client's job")
	}
	e.clock.Add(25 * time.Hour)
	tok = e.token(id, secret)
	if j := e.job(e.submit(tok, "users.csv", csv, "", "Idempotency-Key", "hr-2026-12-01"), http.StatusAccepted); j.ID == first.ID {
		t.Error("a key more than a day old named its job")
	}
	if n := e.users(); n != 4 {
		t.Errorf("%d users, want the file's 4 once", n)
	}
}

// TestJobWait: with ?wait= the answer comes when the job ends, or at the
// deadline with the job as it is.
func TestJobWait(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	csv := fixture(t, "wazo-users.csv")
	if j := e.job(e.submit(tok, "users.csv", csv, "wait=60"), http.StatusAccepted); j.Status != roster.JobSucceeded || j.Result == nil {
		t.Errorf("waited for: %s", j.Status)
	}
	release := e.holdWrites()
	j := e.job(e.submit(tok, "more.csv", csv, "wait=100ms"), http.StatusAccepted)
	if j.Status.Final() || j.Result != nil {
		t.Errorf("a job that cannot run yet answered %s", j.Status)
	}
	release()
}

// sse reads server-sent events.
type sse struct {
	sc *bufio.Scanner
}

type event struct {
	id   int64
	name string
	data string
}

func (e *env) events(tok, id string, last int64) *sse {
	e.t.Helper()
	header := []string{"Authorization", "Bearer " + tok}
	if last > 0 {
		header = append(header, "Last-Event-ID", strconv.FormatInt(last, 10))
	}
	res := e.do(http.MethodGet, "/api/v1/jobs/"+id+"/events", nil, header...)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return &sse{sc: bufio.NewScanner(res.Body)}
}

func (s *sse) next(t *testing.T) event {
	t.Helper()
	var ev event
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "":
			if ev.name != "" {
				return ev
			}
		case strings.HasPrefix(line, "id: "):
			ev.id, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
	t.Fatalf("the events ended: %v", s.sc.Err())
	return ev
}

// TestJobEvents: progress events while the job waits and runs, then one
// done event with the whole job; a reconnection with Last-Event-ID goes on
// after it; a finished job sends done at once.
func TestJobEvents(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	release := e.holdWrites()
	j := e.job(e.submit(tok, "users.csv", fixture(t, "wazo-users.csv"), ""), http.StatusAccepted)
	first := e.events(tok, j.ID, 0).next(t)
	if first.name != "progress" || first.id < 1 || !strings.Contains(first.data, `"stage"`) {
		t.Fatalf("first event %+v", first)
	}
	// Reconnected after the first event: the next one comes when the job
	// moves on, and is numbered after it.
	again := e.events(tok, j.ID, first.id)
	release()
	var ids []int64
	var done event
	for {
		ev := again.next(t)
		ids = append(ids, ev.id)
		if ev.name == "done" {
			done = ev
			break
		}
	}
	if !slices.IsSorted(ids) || ids[0] <= first.id {
		t.Errorf("event ids %v after %d", ids, first.id)
	}
	var whole roster.Job
	if err := json.Unmarshal([]byte(done.data), &whole); err != nil || whole.ID != j.ID || whole.Status != roster.JobSucceeded || whole.Result == nil {
		t.Fatalf("done %s: %v", done.data, err)
	}
	if ev := e.events(tok, j.ID, 0).next(t); ev.name != "done" {
		t.Errorf("a finished job sent %q first", ev.name)
	}
	if ev := e.events(tok, j.ID, 1000).next(t); ev.name != "done" || ev.id <= 1000 {
		t.Errorf("a finished job after Last-Event-ID 1000 sent %+v", ev)
	}
}

// TestJobCancel: a queued job and a running atomic one stop when cancelled,
// and nothing is written.
func TestJobCancel(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	release := e.holdWrites()
	waiting := e.job(e.submit(tok, "a.csv", fixture(t, "wazo-users.csv"), ""), http.StatusAccepted)
	queued := e.job(e.submit(tok, "b.csv", fixture(t, "wazo-users.csv"), ""), http.StatusAccepted)
	for _, j := range []*roster.Job{queued, waiting} {
		c := e.job(e.do(http.MethodPost, "/api/v1/jobs/"+j.ID+"/cancel", nil, "Authorization", "Bearer "+tok), http.StatusOK)
		if c.Status != roster.JobCancelled {
			t.Errorf("cancelled job %s", c.Status)
		}
	}
	release()

	// Running: hashing generated passwords, which takes a while. On a host
	// loaded enough to starve the polls, a job may end before one of them
	// sees it hashing: then another is sent, a few times at most.
	var b strings.Builder
	b.WriteString("username,firstname\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "user%d,User\n", i)
	}
	var j *roster.Job
	before := 0
	for try := 1; j == nil; try++ {
		before = e.users()
		sent := e.job(e.submit(tok, fmt.Sprintf("many%d.csv", try), []byte(b.String()), "generate=password&on_existing=skip"), http.StatusAccepted)
		for {
			var cur roster.Job
			e.decode(e.get("/api/v1/jobs/"+sent.ID, tok), http.StatusOK, &cur)
			if cur.Progress != nil && cur.Progress.Stage == "hashing" {
				j = sent
				break
			}
			if cur.Status.Final() {
				if try == 3 {
					t.Fatalf("three jobs ended before a poll saw them hashing; the last %s", cur.Status)
				}
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	c := e.job(e.do(http.MethodPost, "/api/v1/jobs/"+j.ID+"/cancel", nil, "Authorization", "Bearer "+tok), http.StatusOK)
	if c.Status != roster.JobCancelled || c.Result != nil {
		t.Errorf("cancelled while running: %s", c.Status)
	}
	if n := e.users(); n != before {
		t.Errorf("cancelled atomic jobs wrote %d users", n-before)
	}
	e.problem(e.get("/api/v1/jobs/"+j.ID+"/success", tok), http.StatusNotFound)
}

// TestJobApplyDryRun: a dry run writes nothing; applied, its file is
// planned again against the directory as it is then, and written, as a
// new job.
func TestJobApplyDryRun(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	dry := e.run(tok, "users.csv", fixture(t, "wazo-users.csv"), "dry_run=true")
	if dry.Status != roster.JobSucceeded || !dry.Result.DryRun || *dry.Result.Created != 4 || e.users() != 0 {
		t.Fatalf("dry run %+v", dry.Result)
	}
	res := e.do(http.MethodPost, "/api/v1/jobs/"+dry.ID+"/apply", nil, "Authorization", "Bearer "+tok)
	applied := e.job(res, http.StatusAccepted)
	if applied.ID == dry.ID || applied.Applies == nil || *applied.Applies != dry.ID || res.Header.Get("Location") != "/api/v1/jobs/"+applied.ID {
		t.Fatalf("apply made %+v", applied)
	}
	done := e.wait(tok, applied.ID)
	if done.Result == nil || done.Result.DryRun || *done.Result.Created != 4 || e.users() != 4 {
		t.Errorf("applied: %+v, %d users", done.Result, e.users())
	}
	e.problem(e.do(http.MethodPost, "/api/v1/jobs/"+applied.ID+"/apply", nil, "Authorization", "Bearer "+tok), http.StatusConflict)
}

// TestJobRetention: jobs that ended longer ago than the retention are
// removed with their files.
func TestJobRetention(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	j := e.run(tok, "users.csv", fixture(t, "wazo-users.csv"), "")
	for {
		if stored, err := e.db.Job(context.Background(), j.ID); err == nil && stored.Status.Final() {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	id, secret := e.client("", roster.ScopeUsersRead)
	e.clock.Add(6 * 24 * time.Hour)
	if err := e.jobs.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok = e.token(id, secret)
	e.decode(e.get("/api/v1/jobs/"+j.ID, tok), http.StatusOK, nil)
	e.clock.Add(2 * 24 * time.Hour)
	tok = e.token(id, secret)
	if err := e.jobs.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.problem(e.get("/api/v1/jobs/"+j.ID, tok), http.StatusNotFound)
	if left := e.folders(); len(left) != 0 {
		t.Errorf("folders left: %v", left)
	}
}

// TestAJobWritesNothingOutsideTheDataFolder: the sheet of a ZIP, which is
// copied to be read, is copied into the job's folder, not the system's
// temporary folder (here one that does not exist, where a copy would fail
// the job).
func TestAJobWritesNothingOutsideTheDataFolder(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	e := newEnv(t)
	j := e.run(e.writer(""), "bundle.zip", fixture(t, "trueconf-bundle.zip"), "")
	if j.Status != roster.JobSucceeded || j.Result.Failed != 0 {
		t.Fatalf("job %s: %+v %+v", j.Status, j.Error, j.Result)
	}
}

// TestJobListPages: jobs are listed newest first, a page at a time, and
// by status and command.
func TestJobListPages(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	var ids []string
	for i, q := range []string{"", "command=check", "dry_run=true"} {
		j := e.run(tok, fmt.Sprintf("f%d.csv", i), fixture(t, "wazo-users.csv"), q)
		ids = append([]string{j.ID}, ids...)
	}
	type page struct {
		Items      []*roster.Job `json:"items"`
		NextCursor *string       `json:"next_cursor"`
	}
	var p page
	e.decode(e.get("/api/v1/jobs?limit=2", tok), http.StatusOK, &p)
	if len(p.Items) != 2 || p.Items[0].ID != ids[0] || p.Items[1].ID != ids[1] || p.NextCursor == nil {
		t.Fatalf("first page %+v", p)
	}
	e.decode(e.get("/api/v1/jobs?limit=2&cursor="+*p.NextCursor, tok), http.StatusOK, &p)
	if len(p.Items) != 1 || p.Items[0].ID != ids[2] || p.NextCursor != nil {
		t.Fatalf("second page %+v", p)
	}
	e.decode(e.get("/api/v1/jobs?command=check", tok), http.StatusOK, &p)
	if len(p.Items) != 1 || p.Items[0].Command != "check" {
		t.Errorf("checks %+v", p.Items)
	}
	e.decode(e.get("/api/v1/jobs?status=running", tok), http.StatusOK, &p)
	if len(p.Items) != 0 {
		t.Errorf("running %+v", p.Items)
	}
	e.problem(e.get("/api/v1/jobs?status=sleeping", tok), http.StatusUnprocessableEntity)
}
