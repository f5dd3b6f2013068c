package roster

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fuzzKeys are keys of a fixed signing key, so that a failing input
// replays.
func fuzzKeys(f *testing.F) *Keys {
	k, err := NewKeys(bytes.Repeat([]byte{7}, SigningKeySize))
	if err != nil {
		f.Fatal(err)
	}
	return k
}

// signRaw signs any payload, as only a holder of the key could: the
// fuzzer reaches the decoding of what is signed.
func signRaw(key, payload []byte) string {
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(mac(key, payload))
}

// signedWith tells whether s is exactly what key signs for its payload:
// one payload has one accepted form, so a signed value cannot be changed
// and still pass.
func signedWith(key []byte, s string) bool {
	p, _, _ := strings.Cut(s, ".")
	payload, err := b64.DecodeString(p)
	return err == nil && signRaw(key, payload) == s
}

// FuzzToken: any bearer token is refused or accepted without a panic; only
// one signed with the token key, as it was signed, is accepted, nothing opens both as a token
// and as a session cookie, and what is accepted is a whole token, not
// expired.
func FuzzToken(f *testing.F) {
	k := fuzzKeys(f)
	now := time.Unix(1_800_000_000, 0)
	c := &Client{ID: "c1", Tenant: "default", Scopes: []string{ScopeUsersRead}, SecretHash: HashSecret("s")}
	good, _ := k.IssueToken(c, c.Scopes, now)
	f.Add(good, []byte(`{"cid":"c1","scope":"users:read","all":true,"exp":1800000001}`))
	f.Add(k.SessionCookie(k.NewSession(&Operator{ID: "c1"}, now)), []byte(`{"cid":"c1","scope":"users:read users:read","tenant":"a","exp":1e99}`))
	f.Add(strings.Repeat("a", maxSigned+1), []byte(`{"cid":"","scope":"","exp":-1}`))
	f.Add("x.y", []byte(`[]`))
	f.Add(".", []byte(`{"cid":"c","scope":"root","all":true,"exp":9999999999}`))
	f.Fuzz(func(t *testing.T, raw string, payload []byte) {
		_, _, tokErr := k.openToken(raw, now)
		_, sessErr := k.openSession(raw, now)
		switch {
		case tokErr == nil && !signedWith(k.token, raw):
			t.Fatalf("accepted a token that was not signed: %q", raw)
		case tokErr == nil && sessErr == nil:
			t.Fatalf("a token opened as a session: %q", raw)
		}
		tok, _, err := k.openToken(signRaw(k.token, payload), now)
		if err != nil {
			return
		}
		if tok.ClientID == "" || len(tok.Scopes) == 0 || tok.AllTenants == (tok.Tenant != "") || !tok.ExpiresAt.After(now) ||
			tok.ExpiresAt.After(now.Add(TokenTTL+maxSkew)) {
			t.Fatalf("accepted %s as %+v", payload, tok)
		}
		for _, sc := range tok.Scopes {
			if !strings.Contains(strings.Join(Scopes, " "), sc) {
				t.Fatalf("accepted the scope %q", sc)
			}
		}
	})
}

// FuzzSessionCookie: any cookie is refused or accepted without a panic;
// only one signed with the session key, as it was signed, is accepted, nothing opens both as
// a cookie and as a token, and what is accepted names a session and an
// operator, used within SessionIdle.
func FuzzSessionCookie(f *testing.F) {
	k := fuzzKeys(f)
	now := time.Unix(1_800_000_000, 0)
	good := k.SessionCookie(k.NewSession(&Operator{ID: "o1", Tenant: "default", PasswordHash: "h"}, now))
	token, _ := k.IssueToken(&Client{ID: "o1", AllTenants: true, SecretHash: HashSecret("s")}, []string{ScopeUsersRead}, now)
	f.Add(good, []byte(`{"sid":"s","oid":"o1","seen":1800000000}`))
	f.Add(token, []byte(`{"sid":"","oid":"o1","seen":1800000000}`))
	f.Add("%%%.%%%", []byte(`{"sid":"s","oid":"o","seen":-9223372036854775808}`))
	f.Add("", []byte(`{"sid":"s","oid":"o","seen":9223372036854775807}`))
	f.Fuzz(func(t *testing.T, cookie string, payload []byte) {
		_, sessErr := k.openSession(cookie, now)
		_, _, tokErr := k.openToken(cookie, now)
		switch {
		case sessErr == nil && !signedWith(k.session, cookie):
			t.Fatalf("accepted a cookie that was not signed: %q", cookie)
		case sessErr == nil && tokErr == nil:
			t.Fatalf("a cookie opened as a token: %q", cookie)
		}
		s, err := k.openSession(signRaw(k.session, payload), now)
		if err != nil {
			return
		}
		if s.ID == "" || s.OperatorID == "" || !s.SeenAt.After(now.Add(-SessionIdle)) || s.SeenAt.After(now.Add(maxSkew)) {
			t.Fatalf("accepted %s as %+v", payload, s)
		}
	})
}
