package roster

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// SigningKeySize is the size of a directory's signing key, in bytes.
const SigningKeySize = 32

// Keys sign what the server hands out and later takes back: access tokens
// and the console's session cookies. Checking a signature needs no write
// and no lookup, so that authenticating never waits for the directory's
// writer (an import holds it for minutes). They are made from the
// directory's signing key (ClientService.SigningKey), which every server
// of a directory shares, so that each accepts what another signed.
//
// A signed value is base64url(payload) "." base64url(HMAC-SHA-256), under a
// key of its own for each purpose, derived from the signing key: a token
// is never taken for a cookie, nor a cookie for a token.
type Keys struct {
	token, session, csrf, credential []byte
}

// NewKeys derives the keys from a directory's signing key.
func NewKeys(signingKey []byte) (*Keys, error) {
	if len(signingKey) != SigningKeySize {
		return nil, Errorf(EINVALID, "a signing key is %d bytes, not %d", SigningKeySize, len(signingKey))
	}
	derive := func(label string) []byte { return mac(signingKey, []byte(label)) }
	return &Keys{token: derive("roster access token v1"), session: derive("roster console session v1"),
		csrf: derive("roster console csrf v1"), credential: derive("roster credential v1")}, nil
}

// LoadKeys reads a directory's signing key, making it when there is none
// (a write: done when a server starts), and derives the keys from it.
func LoadKeys(ctx context.Context, s ClientService) (*Keys, error) {
	key, err := s.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	return NewKeys(key)
}

// NewSigningKey returns a new random signing key.
func NewSigningKey() []byte {
	b := make([]byte, SigningKeySize)
	rand.Read(b)
	return b
}

func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// maxSigned bounds the length of a token or a cookie read: anything
// longer is refused before it is decoded.
const maxSigned = 2048

var b64 = base64.RawURLEncoding.Strict()

func sign(key []byte, v any) string {
	payload, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own types, of strings and numbers
	}
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(mac(key, payload))
}

// verify decodes a signed value into v when it was signed with key.
func verify(key []byte, signed string, v any) bool {
	// The decoder skips line breaks, even strict: refused here, so that a
	// signed value has one spelling (a used assertion or a session is
	// known by it).
	if len(signed) > maxSigned || strings.ContainsAny(signed, "\r\n") {
		return false
	}
	p, m, ok := strings.Cut(signed, ".")
	if !ok {
		return false
	}
	payload, err := b64.DecodeString(p)
	if err != nil {
		return false
	}
	sum, err := b64.DecodeString(m)
	if err != nil || !hmac.Equal(sum, mac(key, payload)) {
		return false
	}
	return json.Unmarshal(payload, v) == nil
}

// fingerprint stands for a credential (a client's secret hash or public
// key, an operator's password hash) in what is signed: a token or a session
// made before the credential changed no longer matches it, so a new
// secret or password ends them at once, on every server, without a write
// of their own. Keyed, so that it says nothing of the credential.
func (k *Keys) fingerprint(kind, id, credential string) string {
	return b64.EncodeToString(mac(k.credential, []byte(kind), []byte{0}, []byte(id), []byte{0}, []byte(credential))[:16])
}

func (k *Keys) clientFingerprint(c *Client) string {
	return k.fingerprint("client", c.ID, string(c.SecretHash)+c.PublicKey)
}

func (k *Keys) operatorFingerprint(o *Operator) string {
	return k.fingerprint("operator", o.ID, o.PasswordHash)
}

// maxSkew is how far ahead of this server's clock another server's may
// be: a token or a cookie that says it was signed later than that is
// refused, so that a server whose clock is far off cannot sign one that
// never ends.
const maxSkew = time.Hour

// newID returns 128 random bits, URL-safe: the IDs of tokens and sessions.
func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return b64.EncodeToString(b)
}

// tokenClaims are what an access token says, as signed.
type tokenClaims struct {
	ID         string `json:"jti"`
	ClientID   string `json:"cid"`
	Scope      string `json:"scope"`
	Tenant     string `json:"tenant,omitempty"`
	AllTenants bool   `json:"all,omitempty"`
	IssuedAt   int64  `json:"iat"`
	ExpiresAt  int64  `json:"exp"`
	Credential string `json:"cred"`
}

// IssueToken returns a new access token for a client, with scopes among
// the client's, valid for TokenTTL from now. Clients treat it as opaque.
func (k *Keys) IssueToken(c *Client, scopes []string, now time.Time) (string, *AccessToken) {
	t := &AccessToken{ID: newID(), ClientID: c.ID, Scopes: scopes, Tenant: c.Tenant, AllTenants: c.AllTenants,
		IssuedAt: now.Truncate(time.Second), ExpiresAt: now.Add(TokenTTL).Truncate(time.Second)}
	raw := sign(k.token, tokenClaims{ID: t.ID, ClientID: t.ClientID, Scope: strings.Join(scopes, " "), Tenant: t.Tenant,
		AllTenants: t.AllTenants, IssuedAt: t.IssuedAt.Unix(), ExpiresAt: t.ExpiresAt.Unix(), Credential: k.clientFingerprint(c)})
	return raw, t
}

// errBadToken is the one answer for a token that is forged, expired, or
// whose client was revoked or given a new secret: a caller learns nothing
// more from it.
var errBadToken = Errorf(ENOTFOUND, "the token is unknown, expired or revoked")

// openToken checks a token's signature and expiry, without its client.
func (k *Keys) openToken(raw string, now time.Time) (*AccessToken, string, error) {
	var c tokenClaims
	if !verify(k.token, raw, &c) || c.ClientID == "" || c.AllTenants == (c.Tenant != "") ||
		now.Unix() >= c.ExpiresAt || c.ExpiresAt > now.Add(TokenTTL+maxSkew).Unix() {
		return nil, "", errBadToken
	}
	scopes, err := ParseScopes(c.Scope)
	if err != nil || len(scopes) == 0 {
		return nil, "", errBadToken
	}
	return &AccessToken{ID: c.ID, ClientID: c.ClientID, Scopes: scopes, Tenant: c.Tenant, AllTenants: c.AllTenants,
		IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), ExpiresAt: time.Unix(c.ExpiresAt, 0).UTC()}, c.Credential, nil
}

// CheckToken authenticates a bearer token: signed with these keys, not
// expired at now, of a client that client (a read: ClientService.Client)
// finds not revoked, with the same secret or key, tenant and scopes as
// when the token was issued. So a revocation, a new secret or a narrower
// client ends its tokens at the next request, on every server.
// ENOTFOUND for any token that fails.
func (k *Keys) CheckToken(ctx context.Context, raw string, now time.Time, client func(context.Context, string) (*Client, error)) (*AccessToken, error) {
	t, cred, err := k.openToken(raw, now)
	if err != nil {
		return nil, err
	}
	c, err := client(ctx, t.ClientID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil, errBadToken
	case err != nil:
		return nil, err
	case !c.RevokedAt.IsZero() || !hmac.Equal([]byte(cred), []byte(k.clientFingerprint(c))) ||
		c.AllTenants != t.AllTenants || c.Tenant != t.Tenant:
		return nil, errBadToken
	}
	for _, sc := range t.Scopes {
		if !c.Has(sc) {
			return nil, errBadToken
		}
	}
	return t, nil
}

// sessionClaims are what a session cookie says, as signed.
type sessionClaims struct {
	ID         string `json:"sid"`
	OperatorID string `json:"oid"`
	Tenant     string `json:"tenant,omitempty"`
	CreatedAt  int64  `json:"iat"`
	SeenAt     int64  `json:"seen"`
	Credential string `json:"cred"`
}

// NewSession starts a session of an operator, showing its own tenant
// (all for an operator of all tenants).
func (k *Keys) NewSession(o *Operator, now time.Time) *Session {
	now = now.Truncate(time.Second)
	return &Session{ID: newID(), OperatorID: o.ID, Tenant: o.Tenant, CreatedAt: now, SeenAt: now, credential: k.operatorFingerprint(o)}
}

// SessionCookie returns the value of a session's cookie. It is sent again
// whenever the session's last use or tenant changes: the cookie is the
// session, the directory keeps nothing of it until it ends.
func (k *Keys) SessionCookie(s *Session) string {
	return sign(k.session, sessionClaims{ID: s.ID, OperatorID: s.OperatorID, Tenant: s.Tenant, CreatedAt: s.CreatedAt.Unix(),
		SeenAt: s.SeenAt.Unix(), Credential: s.credential})
}

// errNoSession is the one answer for a cookie that is forged, idle too
// long, ended, or of an operator disabled or given a new password.
var errNoSession = Errorf(ENOTFOUND, "the session is unknown or has ended")

// openSession checks a cookie's signature and idle time, without its
// operator.
func (k *Keys) openSession(cookie string, now time.Time) (*Session, error) {
	var c sessionClaims
	if !verify(k.session, cookie, &c) || c.ID == "" || c.OperatorID == "" ||
		c.SeenAt <= now.Add(-SessionIdle).Unix() || c.SeenAt > now.Add(maxSkew).Unix() {
		return nil, errNoSession
	}
	return &Session{ID: c.ID, OperatorID: c.OperatorID, Tenant: c.Tenant, CreatedAt: time.Unix(c.CreatedAt, 0).UTC(),
		SeenAt: time.Unix(c.SeenAt, 0).UTC(), credential: c.Credential}, nil
}

// CheckSession authenticates a session cookie: signed with these keys,
// used within SessionIdle before now, and of an operator that operator (a
// read: OperatorService.SessionOperator) finds, with the session not
// ended, not disabled, and with the same password as at sign-in. An
// operator bound to a tenant always sees its own. ENOTFOUND for any
// cookie that fails.
func (k *Keys) CheckSession(ctx context.Context, cookie string, now time.Time,
	operator func(ctx context.Context, operatorID, sessionID string) (*Operator, error)) (*Session, *Operator, error) {
	s, err := k.openSession(cookie, now)
	if err != nil {
		return nil, nil, err
	}
	o, err := operator(ctx, s.OperatorID, s.ID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return nil, nil, errNoSession
	case err != nil:
		return nil, nil, err
	case !o.DisabledAt.IsZero() || !hmac.Equal([]byte(s.credential), []byte(k.operatorFingerprint(o))):
		return nil, nil, errNoSession
	}
	if !o.AllTenants {
		s.Tenant = o.Tenant
	}
	return s, o, nil
}

// CSRFToken returns the token that a session's forms carry: derived from
// the session's ID under a key of the server's, so that only the server
// can make it and the holder of the cookie be given it, and nothing more
// is stored. It stays the same for the whole session, though the cookie
// is signed again as the session is used. A page of another site can
// neither read the cookie nor this token, so its forged requests lack it.
func (k *Keys) CSRFToken(s *Session) string {
	return b64.EncodeToString(mac(k.csrf, []byte(s.ID)))
}
