package http_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/provision"
)

// The preview of a job's file names each header's column as a run would
// read it (by name or alias, by map, or ignored with a hint), its first
// values, and the required columns nothing gives.
func TestPreviewReadsTheHeadOfAJobsFile(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("default")
	j := e.run(tok, "commpeak-users.csv", fixture(t, "commpeak-users.csv"), "dry_run=true&map=Role=")
	var p provision.Preview
	e.decode(e.get("/api/v1/jobs/"+j.ID+"/preview?rows=2", tok), http.StatusOK, &p)
	if p.Format != "csv" || p.Separator != "," || p.HeaderRow != 1 || len(p.Rows) != 2 || p.Rows[0].Row != 2 {
		t.Fatalf("preview: %+v", p)
	}
	got := map[string]string{}
	for _, c := range p.Columns {
		got[c.Header] = c.Column + "/" + c.By
	}
	want := map[string]string{"Username": "username/name", "Email": "email/name", "Virtual Extension": "exten/name",
		"Role": "/map", "Skill Group": "skill_groups/name", "Desk": "desk/name"}
	for h, w := range want {
		if got[h] != w {
			t.Errorf("%s is read as %q, want %q", h, got[h], w)
		}
	}
	if v := p.Columns[0].Values; !slices.Equal(v, []string{"agent.one", "agent.two"}) {
		t.Errorf("first values %q", v)
	}
	var missing []string
	for _, m := range p.Missing {
		missing = append(missing, m.Column)
	}
	if !slices.Equal(missing, []string{"line_protocol", "context"}) {
		t.Errorf("missing %v", p.Missing)
	}

	// A header that is nearly a column's name gets it as a hint; one
	// mapped to password shows its values as ***, in the rows too.
	body := []byte("frist_name,Agent Pass\nAnn,hunter22\n")
	j = e.run(tok, "pass.csv", body, "dry_run=true&map=Agent Pass=password")
	p = provision.Preview{}
	e.decode(e.get("/api/v1/jobs/"+j.ID+"/preview", tok), http.StatusOK, &p)
	if p.Columns[0].Column != "" || p.Columns[0].Hint != "firstname" || p.Columns[1].Column != "password" ||
		p.Columns[1].Values[0] != "***" || p.Rows[0].Cells[1] != "***" {
		t.Errorf("preview: %+v", p)
	}
	if len(p.Missing) != 1 || p.Missing[0].Column != "firstname" {
		t.Errorf("missing %+v", p.Missing)
	}
	var rows struct {
		Header []string `json:"header"`
		Rows   []struct {
			Row   int      `json:"row"`
			Cells []string `json:"cells"`
		} `json:"rows"`
	}
	e.decode(e.get("/api/v1/jobs/"+j.ID+"/rows?row=2", tok), http.StatusOK, &rows)
	if len(rows.Rows) != 1 || rows.Rows[0].Cells[1] != "***" || rows.Rows[0].Cells[0] != "Ann" {
		t.Errorf("rows %+v", rows)
	}
	if b, _ := e.fetch(tok, "/api/v1/jobs/"+j.ID+"/preview"); bytes.Contains(b, []byte("hunter22")) {
		t.Error("the preview shows a password")
	}

	// Another tenant's client finds no such job.
	other := e.writer("acme")
	e.problem(e.get("/api/v1/jobs/"+j.ID+"/preview", other), http.StatusNotFound)
	e.problem(e.get("/api/v1/jobs/"+j.ID+"/rows?row=2", other), http.StatusNotFound)
}

// A workbook's preview lists its sheets and reads the one asked for.
func TestPreviewOfAnotherSheet(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "Read me")
	f.SetCellValue("Read me", "A1", "Fill in the second sheet")
	f.NewSheet("People")
	f.SetSheetRow("People", "A1", &[]any{"firstname", "email"})
	f.SetSheetRow("People", "A2", &[]any{"Ann", "ann@example.com"})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	j := e.run(tok, "book.xlsx", b.Bytes(), "dry_run=true")
	var p provision.Preview
	e.decode(e.get("/api/v1/jobs/"+j.ID+"/preview", tok), http.StatusOK, &p)
	if !slices.Equal(p.Sheets, []string{"Read me", "People"}) || p.Sheet != "Read me" || p.Problem == "" {
		t.Errorf("first sheet: %+v", p)
	}
	p = provision.Preview{}
	e.decode(e.get("/api/v1/jobs/"+j.ID+"/preview?sheet=2", tok), http.StatusOK, &p)
	if p.Sheet != "People" || p.Columns[1].Column != "email" || p.Rows[0].Cells[0] != "Ann" || p.Problem != "" {
		t.Errorf("second sheet: %+v", p)
	}
	e.problem(e.get("/api/v1/jobs/"+j.ID+"/preview?sheet=Nope", tok), http.StatusUnprocessableEntity)
}

// A job run again on an earlier job's file, with other options, reads the
// same file (nothing is uploaded) and has options of its own.
func TestRerunReadsTheEarlierFile(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("default")
	first := e.run(tok, "commpeak-users.csv", fixture(t, "commpeak-users.csv"), "dry_run=true")
	if first.Result.Failed != 2 {
		t.Fatalf("the first check: %+v", first.Result)
	}
	q := "dry_run=true&generate=exten&generate=password&set=line_protocol=webrtc&set=context=default&map=Role=&set=role=agent&wait=60s"
	var j roster.Job
	e.decode(e.do(http.MethodPost, "/api/v1/jobs/"+first.ID+"/rerun?"+q, nil, "Authorization", "Bearer "+tok), http.StatusAccepted, &j)
	if j.Status != roster.JobSucceeded || j.Result.Failed != 0 || *j.Result.Created != 4 || j.File != first.File || j.Tenant != "default" {
		t.Fatalf("the rerun: %+v %+v", j, j.Result)
	}
	plan, _ := e.fetch(tok, "/api/v1/jobs/"+j.ID+"/plan")
	if bytes.Count(plan, []byte(`"create"`)) != 4 {
		t.Errorf("plan %s", plan)
	}
	// The options are the rerun's own: none comes from the first job.
	e.decode(e.do(http.MethodPost, "/api/v1/jobs/"+j.ID+"/rerun?dry_run=true&wait=60s", nil, "Authorization", "Bearer "+tok), http.StatusAccepted, &j)
	if j.Result.Failed != 2 {
		t.Errorf("a rerun without options: %+v", j.Result)
	}

	post := func(path string, token string) *http.Response {
		return e.do(http.MethodPost, path, nil, "Authorization", "Bearer "+token)
	}
	e.problem(post("/api/v1/jobs/"+first.ID+"/rerun?filename=x.csv", tok), http.StatusBadRequest)
	e.problem(post("/api/v1/jobs/"+first.ID+"/rerun?colour=red", tok), http.StatusBadRequest)
	e.problem(post("/api/v1/jobs/"+first.ID+"/rerun?mode=all", tok), http.StatusBadRequest)
	e.problem(post("/api/v1/jobs/01900000-0000-7000-8000-000000000000/rerun", tok), http.StatusNotFound)
	e.problem(post("/api/v1/jobs/"+first.ID+"/rerun", e.writer("acme")), http.StatusNotFound)
	id, secret := e.client("default", roster.ScopeUsersRead)
	e.problem(post("/api/v1/jobs/"+first.ID+"/rerun", e.token(id, secret)), http.StatusForbidden)
}

// The plan can be read a page at a time, of one action.
func TestPlanByActionAndPage(t *testing.T) {
	e := newEnv(t)
	tok := e.writer("")
	j := e.run(tok, "mistakes.csv", fixture(t, "mistakes.csv"), "dry_run=true")
	lines := func(query string) []string {
		b, res := e.fetch(tok, "/api/v1/jobs/"+j.ID+"/plan?"+query)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", query, res.StatusCode, b)
		}
		return strings.Fields(string(b))
	}
	if l := lines("action=error&limit=3"); len(l) != 3 || !strings.Contains(l[0], `"row":3,`) {
		t.Errorf("the first errors: %q", l)
	}
	if l := lines("action=error&offset=13&limit=3"); len(l) != 1 || !strings.Contains(l[0], `"row":16,`) {
		t.Errorf("the last page of errors: %q", l)
	}
	if l := lines("action=create"); len(l) != 2 || !strings.Contains(l[1], `"row":17,`) {
		t.Errorf("the creates: %q", l)
	}
	if l := lines("offset=15"); len(l) != 1 {
		t.Errorf("from the 16th row: %q", l)
	}
	e.problem(e.get("/api/v1/jobs/"+j.ID+"/plan?action=explode", tok), http.StatusUnprocessableEntity)

	// Its failed rows, as the file has them, several at once.
	var rows struct {
		Rows []struct {
			Row   int      `json:"row"`
			Cells []string `json:"cells"`
		} `json:"rows"`
	}
	e.decode(e.get("/api/v1/jobs/"+j.ID+"/rows?row=9&row=4&row=99", tok), http.StatusOK, &rows)
	if len(rows.Rows) != 2 || rows.Rows[0].Row != 4 || rows.Rows[0].Cells[3] != "bob@" || rows.Rows[1].Cells[2] != "alice" {
		t.Errorf("rows 4 and 9: %+v", rows)
	}
}

// The console calls the API in the process, on behalf of an operator: no
// token, the principal's scopes and tenant hold.
func TestOnBehalfOfAPrincipal(t *testing.T) {
	e := newEnv(t)
	call := func(p *rhttp.Principal, method, path string) int {
		req := httptest.NewRequestWithContext(rhttp.OnBehalf(context.Background(), p), method, path, nil)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		return rec.Code
	}
	viewer := &rhttp.Principal{ClientID: "operator:v", Scopes: []string{roster.ScopeUsersRead}, Tenant: "default"}
	if code := call(viewer, http.MethodGet, "/api/v1/users"); code != http.StatusOK {
		t.Errorf("a viewer lists users: %d", code)
	}
	if code := call(viewer, http.MethodPost, "/api/v1/groups"); code != http.StatusForbidden {
		t.Errorf("a viewer creates a group: %d", code)
	}
	// Over the network, the same request needs its token.
	res := e.do(http.MethodGet, "/api/v1/users", nil)
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d", res.StatusCode)
	}
}
