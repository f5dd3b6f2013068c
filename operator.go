package roster

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Roles of operators: what a person signed in to the console may do.
const (
	RoleAdmin    = "admin"    // everything, and the setup and API clients pages
	RoleOperator = "operator" // imports, updates and deletes users; no setup or clients
	RoleViewer   = "viewer"   // looks and downloads; changes nothing
)

// Roles lists the roles, from the most to the least allowed.
var Roles = []string{RoleAdmin, RoleOperator, RoleViewer}

// Operator is a person who signs in to the web console with a name and a
// password, as clients are the machines that call the API.
type Operator struct {
	ID   string
	Name string
	// Tenant binds the operator to one tenant; empty with AllTenants.
	Tenant     string
	AllTenants bool
	Role       string
	// PasswordHash is the argon2id hash of the password (package
	// password); the password itself is never stored.
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   time.Time // zero while the operator may sign in
}

// Operator names and passwords are bounded: a name is read by people, a
// password must be long enough not to be guessed within the sign-in
// throttle, and short enough that hashing it costs nothing unusual.
const (
	MaxOperatorName     = 64
	MinOperatorPassword = 12
	MaxOperatorPassword = 1024
)

// Validate checks an operator before it is stored.
func (o *Operator) Validate() error {
	if err := ValidateOperatorName(o.Name); err != nil {
		return err
	}
	switch {
	case o.AllTenants == (o.Tenant != ""):
		return Errorf(EINVALID, "an operator is bound to one tenant, or to all tenants: give --tenant or --all-tenants")
	case o.Role != RoleAdmin && o.Role != RoleOperator && o.Role != RoleViewer:
		return Errorf(EINVALID, "unknown role %q; roles are %s", o.Role, strings.Join(Roles, ", "))
	case o.PasswordHash == "":
		return Errorf(EINVALID, "an operator needs a password")
	}
	return nil
}

// ValidateOperatorName checks a name as people will type it to sign in:
// no spaces around it, no control or invisible characters, in NFC.
func ValidateOperatorName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return Errorf(EINVALID, "an operator needs a name")
	case !utf8.ValidString(name):
		return Errorf(EINVALID, "the operator's name is not valid UTF-8")
	case strings.TrimSpace(name) != name:
		return Errorf(EINVALID, "the operator's name %q starts or ends with a space", name)
	case utf8.RuneCountInString(name) > MaxOperatorName:
		return Errorf(EINVALID, "the operator's name is longer than %d characters", MaxOperatorName)
	case !norm.NFC.IsNormalString(name):
		return Errorf(EINVALID, "the operator's name %q is not in Unicode normal form C", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return Errorf(EINVALID, "the operator's name %q holds a control or invisible character (U+%04X)", name, r)
		}
	}
	return nil
}

// ValidateOperatorPassword checks a new password's length. Nothing else
// is imposed (NIST SP 800-63B): length is what makes a password hard to
// guess.
func ValidateOperatorPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinOperatorPassword:
		return Errorf(EINVALID, "the password has %d characters; at least %d are needed", n, MinOperatorPassword)
	case len(pw) > MaxOperatorPassword:
		return Errorf(EINVALID, "the password is longer than %d bytes", MaxOperatorPassword)
	}
	return nil
}

// CanChange tells whether the operator may change anything (a viewer may
// not).
func (o *Operator) CanChange() bool { return o.Role == RoleAdmin || o.Role == RoleOperator }

// IsAdmin tells whether the operator may see the setup and clients pages.
func (o *Operator) IsAdmin() bool { return o.Role == RoleAdmin }

// SessionIdle is how long a console session lasts without a request.
const SessionIdle = 8 * time.Hour

// Session is an operator signed in to the console. The session's secret
// lives only in the browser's cookie; the directory keeps its SHA-256,
// so that a copy of the database signs no one in.
type Session struct {
	Hash       []byte
	OperatorID string
	// Tenant is the tenant the console shows: the operator's own, or
	// for an operator of all tenants the one picked, empty for all.
	Tenant    string
	CreatedAt time.Time
	SeenAt    time.Time
}

// CSRFToken returns the token that the session's forms carry: derived
// from the session's secret, so that only the holder of the cookie can
// know it and nothing more is stored. A page of another site can neither
// read the cookie nor this token, so its forged requests lack it.
func CSRFToken(secret string) string {
	h := sha256.Sum256([]byte("roster console csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// OperatorService stores operators and their console sessions. Sessions
// live in the directory, so that every server sharing it knows them, and
// a disabled operator is signed out everywhere at once.
type OperatorService interface {
	// CreateOperator stores a new operator; ECONFLICT when the name, as
	// FoldIdentity compares it, is taken.
	CreateOperator(ctx context.Context, o *Operator) error
	// Operator finds an operator by name (compared by FoldIdentity),
	// disabled or not; ENOTFOUND when there is none.
	Operator(ctx context.Context, name string) (*Operator, error)
	// Operators lists every operator, oldest first.
	Operators(ctx context.Context) ([]*Operator, error)
	// DisableOperator stops an operator from signing in and ends its
	// sessions.
	DisableOperator(ctx context.Context, name string, now time.Time) error
	// SetOperatorPassword replaces an operator's password hash and ends
	// its sessions.
	SetOperatorPassword(ctx context.Context, name, hash string) error
	// CreateSession stores a new session, and drops the expired ones.
	CreateSession(ctx context.Context, s *Session) error
	// Session finds a live session by its hash with its operator: seen
	// within SessionIdle before now, of an operator not disabled. It
	// records now as the session's last use (at most once a minute, to
	// spare the directory a write per page). ENOTFOUND otherwise.
	Session(ctx context.Context, hash []byte, now time.Time) (*Session, *Operator, error)
	// SetSessionTenant changes the tenant a session shows.
	SetSessionTenant(ctx context.Context, hash []byte, tenant string) error
	// DeleteSession ends a session (sign-out).
	DeleteSession(ctx context.Context, hash []byte) error
}
