package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/jobs"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

// server is a real HTTP server with jobs over a new directory, in this
// process, and a token of a client of all tenants that may do anything.
type server struct {
	t     *testing.T
	url   string
	token string
	db    *sqlite.DB
}

func newServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.DiscardHandler)
	runner, err := jobs.New(jobs.Config{Directory: db, Store: db, Dir: filepath.Join(dir, "data"), Log: log, Words: rhttp.APIWords, Problem: rhttp.JobProblem})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := roster.LoadKeys(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	srv := rhttp.New(rhttp.Config{Directory: db, Clients: db, Keys: keys, Logger: log, Jobs: runner})
	if err := srv.Open("127.0.0.1:0", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, 10*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	secret := roster.NewSecret()
	c := &roster.Client{ID: uuid.NewString(), Name: "test", AllTenants: true, Scopes: roster.Scopes,
		SecretHash: roster.HashSecret(secret), CreatedAt: time.Now()}
	if err := db.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, url: srv.BaseURL(), db: db}
	res, err := http.PostForm(s.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ID}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	s.token = tok.AccessToken
	return s
}

// do sends a request with the token and returns the answer's status and
// body.
func (s *server) do(method, path string, body io.Reader, contentType string) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, b
}

// job submits a file with options and waits for its job to end.
func (s *server) job(name string, file []byte, query url.Values) *roster.Job {
	s.t.Helper()
	query.Set("filename", name)
	query.Set("wait", "60s")
	status, b := s.do(http.MethodPost, "/api/v1/jobs?"+query.Encode(), bytes.NewReader(file), "application/octet-stream")
	var j roster.Job
	if status != http.StatusAccepted || json.Unmarshal(b, &j) != nil || !j.Status.Final() {
		s.t.Fatalf("submit %s: %d %s", name, status, b)
	}
	return &j
}

// The seed fixtures, with the options their products' users pass, as flags
// and as the API's parameters (flags that start with check are a check).
//
// An upload comes alone: the pictures a file names come with it in a ZIP.
// So the files that name pictures are given to the command line on
// standard input, which also comes alone, rather than beside a folder of
// pictures that the job would not have.
var jobCases = []struct {
	file  string
	flags []string
	query url.Values
	alone bool
}{
	{"wazo-users.csv", nil, url.Values{}, false},
	{"wazo-users.xlsx", nil, url.Values{}, false},
	{"wazo-users.ods", nil, url.Values{}, false},
	{"wazo-users.xls", nil, url.Values{}, false},
	{"wazo-users-bom.csv", nil, url.Values{}, false},
	{"wazo-users-cp1252.csv", nil, url.Values{}, false},
	{"trueconf-users.csv", nil, url.Values{}, true},
	{"trueconf-users.ods", []string{"--mode", "partial"}, url.Values{"mode": {"partial"}}, true},
	{"trueconf-users.xls", []string{"--mode", "partial"}, url.Values{"mode": {"partial"}}, true},
	{"trueconf-bundle.zip", nil, url.Values{}, false},
	{"commpeak-users.csv", []string{"--generate", "password,exten", "--set", "line_protocol=webrtc", "--set", "context=default"},
		url.Values{"generate": {"password", "exten"}, "set": {"line_protocol=webrtc", "context=default"}}, false},
	{"commpeak-users.xlsx", []string{"--generate", "password", "--generate", "exten", "--set", "line_protocol=webrtc", "--set", "context=default", "--mode", "partial"},
		url.Values{"generate": {"password,exten"}, "set": {"line_protocol=webrtc", "context=default"}, "mode": {"partial"}}, false},
	{"commpeak-users.ods", []string{"--dry-run", "--generate", "exten", "--set", "line_protocol=webrtc", "--set", "context=default"},
		url.Values{"dry_run": {"true"}, "generate": {"exten"}, "set": {"line_protocol=webrtc", "context=default"}}, false},
	{"commpeak-users-semicolon.csv", []string{"--dry-run"}, url.Values{"dry_run": {"true"}}, false},
	{"mistakes.csv", nil, url.Values{}, false},
	{"mistakes.csv", []string{"--mode", "partial", "--on-existing", "skip"}, url.Values{"mode": {"partial"}, "on_existing": {"skip"}}, false},
	{"mistakes.csv", []string{"check"}, url.Values{"command": {"check"}}, false},
	{"commpeak-users.xls", []string{"check", "--set", "line_protocol=webrtc", "--set", "context=default"},
		url.Values{"command": {"check"}, "set": {"line_protocol=webrtc", "context=default"}}, false},
}

// TestJobsAreTheCLI: each seed fixture as a job gives the result object
// and the report files that the command line gives for the same file and
// options: the two are one engine. What differs is what must: the file's
// name (a path for the CLI), where the reports are (folders, links), the
// words of hints (flags, parameters), and what is drawn at random (uuids,
// passwords).
func TestJobsAreTheCLI(t *testing.T) {
	for _, tc := range jobCases {
		t.Run(fmt.Sprintf("%s %s", tc.file, strings.Join(tc.flags, " ")), func(t *testing.T) {
			// Each run on a directory of its own, in both.
			dir := t.TempDir()
			copyFixture(t, dir, tc.file)
			b, err := os.ReadFile(filepath.Join(fixtures, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"--db", filepath.Join(dir, "roster.db"), "import", "--json", "--verbose", "--report-dir", filepath.Join(dir, "reports")}, tc.flags...)
			if len(tc.flags) > 0 && tc.flags[0] == "check" {
				args = append([]string{"check", "--json"}, tc.flags[1:]...) // with no directory at all
			}
			var out, errOut string
			var code int
			if tc.alone {
				out, errOut, code = runStdin(t, dir, string(b), append(args[2:], "-")...)
			} else {
				out, errOut, code = run(t, dir, append(args, tc.file)...)
			}
			if code > 1 {
				t.Fatalf("CLI: exit %d: %s", code, errOut)
			}
			cli := decode(t, out)
			if tc.alone {
				cli.File = tc.file
			}

			srv := newServer(t)
			query := url.Values{}
			for k, v := range tc.query {
				query[k] = v
			}
			j := srv.job(tc.file, b, query)
			if j.Status != roster.JobSucceeded || j.Result == nil {
				t.Fatalf("job %s: %+v", j.Status, j.Error)
			}
			api := *j.Result
			compareResults(t, cli, api)

			_, plan := srv.do(http.MethodGet, j.Links.Plan, nil, "")
			compareSteps(t, cli.Plan, plan)

			cliErrors, apiErrors := cli.Reports.Errors != nil, j.Links.Errors != nil
			if cliErrors != apiErrors {
				t.Fatalf("error report: CLI %v, API %v", cliErrors, apiErrors)
			}
			if cliErrors {
				_, report := srv.do(http.MethodGet, *j.Links.Errors, nil, "")
				want := readCells(t, *cli.Reports.Errors, nil)
				if got := readCells(t, filepath.Base(*cli.Reports.Errors), report); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("error reports differ:\nAPI %q\nCLI %q", got, want)
				}
			}
			cliSuccess, apiSuccess := cli.Reports.Success != nil, j.Links.Success != nil
			if cliSuccess != apiSuccess {
				t.Fatalf("success report: CLI %v, API %v", cliSuccess, apiSuccess)
			}
			if cliSuccess {
				_, report := srv.do(http.MethodGet, *j.Links.Success, nil, "")
				want := randomless(readCells(t, *cli.Reports.Success, nil))
				if got := randomless(readCells(t, "success.csv", report)); !slices.EqualFunc(got, want, slices.Equal) {
					t.Errorf("success reports differ:\nAPI %q\nCLI %q", got, want)
				}
			}
		})
	}
}

// hint is the end of a message that names an option.
var hint = regexp.MustCompile(` \(use [^)]*\)$`)

// compareResults holds the job's result against the CLI's.
func compareResults(t *testing.T, cli, api roster.Result) {
	t.Helper()
	if filepath.Base(cli.File) != api.File {
		t.Errorf("file %q, CLI %q", api.File, cli.File)
	}
	if (cli.Reports.Errors != nil) != (api.Reports.Errors != nil) || (cli.Reports.Success != nil) != (api.Reports.Success != nil) {
		t.Errorf("reports %+v, CLI %+v", api.Reports, cli.Reports)
	}
	if len(cli.Errors) != len(api.Errors) {
		t.Fatalf("%d problems, CLI %d", len(api.Errors), len(cli.Errors))
	}
	for i := range cli.Errors {
		c, a := cli.Errors[i], api.Errors[i]
		if hint.MatchString(c.Message) != hint.MatchString(a.Message) || strings.Contains(a.Message, "--") {
			t.Errorf("problem %q, CLI %q: the API names its parameters as the CLI its flags", a.Message, c.Message)
		}
		c.Message, a.Message = hint.ReplaceAllString(c.Message, ""), hint.ReplaceAllString(a.Message, "")
		if c != a {
			t.Errorf("problem %+v, CLI %+v", a, c)
		}
	}
	cli.File, api.File = "", ""
	cli.Reports, api.Reports = nil, nil
	cli.Errors, api.Errors = nil, nil
	cli.Plan, api.Plan = nil, nil
	cj, _ := json.Marshal(cli)
	aj, _ := json.Marshal(api)
	if !bytes.Equal(cj, aj) {
		t.Errorf("result\n%s\nCLI\n%s", aj, cj)
	}
}

// compareSteps holds a job's plan (JSON lines) against the CLI's: the same
// rows, actions and changes, and uuids where a row gives one.
func compareSteps(t *testing.T, cli []roster.Step, plan []byte) {
	t.Helper()
	var api []roster.Step
	dec := json.NewDecoder(bytes.NewReader(plan))
	for {
		var s roster.Step
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("plan: %v\n%s", err, plan)
		}
		api = append(api, s)
	}
	if len(api) != len(cli) {
		t.Fatalf("%d steps, CLI %d", len(api), len(cli))
	}
	for i := range cli {
		c, a := cli[i], api[i]
		if (c.UUID == "") != (a.UUID == "") {
			t.Errorf("step %+v, CLI %+v", a, c)
		}
		c.UUID, a.UUID = "", ""
		cj, _ := json.Marshal(c)
		aj, _ := json.Marshal(a)
		if !bytes.Equal(cj, aj) {
			t.Errorf("step %s, CLI %s", aj, cj)
		}
	}
}

// readCells reads a report's cells: the file at path, or data named so.
func readCells(t *testing.T, name string, data []byte) [][]string {
	t.Helper()
	var f *sheet.File
	var err error
	if data == nil {
		f, err = sheet.Open(name, sheet.Options{})
	} else {
		f, err = sheet.OpenReader(bytes.NewReader(data), int64(len(data)), name, sheet.Options{})
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	var out [][]string
	for {
		row, err := f.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, slices.Clone(row.Cells))
	}
}

// randomless blanks the uuid and the generated password of success.csv,
// which every run draws anew, keeping whether a password was there.
func randomless(rows [][]string) [][]string {
	for i, r := range rows {
		if i == 0 {
			continue
		}
		r[1] = ""
		if len(r) > 5 && r[5] != "" {
			r[5] = "drawn"
		}
	}
	return rows
}
