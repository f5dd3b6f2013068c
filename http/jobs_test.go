package http_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster"
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
