package roster

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"slices"
	"strings"
	"time"
)

// Scopes a client may hold. A token carries a subset of its client's.
const (
	ScopeUsersRead    = "users:read"    // users, groups, rooms, jobs, export without secrets
	ScopeUsersWrite   = "users:write"   // import, update, delete, memberships
	ScopeSecretsRead  = "secrets:read"  // exports with secrets, success reports
	ScopeSetupWrite   = "setup:write"   // reference data
	ScopeClientsAdmin = "clients:admin" // reserved for managing clients through the API
)

// Scopes lists every scope, in the order they are documented.
var Scopes = []string{ScopeUsersRead, ScopeUsersWrite, ScopeSecretsRead, ScopeSetupWrite, ScopeClientsAdmin}

// ScopeDocs says in words what each scope allows.
var ScopeDocs = map[string]string{
	ScopeUsersRead:    "Read users, groups, rooms, jobs; export without secrets",
	ScopeUsersWrite:   "Import, update and delete users; change memberships",
	ScopeSecretsRead:  "Export with secrets; download success reports",
	ScopeSetupWrite:   "Change reference data",
	ScopeClientsAdmin: "Reserved: manage clients",
}

// TokenTTL is how long an access token is valid.
const TokenTTL = time.Hour

// Client is a machine that calls the API: an HR system, a provisioning
// script, a bot. It proves who it is with a secret, or, when registered
// with a public key, with a JWT signed by its private key (RFC 7523).
type Client struct {
	ID   string
	Name string
	// Tenant binds the client to one tenant; empty with AllTenants.
	Tenant     string
	AllTenants bool
	Scopes     []string
	// SecretHash is the SHA-256 of the client's secret; empty for a
	// client that authenticates with a key.
	SecretHash []byte
	// PublicKey is the PEM of the client's RSA or EC public key; empty for
	// a client with a secret.
	PublicKey string
	CreatedAt time.Time
	RevokedAt time.Time // zero while the client is active
}

// Validate checks a client before it is stored.
func (c *Client) Validate() error {
	switch {
	case strings.TrimSpace(c.Name) == "":
		return Errorf(EINVALID, "a client needs a name")
	case c.AllTenants == (c.Tenant != ""):
		return Errorf(EINVALID, "a client is bound to one tenant, or to all tenants: give --tenant or --all-tenants")
	case len(c.Scopes) == 0:
		return Errorf(EINVALID, "a client needs at least one scope (%s)", strings.Join(Scopes, " "))
	case (len(c.SecretHash) == 0) == (c.PublicKey == ""):
		return Errorf(EINVALID, "a client has a secret or a public key, not both")
	}
	if c.PublicKey != "" {
		if _, err := ParsePublicKey(c.PublicKey); err != nil {
			return err
		}
	}
	_, err := ParseScopes(strings.Join(c.Scopes, " "))
	return err
}

// Has tells whether the client holds a scope.
func (c *Client) Has(scope string) bool { return slices.Contains(c.Scopes, scope) }

// ParseScopes reads a space-separated list of scopes (RFC 6749 §3.3),
// refusing unknown ones, and returns them in the documented order without
// repeats.
func ParseScopes(s string) ([]string, error) {
	fields := strings.Fields(s)
	for _, f := range fields {
		if !slices.Contains(Scopes, f) {
			return nil, Errorf(EINVALID, "unknown scope %q; scopes are %s", f, strings.Join(Scopes, ", "))
		}
	}
	var out []string
	for _, sc := range Scopes {
		if slices.Contains(fields, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// AccessToken is what a bearer token stands for. Tokens are not stored:
// each is signed (Keys.IssueToken), and checked against its client as the
// directory holds it at each request (Keys.CheckToken).
type AccessToken struct {
	ID         string // random, to tell tokens apart
	ClientID   string
	Scopes     []string
	Tenant     string // empty with AllTenants
	AllTenants bool
	IssuedAt   time.Time
	ExpiresAt  time.Time
}

// NewSecret returns 256 random bits, URL-safe: client secrets, and the
// token of the console's sign-in form. Hashed with HashSecret, such a value
// cannot be found again by trying, so a fast hash is enough.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the form in which client secrets are stored.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// ParsePublicKey reads the PEM of a client's RSA or EC public key
// ("PUBLIC KEY", or "RSA PUBLIC KEY" as OpenSSL's older commands write it).
func ParsePublicKey(data string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(data))
	if block == nil {
		return nil, Errorf(EINVALID, "the public key is not in PEM format (-----BEGIN PUBLIC KEY-----)")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, Errorf(EINVALID, "the PEM holds a %s, not a public key; give the public half of the client's key", block.Type)
	}
	if err != nil {
		return nil, Errorf(EINVALID, "the public key cannot be read: %v", err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, Errorf(EINVALID, "the RSA key has %d bits; at least 2048 are needed", k.N.BitLen())
		}
		return k, nil
	case *ecdsa.PublicKey:
		return k, nil
	}
	return nil, Errorf(EINVALID, "the key is a %T; only RSA and EC keys sign client assertions", key)
}

// ClientService stores clients, the assertions they have used, and the
// directory's signing key. Access tokens are not stored: they are signed
// with the key, and each request reads its token's client, so that a
// revocation is seen at once by every server sharing the directory.
type ClientService interface {
	// CreateClient stores a new client; revoked already when RevokedAt
	// is set (a client moved from another directory).
	CreateClient(ctx context.Context, c *Client) error
	// Client finds a client by ID, revoked or not; ENOTFOUND when there
	// is none. It reads without waiting for a write in progress: every
	// authenticated request calls it.
	Client(ctx context.Context, id string) (*Client, error)
	// Clients lists every client, oldest first.
	Clients(ctx context.Context) ([]*Client, error)
	// RevokeClient revokes a client: its tokens stop working at once.
	RevokeClient(ctx context.Context, id string, now time.Time) error
	// UseAssertion records the ID (jti) of a client's JWT assertion until
	// it expires, and fails with ECONFLICT when it was already used. It
	// must not wait for a long write (an import): a store whose writes
	// wait for one refuses a replay from its own memory at once and
	// records the ID when it can (see docs/decisions.md).
	UseAssertion(ctx context.Context, clientID, jti string, expires, now time.Time) error
	// SigningKey returns the directory's signing key (NewKeys), making it
	// when the directory has none: a write, done when a server starts,
	// never on a request's path. The key is stored sealed, so that a copy
	// of the database alone signs nothing.
	SigningKey(ctx context.Context) ([]byte, error)
}
