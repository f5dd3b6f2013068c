package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientsCreateListRevoke(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := run(t, dir, "clients", "create", "hr-sync", "--tenant", "DEFAULT", "--scope", "users:write users:read", "--json")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	var created clientInfo
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	if created.ClientID == "" || len(created.ClientSecret) < 43 || created.Tenant == nil || *created.Tenant != "default" ||
		strings.Join(created.Scopes, " ") != "users:read users:write" || created.Auth != "secret" {
		t.Fatalf("created: %+v", created)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	writePEM(t, filepath.Join(dir, "bot.pub.pem"), "PUBLIC KEY", der)
	out, errOut, code = run(t, dir, "clients", "create", "bot", "--all-tenants", "--scope", "users:write", "--public-key", "bot.pub.pem")
	if code != 0 || strings.Contains(out, "client_secret") || !strings.Contains(out, "client_id:") {
		t.Fatalf("create with a key: exit %d: %s%s", code, out, errOut)
	}

	out, _, code = run(t, dir, "clients", "list", "--json")
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 || len(list) != 2 {
		t.Fatalf("list: exit %d, %v: %s", code, err, out)
	}
	if _, ok := list[0]["client_secret"]; ok {
		t.Error("list shows a secret")
	}
	if list[1]["tenant"] != nil || list[1]["auth"] != "key" || list[0]["revoked_at"] != nil {
		t.Errorf("list: %v", list)
	}

	// The directory holds the secret's hash only.
	db, err := os.ReadFile(filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(db), created.ClientSecret) {
		t.Error("the database holds the client secret")
	}

	if _, errOut, code := run(t, dir, "clients", "revoke", created.ClientID); code != 0 {
		t.Fatalf("revoke: exit %d: %s", code, errOut)
	}
	out, _, _ = run(t, dir, "clients", "list", "--json")
	if err := json.Unmarshal([]byte(out), &list); err != nil || list[0]["revoked_at"] == nil || list[1]["revoked_at"] != nil {
		t.Errorf("list after revoke: %v %s", err, out)
	}
	if _, errOut, code := run(t, dir, "clients", "revoke", "no-such-client"); code != exitUnusable || !strings.Contains(errOut, "no client") {
		t.Errorf("revoke unknown: exit %d: %s", code, errOut)
	}
}

func TestClientsCreateRefusesMistakes(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(key)
	writePEM(t, filepath.Join(dir, "bot.key.pem"), "EC PRIVATE KEY", der)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tenant", "nowhere", "--scope", "users:read"}, "no tenant"},
		{[]string{"--all-tenants", "--scope", "users:everything"}, "unknown scope"},
		{[]string{"--all-tenants", "--scope", " "}, "at least one scope"},
		{[]string{"--all-tenants", "--tenant", "default", "--scope", "users:read"}, "none of the others"},
		{[]string{"--scope", "users:read"}, "at least one of the flags"},
		{[]string{"--all-tenants"}, "required flag"},
		{[]string{"--all-tenants", "--scope", "users:read", "--public-key", "bot.key.pem"}, "not a public key"},
		{[]string{"--all-tenants", "--scope", "users:read", "--public-key", "missing.pem"}, "no such file"},
	} {
		_, errOut, code := run(t, dir, append([]string{"clients", "create", "x"}, c.args...)...)
		if code != exitUnusable || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d: %s", c.args, code, errOut)
		}
	}
	if out, _, _ := run(t, dir, "clients", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("a refused client was stored: %s", out)
	}
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
