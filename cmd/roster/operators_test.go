package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/sqlite"
)

// runStdin runs roster in dir with a standard input.
func runStdin(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestOperatorsCreateListResetDisable(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runStdin(t, dir, "correct horse battery\n", "operators", "create", "Ana", "--tenant", "DEFAULT", "--role", "viewer", "--password-stdin")
	if code != 0 || !strings.Contains(out, `"Ana" created (viewer, tenant default)`) {
		t.Fatalf("create: exit %d: %s%s", code, out, errOut)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"another long one\n", []string{"operators", "create", "ANA", "--all-tenants", "--password-stdin"}, "already an operator"},
		{"short\n", []string{"operators", "create", "bob", "--all-tenants", "--password-stdin"}, "at least 12"},
		{"correct horse battery\n", []string{"operators", "create", "bob", "--all-tenants"}, "--password-stdin"},
		{"correct horse battery\n", []string{"operators", "create", "bob", "--all-tenants", "--role", "root", "--password-stdin"}, `unknown role "root"`},
		{"correct horse battery\n", []string{"operators", "create", "bob", "--tenant", "nope", "--password-stdin"}, `no tenant "nope"`},
		{"correct horse battery\n", []string{"operators", "create", "bob", "--password-stdin"}, "tenant"},
		{"", []string{"operators", "disable", "nobody"}, `no operator "nobody"`},
	} {
		_, errOut, code := runStdin(t, dir, c.stdin, c.args...)
		if code != exitUnusable || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %s; want %q", c.args, code, errOut, c.want)
		}
	}
	if _, errOut, code := runStdin(t, dir, "the admin's password\n", "operators", "create", "root", "--all-tenants", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}

	out, _, code = runStdin(t, dir, "", "operators", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list) != 2 {
		t.Fatalf("list: exit %d, %v: %s", code, err, out)
	}
	if list[0]["name"] != "Ana" || list[0]["tenant"] != "default" || list[0]["role"] != "viewer" || list[1]["tenant"] != nil || list[0]["disabled_at"] != nil {
		t.Errorf("list: %v", list)
	}
	if strings.Contains(out, "argon2") {
		t.Error("the list shows a hash")
	}
	db, err := os.ReadFile(filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte("correct horse battery")) {
		t.Error("the database holds a password")
	}

	if out, errOut, code := runStdin(t, dir, "a brand new password\r\n", "operators", "reset-password", "ana", "--password-stdin"); code != 0 || !strings.Contains(out, "sessions have ended") {
		t.Fatalf("reset: exit %d: %s%s", code, out, errOut)
	}
	if out, errOut, code := runStdin(t, dir, "", "operators", "disable", "ANA"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: exit %d: %s%s", code, out, errOut)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	o, err := store.Operator(context.Background(), "ana")
	if err != nil || o.DisabledAt.IsZero() || !password.Matches(o.PasswordHash, "a brand new password") {
		t.Fatalf("after reset and disable: %+v %v", o, err)
	}
	out, _, _ = runStdin(t, dir, "", "operators", "list")
	if !strings.Contains(out, "NAME") || !strings.Contains(out, "(all)") {
		t.Errorf("list: %s", out)
	}
}

// An operator created on the command line signs in to the console that a
// real `roster serve` serves at /.
func TestServeServesTheConsoleToOperators(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := runStdin(t, dir, "correct horse battery\n", "operators", "create", "ana", "--all-tenants", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	_, base := startServe(t, dir)
	signIn(t, base, "ANA", "correct horse battery")
}

// signIn signs an operator in to the console through its form, and
// returns the browser, at the home page.
func signIn(t *testing.T, base, name, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute}
	res, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Request.URL.Path != "/login" {
		t.Fatalf("a visitor is at %s", res.Request.URL.Path)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no token in the sign-in form: %s", page)
	}
	res, err = client.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "name": {name}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "Signed in as <strong>") {
		t.Fatalf("after signing in: %d %s", res.StatusCode, page)
	}
	return client
}
