package roster_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/sqlite/sqlitetest"
)

// store opens a directory and its keys, as roster serve does.
func store(t *testing.T) (*sqlite.DB, *roster.Keys) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := roster.LoadKeys(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return db, keys
}

func publicKeyPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// A token is good until it expires, for its client as it was when the
// token was issued: revoked, given a new secret or key, narrower scopes or
// another tenant, the client's tokens are refused at the next check.
func TestTokens(t *testing.T) {
	ctx := context.Background()
	db, keys := store(t)
	now := time.Now()
	clients := map[string]*roster.Client{
		"secret": {ID: "c-secret", Name: "hr", Tenant: "default", Scopes: []string{roster.ScopeUsersRead, roster.ScopeUsersWrite},
			SecretHash: roster.HashSecret("s1"), CreatedAt: now},
		"key": {ID: "c-key", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, PublicKey: publicKeyPEM(t), CreatedAt: now},
	}
	for _, c := range clients {
		if err := db.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check := func(raw string, at time.Time) error {
		_, err := keys.CheckToken(ctx, raw, at, db.Client)
		return err
	}
	refused := func(what string, err error) {
		t.Helper()
		if roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("%s: %v, want the token refused", what, err)
		}
	}

	raw, issued := keys.IssueToken(clients["secret"], []string{roster.ScopeUsersRead}, now)
	tok, err := keys.CheckToken(ctx, raw, now, db.Client)
	if err != nil || tok.ClientID != "c-secret" || tok.Tenant != "default" || tok.AllTenants || strings.Join(tok.Scopes, " ") != roster.ScopeUsersRead ||
		!tok.ExpiresAt.Equal(issued.ExpiresAt) || tok.ID != issued.ID {
		t.Fatalf("token: %+v %v", tok, err)
	}
	if other, _ := keys.IssueToken(clients["secret"], []string{roster.ScopeUsersRead}, now); other == raw {
		t.Error("two tokens alike")
	}
	if check(raw, now.Add(roster.TokenTTL-time.Second)) != nil {
		t.Error("refused a second before it expires")
	}
	refused("expired", check(raw, now.Add(roster.TokenTTL)))
	otherKeys, _ := roster.NewKeys(roster.NewSigningKey())
	_, err = otherKeys.CheckToken(ctx, raw, now, db.Client)
	refused("another directory's key", err)
	for i := range raw {
		if c := raw[i]; c != '.' {
			b := []byte(raw)
			b[i] = map[bool]byte{true: 'B', false: 'A'}[c == 'A']
			refused(fmt.Sprintf("changed at %d", i), check(string(b), now))
		}
	}
	refused("nothing", check("", now))
	refused("a session cookie", check(keys.SessionCookie(keys.NewSession(&roster.Operator{ID: "c-secret", PasswordHash: "h"}, now)), now))

	// The client changes.
	wide, _ := keys.IssueToken(clients["secret"], clients["secret"].Scopes, now)
	if err := db.RevokeClient(ctx, "c-key", now); err != nil {
		t.Fatal(err)
	}
	keyTok, _ := keys.IssueToken(clients["key"], clients["key"].Scopes, now)
	refused("a revoked client's", check(keyTok, now))
	for what, change := range map[string]string{
		"a new secret":       `UPDATE clients SET secret_hash = X'00'`,
		"narrower scopes":    `UPDATE clients SET scopes = 'users:read'`,
		"another tenant":     `UPDATE clients SET tenant = 'acme'`,
		"all tenants":        `UPDATE clients SET tenant = NULL`,
		"no client any more": `DELETE FROM clients`,
	} {
		t.Run(what, func(t *testing.T) {
			db, keys := store(t)
			c := *clients["secret"]
			if err := db.CreateClient(ctx, &c); err != nil {
				t.Fatal(err)
			}
			raw, _ := keys.IssueToken(&c, c.Scopes, now)
			if _, err := keys.CheckToken(ctx, raw, now, db.Client); err != nil {
				t.Fatal(err)
			}
			sqlitetest.Exec(t, db.Path(), change)
			if _, err := keys.CheckToken(ctx, raw, now, db.Client); roster.ErrorCode(err) != roster.ENOTFOUND {
				t.Errorf("%v, want the token refused", err)
			}
		})
	}
	if check(wide, now) != nil {
		t.Error("a token of the unchanged client refused")
	}
	// A failure to read the client is not a refusal: it is an internal
	// error, for the log.
	db.Close()
	if err := check(raw, now); err == nil || roster.ErrorCode(err) == roster.ENOTFOUND {
		t.Errorf("with the store closed: %v", err)
	}
}

// A session lasts until 8 hours without a request, for its operator as it
// was when it signed in: disabled, given a new password, or signed out,
// it is refused at the next check.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	db, keys := store(t)
	now := time.Now()
	op := &roster.Operator{ID: "o1", Name: "ana", Tenant: "default", Role: roster.RoleAdmin, PasswordHash: "h1", CreatedAt: now}
	root := &roster.Operator{ID: "o2", Name: "root", AllTenants: true, Role: roster.RoleAdmin, PasswordHash: "h2", CreatedAt: now}
	for _, o := range []*roster.Operator{op, root} {
		if err := db.CreateOperator(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	check := func(cookie string, at time.Time) (*roster.Session, error) {
		s, _, err := keys.CheckSession(ctx, cookie, at, db.SessionOperator)
		return s, err
	}
	refused := func(what string, err error) {
		t.Helper()
		if roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("%s: %v, want the session refused", what, err)
		}
	}

	s := keys.NewSession(op, now)
	cookie := keys.SessionCookie(s)
	got, o, err := keys.CheckSession(ctx, cookie, now, db.SessionOperator)
	if err != nil || o.Name != "ana" || got.ID != s.ID || got.Tenant != "default" {
		t.Fatalf("session: %+v %+v %v", got, o, err)
	}
	if _, err := check(cookie, now.Add(roster.SessionIdle-time.Second)); err != nil {
		t.Errorf("refused a second before 8 idle hours: %v", err)
	}
	_, err = check(cookie, now.Add(roster.SessionIdle))
	refused("8 idle hours", err)
	// Used again, the cookie is signed with the time: 8 more hours, and
	// the same form token.
	later := now.Add(7 * time.Hour).Truncate(time.Second)
	s.SeenAt = later
	renewed := keys.SessionCookie(s)
	if _, err := check(renewed, later.Add(7*time.Hour)); err != nil {
		t.Errorf("renewed: %v", err)
	}
	if keys.CSRFToken(got) != keys.CSRFToken(s) || keys.CSRFToken(s) == keys.CSRFToken(keys.NewSession(op, now)) {
		t.Error("the form token is not the session's own")
	}
	raw, _ := keys.IssueToken(&roster.Client{ID: "o1", Tenant: "default", SecretHash: []byte("h1")}, []string{roster.ScopeUsersRead}, now)
	_, err = check(raw, now)
	refused("an access token", err)

	// An operator of all tenants picks one; the cookie keeps it.
	rs := keys.NewSession(root, now)
	rs.Tenant = "acme"
	if got, err := check(keys.SessionCookie(rs), now); err != nil || got.Tenant != "acme" {
		t.Fatalf("picked tenant: %+v %v", got, err)
	}

	if err := db.EndSession(ctx, rs.ID, now.Add(roster.SessionIdle)); err != nil {
		t.Fatal(err)
	}
	_, err = check(keys.SessionCookie(rs), now)
	refused("signed out", err)
	if err := db.SetOperatorPassword(ctx, "ana", "h1 again"); err != nil {
		t.Fatal(err)
	}
	_, err = check(cookie, now)
	refused("a new password", err)
	fresh := keys.SessionCookie(keys.NewSession(&roster.Operator{ID: "o1", Tenant: "default", PasswordHash: "h1 again"}, now))
	if _, err := check(fresh, now); err != nil {
		t.Errorf("signed in with the new password: %v", err)
	}
	if err := db.DisableOperator(ctx, "ana", now); err != nil {
		t.Fatal(err)
	}
	_, err = check(fresh, now)
	refused("disabled", err)
}

// An operator bound to a tenant sees its own, whatever the cookie says.
func TestASessionOfABoundOperatorShowsItsTenant(t *testing.T) {
	ctx := context.Background()
	db, keys := store(t)
	now := time.Now()
	op := &roster.Operator{ID: "o1", Name: "ana", AllTenants: true, Role: roster.RoleAdmin, PasswordHash: "h", CreatedAt: now}
	if err := db.CreateOperator(ctx, op); err != nil {
		t.Fatal(err)
	}
	s := keys.NewSession(op, now)
	s.Tenant = "acme"
	sqlitetest.Exec(t, db.Path(), `UPDATE operators SET tenant = 'default'`)
	if got, _, err := keys.CheckSession(ctx, keys.SessionCookie(s), now, db.SessionOperator); err != nil || got.Tenant != "default" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestNewKeysNeedsAWholeKey(t *testing.T) {
	if _, err := roster.NewKeys(bytes.Repeat([]byte{1}, 16)); roster.ErrorCode(err) != roster.EINVALID {
		t.Fatalf("a short key: %v", err)
	}
}
