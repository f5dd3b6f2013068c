package roster

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ReferenceWriter writes reference data into a directory's store, for
// ApplyReference. Each directory implements it with its own SQL, inside a
// transaction that holds its write lock.
type ReferenceWriter interface {
	AddTenant(ctx context.Context, name, defaultRole string) (int64, error)
	SetDefaultRole(ctx context.Context, tenant int64, role string) error
	AddContext(ctx context.Context, tenant int64, c Context) error
	UpdateContext(ctx context.Context, id int64, c Context) error
	AddObject(ctx context.Context, tenant int64, kind, name string) error
	// Remove deletes a tenant, a context or an object (kind is KindTenant,
	// KindContext or an object kind) and fails with ECONFLICT, naming
	// what, when users still use it.
	Remove(ctx context.Context, kind string, id int64, what string) error
}

// Validate checks declared reference data before anything is written.
func (r *Reference) Validate() error {
	seen := map[string]bool{}
	for _, t := range r.Tenants {
		if strings.TrimSpace(t.Name) == "" {
			return Errorf(EINVALID, "a tenant has no name")
		}
		if seen[strings.ToLower(t.Name)] {
			return Errorf(EINVALID, "tenant %s is declared twice", t.Name)
		}
		seen[strings.ToLower(t.Name)] = true
		for _, c := range t.Contexts {
			if c.Kind != Internal && c.Kind != Incoming {
				return Errorf(EINVALID, "tenant %s, context %s: kind must be internal or incall, not %q", t.Name, c.Name, c.Kind)
			}
			for _, r := range c.Ranges {
				if _, err := ParseRange(r); err != nil {
					return Errorf(EINVALID, "tenant %s, context %s: %v", t.Name, c.Name, err)
				}
			}
		}
		if t.DefaultRole != "" && !slices.ContainsFunc(t.Roles, func(o Object) bool { return strings.EqualFold(o.Name, t.DefaultRole) }) {
			return Errorf(EINVALID, "tenant %s: the default role %s is not among its roles", t.Name, t.DefaultRole)
		}
	}
	return nil
}

// ApplyReference brings a directory whose reference data is old to declare
// what ref declares: it adds and updates, and with prune removes what ref
// leaves out. Objects are matched by name, case-insensitively; nothing is
// renamed. It returns what changed, in words.
func ApplyReference(ctx context.Context, w ReferenceWriter, old, ref *Reference, prune bool) ([]string, error) {
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	var changes []string
	note := func(format string, args ...any) { changes = append(changes, fmt.Sprintf(format, args...)) }
	for _, t := range ref.Tenants {
		cur := old.Tenant(t.Name)
		if cur == nil || !strings.EqualFold(cur.Name, t.Name) {
			id, err := w.AddTenant(ctx, t.Name, t.DefaultRole)
			if err != nil {
				return nil, err
			}
			cur = &Tenant{ID: id, Name: t.Name, DefaultRole: t.DefaultRole}
			note("added tenant %s", t.Name)
		} else if t.DefaultRole != "" && t.DefaultRole != cur.DefaultRole {
			if err := w.SetDefaultRole(ctx, cur.ID, t.DefaultRole); err != nil {
				return nil, err
			}
			note("tenant %s: default role %s", t.Name, t.DefaultRole)
		}
		for _, c := range t.Contexts {
			ranges := strings.Join(c.Ranges, ",")
			oc := cur.Context(c.Name)
			switch {
			case oc == nil || !strings.EqualFold(oc.Name, c.Name):
				if err := w.AddContext(ctx, cur.ID, c); err != nil {
					return nil, err
				}
				note("added context %s/%s", t.Name, c.Name)
			case oc.Kind != c.Kind || strings.Join(oc.Ranges, ",") != ranges:
				if err := w.UpdateContext(ctx, oc.ID, c); err != nil {
					return nil, err
				}
				note("updated context %s/%s", t.Name, c.Name)
			}
		}
		for _, kind := range ObjectKinds {
			for _, o := range *t.Objects(kind) {
				if _, ok := cur.Lookup(kind, o.Name); ok {
					continue
				}
				if err := w.AddObject(ctx, cur.ID, kind, o.Name); err != nil {
					return nil, err
				}
				note("added %s %s/%s", kind, t.Name, o.Name)
			}
		}
		if prune {
			if err := pruneTenant(ctx, w, cur, &t, note); err != nil {
				return nil, err
			}
		}
	}
	if prune {
		for _, ot := range old.Tenants {
			if ref.Tenant(ot.Name) == nil || !strings.EqualFold(ref.Tenant(ot.Name).Name, ot.Name) {
				if err := w.Remove(ctx, KindTenant, ot.ID, "tenant "+ot.Name); err != nil {
					return nil, err
				}
				note("removed tenant %s", ot.Name)
			}
		}
	}
	return changes, nil
}

// pruneTenant removes a tenant's objects that the declaration leaves out.
func pruneTenant(ctx context.Context, w ReferenceWriter, cur, want *Tenant, note func(string, ...any)) error {
	for _, c := range cur.Contexts {
		if want.Context(c.Name) == nil {
			if err := w.Remove(ctx, KindContext, c.ID, "context "+c.Name); err != nil {
				return err
			}
			note("removed context %s/%s", cur.Name, c.Name)
		}
	}
	for _, kind := range ObjectKinds {
		for _, o := range *cur.Objects(kind) {
			if _, ok := want.Lookup(kind, o.Name); ok {
				continue
			}
			if err := w.Remove(ctx, kind, o.ID, kind+" "+o.Name); err != nil {
				return err
			}
			note("removed %s %s/%s", kind, cur.Name, o.Name)
		}
	}
	return nil
}
