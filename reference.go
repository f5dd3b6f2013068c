package roster

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Reference is the reference data of a directory: the objects users point
// at and imports never create. It is small (dozens to thousands of
// objects), so it is loaded whole and looked up in memory.
type Reference struct {
	Tenants []Tenant `json:"tenants" yaml:"tenants"`
}

// Tenant is an isolated customer of the platform with its own reference
// objects.
type Tenant struct {
	ID   int64  `json:"id,omitempty" yaml:"id,omitempty"`
	Name string `json:"name" yaml:"name"`
	// DefaultRole is given to users of the tenant that name no role.
	DefaultRole     string    `json:"default_role,omitempty" yaml:"default_role,omitempty"`
	Contexts        []Context `json:"contexts,omitempty" yaml:"contexts,omitempty"`
	Roles           []Object  `json:"roles,omitempty" yaml:"roles,omitempty"`
	CTIProfiles     []Object  `json:"cti_profiles,omitempty" yaml:"cti_profiles,omitempty"`
	CallPermissions []Object  `json:"call_permissions,omitempty" yaml:"call_permissions,omitempty"`
	SkillGroups     []Object  `json:"skill_groups,omitempty" yaml:"skill_groups,omitempty"`
	Desks           []Object  `json:"desks,omitempty" yaml:"desks,omitempty"`
}

// Object is a named reference object. Files may refer to it by name or by
// its numeric ID.
type Object struct {
	ID   int64  `json:"id,omitempty" yaml:"id,omitempty"`
	Name string `json:"name" yaml:"name"`
}

// Context is a dial plan context: internal contexts hold extensions of
// lines and voicemail boxes, incall contexts hold incoming numbers.
type Context struct {
	ID     int64    `json:"id,omitempty" yaml:"id,omitempty"`
	Name   string   `json:"name" yaml:"name"`
	Kind   string   `json:"kind" yaml:"kind"`
	Ranges []string `json:"ranges,omitempty" yaml:"ranges,omitempty"`
}

// Context kinds.
const (
	Internal = "internal"
	Incoming = "incall"
)

// Kinds of reference object, as the catalogue names them.
const (
	KindTenant         = "tenant"
	KindContext        = "context"
	KindRole           = "role"
	KindCTIProfile     = "cti_profile"
	KindCallPermission = "call_permission"
	KindSkillGroup     = "skill_group"
	KindDesk           = "desk"
)

// DefaultReference is the reference data of a new directory, so that the
// example files of the products roster replaces import unchanged.
func DefaultReference() *Reference {
	return &Reference{Tenants: []Tenant{{
		ID:          1,
		Name:        "default",
		DefaultRole: "user",
		Contexts: []Context{
			{ID: 1, Name: "default", Kind: Internal, Ranges: []string{"1000-1999"}},
			{ID: 2, Name: "from-extern", Kind: Incoming, Ranges: []string{"2000-2999"}},
		},
		Roles:       []Object{{ID: 1, Name: "user"}, {ID: 2, Name: "agent"}, {ID: 3, Name: "supervisor"}, {ID: 4, Name: "admin"}},
		CTIProfiles: []Object{{ID: 1, Name: "Client"}, {ID: 2, Name: "Agent"}, {ID: 3, Name: "Supervisor"}},
	}}}
}

// Tenant finds a tenant by name or numeric ID; empty finds the default
// tenant, the first one.
func (r *Reference) Tenant(ref string) *Tenant {
	if ref == "" {
		if len(r.Tenants) == 0 {
			return nil
		}
		return &r.Tenants[0]
	}
	for i := range r.Tenants {
		if matches(r.Tenants[i].ID, r.Tenants[i].Name, ref) {
			return &r.Tenants[i]
		}
	}
	return nil
}

// Only returns the reference data of one named tenant (by name or ID),
// as a client or operator bound to it sees them: no tenant at all when it
// does not exist.
func (r *Reference) Only(tenant string) *Reference {
	out := &Reference{Tenants: []Tenant{}}
	if t := r.Tenant(tenant); t != nil {
		out.Tenants = append(out.Tenants, *t)
	}
	return out
}

// TenantName finds a tenant of a directory by name or numeric ID, as a
// command or a form names it, and returns its name as stored; EINVALID
// when the directory has no such tenant.
func TenantName(ctx context.Context, d interface {
	Reference(context.Context) (*Reference, error)
}, name string) (string, error) {
	ref, err := d.Reference(ctx)
	if err != nil {
		return "", err
	}
	t := ref.Tenant(name)
	if t == nil || name == "" {
		return "", Errorf(EINVALID, "no tenant %q in the directory", name)
	}
	return t.Name, nil
}

// Lookup finds an object of a kind in the tenant by name (case-insensitive)
// or numeric ID and returns its canonical name.
func (t *Tenant) Lookup(kind, ref string) (string, bool) {
	if kind == KindContext {
		if c := t.Context(ref); c != nil {
			return c.Name, true
		}
		return "", false
	}
	list := t.Objects(kind)
	if list == nil {
		return "", false
	}
	for _, o := range *list {
		if matches(o.ID, o.Name, ref) {
			return o.Name, true
		}
	}
	return "", false
}

// Context finds a context by name or numeric ID.
func (t *Tenant) Context(ref string) *Context {
	for i := range t.Contexts {
		if matches(t.Contexts[i].ID, t.Contexts[i].Name, ref) {
			return &t.Contexts[i]
		}
	}
	return nil
}

// ObjectKinds are the kinds of named reference object a tenant holds.
var ObjectKinds = []string{KindRole, KindCTIProfile, KindCallPermission, KindSkillGroup, KindDesk}

// Objects returns the tenant's list of objects of a kind, to read or to
// append to; nil for a kind that is not an object kind.
func (t *Tenant) Objects(kind string) *[]Object {
	switch kind {
	case KindRole:
		return &t.Roles
	case KindCTIProfile:
		return &t.CTIProfiles
	case KindCallPermission:
		return &t.CallPermissions
	case KindSkillGroup:
		return &t.SkillGroups
	case KindDesk:
		return &t.Desks
	}
	return nil
}

func matches(id int64, name, ref string) bool {
	if strings.EqualFold(name, ref) {
		return true
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	return err == nil && id != 0 && n == id
}

// Range is an inclusive span of numbers of a context, such as 1000-1999.
type Range struct {
	Start, End string
}

// ParseRange reads "1000-1999" or a single number "1000".
func ParseRange(s string) (Range, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		b = a
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if !isDigits(a) || !isDigits(b) || len(a) != len(b) || a > b {
		return Range{}, fmt.Errorf("%q is not a range of numbers of the same length such as 1000-1999", s)
	}
	return Range{a, b}, nil
}

// Contains says whether a number lies in the range. A number must have the
// digits of the range's bounds: 0042 is not in 1000-1999, nor 42 in 0000-0999.
func (r Range) Contains(n string) bool {
	return len(n) == len(r.Start) && r.Start <= n && n <= r.End
}

// InRanges says whether a number lies in one of the context's ranges.
func (c *Context) InRanges(n string) bool {
	for _, s := range c.Ranges {
		if r, err := ParseRange(s); err == nil && r.Contains(n) {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
