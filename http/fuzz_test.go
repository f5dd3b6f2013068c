package http

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sqlite"
)

// FuzzTokenRequest: any body and Authorization header is parsed without
// a panic, and what passes is a client credentials request with one way to
// authenticate.
func FuzzTokenRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=a&client_secret=b", "")
	f.Add("application/x-www-form-urlencoded; charset=utf-8", "grant_type=client_credentials&scope=users%3Aread", "Basic YTpi")
	f.Add("application/json", `{"grant_type":"client_credentials","client_id":"a","client_secret":"b"}`, "")
	f.Add("application/json", `{"grant_type":"client_credentials","client_assertion_type":"urn:ietf:params:oauth:client-assertion-type:jwt-bearer","client_assertion":"x.y.z"}`, "")
	f.Add("", "grant_type=client_credentials&grant_type=password", "Basic %%%")
	f.Add("text/plain", "{}", "Bearer x")
	f.Fuzz(func(t *testing.T, contentType, body, authorization string) {
		req, err := parseTokenRequest(contentType, []byte(body), authorization)
		if err != nil {
			if err.Code == "" || (err.status != 400 && err.status != 401) {
				t.Fatalf("error %+v", err)
			}
			return
		}
		if req.GrantType != grantClientCredentials {
			t.Fatalf("grant %q passed", req.GrantType)
		}
		if req.ClientSecret != "" && req.ClientAssertion != "" {
			t.Fatal("two ways to authenticate passed")
		}
	})
}

// FuzzAssertion: any client assertion is refused or accepted without a
// panic, and only one signed by the client's key is accepted.
func FuzzAssertion(f *testing.F) {
	path := filepath.Join(f.TempDir(), "roster.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	now := time.Now()
	const id = "fuzz-client"
	if err := db.CreateClient(context.Background(), &roster.Client{ID: id, Name: "fuzz", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), CreatedAt: now}); err != nil {
		f.Fatal(err)
	}
	keys, err := roster.LoadKeys(context.Background(), db)
	if err != nil {
		f.Fatal(err)
	}
	s := New(Config{Directory: db, Clients: db, Keys: keys, BaseURL: "https://roster.test", Now: func() time.Time { return now }})
	sign := func(c jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodES256, c).SignedString(key)
		if err != nil {
			f.Fatal(err)
		}
		return tok
	}
	exp := now.Add(time.Minute).Unix()
	f.Add(sign(jwt.MapClaims{"iss": id, "sub": id, "aud": "https://roster.test/oauth2/token", "exp": exp, "jti": "1"}))
	f.Add(sign(jwt.MapClaims{"iss": id, "sub": id, "aud": []string{"https://roster.test"}, "exp": exp, "jti": "2"}))
	f.Add(sign(jwt.MapClaims{"iss": id, "sub": id, "aud": "https://roster.test", "exp": "soon", "jti": 3}))
	f.Add(sign(jwt.MapClaims{"iss": "other", "sub": id, "exp": exp}))
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJmdXp6LWNsaWVudCJ9.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, assertion string) {
		req := &tokenRequest{tokenForm: tokenForm{GrantType: grantClientCredentials, ClientAssertionType: assertionJWTBearer, ClientAssertion: assertion}}
		cl, err := s.assertion(context.Background(), req, now)
		if err == nil {
			if cl.ID != id {
				t.Fatalf("accepted for %q", cl.ID)
			}
			if _, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
				jwt.WithValidMethods([]string{"ES256"}), jwt.WithoutClaimsValidation()); err != nil {
				t.Fatalf("accepted an assertion the key did not sign: %v", err)
			}
			return
		}
		if !isOAuth(err) {
			t.Fatalf("not an OAuth error: %v", err)
		}
	})
}

// FuzzSetupBody: any setup body is read or refused without a panic.
func FuzzSetupBody(f *testing.F) {
	f.Add("application/yaml", "tenants:\n  - name: acme\n    contexts: [{name: x, kind: internal, ranges: [1000-1999]}]\n")
	f.Add("application/json", `{"tenants":[{"name":"acme","roles":[{"name":"agent"}]}]}`)
	f.Add("", "tenants: [{name: a, colour: red}]")
	f.Add("application/xml", "<a/>")
	f.Add("application/yaml", "a: &a [*a, *a, *a]")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		ref, err := parseSetup(contentType, []byte(body))
		if err == nil && ref == nil {
			t.Fatal("no error and no reference data")
		}
	})
}
