package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
)

// loadReference reads all reference data.
func loadReference(ctx context.Context, tx *sql.Tx) (*roster.Reference, error) {
	ref := &roster.Reference{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, default_role FROM tenants ORDER BY id`)
	if err != nil {
		return nil, err
	}
	byID := map[int64]int{}
	for rows.Next() {
		var t roster.Tenant
		if err := rows.Scan(&t.ID, &t.Name, &t.DefaultRole); err != nil {
			rows.Close()
			return nil, err
		}
		byID[t.ID] = len(ref.Tenants)
		ref.Tenants = append(ref.Tenants, t)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT id, tenant_id, name, kind, ranges FROM contexts ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c roster.Context
		var tenant int64
		var ranges string
		if err := rows.Scan(&c.ID, &tenant, &c.Name, &c.Kind, &ranges); err != nil {
			rows.Close()
			return nil, err
		}
		if ranges != "" {
			c.Ranges = strings.Split(ranges, ",")
		}
		t := &ref.Tenants[byID[tenant]]
		t.Contexts = append(t.Contexts, c)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT id, tenant_id, kind, name FROM objects ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var o roster.Object
		var tenant int64
		var kind string
		if err := rows.Scan(&o.ID, &tenant, &kind, &o.Name); err != nil {
			return nil, err
		}
		t := &ref.Tenants[byID[tenant]]
		if list := objectList(t, kind); list != nil {
			*list = append(*list, o)
		}
	}
	return ref, rows.Err()
}

func objectList(t *roster.Tenant, kind string) *[]roster.Object {
	switch kind {
	case roster.KindRole:
		return &t.Roles
	case roster.KindCTIProfile:
		return &t.CTIProfiles
	case roster.KindCallPermission:
		return &t.CallPermissions
	case roster.KindSkillGroup:
		return &t.SkillGroups
	case roster.KindDesk:
		return &t.Desks
	}
	return nil
}

var objectKinds = []string{roster.KindRole, roster.KindCTIProfile, roster.KindCallPermission, roster.KindSkillGroup, roster.KindDesk}

// Validate checks declared reference data before anything is written.
func validate(ref *roster.Reference) error {
	seen := map[string]bool{}
	for _, t := range ref.Tenants {
		if strings.TrimSpace(t.Name) == "" {
			return roster.Errorf(roster.EINVALID, "a tenant has no name")
		}
		if seen[strings.ToLower(t.Name)] {
			return roster.Errorf(roster.EINVALID, "tenant %s is declared twice", t.Name)
		}
		seen[strings.ToLower(t.Name)] = true
		for _, c := range t.Contexts {
			if c.Kind != roster.Internal && c.Kind != roster.Incoming {
				return roster.Errorf(roster.EINVALID, "tenant %s, context %s: kind must be internal or incall, not %q", t.Name, c.Name, c.Kind)
			}
			for _, r := range c.Ranges {
				if _, err := roster.ParseRange(r); err != nil {
					return roster.Errorf(roster.EINVALID, "tenant %s, context %s: %v", t.Name, c.Name, err)
				}
			}
		}
		if t.DefaultRole != "" && !slices.ContainsFunc(t.Roles, func(o roster.Object) bool { return strings.EqualFold(o.Name, t.DefaultRole) }) {
			return roster.Errorf(roster.EINVALID, "tenant %s: the default role %s is not among its roles", t.Name, t.DefaultRole)
		}
	}
	return nil
}

// setReference adds and updates the declared objects, and with prune
// removes the others. Objects are matched by name, case-insensitively.
func setReference(ctx context.Context, tx *sql.Tx, ref *roster.Reference, prune bool) ([]string, error) {
	if err := validate(ref); err != nil {
		return nil, err
	}
	old, err := loadReference(ctx, tx)
	if err != nil {
		return nil, err
	}
	var changes []string
	note := func(format string, args ...any) { changes = append(changes, fmt.Sprintf(format, args...)) }
	for _, t := range ref.Tenants {
		cur := old.Tenant(t.Name)
		if cur == nil || !strings.EqualFold(cur.Name, t.Name) {
			res, err := tx.ExecContext(ctx, `INSERT INTO tenants (name, default_role) VALUES (?, ?)`, t.Name, t.DefaultRole)
			if err != nil {
				return nil, err
			}
			id, _ := res.LastInsertId()
			cur = &roster.Tenant{ID: id, Name: t.Name, DefaultRole: t.DefaultRole}
			note("added tenant %s", t.Name)
		} else if t.DefaultRole != "" && t.DefaultRole != cur.DefaultRole {
			if _, err := tx.ExecContext(ctx, `UPDATE tenants SET default_role = ? WHERE id = ?`, t.DefaultRole, cur.ID); err != nil {
				return nil, err
			}
			note("tenant %s: default role %s", t.Name, t.DefaultRole)
		}
		for _, c := range t.Contexts {
			ranges := strings.Join(c.Ranges, ",")
			oc := cur.Context(c.Name)
			switch {
			case oc == nil || !strings.EqualFold(oc.Name, c.Name):
				if _, err := tx.ExecContext(ctx, `INSERT INTO contexts (tenant_id, name, kind, ranges) VALUES (?, ?, ?, ?)`, cur.ID, c.Name, c.Kind, ranges); err != nil {
					return nil, err
				}
				note("added context %s/%s", t.Name, c.Name)
			case oc.Kind != c.Kind || strings.Join(oc.Ranges, ",") != ranges:
				if _, err := tx.ExecContext(ctx, `UPDATE contexts SET kind = ?, ranges = ? WHERE id = ?`, c.Kind, ranges, oc.ID); err != nil {
					return nil, err
				}
				note("updated context %s/%s", t.Name, c.Name)
			}
		}
		for _, kind := range objectKinds {
			for _, o := range *objectList(&t, kind) {
				if _, ok := cur.Lookup(kind, o.Name); ok {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO objects (tenant_id, kind, name) VALUES (?, ?, ?)`, cur.ID, kind, o.Name); err != nil {
					return nil, err
				}
				note("added %s %s/%s", kind, t.Name, o.Name)
			}
		}
		if prune {
			if err := pruneTenant(ctx, tx, cur, &t, note); err != nil {
				return nil, err
			}
		}
	}
	if prune {
		for _, ot := range old.Tenants {
			if ref.Tenant(ot.Name) == nil || !strings.EqualFold(ref.Tenant(ot.Name).Name, ot.Name) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM tenants WHERE id = ?`, ot.ID); err != nil {
					return nil, inUse(err, "tenant "+ot.Name)
				}
				note("removed tenant %s", ot.Name)
			}
		}
	}
	return changes, nil
}

// pruneTenant removes a tenant's objects that the declaration leaves out.
func pruneTenant(ctx context.Context, tx *sql.Tx, cur, want *roster.Tenant, note func(string, ...any)) error {
	for _, c := range cur.Contexts {
		if want.Context(c.Name) == nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM contexts WHERE id = ?`, c.ID); err != nil {
				return inUse(err, "context "+c.Name)
			}
			note("removed context %s/%s", cur.Name, c.Name)
		}
	}
	for _, kind := range objectKinds {
		for _, o := range *objectList(cur, kind) {
			if _, ok := want.Lookup(kind, o.Name); ok {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE id = ?`, o.ID); err != nil {
				return inUse(err, kind+" "+o.Name)
			}
			note("removed %s %s/%s", kind, cur.Name, o.Name)
		}
	}
	return nil
}

func inUse(err error, what string) error {
	if strings.Contains(err.Error(), "FOREIGN KEY") {
		return roster.Errorf(roster.ECONFLICT, "cannot remove %s: users still use it", what)
	}
	return err
}
