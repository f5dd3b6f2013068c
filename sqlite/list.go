package sqlite

import (
	"context"

	"github.com/roster-dev/roster"
)

// Sets lists the groups or rooms of a tenant with their member counts,
// from a read-only snapshot.
func (db *DB) Sets(ctx context.Context, kind, tenant string) ([]roster.Set, error) {
	t, err := db.snapshot(ctx, db.sealer)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	stx := t.tx
	tid, err := t.TenantOf(tenant)
	if err != nil {
		return nil, err
	}
	rows, err := stx.QueryContext(ctx, `SELECT s.name, (SELECT count(*) FROM members m WHERE m.set_id = s.id)
		FROM sets s WHERE s.tenant_id = ? AND s.kind = ? ORDER BY lower(s.name), s.name`, tid, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []roster.Set{}
	for rows.Next() {
		var s roster.Set
		if err := rows.Scan(&s.Name, &s.Members); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// UserNames loads what names users: uuid, tenant, names, username and
// email, and their version. Listing members and planning a deletion need no more, and loading
// whole users (their lists, their sealed secrets) for tens of thousands of
// them would take most of the time of those commands.
func (t *Tx) UserNames(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	out := make(map[int64]*roster.User, len(ids))
	err := chunks(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT id, uuid, version, tenant_id, firstname, lastname, display_name,
			coalesce(username, ''), coalesce(email, '') FROM users WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u := &roster.User{}
			var tenant int64
			if err := rows.Scan(&u.ID, &u.UUID, &u.Version, &tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email); err != nil {
				return err
			}
			u.Tenant = t.Tenant[tenant]
			out[u.ID] = u
		}
		return rows.Err()
	})
	return out, err
}
