package roster

import (
	"context"
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

// Session is an operator signed in to the console. It lives in its
// signed cookie (Keys.SessionCookie), not in the directory, so that
// signing in and browsing write nothing; the directory keeps only the IDs
// of sessions that were signed out (EndSession), until they would have
// expired anyway.
type Session struct {
	ID         string // random, 128 bits
	OperatorID string
	// Tenant is the tenant the console shows: the operator's own, or
	// for an operator of all tenants the one picked, empty for all.
	Tenant    string
	CreatedAt time.Time
	SeenAt    time.Time // the last request, to a minute
	// credential stands for the operator's password hash at sign-in: a
	// new password ends the session.
	credential string
}

// OperatorService stores operators and the console sessions that were
// ended. Sessions themselves are signed cookies: checking one reads its
// operator (disabled? another password?) and whether it was ended, so a
// disable, a new password or a sign-out is seen at once by every server
// sharing the directory, and nothing waits for a write in progress.
type OperatorService interface {
	// CreateOperator stores a new operator, disabled already when
	// DisabledAt is set (one moved from another directory); ECONFLICT
	// when the name, as FoldIdentity compares it, is taken.
	CreateOperator(ctx context.Context, o *Operator) error
	// Operator finds an operator by name (compared by FoldIdentity),
	// disabled or not; ENOTFOUND when there is none.
	Operator(ctx context.Context, name string) (*Operator, error)
	// Operators lists every operator, oldest first.
	Operators(ctx context.Context) ([]*Operator, error)
	// DisableOperator stops an operator from signing in; its sessions
	// end, since a session's check reads its operator.
	DisableOperator(ctx context.Context, name string, now time.Time) error
	// SetOperatorPassword replaces an operator's password hash; its
	// sessions end, since they were signed for the old one.
	SetOperatorPassword(ctx context.Context, name, hash string) error
	// SessionOperator finds the operator of a session by ID, disabled or
	// not; ENOTFOUND when there is none, or when the session was ended.
	// It reads without waiting for a write in progress: every page of
	// the console calls it.
	SessionOperator(ctx context.Context, operatorID, sessionID string) (*Operator, error)
	// EndSession records that a session was signed out, until expires,
	// when its cookie is worthless anyway. It must not wait for a long
	// write: a store whose writes wait for one knows the end at once
	// from its memory, and records it when it can.
	EndSession(ctx context.Context, sessionID string, expires time.Time) error
}
