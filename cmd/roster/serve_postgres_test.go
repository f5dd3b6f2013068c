package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/roster-dev/roster/postgres"
)

// TestTwoServersOnOnePostgreSQLDirectory runs two real `roster serve` on
// one PostgreSQL directory, behind the one base URL a load balancer gives
// them: a token issued by one works on the other (columns, setup), a
// change of setup through one is read by the other; while another process
// holds the directory's write lock, as a long import does, an operator
// signs in on either, and a revocation, a disabled operator and a used
// assertion are known to both at once.
func TestTwoServersOnOnePostgreSQLDirectory(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	hr := createClient(t, dir, "hr", "users:read setup:write")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	writePEM(t, filepath.Join(dir, "bot.pub.pem"), "PUBLIC KEY", der)
	bot := createClient(t, dir, "bot", "users:read", "--public-key", "bot.pub.pem")
	if _, errOut, code := runStdin(t, dir, "correct horse battery\n", "operators", "create", "ana", "--all-tenants", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	const public = "https://roster.example.com"
	_, one := startServe(t, dir, "--base-url", public)
	_, two := startServe(t, dir, "--base-url", public)

	client := &http.Client{Timeout: time.Minute}
	token := func(base string, form url.Values) (int, string) {
		t.Helper()
		form.Set("grant_type", "client_credentials")
		res, err := client.PostForm(base+"/oauth2/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(res.Body).Decode(&tok)
		return res.StatusCode, tok.AccessToken
	}
	call := func(base, method, path, tok, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/yaml")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	status, tok := token(one, url.Values{"client_id": {hr.ClientID}, "client_secret": {hr.ClientSecret}})
	if status != http.StatusOK || tok == "" {
		t.Fatalf("a token from the first server: %d", status)
	}
	if status, body := call(two, http.MethodGet, "/api/v1/columns", tok, ""); status != http.StatusOK || !strings.Contains(body, "username") {
		t.Fatalf("the columns from the second server: %d %.200s", status, body)
	}
	if status, body := call(one, http.MethodPut, "/api/v1/setup", tok, "tenants:\n  - name: default\n  - name: acme\n"); status != http.StatusOK {
		t.Fatalf("the setup through the first server: %d %s", status, body)
	}

	// From here, another process holds the write lock, as a long import
	// does: nothing below waits for it.
	db, err := postgres.Open(context.Background(), os.Getenv("ROSTER_DB"), postgres.Options{KeyFile: os.Getenv("ROSTER_KEY_FILE")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if status, body := call(two, http.MethodGet, "/api/v1/setup", tok, ""); status != http.StatusOK || !strings.Contains(body, "name: acme") {
		t.Fatalf("the setup from the second server: %d %s", status, body)
	}
	browsers := map[string]*http.Client{}
	for _, base := range []string{one, two} {
		browsers[base] = signIn(t, base, "ana", "correct horse battery")
		if res, err := browsers[base].Get(base + "/clients"); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("the clients page: %v %v", res, err)
		} else {
			res.Body.Close()
		}
	}

	// An assertion used on one server is refused by the other.
	claims := jwt.RegisteredClaims{Issuer: bot.ClientID, Subject: bot.ClientID, Audience: jwt.ClaimStrings{public + "/oauth2/token"},
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(2 * time.Minute)), ID: "only-once"}
	assertion, err := jwt.NewWithClaims(jwt.SigningMethodES256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	form := func() url.Values {
		return url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	}
	if status, _ := token(one, form()); status != http.StatusOK {
		t.Fatalf("an assertion on the first server: %d", status)
	}
	if status, _ := token(two, form()); status != http.StatusUnauthorized {
		t.Fatalf("the same assertion on the second server: %d, want 401", status)
	}

	// A revocation is seen by both servers at once.
	if _, errOut, code := run(t, dir, "clients", "revoke", hr.ClientID); code != 0 {
		t.Fatal(errOut)
	}
	for _, base := range []string{one, two} {
		if status, _ := call(base, http.MethodGet, "/api/v1/setup", tok, ""); status != http.StatusUnauthorized {
			t.Errorf("a revoked client's token on %s: %d, want 401", base, status)
		}
	}
	out, _, _ := run(t, dir, "clients", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 2 || list[0]["revoked_at"] == nil || list[1]["revoked_at"] != nil {
		t.Errorf("clients list: %v %s", err, out)
	}

	// So is an operator disabled: both servers sign its sessions out.
	if _, errOut, code := run(t, dir, "operators", "disable", "ana"); code != 0 {
		t.Fatal(errOut)
	}
	for base, browser := range browsers {
		res, err := browser.Get(base + "/clients")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Request.URL.Path != "/login" {
			t.Errorf("a disabled operator on %s is at %s, want /login", base, res.Request.URL.Path)
		}
	}
	tx.Rollback()
}
