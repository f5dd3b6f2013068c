package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	rhttp "github.com/roster-dev/roster/http"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead)
	tok := e.token(id, secret)

	res := e.do(http.MethodGet, "/api/v1/setup", nil)
	if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("missing token: WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
	}
	e.problem(res, http.StatusUnauthorized)
	e.problem(e.get("/api/v1/setup", "not-a-token"), http.StatusUnauthorized)
	e.problem(e.do(http.MethodGet, "/api/v1/setup", nil, "Authorization", "Basic "+tok), http.StatusUnauthorized)

	// Wazo's header carries the same token.
	e.decode(e.do(http.MethodGet, "/api/v1/setup", nil, "X-Auth-Token", tok), http.StatusOK, nil)

	// A valid token without the scope: 403, and the scope it needs.
	res = e.do(http.MethodPut, "/api/v1/setup", strings.NewReader("tenants: []"), "Authorization", "Bearer "+tok)
	if !strings.Contains(res.Header.Get("WWW-Authenticate"), `scope="setup:write"`) {
		t.Errorf("insufficient scope: WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
	}
	e.problem(res, http.StatusForbidden)

	// The public endpoints need nothing.
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
		e.decode(e.do(http.MethodGet, p, nil), http.StatusOK, nil)
	}
}

func TestTenants(t *testing.T) {
	e := newEnv(t)
	if _, err := e.db.SetReference(context.Background(), &roster.Reference{Tenants: []roster.Tenant{{Name: "acme"}}}, false); err != nil {
		t.Fatal(err)
	}
	id, secret := e.client("acme", roster.ScopeUsersRead, roster.ScopeSetupWrite)
	bound := e.token(id, secret)
	id, secret = e.client("", roster.ScopeUsersRead)
	all := e.token(id, secret)

	tenants := func(res *http.Response) []string {
		var ref roster.Reference
		e.decode(res, http.StatusOK, &ref)
		var names []string
		for _, t := range ref.Tenants {
			names = append(names, t.Name)
		}
		return names
	}
	// A bound client sees its tenant only; a client of all tenants sees
	// them all, or the one Wazo-Tenant names.
	if got := tenants(e.get("/api/v1/setup", bound, "Accept", "application/json")); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("bound: %v", got)
	}
	if got := tenants(e.get("/api/v1/setup", bound, "Accept", "application/json", "Wazo-Tenant", "ACME")); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("bound, its own tenant named: %v", got)
	}
	if got := tenants(e.get("/api/v1/setup", all, "Accept", "application/json")); !slices.Equal(got, []string{"default", "acme"}) {
		t.Errorf("all tenants: %v", got)
	}
	if got := tenants(e.get("/api/v1/setup", all, "Accept", "application/json", "Wazo-Tenant", "acme")); !slices.Equal(got, []string{"acme"}) {
		t.Errorf("all tenants, one named: %v", got)
	}
	// Another tenant and an unknown one get the same answer.
	other := e.problem(e.get("/api/v1/setup", bound, "Wazo-Tenant", "default"), http.StatusForbidden)
	unknown := e.problem(e.get("/api/v1/setup", bound, "Wazo-Tenant", "nowhere"), http.StatusForbidden)
	if strings.ReplaceAll(other["detail"].(string), "default", "X") != strings.ReplaceAll(unknown["detail"].(string), "nowhere", "X") {
		t.Errorf("the answers tell the tenants apart: %v / %v", other, unknown)
	}
	e.problem(e.get("/api/v1/setup", all, "Wazo-Tenant", "nowhere"), http.StatusForbidden)
	// The reference data is the whole directory's.
	e.problem(e.do(http.MethodPut, "/api/v1/setup", strings.NewReader("tenants: [{name: acme}]"),
		"Authorization", "Bearer "+bound, "Content-Type", "application/yaml"), http.StatusForbidden)
}

func TestSetup(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead, roster.ScopeSetupWrite)
	tok := e.token(id, secret)
	put := func(contentType, body, query string) *http.Response {
		return e.do(http.MethodPut, "/api/v1/setup"+query, strings.NewReader(body), "Authorization", "Bearer "+tok, "Content-Type", contentType)
	}
	var out struct {
		Changes []string `json:"changes"`
	}
	yaml := "tenants:\n  - name: default\n    roles: [{name: user}, {name: agent}, {name: supervisor}, {name: admin}, {name: auditor}]\n"
	e.decode(put("application/yaml", yaml, ""), http.StatusOK, &out)
	if !slices.Equal(out.Changes, []string{"added role default/auditor"}) {
		t.Errorf("changes: %q", out.Changes)
	}
	e.decode(put("application/yaml", yaml, ""), http.StatusOK, &out)
	if out.Changes == nil || len(out.Changes) != 0 {
		t.Errorf("applied twice: %q", out.Changes)
	}
	e.decode(put("application/json", `{"tenants":[{"name":"acme","contexts":[{"name":"acme-int","kind":"internal","ranges":["3000-3999"]}]}]}`, ""), http.StatusOK, &out)
	if len(out.Changes) != 2 {
		t.Errorf("JSON: %q", out.Changes)
	}

	// What GET shows, PUT takes back unchanged, in YAML as in JSON.
	res := e.get("/api/v1/setup", tok)
	if res.Header.Get("Content-Type") != "application/yaml" {
		t.Errorf("GET: %s", res.Header.Get("Content-Type"))
	}
	shown, _ := io.ReadAll(res.Body)
	e.decode(put("application/yaml", string(shown), "?prune=true"), http.StatusOK, &out)
	if len(out.Changes) != 0 {
		t.Errorf("setup --show applied again: %q", out.Changes)
	}
	res = e.get("/api/v1/setup", tok, "Accept", "application/json")
	shown, _ = io.ReadAll(res.Body)
	e.decode(put("application/json", string(shown), "?prune=true"), http.StatusOK, &out)
	if len(out.Changes) != 0 {
		t.Errorf("JSON applied again: %q", out.Changes)
	}
	// Prune removes what the body leaves out.
	e.decode(put("application/yaml", yaml, "?prune=true"), http.StatusOK, &out)
	if !slices.Contains(out.Changes, "removed tenant acme") {
		t.Errorf("prune: %q", out.Changes)
	}

	p := e.problem(put("application/yaml", "tenants: [{name: x, colour: red}]", ""), http.StatusBadRequest)
	if !strings.Contains(p["detail"].(string), "colour") {
		t.Errorf("an unknown key: %v", p)
	}
	e.problem(put("application/xml", "<tenants/>", ""), http.StatusUnsupportedMediaType)
	e.problem(put("application/json", `{"tenants":[{"name":"`+strings.Repeat("a", 1<<20)+`"}]}`, ""), http.StatusRequestEntityTooLarge)
	e.problem(e.do(http.MethodPut, "/api/v1/setup?prune=maybe", strings.NewReader(yaml), "Authorization", "Bearer "+tok), http.StatusUnprocessableEntity)
}

func TestColumnsAndTemplate(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("default", roster.ScopeUsersRead)
	tok := e.token(id, secret)
	var cols []catalog.Info
	e.decode(e.get("/api/v1/columns", tok), http.StatusOK, &cols)
	if len(cols) != len(catalog.Columns) || cols[0].Name != catalog.Columns[0].Name || cols[0].Rule == "" {
		t.Errorf("columns: %d, first %+v", len(cols), cols[0])
	}

	res := e.get("/api/v1/template", tok)
	b, _ := io.ReadAll(res.Body)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(b), "uuid,") {
		t.Errorf("CSV template: %s %q", res.Header.Get("Content-Type"), b)
	}
	res = e.get("/api/v1/template?format=xlsx", tok)
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "roster-template.xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	f, err := excelize.OpenReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("users", "A1"); got != "uuid" {
		t.Errorf("XLSX template A1 %q", got)
	}
	e.problem(e.get("/api/v1/template?format=pdf", tok), http.StatusUnprocessableEntity)
}

// Every error is a problem, the mux's own 404 and 405 included.
func TestProblems(t *testing.T) {
	e := newEnv(t)
	e.problem(e.do(http.MethodGet, "/api/v1/nothing", nil), http.StatusNotFound)
	res := e.do(http.MethodDelete, "/healthz", nil)
	if res.Header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
	e.problem(res, http.StatusMethodNotAllowed)
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	e.decode(e.do(http.MethodGet, "/readyz", nil), http.StatusOK, nil)
	e.db.Close()
	res := e.do(http.MethodGet, "/readyz", nil)
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	e.problem(res, http.StatusServiceUnavailable)
	e.decode(e.do(http.MethodGet, "/healthz", nil), http.StatusOK, nil)
}

func TestMetrics(t *testing.T) {
	e := newEnvWith(t, rhttp.Config{MetricsToken: "m-token"})
	e.decode(e.do(http.MethodGet, "/healthz", nil), http.StatusOK, nil)
	e.problem(e.do(http.MethodGet, "/api/v1/columns/x", nil), http.StatusNotFound)
	e.problem(e.do(http.MethodGet, "/metrics", nil), http.StatusUnauthorized)
	e.problem(e.do(http.MethodGet, "/metrics", nil, "Authorization", "Bearer wrong"), http.StatusUnauthorized)
	res := e.do(http.MethodGet, "/metrics", nil, "Authorization", "Bearer m-token")
	b, _ := io.ReadAll(res.Body)
	for _, want := range []string{
		`roster_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`,
		`roster_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`roster_http_request_duration_seconds_bucket{method="GET",route="GET /healthz",le="0.001"}`,
		`# TYPE roster_jobs_total counter`, `# TYPE roster_rows_total counter`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// The OpenAPI document is valid OpenAPI 3.1 and lists exactly the routes
// the server serves.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	res := e.do(http.MethodGet, "/api/v1/openapi.json", nil)
	b, _ := io.ReadAll(res.Body)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %s", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaDefaultsValidation(), openapi3.EnableExamplesValidation(), openapi3.EnableSchemaFormatValidation()); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range e.srv.Routes() {
		served[r] = true
		if !documented[r] {
			t.Errorf("served, not documented: %s", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("documented, not served: %s", r)
		}
	}
	// The token endpoint documents both bodies it takes, and the
	// operations their scopes.
	tokenOp := doc.Paths.Find("/oauth2/token").Post
	if tokenOp.RequestBody == nil || tokenOp.RequestBody.Value.Content.Get("application/json") == nil ||
		tokenOp.RequestBody.Value.Content.Get("application/x-www-form-urlencoded") == nil {
		t.Error("the token request body is not documented")
	}
	put := doc.Paths.Find("/api/v1/setup").Put
	if put.Security == nil || !slices.Contains((*put.Security)[0]["oauth2"], roster.ScopeSetupWrite) {
		t.Error("PUT /api/v1/setup does not document its scope")
	}
	if !json.Valid(b) || !bytes.Contains(b, []byte(`"clientCredentials"`)) {
		t.Error("no client credentials flow in the document")
	}
}

// A setup that would remove what users still use is a conflict.
func TestSetupConflict(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tx, err := e.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := roster.NewUser()
	u.Username, u.Firstname, u.Tenant, u.Role = "alice", "Alice", "default", "agent"
	if err := tx.Create(ctx, []*roster.User{u}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	id, secret := e.client("", roster.ScopeSetupWrite)
	res := e.do(http.MethodPut, "/api/v1/setup?prune=true", strings.NewReader("tenants:\n  - name: default\n    roles: [{name: user}]\n"),
		"Authorization", "Bearer "+e.token(id, secret), "Content-Type", "application/yaml")
	if p := e.problem(res, http.StatusConflict); p["type"] != "urn:roster:problem:conflict" || !strings.Contains(p["detail"].(string), "agent") {
		t.Errorf("%v", p)
	}
}

// An internal failure answers 500 and "Internal error.", never its cause.
func TestInternalError(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead)
	tok := e.token(id, secret)
	e.db.Close()
	if p := e.problem(e.get("/api/v1/setup", tok), http.StatusInternalServerError); p["detail"] != "Internal error." {
		t.Errorf("%v", p)
	}
}
