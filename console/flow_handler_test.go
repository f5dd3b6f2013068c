package console_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// upload drops a file as the import page's form does, without script, and
// returns the job's path.
func (a *agent) upload(name string, body []byte) string {
	a.e.t.Helper()
	a.get("/import")
	res, page := a.send("/import", nil, name, body)
	job := strings.TrimSuffix(res.Header.Get("Location"), "/map")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(job, "/jobs/") {
		a.e.t.Fatalf("the upload answered %d: %s", res.StatusCode, page)
	}
	return job
}

// checked waits for a job to end, reading its page.
func (a *agent) checked(job string) string {
	a.e.t.Helper()
	for range 500 {
		if _, page := a.get(job); !strings.Contains(page, `data-job=`) {
			return page
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.e.t.Fatalf("%s did not end", job)
	return ""
}

// Every new form that changes something needs the page's token, the
// forms that send a file as their first part; without it nothing changes.
func TestFlowFormsNeedTheirCSRFToken(t *testing.T) {
	e := newEnv(t)
	e.seed("firstname,username,groups\nDana,dana,Sales\n")
	a := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	job := a.upload("commpeak-users.csv", readFixture(t, "commpeak-users.csv"))
	a.checked(job)
	dana := e.uuidOf("dana")
	for _, token := range []string{"", "wrong"} {
		for _, path := range []string{job + "/map", job + "/apply", job + "/cancel", "/users/" + dana, "/users/" + dana + "/delete",
			"/delete/confirm", "/groups", "/groups/Sales/remove"} {
			res, body := a.post(path, url.Values{"csrf": {token}, "name": {"x"}, "user": {dana}, "on_existing": {"fail"}, "mode": {"atomic"},
				"col.lastname": {"Forged"}})
			expect(t, res, body, http.StatusForbidden, "did not come from this console")
		}
		for _, path := range []string{"/import", "/delete", "/groups/Sales/add"} {
			res, body := a.send(path, url.Values{"csrf": {token}, "refs": {"dana"}}, "users.csv", []byte("username\ndana\n"))
			expect(t, res, body, http.StatusForbidden, "did not come from this console")
		}
	}
	// A file form's token must come first: read after the file, it would
	// come too late to refuse the upload.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", "users.csv")
	fw.Write([]byte("username\nmallory\n"))
	mw.WriteField("csrf", a.csrf)
	mw.Close()
	res, err := a.c.Post(e.url+"/import", mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	res, body := a.read(res)
	expect(t, res, body, http.StatusForbidden, "did not come from this console")

	u, err := e.db.FindUser(context.Background(), "", "uuid", dana, false)
	if err != nil || u.Lastname != "" || len(u.Groups) != 1 {
		t.Fatalf("dana after forged forms: %+v, %v", u, err)
	}
	if list, _ := e.db.Sets(context.Background(), "group", ""); len(list) != 1 {
		t.Errorf("groups after forged forms: %+v", list)
	}
}

// The new forms say what is wrong with their input, in words, and change
// nothing.
func TestFlowFormsRefuseBadInput(t *testing.T) {
	e := newEnv(t)
	e.seed("firstname,username,groups\nDana,dana,Sales\n")
	a := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	job := a.upload("commpeak-users.csv", readFixture(t, "commpeak-users.csv"))
	a.checked(job)
	base := url.Values{"on_existing": {"fail"}, "mode": {"atomic"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, c := range []struct {
		path   string
		form   url.Values
		status int
		says   string
	}{
		{job + "/map", with("on_existing", "overwrite"), 400, "fail, skip or update"},
		{job + "/map", with("mode", "some"), 400, "all or nothing"},
		{job + "/map", with("column.0", "email"), 400, "are both read as email"},
		{job + "/map", with("column.1", "nickname"), 400, "There is no column &#34;nickname&#34;"},
		{job + "/map", with("column.9", "email"), 400, "The file has no column J"},
		{job + "/map", with("generate", "everything"), 400, "nothing to generate called"},
		{job + "/map", with("password_digits", "1"), 400, "Digits only is for generated passwords"},
		{job + "/map", with("other.1.column", "password", "other.1.value", "secret1"), 400, "password is a secret"},
		{job + "/map", with("other.1.value", "x"), 400, "Choose the column that gets the value"},
		{job + "/map", with("other.1.column", "lastname"), 400, "Give the value of lastname"},
		{job + "/map", with("same.role", "agent", "other.1.column", "role", "other.1.value", "user"), 400, "role is given two values"},
		{job + "/map", with("other.1.column", "lastname", "other.1.value", "a\x07b"), 400, "control character"},
		{"/jobs/01900000-0000-7000-8000-000000000000/map", base, 404, "no job"},
		{"/jobs/01900000-0000-7000-8000-000000000000/apply", url.Values{}, 404, "no job"},
		{"/groups", url.Values{"name": {""}}, 422, "the name cannot be used"},
		{"/groups", url.Values{"name": {"sales"}}, 409, "already a group"},
		{"/groups/Sales/remove", url.Values{}, 400, "Tick the members to remove."},
		{"/groups/Nope/remove", url.Values{"user": {"dana"}}, 404, "no group"},
		{"/delete/confirm", url.Values{}, 400, "names no user"},
		{"/users/" + e.uuidOf("dana"), url.Values{"col.email": {"nope"}, "version": {`"1"`}}, 412, "Someone changed this user"},
	} {
		res, body := a.post(c.path, c.form)
		if res.StatusCode != c.status {
			t.Errorf("%s %v", c.path, c.form)
		}
		expect(t, res, body, c.status, c.says)
	}
	for _, c := range []struct {
		path string
		refs string
		file string
		says string
	}{
		{"/import", "", "", "Choose a file to send."},
		{"/delete", "", "", "Choose a file, or type the users"},
		{"/groups/Sales/add", "  \n", "", "Choose a file, or type the users"},
		{"/delete", strings.Repeat("x", 1<<20+1), "", "longer than 1 MiB"},
	} {
		a.get("/import")
		fields := url.Values{}
		if c.refs != "" {
			fields.Set("refs", c.refs)
		}
		res, body := a.send(c.path, fields, c.file, nil)
		expect(t, res, body, http.StatusBadRequest, c.says)
	}
	for _, c := range []struct{ path, says string }{
		{job + "/plan?action=explode", "filtered by create"},
		{job + "/plan?page=0", "numbered from 1"},
		{"/users?q=" + strings.Repeat("q", 257), "at most 256"},
		{"/export?format=pdf", "CSV, XLSX, ODS or ZIP"},
	} {
		res, body := a.get(c.path)
		expect(t, res, body, http.StatusBadRequest, c.says)
	}
	// A viewer is refused every page that changes something.
	v := e.signIn("vera", e.operator("vera", roster.RoleViewer, "default"))
	for _, path := range []string{"/import", job + "/map", job + "/apply", "/delete"} {
		res, body := v.get(path)
		expect(t, res, body, http.StatusForbidden, "Your role is viewer")
	}
	for _, path := range []string{job + "/cancel", "/groups", "/users/" + e.uuidOf("dana") + "/delete"} {
		res, body := v.post(path, url.Values{"name": {"x"}})
		expect(t, res, body, http.StatusForbidden, "Your role is viewer")
	}
	if u, _ := e.db.FindUser(context.Background(), "", "username", "dana", false); u == nil || u.Email != "" {
		t.Errorf("dana after bad forms: %+v", u)
	}
}

// The upload's script reads JSON: a session ended while the page was open,
// a viewer, or a form without its token is told in words it can show,
// not with a sign-in or message page it cannot read. A browser without the
// script still gets the pages. A session ended mid-flow sends the next page
// to the sign-in form, and back.
func TestFlowAfterTheSessionEnds(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	job := a.upload("commpeak-users.csv", readFixture(t, "commpeak-users.csv"))
	a.checked(job)
	script := func(a *agent, csrf string) (*http.Response, string) {
		t.Helper()
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("csrf", csrf)
		fw, _ := mw.CreateFormFile("file", "users.csv")
		fw.Write([]byte("username\nmallory\n"))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.url+"/import", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Accept", "application/json")
		res, err := a.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return a.read(res)
	}
	wantJSON := func(res *http.Response, body string, status int, says string) {
		t.Helper()
		if res.StatusCode != status || res.Header.Get("Content-Type") != "application/json" || !strings.Contains(body, `"error":"`+says) {
			t.Errorf("the script is answered %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	res, body := script(a, "wrong")
	wantJSON(res, body, http.StatusForbidden, "This form has expired")
	v := e.signIn("vera", e.operator("vera", roster.RoleViewer, "default"))
	res, body = script(v, v.csrf)
	wantJSON(res, body, http.StatusForbidden, "Your role is viewer")

	// The first request after 8 idle hours is told the session ended, and
	// its cookie is dropped; the next ones come without a session.
	e.clock.Add(8*time.Hour + time.Minute)
	res, _ = a.post(job+"/apply", url.Values{})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/login?expired=1" {
		t.Errorf("an apply sent after 8 idle hours: %d to %q", res.StatusCode, loc)
	}
	res, body = script(a, a.csrf)
	wantJSON(res, body, http.StatusUnauthorized, "You are signed out")
	res, _ = a.send("/import", nil, "users.csv", []byte("username\nmallory\n"))
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/login" {
		t.Errorf("a file sent without a session: %d to %q", res.StatusCode, loc)
	}
	res, _ = a.get(job + "/plan?action=create")
	if loc := res.Header.Get("Location"); loc != "/login?next="+url.QueryEscape(job+"/plan?action=create") {
		t.Errorf("the plan without a session: %d to %q", res.StatusCode, loc)
	}
	if _, err := e.db.FindUser(context.Background(), "", "username", "mallory", false); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("mallory: %v", err)
	}
	if _, err := e.db.FindUser(context.Background(), "", "username", "sup.one", false); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("the import was applied after the session ended: %v", err)
	}
}

// A header that names no column is ignored, with the nearest column's name
// as a hint; the one its name gives is chosen; the required columns that
// nothing gives are listed at the top.
func TestMappingPagePreselectsAndHints(t *testing.T) {
	e := newEnv(t)
	a := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	job := a.upload("users.csv", []byte("Emial,First Name,exten\nann@example.com,Ann,1001\n"))
	res, page := a.get(job + "/map")
	expect(t, res, page, http.StatusOK, "Required columns that nothing gives yet", "<code>context</code>",
		`<span class="hint" id="hint-0">Nearest column: <code>email</code></span>`, "<code>ann@example.com</code>")
	for i, want := range []string{"", "firstname", "exten"} {
		sel := regexp.MustCompile(`(?s)<select id="column-` + strconv.Itoa(i) + `".*?</select>`).FindString(page)
		if chosen := regexp.MustCompile(`<option(?: value="")? selected>([^<]*)<`).FindStringSubmatch(sel); chosen == nil ||
			(want == "" && chosen[1] != "ignore") || (want != "" && chosen[1] != want) {
			t.Errorf("header %d is read as %q, want %q", i, chosen, want)
		}
	}
}

// The users are listed 50 to a page, with their groups, and searched; a
// viewer exports them in each format, an operator of one tenant only its
// own.
func TestUsersPagedSearchedAndExported(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("username,email,groups,tenant\nzed,zed@example.com,Night,acme\n")
	for i := range 55 {
		fmt.Fprintf(&b, "user%02d,user%02d@example.com,Day,default\n", i, i)
	}
	e.seed(b.String())
	v := e.signIn("vera", e.operator("vera", roster.RoleViewer, "default"))
	res, page := v.get("/users")
	expect(t, res, page, http.StatusOK, "user00@example.com", "<td>Day</td>", "Next page")
	if n := strings.Count(page, `<tr>`) - 1; n != 50 {
		t.Errorf("the first page lists %d users", n)
	}
	next := regexp.MustCompile(`href="(/users\?cursor=[^"]+)"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	res, page = v.get(html.UnescapeString(next[1]))
	expect(t, res, page, http.StatusOK, "user54@example.com")
	if strings.Contains(page, "user00@") || strings.Contains(page, "Next page") {
		t.Errorf("the last page:\n%s", page)
	}
	res, page = v.get("/users?q=user1")
	expect(t, res, page, http.StatusOK, "user10", "user19")
	if n := strings.Count(page, `<tr>`) - 1; n != 10 {
		t.Errorf("%d users match user1", n)
	}
	for _, format := range []string{"csv", "xlsx", "ods", "zip"} {
		res, body := v.get("/export?format=" + format)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "users-") || len(body) < 100 {
			t.Errorf("the %s export: %d %s", format, res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		if format == "csv" && (strings.Count(body, "\n") != 56 || strings.Contains(body, "zed")) {
			t.Errorf("the CSV export of default:\n%s", body)
		}
	}
}

// A user's edit with a value the catalogue refuses says which and changes
// nothing; an import applied is not applied again, nor is a check that
// failed to read its file.
func TestFlowEditAndApplyRefuseBadInput(t *testing.T) {
	e := newEnv(t)
	e.seed("firstname,username\nDana,dana\n")
	a := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	dana := e.uuidOf("dana")
	_, page := a.get("/users/" + dana + "/edit")
	version := regexp.MustCompile(`name="version" value="([^"]*)"`).FindStringSubmatch(page)
	if version == nil {
		t.Fatalf("the edit form has no version:\n%s", page)
	}
	res, body := a.post("/users/"+dana, url.Values{"col.email": {"not an email"}, "col.exten": {"12ab"}, "version": {html.UnescapeString(version[1])}})
	expect(t, res, body, http.StatusUnprocessableEntity, "Nothing was saved.", "not a valid email", `aria-invalid="true"`)
	if u, _ := e.db.FindUser(context.Background(), "", "uuid", dana, false); u == nil || u.Email != "" {
		t.Errorf("dana after a refused edit: %+v", u)
	}

	job := a.upload("users.csv", []byte("username\nzoe\n"))
	a.checked(job)
	res, _ = a.post(job+"/apply", url.Values{})
	imported := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(imported, "/jobs/") {
		t.Fatalf("apply: %d to %q", res.StatusCode, imported)
	}
	a.checked(imported)
	res, body = a.post(imported+"/apply", url.Values{})
	expect(t, res, body, http.StatusConflict, "only a dry run")

	bad := a.upload("users.xlsx", []byte("not a workbook"))
	a.checked(bad)
	res, body = a.post(bad+"/apply", url.Values{})
	expect(t, res, body, http.StatusConflict, "only a dry run")
}
