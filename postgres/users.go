package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

// reader starts a snapshot whose reads open the secrets only when asked.
func (db *DB) reader(ctx context.Context, secrets bool) (*Tx, error) {
	t, err := db.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	t.withhold = !secrets
	return t, nil
}

// FindUser returns the one user of the tenant (any when empty) that a
// reference names, from a snapshot: it waits for no writer.
func (db *DB) FindUser(ctx context.Context, tenant, key, ref string, secrets bool) (*roster.User, error) {
	t, err := db.reader(ctx, secrets)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	return dirrow.FindUser(ctx, t, t.Index, tenant, key, ref)
}

// exportOrder is the order of exports and pages, as the users_order index
// holds it: bytes ("C"), as SQLite compares text.
const exportOrder = `u.tenant_id, u.lastname COLLATE "C", u.firstname COLLATE "C", u.uuid`

// ListUsers returns a page of users in export order, from a snapshot. The
// page walks the export-order index (users_order) from the cursor and keeps
// the users that pass its filters, so a page costs the same wherever it
// starts; PostgreSQL's planner takes a group's or a username's index
// instead when it finds few candidates there.
func (db *DB) ListUsers(ctx context.Context, q roster.UserQuery) (*roster.UserPage, error) {
	t, err := db.reader(ctx, q.Secrets)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	limit := max(q.Limit, 1)
	query, args, err := t.pageQuery(ctx, q, limit+1)
	if err != nil || query == "" {
		return &roster.UserPage{Users: []*roster.User{}}, err
	}
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return dirrow.Page(rows, limit, scanRow, func(s *scanned) (*roster.User, int64, error) {
		u, err := s.user(t.Index, t.opener())
		return u, s.tenant, err
	})
}

// pageQuery builds the query of a page of n users, or "" when nobody can
// match (a tenant or a group that does not exist).
func (t *Tx) pageQuery(ctx context.Context, q roster.UserQuery, n int) (string, []any, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var tenantID int64
	if q.Tenant != "" {
		id, err := t.TenantOf(q.Tenant)
		if err != nil {
			return "", nil, nil
		}
		tenantID = id
		conds = append(conds, "u.tenant_id = "+arg(id))
	}
	if q.Prefix != "" {
		// U+10FFFF, the last code point, follows every text that starts
		// with the prefix; no stored text holds it (a noncharacter).
		p := roster.FoldIdentity(q.Prefix)
		lo, hi := arg(p), arg(p+"\U0010FFFF")
		or := []string{}
		for _, col := range []string{"u.firstname_key", "u.lastname_key", "u.username_key", "u.email_key"} {
			or = append(or, col+" >= "+lo+" AND "+col+" < "+hi)
		}
		if digits(q.Prefix) {
			raw, rawHi := arg(q.Prefix), arg(q.Prefix+"\U0010FFFF")
			or = append(or, "u.id IN (SELECT user_id FROM lines WHERE exten COLLATE \"C\" >= "+raw+" AND exten COLLATE \"C\" < "+rawHi+")")
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	for _, s := range []struct{ kind, name string }{{"group", q.Group}, {"room", q.Room}} {
		if s.name == "" {
			continue
		}
		query := `SELECT id FROM sets WHERE kind = $1 AND lower(name COLLATE "C") = lower($2 COLLATE "C")`
		sargs := []any{s.kind, s.name}
		if q.Tenant != "" {
			query, sargs = query+` AND tenant_id = $3`, append(sargs, tenantID)
		}
		rows, err := t.tx.Query(ctx, query, sargs...)
		if err != nil {
			return "", nil, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return "", nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return "", nil, err
		}
		conds = append(conds, "EXISTS (SELECT 1 FROM members m WHERE m.set_id = ANY("+arg(ids)+") AND m.user_id = u.id)")
	}
	if c := q.After; c != nil {
		conds = append(conds, "("+exportOrder+") > ("+arg(c.TenantID)+", "+arg(c.Lastname)+" COLLATE \"C\", "+arg(c.Firstname)+" COLLATE \"C\", "+arg(c.UUID)+")")
	}
	query, err := userQuery(ctx, t.tx, false)
	if err != nil {
		return "", nil, err
	}
	if len(conds) > 0 {
		query += "\nWHERE " + strings.Join(conds, " AND ")
	}
	return query + "\nORDER BY " + exportOrder + " LIMIT " + arg(n), args, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
