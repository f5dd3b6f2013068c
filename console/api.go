package console

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
)

// The pages of users, jobs, imports, groups and rooms get their data from
// the server's API, called in the process on behalf of the operator
// (rhttp.OnBehalf): the same handlers, checks, scopes and tenants as a
// client's requests, so that nothing is possible here that the API does
// not allow.

// principal is what the operator may do through the API: a viewer reads,
// an operator also writes and receives generated passwords, an admin
// holds every scope. It acts on the tenant the session shows.
func principal(v *visit) *rhttp.Principal {
	p := &rhttp.Principal{ClientID: OperatorClientID(v.op.ID), AllTenants: v.op.AllTenants, Tenant: v.session.Tenant}
	if !v.op.AllTenants {
		p.Tenant = v.op.Tenant
	}
	switch v.op.Role {
	case roster.RoleAdmin:
		p.Scopes = roster.Scopes
	case roster.RoleOperator:
		p.Scopes = []string{roster.ScopeUsersRead, roster.ScopeUsersWrite, roster.ScopeSecretsRead}
	default:
		p.Scopes = []string{roster.ScopeUsersRead}
	}
	return p
}

// operatorPrefix marks the client ID of what an operator did through the
// console (a job's client_id): the operator's ID follows.
const operatorPrefix = "operator:"

// OperatorClientID is the client ID the API knows an operator by.
func OperatorClientID(operatorID string) string { return operatorPrefix + operatorID }

// apiError is an answer of the API that is not a success: its problem.
type apiError struct {
	Status int              `json:"status"`
	Detail string           `json:"detail"`
	Errors []roster.Problem `json:"errors"`
}

func (e *apiError) Error() string { return e.Detail }

// request is a call to the API: a method, a path with its query, and a
// body of a media type.
type request struct {
	method, path string
	query        url.Values
	body         io.Reader
	contentType  string
	header       http.Header
}

// call makes a request of the API for the visit's operator and writes its
// answer to w.
func (h *handler) call(r *http.Request, w http.ResponseWriter, q request) {
	target := q.path
	if len(q.query) > 0 {
		target += "?" + q.query.Encode()
	}
	ctx := rhttp.OnBehalf(r.Context(), principal(visitOf(r)))
	req, err := http.NewRequestWithContext(ctx, cmp.Or(q.method, http.MethodGet), target, q.body)
	if err != nil {
		panic(err) // the console's own paths
	}
	for k, vs := range q.header {
		req.Header[k] = vs
	}
	if q.contentType != "" {
		req.Header.Set("Content-Type", q.contentType)
	}
	req.RemoteAddr = r.RemoteAddr
	h.mux.ServeHTTP(w, req)
}

// answer is an API answer kept whole.
type answer struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }
func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}
func (a *answer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	return a.body.Write(b)
}

// fetch makes a request of the API and decodes its JSON answer into out
// (unless nil); an answer of 400 or more is an *apiError.
func (h *handler) fetch(r *http.Request, q request, out any) (http.Header, error) {
	a := &answer{header: http.Header{}}
	h.call(r, a, q)
	if a.status >= 400 {
		return a.header, problemOf(a)
	}
	if out != nil {
		if err := json.Unmarshal(a.body.Bytes(), out); err != nil {
			return a.header, roster.Errorf(roster.EINTERNAL, "reading the API's answer to %s %s: %v", q.method, q.path, err)
		}
	}
	return a.header, nil
}

// fetchJSON sends a JSON body.
func (h *handler) fetchJSON(r *http.Request, method, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	_, err = h.fetch(r, request{method: method, path: path, body: bytes.NewReader(b), contentType: "application/json"}, out)
	return err
}

func problemOf(a *answer) *apiError {
	e := &apiError{}
	if json.Unmarshal(a.body.Bytes(), e) != nil || e.Detail == "" {
		e.Detail = http.StatusText(a.status)
	}
	e.Status = a.status
	return e
}

// relay sends the API's answer to the browser as it comes (a download, a
// picture, a stream of events); an error is drawn as a page instead.
func (h *handler) relay(w http.ResponseWriter, r *http.Request, q request) {
	rw := &relayWriter{ResponseWriter: w}
	h.call(r, rw, q)
	if rw.failed != nil {
		h.fail(w, r, problemOf(rw.failed))
	}
}

// relayWriter passes an answer through, unless its status is an error:
// that is kept, to be drawn as a page.
type relayWriter struct {
	http.ResponseWriter
	failed *answer
	wrote  bool
}

func (rw *relayWriter) WriteHeader(status int) {
	if rw.wrote || rw.failed != nil {
		return
	}
	if status >= 400 {
		rw.failed = &answer{status: status, header: http.Header{}}
		return
	}
	rw.wrote = true
	rw.ResponseWriter.WriteHeader(status)
}

func (rw *relayWriter) Write(b []byte) (int, error) {
	rw.WriteHeader(http.StatusOK)
	if rw.failed != nil {
		return rw.failed.body.Write(b)
	}
	return rw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush the events of a job.
func (rw *relayWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// pathOf joins escaped segments into an API path.
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}
