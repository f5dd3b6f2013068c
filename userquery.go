package roster

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/google/uuid"
)

// UserQuery selects a page of users, in export order: tenant, lastname,
// firstname, then uuid.
type UserQuery struct {
	// Tenant keeps one tenant's users; empty keeps every tenant's.
	Tenant string
	// Prefix keeps the users whose username, email, firstname, lastname
	// or extension starts with it; names compare as FoldIdentity folds
	// them, so that "émile" finds "Émile".
	Prefix string
	// Group and Room keep the members of the group or room of that name
	// (in Tenant; in any tenant when Tenant is empty).
	Group, Room string
	// After is where the previous page ended; nil for the first page.
	After *Cursor
	// Limit is how many users a page holds at most; at least 1.
	Limit int
	// Secrets: as for Directory.Export.
	Secrets bool
}

// UserPage is a page of users. Next is where the next page starts, nil
// after the last page.
type UserPage struct {
	Users []*User
	Next  *Cursor
}

// Cursor is a place in export order: a page after it starts with the first
// user that sorts after these keys. It is shown to clients as an opaque
// string (String, ParseCursor).
type Cursor struct {
	TenantID  int64
	Lastname  string
	Firstname string
	UUID      string
}

// CursorOf is the cursor just after a user of a tenant.
func CursorOf(tenantID int64, u *User) *Cursor {
	return &Cursor{TenantID: tenantID, Lastname: u.Lastname, Firstname: u.Firstname, UUID: u.UUID}
}

// String encodes the cursor for a client: base64url of a JSON array.
func (c *Cursor) String() string {
	b, _ := json.Marshal([]any{c.TenantID, c.Lastname, c.Firstname, c.UUID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxCursor bounds a cursor's text: two names of at most 128 characters, a
// uuid and a number fit in far less.
const maxCursor = 2048

// ParseCursor reads a cursor that String wrote; EINVALID for anything else.
func ParseCursor(s string) (*Cursor, error) {
	bad := Errorf(EINVALID, "the cursor is not one this server gave: start again from the first page")
	if len(s) > maxCursor {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 4 {
		return nil, bad
	}
	c := &Cursor{}
	for i, into := range []any{&c.TenantID, &c.Lastname, &c.Firstname, &c.UUID} {
		if err := json.Unmarshal(parts[i], into); err != nil {
			return nil, bad
		}
	}
	if c.TenantID < 0 {
		return nil, bad
	}
	return c, nil
}

// RefClaims are the values a reference to a user may be. Under a key
// column (uuid, username or email) it is that key only; a bare reference
// (key "") is a uuid when it reads as one, a username, and an email when
// it has an @. Usernames and emails are folded, as everywhere.
func RefClaims(key, value string) []Claim {
	var out []Claim
	for _, k := range []string{"uuid", "username", "email"} {
		if key != "" && key != k {
			continue
		}
		switch k {
		case "uuid":
			if id, err := uuid.Parse(value); err == nil {
				out = append(out, Claim{Key: k, Value: id.String()})
			}
		case "email":
			if strings.Contains(value, "@") {
				out = append(out, Claim{Key: k, Value: FoldIdentity(value)})
			}
		default:
			out = append(out, Claim{Key: k, Value: FoldIdentity(value)})
		}
	}
	return out
}
