package http_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/roster-dev/roster"
	rhttp "github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
)

// A real OAuth client library gets tokens both ways it sends a secret
// (HTTP Basic and the form body), and its tokens open the API.
func TestTokenWithTheClientCredentialsLibrary(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead, roster.ScopeUsersWrite)
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.url + "/oauth2/token", AuthStyle: style}
		tok, err := cfg.Token(context.Background())
		if err != nil {
			t.Fatalf("style %d: %v", style, err)
		}
		if tok.TokenType != "Bearer" || tok.Extra("scope") != "users:read users:write" || time.Until(tok.Expiry) < 59*time.Minute {
			t.Errorf("style %d: %+v scope %v", style, tok, tok.Extra("scope"))
		}
		res, err := cfg.Client(context.Background()).Get(e.url + "/api/v1/columns")
		if err != nil {
			t.Fatal(err)
		}
		e.decode(res, http.StatusOK, nil)
		res.Body.Close()
	}
	// A subset of the client's scopes.
	cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.url + "/oauth2/token", Scopes: []string{roster.ScopeUsersRead}}
	tok, err := cfg.Token(context.Background())
	if err != nil || tok.Extra("scope") != roster.ScopeUsersRead {
		t.Fatalf("subset: %v %v", tok, err)
	}
	// A scope the client does not hold.
	cfg.Scopes = []string{roster.ScopeSetupWrite}
	if _, err := cfg.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "invalid_scope") {
		t.Fatalf("scope beyond the client's: %v", err)
	}
}

// TrueConf's clients send the token request as JSON.
func TestTokenWithAJSONBody(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("default", roster.ScopeUsersRead)
	res := e.post("/oauth2/token", "application/json",
		`{"grant_type":"client_credentials","client_id":"`+id+`","client_secret":"`+secret+`"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	e.decode(res, http.StatusOK, &tok)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || tok.Scope != roster.ScopeUsersRead || tok.AccessToken == "" {
		t.Fatalf("%+v", tok)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("a token answer must not be cached")
	}
	e.decode(e.get("/api/v1/setup", tok.AccessToken), http.StatusOK, nil)
}

func TestTokenRequestsThatFail(t *testing.T) {
	e := newEnv(t)
	id, secret := e.client("", roster.ScopeUsersRead)
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	const formType = "application/x-www-form-urlencoded"
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	}
	for _, c := range []struct {
		name, contentType, body string
		header                  []string
		status                  int
		code                    string
	}{
		{"wrong secret by Basic", formType, form("grant_type", "client_credentials"), []string{"Authorization", basic(id, "nope")}, 401, "invalid_client"},
		{"wrong secret in the body", formType, form("grant_type", "client_credentials", "client_id", id, "client_secret", "nope"), nil, 401, "invalid_client"},
		{"unknown client", formType, form("grant_type", "client_credentials", "client_id", uuid.NewString(), "client_secret", secret), nil, 401, "invalid_client"},
		{"no client authentication", formType, form("grant_type", "client_credentials"), nil, 401, "invalid_client"},
		{"another grant", formType, form("grant_type", "password", "client_id", id, "client_secret", secret), nil, 400, "unsupported_grant_type"},
		{"no grant", formType, form("client_id", id, "client_secret", secret), nil, 400, "invalid_request"},
		{"a repeated parameter", formType, form("grant_type", "client_credentials", "client_id", id, "client_secret", secret, "client_secret", secret), nil, 400, "invalid_request"},
		{"two ways to authenticate", formType, form("grant_type", "client_credentials", "client_secret", secret), []string{"Authorization", basic(id, secret)}, 400, "invalid_request"},
		{"an unknown scope", formType, form("grant_type", "client_credentials", "client_id", id, "client_secret", secret, "scope", "users:all"), nil, 400, "invalid_scope"},
		{"JSON that is not strings", "application/json", `{"grant_type":1}`, nil, 400, "invalid_request"},
		{"neither form nor JSON", "text/plain", "grant_type=client_credentials", nil, 400, "invalid_request"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.oauthError(e.post("/oauth2/token", c.contentType, c.body, c.header...), c.status, c.code)
		})
	}
}

// A token stops working when it expires, and at once, on every server of
// the directory, when its client is revoked.
func TestExpiredAndRevokedTokens(t *testing.T) {
	a := newEnv(t)
	// A second server on the same directory file, as two servers on one
	// PostgreSQL directory will be.
	b := serve(t, openStore(t, a.path), a.path, rhttp.Config{})

	id, secret := a.client("", roster.ScopeUsersRead)
	tok := a.token(id, secret)
	a.decode(a.get("/api/v1/columns", tok), http.StatusOK, nil)
	a.decode(b.get("/api/v1/columns", tok), http.StatusOK, nil)

	a.clock.Add(roster.TokenTTL)
	res := a.get("/api/v1/columns", tok)
	if !strings.Contains(res.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("expired: WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
	}
	a.problem(res, http.StatusUnauthorized)

	tok = b.token(id, secret)
	if err := b.db.RevokeClient(context.Background(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	a.problem(a.get("/api/v1/columns", tok), http.StatusUnauthorized)
	b.problem(b.get("/api/v1/columns", tok), http.StatusUnauthorized)
	a.oauthError(a.post("/oauth2/token", "application/x-www-form-urlencoded",
		url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()), 401, "invalid_client")
}

// assertion signs a client assertion with claims changed by edit.
func assertion(t *testing.T, method jwt.SigningMethod, key crypto.Signer, id, aud string, now time.Time, edit func(*jwt.RegisteredClaims)) string {
	t.Helper()
	c := jwt.RegisteredClaims{Issuer: id, Subject: id, Audience: jwt.ClaimStrings{aud}, ID: uuid.NewString(),
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}
	if edit != nil {
		edit(&c)
	}
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWTAssertions(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name   string
		method jwt.SigningMethod
		key    crypto.Signer
	}{{"RSA", jwt.SigningMethodRS256, rsaKey}, {"EC", jwt.SigningMethodES256, ecKey}} {
		t.Run(k.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.keyClient(k.key.Public(), roster.ScopeUsersRead)
			aud := e.url + "/oauth2/token"
			send := func(jwt string) *http.Response {
				return e.post("/oauth2/token", "application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"},
					"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {jwt}}.Encode())
			}
			now := e.clock.Now()
			good := assertion(t, k.method, k.key, id, aud, now, nil)
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			e.decode(send(good), http.StatusOK, &tok)
			e.decode(e.get("/api/v1/columns", tok.AccessToken), http.StatusOK, nil)

			e.oauthError(send(good), 401, "invalid_client") // its jti again
			for _, c := range []struct {
				name string
				jwt  string
			}{
				{"expired", assertion(t, k.method, k.key, id, aud, now, func(c *jwt.RegisteredClaims) {
					c.ExpiresAt = jwt.NewNumericDate(now.Add(-2 * time.Minute))
				})},
				{"exp too far ahead", assertion(t, k.method, k.key, id, aud, now, func(c *jwt.RegisteredClaims) {
					c.ExpiresAt = jwt.NewNumericDate(now.Add(10 * time.Minute))
				})},
				{"no exp", assertion(t, k.method, k.key, id, aud, now, func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })},
				{"no jti", assertion(t, k.method, k.key, id, aud, now, func(c *jwt.RegisteredClaims) { c.ID = "" })},
				{"wrong key", assertion(t, jwt.SigningMethodES256, otherKey, id, aud, now, nil)},
				{"wrong audience", assertion(t, k.method, k.key, id, "https://elsewhere.example/oauth2/token", now, nil)},
				{"sub is not iss", assertion(t, k.method, k.key, id, aud, now, func(c *jwt.RegisteredClaims) { c.Subject = "someone" })},
				{"unknown client", assertion(t, k.method, k.key, uuid.NewString(), aud, now, nil)},
				{"not a JWT", "abc.def.ghi"},
			} {
				t.Run(c.name, func(t *testing.T) { e.oauthError(send(c.jwt), 401, "invalid_client") })
			}
			t.Run("none algorithm", func(t *testing.T) {
				c := jwt.RegisteredClaims{Issuer: id, Subject: id, Audience: jwt.ClaimStrings{aud}, ID: uuid.NewString(),
					ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}
				s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
				if err != nil {
					t.Fatal(err)
				}
				e.oauthError(send(s), 401, "invalid_client")
			})
			t.Run("a secret for a key client", func(t *testing.T) {
				e.oauthError(e.post("/oauth2/token", "application/x-www-form-urlencoded",
					url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"x"}}.Encode()), 401, "invalid_client")
			})
		})
	}
}

// After ten failures in a minute, an address is answered 429 with
// Retry-After, even with the right secret, until the minute is over.
func TestRepeatedFailuresAreSlowedDown(t *testing.T) {
	e := newEnvWith(t, rhttp.Config{MaxFailures: 10})
	id, secret := e.client("", roster.ScopeUsersRead)
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"guess"}}.Encode()
	for range 10 {
		e.oauthError(e.post("/oauth2/token", "application/x-www-form-urlencoded", bad), 401, "invalid_client")
	}
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	res := e.post("/oauth2/token", "application/x-www-form-urlencoded", good)
	e.problem(res, http.StatusTooManyRequests)
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	e.clock.Add(time.Minute)
	e.decode(e.post("/oauth2/token", "application/x-www-form-urlencoded", good), http.StatusOK, nil)
}

func TestTokenRequestOverOneMiB(t *testing.T) {
	e := newEnv(t)
	body := "grant_type=client_credentials&scope=" + strings.Repeat("a", 1<<20)
	e.problem(e.post("/oauth2/token", "application/x-www-form-urlencoded", body), http.StatusRequestEntityTooLarge)
}

// While an import holds the directory's write lock, a client gets a token
// with its secret and uses it, and a bot gets one with a JWT assertion,
// whose replay is refused: nothing of it waits for the write, which is
// released only once they are done. Before tokens were signed, issuing one
// and recording an assertion were writes: they failed as busy, or waited
// for the server's own import to end.
func TestTokensDoNotWaitForAWriter(t *testing.T) {
	old := sqlite.BusyTimeout
	sqlite.BusyTimeout = 5 * time.Second
	t.Cleanup(func() { sqlite.BusyTimeout = old })
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, own := range []bool{false, true} {
		t.Run(map[bool]string{false: "another handle", true: "the server's handle"}[own], func(t *testing.T) {
			e := newEnv(t)
			id, secret := e.client("", roster.ScopeUsersRead)
			bot := e.keyClient(key.Public(), roster.ScopeUsersRead)
			holder := e.db
			if !own {
				holder = openStore(t, e.path)
			}
			release := sqlitetest.HoldWrite(t, holder)

			tok := e.token(id, secret)
			e.decode(e.get("/api/v1/columns", tok), http.StatusOK, nil)
			e.decode(e.get("/api/v1/setup", tok, "Accept", "application/json"), http.StatusOK, nil)
			jwtBearer := url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion": {assertion(t, jwt.SigningMethodES256, key, bot, e.url+"/oauth2/token", e.clock.Now(), nil)}}.Encode()
			var got struct {
				AccessToken string `json:"access_token"`
			}
			e.decode(e.post("/oauth2/token", "application/x-www-form-urlencoded", jwtBearer), http.StatusOK, &got)
			e.decode(e.get("/api/v1/columns", got.AccessToken), http.StatusOK, nil)
			if d := e.oauthError(e.post("/oauth2/token", "application/x-www-form-urlencoded", jwtBearer), 401, "invalid_client"); !strings.Contains(d, "already used") {
				t.Errorf("the replay: %s", d)
			}
			release()

			// Once the write is over, the assertion is recorded for the
			// other servers too (Close writes what waited).
			e.db.Close()
			b := serve(t, openStore(t, e.path), e.path, rhttp.Config{BaseURL: e.url}) // the audience of the assertion
			b.url = "http://" + b.srv.Addr().String()
			if d := b.oauthError(b.post("/oauth2/token", "application/x-www-form-urlencoded", jwtBearer), 401, "invalid_client"); !strings.Contains(d, "already used") {
				t.Errorf("the replay on another server: %s", d)
			}
		})
	}
}
