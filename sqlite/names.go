package sqlite

import (
	"context"

	"github.com/roster-dev/roster"
)

// UserNames loads what names users: uuid, tenant, names, username and
// email. Listing members and planning a deletion need no more, and loading
// whole users (their lists, their sealed secrets) for tens of thousands of
// them would take most of the time of those commands.
func (t *Tx) UserNames(ctx context.Context, ids []int64) (map[int64]*roster.User, error) {
	out := make(map[int64]*roster.User, len(ids))
	err := chunks(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := t.tx.QueryContext(ctx, `SELECT id, uuid, tenant_id, firstname, lastname, display_name,
			coalesce(username, ''), coalesce(email, '') FROM users WHERE id IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u := &roster.User{}
			var tenant int64
			if err := rows.Scan(&u.ID, &u.UUID, &tenant, &u.Firstname, &u.Lastname, &u.DisplayName, &u.Username, &u.Email); err != nil {
				return err
			}
			u.Tenant = t.tenant[tenant]
			out[u.ID] = u
		}
		return rows.Err()
	})
	return out, err
}
