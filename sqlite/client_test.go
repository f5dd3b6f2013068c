package sqlite_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

func TestClientsTokensAndRevocation(t *testing.T) {
	db, _ := MustOpenDB(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	c := &roster.Client{ID: "c1", Name: "hr", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("s"), CreatedAt: now}
	if err := db.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateClient(ctx, &roster.Client{ID: "c2", Name: "bot", Tenant: "default", Scopes: []string{roster.ScopeUsersWrite},
		PublicKey: ecKeyPEM(t), CreatedAt: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Client(ctx, "c1")
	if err != nil || !got.AllTenants || !bytes.Equal(got.SecretHash, c.SecretHash) || got.PublicKey != "" || !got.CreatedAt.Equal(now) {
		t.Fatalf("client: %+v %v", got, err)
	}
	if _, err := db.Client(ctx, "nope"); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("unknown client: %v", err)
	}
	list, err := db.Clients(ctx)
	if err != nil || len(list) != 2 || list[1].Tenant != "default" || list[1].PublicKey == "" {
		t.Fatalf("list: %v %v", list, err)
	}

	hash := roster.HashSecret("token")
	tok := &roster.AccessToken{Hash: hash, ClientID: "c1", Scopes: []string{roster.ScopeUsersRead}, AllTenants: true, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateToken(ctx, tok, now); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Token(ctx, hash, now); err != nil || got.ClientID != "c1" || !got.AllTenants {
		t.Fatalf("token: %+v %v", got, err)
	}
	if _, err := db.Token(ctx, hash, now.Add(time.Hour)); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("expired token: %v", err)
	}
	if err := db.RevokeClient(ctx, "c1", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Token(ctx, hash, now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("token of a revoked client: %v", err)
	}
	if got, _ := db.Client(ctx, "c1"); got.RevokedAt.IsZero() {
		t.Fatal("revocation not recorded")
	}
	if err := db.RevokeClient(ctx, "nope", now); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("revoke unknown: %v", err)
	}

	exp := now.Add(time.Minute)
	if err := db.UseAssertion(ctx, "c2", "j1", exp, now); err != nil {
		t.Fatal(err)
	}
	if err := db.UseAssertion(ctx, "c2", "j1", exp, now); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("reused jti: %v", err)
	}
	if err := db.UseAssertion(ctx, "c2", "j1", exp.Add(time.Hour), exp.Add(time.Second)); err != nil {
		t.Fatalf("a jti is forgotten once its assertion expired: %v", err)
	}
}

func TestClientValidation(t *testing.T) {
	db, _ := MustOpenDB(t)
	for _, c := range []*roster.Client{
		{ID: "a", Name: "", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{"users:all"}, SecretHash: []byte{1}},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, SecretHash: []byte{1}, PublicKey: ecKeyPEM(t)},
		{ID: "a", Name: "x", AllTenants: true, Scopes: []string{roster.ScopeUsersRead}, PublicKey: "not a key"},
	} {
		if err := db.CreateClient(context.Background(), c); roster.ErrorCode(err) != roster.EINVALID {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func ecKeyPEM(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
