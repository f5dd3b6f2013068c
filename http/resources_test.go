package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// call sends a request with a bearer token and a body (a string, or nil),
// with headers as name, value pairs.
func (e *env) call(method, path, token string, body any, header ...string) *http.Response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
		if !slices.Contains(header, "Content-Type") {
			header = append(header, "Content-Type", "application/json")
		}
	case []byte:
		r = bytes.NewReader(b)
	}
	return e.do(method, path, r, append(header, "Authorization", "Bearer "+token)...)
}

// user decodes a user object, and checks that its ETag is there.
func (e *env) user(res *http.Response, status int) (map[string]any, string) {
	e.t.Helper()
	var u map[string]any
	e.decode(res, status, &u)
	tag := res.Header.Get("ETag")
	if !strings.HasPrefix(tag, `"`) {
		e.t.Errorf("%s %s: ETag %q", res.Request.Method, res.Request.URL.Path, tag)
	}
	return u, tag
}

// editor is a client that may read and write users, of all tenants.
func (e *env) editor(scopes ...string) string {
	e.t.Helper()
	id, secret := e.client("", append([]string{roster.ScopeUsersRead, roster.ScopeUsersWrite}, scopes...)...)
	return e.token(id, secret)
}

// rowErrors returns the row problems of a 422, by column.
func rowErrors(p map[string]any) map[string]string {
	out := map[string]string{}
	list, _ := p["errors"].([]any)
	for _, x := range list {
		m := x.(map[string]any)
		out[m["column"].(string)] = m["message"].(string)
	}
	return out
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	res := e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Alice", "lastname": "Martin", "username": "alice",
		"email": "Alice.Martin@Example.com", "groups": ["IT", "Support"], "enabled": false, "ring_seconds": 45,
		"line_protocol": "sip", "context": "default", "exten": "1200", "password": "correct horse"}`)
	u, tag := e.user(res, http.StatusCreated)
	id, _ := u["uuid"].(string)
	if res.Header.Get("Location") != "/api/v1/users/"+id {
		t.Errorf("Location %q for %s", res.Header.Get("Location"), id)
	}
	for k, want := range map[string]any{"firstname": "Alice", "email": "Alice.Martin@example.com", "enabled": false,
		"ring_seconds": float64(45), "display_name": "Alice Martin", "tenant": "default", "exten": "1200", "avatar": nil, "desk": nil} {
		if !equalJSON(u[k], want) {
			t.Errorf("%s: %#v, want %#v", k, u[k], want)
		}
	}
	if !equalJSON(u["groups"], []any{"IT", "Support"}) || !equalJSON(u["tags"], []any{}) {
		t.Errorf("lists: groups %v, tags %v", u["groups"], u["tags"])
	}
	// No secret without asking, and never the password.
	for _, k := range []string{"password", "password_hash", "sip_secret"} {
		if _, ok := u[k]; ok {
			t.Errorf("the user shows %s", k)
		}
	}
	// The same user, by uuid, username or email in any case.
	for _, ref := range []string{id, "ALICE", "alice.martin@EXAMPLE.com"} {
		got, again := e.user(e.call(http.MethodGet, "/api/v1/users/"+url.PathEscape(ref), tok, nil), http.StatusOK)
		if got["uuid"] != id || again != tag {
			t.Errorf("%s: %v %s, want %s %s", ref, got["uuid"], again, id, tag)
		}
	}
	// The keys come in export order.
	raw, _ := io.ReadAll(e.call(http.MethodGet, "/api/v1/users/alice", tok, nil).Body)
	raw = bytes.TrimSpace(raw)
	if !bytes.HasPrefix(raw, []byte(`{"uuid":`)) || !bytes.HasSuffix(raw, []byte(`"provisioning_code":`+fmt.Sprintf("%q", u["provisioning_code"])+"}")) {
		t.Errorf("keys out of export order: %s", raw)
	}

	del := e.call(http.MethodDelete, "/api/v1/users/alice", tok, nil)
	e.decode(del, http.StatusNoContent, nil)
	e.problem(e.call(http.MethodGet, "/api/v1/users/"+id, tok, nil), http.StatusNotFound)
	e.problem(e.call(http.MethodDelete, "/api/v1/users/"+id, tok, nil), http.StatusNotFound)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// A user is checked as a row of an import: every problem at once, 422.
func TestCreateUserChecksItAsARow(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Bob", "username": "bob"}`), http.StatusCreated)
	p := e.problem(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Bob", "username": "BOB"}`), http.StatusUnprocessableEntity)
	if !strings.Contains(rowErrors(p)["username"], "already exists") {
		t.Errorf("an existing username: %v", p)
	}
	p = e.problem(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Bob", "username": "b", "email": "bob@",
		"language": "xx", "line_protocol": "sip", "password": "x", "role": "pilot"}`), http.StatusUnprocessableEntity)
	got := rowErrors(p)
	for _, col := range []string{"username", "email", "language", "context", "password", "role"} {
		if got[col] == "" {
			t.Errorf("no problem for %s: %v", col, got)
		}
	}
	if list := p["errors"].([]any); list[0].(map[string]any)["row"] != float64(0) {
		t.Errorf("a row number in a user's problems: %v", list[0])
	}
	for _, x := range p["errors"].([]any) {
		if m := x.(map[string]any); m["column"] == "password" && m["value"] != "***" {
			t.Errorf("a password shown in a problem: %v", m)
		}
	}
	// Keys that are no column, values of the wrong shape.
	p = e.problem(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "C", "usrname": "c", "mail": "c@x.org",
		"groups": "IT", "enabled": "maybe", "rooms": ["A,B"], "tags": [1], "lastname": true, "avatar": "x.png"}`), http.StatusUnprocessableEntity)
	got = rowErrors(p)
	for col, want := range map[string]string{"usrname": "did you mean username", "mail": "another name of the column email",
		"groups": "array", "rooms": "may not hold", "tags": "array of strings", "lastname": "must be a string", "avatar": "PUT"} {
		if !strings.Contains(got[col], want) {
			t.Errorf("%s: %q, want %q", col, got[col], want)
		}
	}
	if _, ok := got["enabled"]; ok {
		t.Errorf("enabled %q: a value is checked only once the keys are right", got["enabled"])
	}
	// Not a user object at all.
	for _, body := range []string{`[]`, `{"firstname": "A", "firstname": "B"}`, `{"firstname": "A"} {}`, `{"firstname":`, ``} {
		e.problem(e.call(http.MethodPost, "/api/v1/users", tok, body), http.StatusBadRequest)
	}
	e.problem(e.call(http.MethodPost, "/api/v1/users", tok, `{}`), http.StatusUnprocessableEntity)
	e.problem(e.call(http.MethodPost, "/api/v1/users", tok, `firstname=A`, "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType)
	e.problem(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "`+strings.Repeat("a", 1<<20)+`"}`), http.StatusRequestEntityTooLarge)
}

// PATCH is a JSON merge patch with the rules of update.
func TestMergePatch(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	created, _ := e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Alice", "lastname": "Martin", "username": "alice",
		"mobile_phone_number": "+33 6 12 34 56 78", "groups": ["IT", "Support"], "tags": ["a"], "line_protocol": "sip",
		"context": "default", "exten": "1200", "voicemail_name": "Alice", "voicemail_number": "1200", "voicemail_context": "default"}`), http.StatusCreated)
	path := "/api/v1/users/" + created["uuid"].(string)
	patch := func(body string, status int) map[string]any {
		t.Helper()
		res := e.call(http.MethodPatch, path, tok, body, "Content-Type", "application/merge-patch+json")
		if status != http.StatusOK {
			return e.problem(res, status)
		}
		u, _ := e.user(res, status)
		return u
	}
	// Absent keys untouched; null clears; an array replaces the set.
	u := patch(`{"lastname": "Liddell", "mobile_phone_number": null, "groups": ["Sales"], "tags": []}`, http.StatusOK)
	for k, want := range map[string]any{"lastname": "Liddell", "firstname": "Alice", "mobile_phone_number": nil,
		"groups": []any{"Sales"}, "tags": []any{}, "exten": "1200", "voicemail_number": "1200", "uuid": created["uuid"]} {
		if !equalJSON(u[k], want) {
			t.Errorf("%s: %#v, want %#v", k, u[k], want)
		}
	}
	// Every column of a resource cleared removes it; booleans and numbers.
	u = patch(`{"voicemail_name": null, "voicemail_number": null, "voicemail_context": null, "enabled": false, "simultaneous_calls": 7}`, http.StatusOK)
	if u["voicemail_number"] != nil || u["enabled"] != false || u["simultaneous_calls"] != float64(7) {
		t.Errorf("after the second patch: %v", u)
	}
	// An empty patch, and one that gives what is there, change nothing.
	_, before := e.user(e.call(http.MethodGet, "/api/v1/users/alice", tok, nil), http.StatusOK)
	for _, body := range []string{`{}`, `{"lastname": "Liddell", "uuid": "` + created["uuid"].(string) + `"}`} {
		res := e.call(http.MethodPatch, "/api/v1/users/alice", tok, body)
		if _, after := e.user(res, http.StatusOK); after != before {
			t.Errorf("%s moved the ETag from %s to %s", body, before, after)
		}
	}
	// The rules of update.
	for body, col := range map[string]string{
		`{"line_protocol": "sccp"}`:                                   "line_protocol",
		`{"firstname": null, "username": null, "display_name": null}`: "firstname",
		`{"uuid": "00000000-0000-4000-8000-000000000001"}`:            "uuid",
		`{"context": "nowhere"}`:                                      "context",
		`{"avatar": "/elsewhere"}`:                                    "avatar",
	} {
		if got := rowErrors(patch(body, http.StatusUnprocessableEntity)); got[col] == "" {
			t.Errorf("%s: no problem for %s: %v", body, col, got)
		}
	}
	if u := patch(`{}`, http.StatusOK); u["lastname"] != "Liddell" {
		t.Errorf("a refused patch changed the user: %v", u)
	}
	e.problem(e.call(http.MethodPatch, "/api/v1/users/alice", tok, `<user/>`, "Content-Type", "application/xml"), http.StatusUnsupportedMediaType)
	e.problem(e.call(http.MethodPatch, "/api/v1/users/nobody", tok, `{}`), http.StatusNotFound)
}

// ETags and If-Match: a write is made only on the version it names.
func TestIfMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	_, tag := e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Alice", "username": "alice"}`), http.StatusCreated)
	_, next := e.user(e.call(http.MethodPatch, "/api/v1/users/alice", tok, `{"lastname": "A"}`, "If-Match", tag), http.StatusOK)
	if next == tag {
		t.Fatalf("the ETag stays %s after a change", tag)
	}
	p := e.problem(e.call(http.MethodPatch, "/api/v1/users/alice", tok, `{"lastname": "B"}`, "If-Match", tag), http.StatusPreconditionFailed)
	if !strings.Contains(p["detail"].(string), next) {
		t.Errorf("the 412 does not give the ETag: %v", p)
	}
	e.problem(e.call(http.MethodPatch, "/api/v1/users/alice", tok, `{"lastname": "B"}`, "If-Match", "W/"+next), http.StatusPreconditionFailed)
	e.user(e.call(http.MethodPatch, "/api/v1/users/alice", tok, `{"lastname": "B"}`, "If-Match", `"x", `+next), http.StatusOK)
	_, now := e.user(e.call(http.MethodGet, "/api/v1/users/alice", tok, nil), http.StatusOK)
	e.problem(e.call(http.MethodDelete, "/api/v1/users/alice", tok, nil, "If-Match", next), http.StatusPreconditionFailed)
	// Joining a group is a write of the user too.
	e.decode(e.call(http.MethodPost, "/api/v1/groups/Sales/members?create=true", tok, `{"users": ["alice"]}`), http.StatusOK, nil)
	e.problem(e.call(http.MethodDelete, "/api/v1/users/alice", tok, nil, "If-Match", now), http.StatusPreconditionFailed)
	e.decode(e.call(http.MethodDelete, "/api/v1/users/alice", tok, nil, "If-Match", "*"), http.StatusNoContent, nil)
}

// Another tenant's users, groups and rooms answer 404 to a client bound to
// a tenant, and its users are "not found" in lists of references.
func TestResourcesOfAnotherTenant(t *testing.T) {
	e := newEnv(t)
	if _, err := e.db.SetReference(context.Background(), &roster.Reference{Tenants: []roster.Tenant{{Name: "acme", DefaultRole: "user",
		Roles: []roster.Object{{Name: "user"}}}}}, false); err != nil {
		t.Fatal(err)
	}
	all := e.editor()
	id, secret := e.client("acme", roster.ScopeUsersRead, roster.ScopeUsersWrite)
	acme := e.token(id, secret)
	e.user(e.call(http.MethodPost, "/api/v1/users", all, `{"firstname": "Dora", "username": "dora", "groups": ["Sales"], "rooms": ["Atlas"]}`), http.StatusCreated)
	mine, _ := e.user(e.call(http.MethodPost, "/api/v1/users", acme, `{"firstname": "Ann", "username": "ann"}`), http.StatusCreated)
	if mine["tenant"] != "acme" {
		t.Errorf("a bound client's user is in %v", mine["tenant"])
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/users/dora", ""}, {http.MethodPatch, "/api/v1/users/dora", `{"lastname": "X"}`},
		{http.MethodDelete, "/api/v1/users/dora", ""}, {http.MethodGet, "/api/v1/users/dora/avatar", ""},
		{http.MethodDelete, "/api/v1/users/dora/avatar", ""},
		{http.MethodGet, "/api/v1/groups/Sales/members", ""}, {http.MethodDelete, "/api/v1/groups/Sales", ""},
		{http.MethodGet, "/api/v1/rooms/Atlas/members", ""}, {http.MethodPost, "/api/v1/rooms/Atlas/members", `{"users": ["ann"]}`},
	} {
		var body any
		if r.body != "" {
			body = r.body
		}
		e.problem(e.call(r.method, r.path, acme, body), http.StatusNotFound)
	}
	// A user object naming the other tenant fails as an unknown tenant.
	p := e.problem(e.call(http.MethodPost, "/api/v1/users", acme, `{"firstname": "Eve", "tenant": "default"}`), http.StatusUnprocessableEntity)
	if rowErrors(p)["tenant"] == "" {
		t.Errorf("another tenant named: %v", p)
	}
	p = e.problem(e.call(http.MethodPatch, "/api/v1/users/ann", acme, `{"tenant": "default"}`), http.StatusUnprocessableEntity)
	if rowErrors(p)["tenant"] == "" {
		t.Errorf("moved to another tenant: %v", p)
	}
	// Lists hold the tenant's own only; references to others are unknown.
	var page struct {
		Items []map[string]any `json:"items"`
	}
	e.decode(e.call(http.MethodGet, "/api/v1/users", acme, nil), http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0]["username"] != "ann" {
		t.Errorf("acme's users: %v", page.Items)
	}
	var res roster.Result
	e.decode(e.call(http.MethodPost, "/api/v1/users/delete", acme, `{"users": ["dora", "ann"], "dry_run": true}`), http.StatusOK, &res)
	if *res.Deleted != 1 || len(*res.NotFound) != 1 || (*res.NotFound)[0].Value != "dora" {
		t.Errorf("bulk delete across tenants: %+v", res)
	}
	e.decode(e.call(http.MethodPost, "/api/v1/groups/Team/members?create=true", acme, `{"users": ["dora", "ann"]}`), http.StatusOK, &res)
	if *res.Added != 1 || len(*res.NotFound) != 1 {
		t.Errorf("a member of another tenant: %+v", res)
	}
	var sets struct {
		Items []roster.Set `json:"items"`
	}
	e.decode(e.call(http.MethodGet, "/api/v1/groups", acme, nil), http.StatusOK, &sets)
	if len(sets.Items) != 1 || sets.Items[0] != (roster.Set{Name: "Team", Members: 1}) {
		t.Errorf("acme's groups: %v", sets.Items)
	}
	// The other tenant's user is still there, unchanged.
	u, _ := e.user(e.call(http.MethodGet, "/api/v1/users/dora", all, nil), http.StatusOK)
	if u["lastname"] != nil || !equalJSON(u["groups"], []any{"Sales"}) {
		t.Errorf("dora was changed: %v", u)
	}
}

// Tokens without the scope an endpoint needs get 403, without any 401.
func TestResourceScopes(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead)
	reader := e.token(id, secret)
	e.user(e.call(http.MethodPost, "/api/v1/users", e.editor(), `{"firstname": "Alice", "username": "alice"}`), http.StatusCreated)
	e.user(e.call(http.MethodGet, "/api/v1/users/alice", reader, nil), http.StatusOK)
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/users"}, {http.MethodPatch, "/api/v1/users/alice"}, {http.MethodDelete, "/api/v1/users/alice"},
		{http.MethodPut, "/api/v1/users/alice/avatar"}, {http.MethodPost, "/api/v1/users/delete"}, {http.MethodPost, "/api/v1/rooms"},
		{http.MethodPost, "/api/v1/rooms/A/members"}, {http.MethodGet, "/api/v1/users/alice?with_secrets=true"},
		{http.MethodGet, "/api/v1/users?with_secrets=true"}, {http.MethodGet, "/api/v1/export?with_secrets=true"},
	} {
		e.problem(e.call(r.method, r.path, reader, "{}"), http.StatusForbidden)
		e.problem(e.do(r.method, r.path, nil), http.StatusUnauthorized)
	}
}

// A reference that is one user's username and another's email is a
// conflict, until the key is said.
func TestAnAmbiguousReference(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "A", "username": "ann@example.com"}`), http.StatusCreated)
	e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "B", "email": "ANN@example.com"}`), http.StatusCreated)
	e.problem(e.call(http.MethodGet, "/api/v1/users/ann@example.com", tok, nil), http.StatusConflict)
	e.problem(e.call(http.MethodDelete, "/api/v1/users/ann@example.com", tok, nil), http.StatusConflict)
	for key, want := range map[string]string{"username": "A", "email": "B"} {
		u, _ := e.user(e.call(http.MethodGet, "/api/v1/users/ann@example.com?key="+key, tok, nil), http.StatusOK)
		if u["firstname"] != want {
			t.Errorf("key=%s: %v", key, u["firstname"])
		}
	}
	var res roster.Result
	e.decode(e.call(http.MethodPost, "/api/v1/users/delete", tok, `{"users": ["ann@example.com"]}`), http.StatusOK, &res)
	if res.Applied || len(res.Errors) != 1 {
		t.Errorf("an ambiguous bulk delete: %+v", res)
	}
}

// seedUsers stores n users with names that repeat, in groups and rooms,
// some with extensions.
func seedUsers(t *testing.T, db roster.Directory, n int) {
	t.Helper()
	ctx := context.Background()
	ref := roster.DefaultReference()
	ref.Tenants[0].Contexts[0].Ranges = []string{"100000-199999"}
	if _, err := db.SetReference(ctx, ref, false); err != nil {
		t.Fatal(err)
	}
	lasts, firsts := []string{"Martin", "martin", "Müller", "Émile", "", "Marx"}, []string{"Anna", "émile", "Bob", "Marc"}
	var users []*roster.User
	for i := range n {
		u := roster.NewUser()
		u.UUID = fmt.Sprintf("00000000-0000-4000-8000-%012d", (i*7919)%n)
		u.Tenant, u.Role, u.Firstname, u.Lastname = "default", "user", firsts[i%len(firsts)], lasts[(i/3)%len(lasts)]
		u.Username = fmt.Sprintf("user%d", i)
		if i%4 == 0 {
			u.Line = &roster.Line{Protocol: "sccp", Context: "default", Exten: fmt.Sprint(100000 + i), ProvisioningCode: fmt.Sprintf("%06d", i)}
		}
		if i%5 == 0 {
			u.Groups = []string{"Sales"}
		}
		if i%9 == 0 {
			u.Rooms = []string{"Atlas"}
		}
		users = append(users, u)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Create(ctx, users); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// Paging through a few thousand users with every filter gives each user
// that matches once, in export order.
func TestPagingThroughUsers(t *testing.T) {
	e := newEnv(t)
	seedUsers(t, e.db, 2500)
	tok := e.editor()
	var all []*roster.User
	if err := e.db.Export(context.Background(), "", false, func(u *roster.User) error { all = append(all, u); return nil }); err != nil {
		t.Fatal(err)
	}
	starts := func(v, p string) bool { return strings.HasPrefix(roster.FoldIdentity(v), p) }
	for query, keep := range map[string]func(u *roster.User) bool{
		"":                 func(*roster.User) bool { return true },
		"q=MAR":            func(u *roster.User) bool { return starts(u.Firstname, "mar") || starts(u.Lastname, "mar") },
		"q=%C3%A9mile":     func(u *roster.User) bool { return starts(u.Firstname, "émile") || starts(u.Lastname, "émile") },
		"q=user12":         func(u *roster.User) bool { return starts(u.Username, "user12") },
		"q=10012":          func(u *roster.User) bool { return u.Line != nil && strings.HasPrefix(u.Line.Exten, "10012") },
		"group=sales":      func(u *roster.User) bool { return slices.Contains(u.Groups, "Sales") },
		"room=Atlas&q=bob": func(u *roster.User) bool { return slices.Contains(u.Rooms, "Atlas") && starts(u.Firstname, "bob") },
	} {
		var want []string
		for _, u := range all {
			if keep(u) {
				want = append(want, u.UUID)
			}
		}
		for _, limit := range []int{13, 1000} {
			var got []string
			path := fmt.Sprintf("/api/v1/users?limit=%d&%s", limit, query)
			for pages := 0; pages < 1000; pages++ {
				var page struct {
					Items      []map[string]any `json:"items"`
					NextCursor *string          `json:"next_cursor"`
				}
				e.decode(e.call(http.MethodGet, path, tok, nil), http.StatusOK, &page)
				for _, u := range page.Items {
					got = append(got, u["uuid"].(string))
				}
				if page.NextCursor == nil {
					break
				}
				path = fmt.Sprintf("/api/v1/users?limit=%d&%s&cursor=%s", limit, query, *page.NextCursor)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q by %d: %d users, want %d", query, limit, len(got), len(want))
			}
		}
	}
	e.problem(e.call(http.MethodGet, "/api/v1/users?cursor=bm90IGEgY3Vyc29y", tok, nil), http.StatusBadRequest)
	e.problem(e.call(http.MethodGet, "/api/v1/users?limit=0", tok, nil), http.StatusUnprocessableEntity)
}

// tinyPNG is a picture of w×h pixels.
func tinyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAvatar(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	_, tag := e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Alice", "username": "alice"}`), http.StatusCreated)
	e.problem(e.call(http.MethodGet, "/api/v1/users/alice/avatar", tok, nil), http.StatusNotFound)
	pic := tinyPNG(t, 3, 2)
	res := e.call(http.MethodPut, "/api/v1/users/alice/avatar", tok, pic, "Content-Type", "image/png", "If-Match", tag)
	e.decode(res, http.StatusNoContent, nil)
	if res.Header.Get("ETag") == tag || res.Header.Get("ETag") == "" {
		t.Errorf("the picture did not move the ETag: %q", res.Header.Get("ETag"))
	}
	res = e.call(http.MethodGet, "/api/v1/users/alice/avatar", tok, nil)
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, pic) {
		t.Errorf("read back: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(got))
	}
	u, _ := e.user(e.call(http.MethodGet, "/api/v1/users/alice", tok, nil), http.StatusOK)
	if u["avatar"] != "/api/v1/users/"+u["uuid"].(string)+"/avatar" {
		t.Errorf("avatar %v", u["avatar"])
	}
	// What GET shows, PATCH takes back unchanged.
	b, _ := json.Marshal(u)
	e.user(e.call(http.MethodPatch, "/api/v1/users/alice", tok, string(b)), http.StatusOK)

	// As the part image of a form.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("note", "ignored")
	fw, _ := mw.CreateFormFile("image", "me.png")
	other := tinyPNG(t, 5, 5)
	fw.Write(other)
	mw.Close()
	e.decode(e.call(http.MethodPut, "/api/v1/users/alice/avatar", tok, form.Bytes(), "Content-Type", mw.FormDataContentType()), http.StatusNoContent, nil)
	got, _ = io.ReadAll(e.call(http.MethodGet, "/api/v1/users/alice/avatar", tok, nil).Body)
	if !bytes.Equal(got, other) {
		t.Error("the picture of the form was not stored")
	}
	// Refused as an import refuses it.
	p := e.problem(e.call(http.MethodPut, "/api/v1/users/alice/avatar", tok, []byte("GIF89a not really"), "Content-Type", "image/gif"), http.StatusUnprocessableEntity)
	if rowErrors(p)["avatar"] == "" {
		t.Errorf("a damaged picture: %v", p)
	}
	e.problem(e.call(http.MethodPut, "/api/v1/users/alice/avatar", tok, tinyPNG(t, 4097, 1), "Content-Type", "image/png"), http.StatusUnprocessableEntity)
	e.problem(e.call(http.MethodPut, "/api/v1/users/alice/avatar", tok, make([]byte, 1<<20+1), "Content-Type", "image/png"), http.StatusRequestEntityTooLarge)
	e.problem(e.call(http.MethodPut, "/api/v1/users/alice/avatar", tok, pic, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType)
	got, _ = io.ReadAll(e.call(http.MethodGet, "/api/v1/users/alice/avatar", tok, nil).Body)
	if !bytes.Equal(got, other) {
		t.Error("a refused picture replaced the stored one")
	}
	e.decode(e.call(http.MethodDelete, "/api/v1/users/alice/avatar", tok, nil), http.StatusNoContent, nil)
	e.problem(e.call(http.MethodGet, "/api/v1/users/alice/avatar", tok, nil), http.StatusNotFound)
	e.problem(e.call(http.MethodDelete, "/api/v1/users/alice/avatar", tok, nil), http.StatusNotFound)
}

// importExample imports a file of examples/ into the test's directory.
func (e *env) importExample(name string) {
	e.t.Helper()
	src, err := sheet.OpenSource(filepath.Join("..", "examples", name))
	if err != nil {
		e.t.Fatal(err)
	}
	defer src.Close()
	res, err := provision.Import(context.Background(), e.db, src, provision.Options{})
	if err != nil || res.Failed > 0 {
		e.t.Fatalf("importing %s: %v %+v", name, err, res)
	}
}

func TestBulkDelete(t *testing.T) {
	e := newEnv(t)
	e.importExample("users.csv")
	tok := e.editor()
	var res roster.Result
	e.decode(e.call(http.MethodPost, "/api/v1/users/delete", tok, `{"users": ["alice", "nobody", "BRUNO.KELLER@EXAMPLE.COM"], "dry_run": true}`), http.StatusOK, &res)
	if !res.DryRun || res.Applied || *res.Deleted != 2 || len(*res.NotFound) != 1 || (*res.NotFound)[0] != (roster.NotFound{Row: 2, Value: "nobody"}) || len(res.Plan) != 2 {
		t.Errorf("dry run: %+v", res)
	}
	e.user(e.call(http.MethodGet, "/api/v1/users/alice", tok, nil), http.StatusOK)
	// A file, as roster delete users FILE reads it.
	e.decode(e.call(http.MethodPost, "/api/v1/users/delete", tok, "email\nalice.martin@example.com\nbruno.keller@example.com\n",
		"Content-Type", "text/csv"), http.StatusOK, &res)
	if !res.Applied || *res.Deleted != 2 {
		t.Errorf("a file: %+v", res)
	}
	e.problem(e.call(http.MethodGet, "/api/v1/users/alice", tok, nil), http.StatusNotFound)
	e.problem(e.call(http.MethodPost, "/api/v1/users/delete", tok, `{"users": []}`), http.StatusBadRequest)
	e.problem(e.call(http.MethodPost, "/api/v1/users/delete", tok, `{"users": ["a"], "yes": true}`), http.StatusBadRequest)
	e.problem(e.call(http.MethodPost, "/api/v1/users/delete", tok, `<users/>`, "Content-Type", "application/xml"), http.StatusUnsupportedMediaType)
	e.problem(e.call(http.MethodPost, "/api/v1/users/delete", tok, make([]byte, rhttp.MaxRefsBody+1), "Content-Type", "text/plain"), http.StatusRequestEntityTooLarge)
}

func TestGroupsRoomsAndMembers(t *testing.T) {
	e := newEnv(t)
	e.importExample("trueconf-users.csv")
	tok := e.editor()
	// Symphony's userIDs.csv: one username per line, no header.
	ids, err := os.ReadFile(filepath.Join("..", "examples", "userIDs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/rooms/" + url.PathEscape("Project Atlas") + "/members"
	p := e.problem(e.call(http.MethodPost, path, tok, ids, "Content-Type", "text/csv"), http.StatusNotFound)
	if !strings.Contains(p["detail"].(string), "create=true") {
		t.Errorf("a missing room: %v", p)
	}
	var res roster.Result
	e.decode(e.call(http.MethodPost, path+"?create=true", tok, ids, "Content-Type", "text/csv"), http.StatusOK, &res)
	if !res.Applied || *res.Added != 3 || !slices.Equal(res.RoomsCreated, []string{"Project Atlas"}) {
		t.Errorf("userIDs.csv: %+v", res)
	}
	var members struct {
		Items []map[string]string `json:"items"`
	}
	e.decode(e.call(http.MethodGet, path, tok, nil), http.StatusOK, &members)
	var names []string
	for _, m := range members.Items {
		names = append(names, m["username"])
	}
	if !slices.Equal(names, []string{"koval", "smith", "taylor"}) && !slices.Equal(names, []string{"smith", "taylor", "koval"}) {
		t.Errorf("members: %v", names)
	}
	e.decode(e.call(http.MethodPost, path, tok, `{"users": ["smith", "soren", "ghost"]}`), http.StatusOK, &res)
	if *res.Added != 1 || res.Unchanged != 1 || len(*res.NotFound) != 1 {
		t.Errorf("again: %+v", res)
	}
	e.decode(e.call(http.MethodDelete, path, tok, `{"users": ["smith", "soren"], "dry_run": true}`), http.StatusOK, &res)
	if !res.DryRun || *res.Removed != 2 || res.Applied {
		t.Errorf("remove, dry run: %+v", res)
	}
	e.decode(e.call(http.MethodDelete, path, tok, `{"users": ["smith", "soren"]}`), http.StatusOK, &res)
	if !res.Applied || *res.Removed != 2 {
		t.Errorf("remove: %+v", res)
	}
	var sets struct {
		Items []roster.Set `json:"items"`
	}
	e.decode(e.call(http.MethodGet, "/api/v1/rooms", tok, nil), http.StatusOK, &sets)
	if !slices.Contains(sets.Items, roster.Set{Name: "Project Atlas", Members: 2}) {
		t.Errorf("rooms: %v", sets.Items)
	}
	// Groups: made, made again, deleted, deleted again.
	res2 := e.call(http.MethodPost, "/api/v1/groups", tok, `{"name": " Ops Team "}`)
	var made roster.Set
	e.decode(res2, http.StatusCreated, &made)
	if made.Name != "Ops Team" || res2.Header.Get("Location") != "/api/v1/groups/Ops%20Team" {
		t.Errorf("made %+v at %s", made, res2.Header.Get("Location"))
	}
	e.problem(e.call(http.MethodPost, "/api/v1/groups", tok, `{"name": "ops team"}`), http.StatusConflict)
	e.problem(e.call(http.MethodPost, "/api/v1/groups", tok, `{"name": "a,b"}`), http.StatusUnprocessableEntity)
	e.problem(e.call(http.MethodPost, "/api/v1/groups", tok, `{"title": "x"}`), http.StatusBadRequest)
	e.decode(e.call(http.MethodDelete, "/api/v1/groups/ops%20TEAM", tok, nil), http.StatusNoContent, nil)
	e.problem(e.call(http.MethodDelete, "/api/v1/groups/Ops%20Team", tok, nil), http.StatusNotFound)
	e.problem(e.call(http.MethodGet, "/api/v1/groups/Ops%20Team/members", tok, nil), http.StatusNotFound)
}

// The export of each format is the file the command line writes of the
// same directory.
func TestExportIsTheCommandsFile(t *testing.T) {
	e := newEnv(t)
	e.importExample("trueconf-users.csv")
	e.importExample("wazo-users.csv")
	id, secret := e.client("", roster.ScopeUsersRead, roster.ScopeSecretsRead)
	tok := e.token(id, secret)
	for _, f := range []sheet.Format{sheet.CSV, sheet.XLSX, sheet.ODS, sheet.ZIP} {
		for _, secrets := range []bool{false, true} {
			var want bytes.Buffer
			if _, err := provision.Export(context.Background(), e.db, &want, provision.ExportOptions{Format: f, Secrets: secrets}); err != nil {
				t.Fatal(err)
			}
			res := e.call(http.MethodGet, fmt.Sprintf("/api/v1/export?format=%s&with_secrets=%t", f, secrets), tok, nil)
			got, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s, secrets %t: %d, %d bytes, want %d", f, secrets, res.StatusCode, len(got), want.Len())
			}
			wantName := "users-" + e.clock.Now().UTC().Format("2006-01-02") + "." + string(f)
			if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, wantName) || !strings.HasPrefix(cd, "attachment") {
				t.Errorf("Content-Disposition %q", cd)
			}
		}
	}
	e.problem(e.call(http.MethodGet, "/api/v1/export?format=pdf", tok, nil), http.StatusUnprocessableEntity)
}

// A read never waits for a writer: a user is read while a write
// transaction is held open, on another handle of the directory and on the
// server's own.
func TestReadsDoNotWaitForAWriter(t *testing.T) {
	e := newEnv(t)
	tok := e.editor()
	e.user(e.call(http.MethodPost, "/api/v1/users", tok, `{"firstname": "Alice", "username": "alice", "groups": ["IT"]}`), http.StatusCreated)
	other := openStore(t, e.path)
	for name, db := range map[string]store{"another handle": other, "the server's own handle": e.db} {
		tx, err := db.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		u := roster.NewUser()
		u.Firstname, u.Username, u.Tenant, u.Role = "Held", "held-"+strings.ReplaceAll(name, " ", "-"), "default", "user"
		if err := tx.Create(context.Background(), []*roster.User{u}); err != nil {
			t.Fatal(err)
		}
		// Should a read wait for the lock, it would fail here instead of
		// hanging the test: the request gives up first.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		for _, path := range []string{"/api/v1/users/alice", "/api/v1/users?q=ali", "/api/v1/groups/IT/members", "/api/v1/groups"} {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s, while %s holds the write lock: %v", path, name, err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s, while %s holds the write lock: %d", path, name, res.StatusCode)
			}
		}
		cancel()
		tx.Rollback()
	}
}
