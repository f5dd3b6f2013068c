package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

// loadReference reads all reference data (see dirrow.LoadReference).
func loadReference(ctx context.Context, q queryer) (*roster.Reference, error) {
	return dirrow.LoadReference(ctx, func(ctx context.Context, sql string) (dirrow.Rows, func(), error) {
		rows, err := q.QueryContext(ctx, sql)
		if err != nil {
			return nil, nil, err
		}
		return rows, func() { rows.Close() }, nil
	})
}

// setReference applies declared reference data (see roster.ApplyReference).
func setReference(ctx context.Context, tx *sql.Tx, ref *roster.Reference, prune bool) ([]string, error) {
	old, err := loadReference(ctx, tx)
	if err != nil {
		return nil, err
	}
	return roster.ApplyReference(ctx, referenceWriter{tx}, old, ref, prune)
}

// referenceWriter writes reference data in a transaction.
type referenceWriter struct{ tx *sql.Tx }

func (w referenceWriter) AddTenant(ctx context.Context, name, defaultRole string) (int64, error) {
	res, err := w.tx.ExecContext(ctx, `INSERT INTO tenants (name, default_role) VALUES (?, ?)`, name, defaultRole)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (w referenceWriter) SetDefaultRole(ctx context.Context, tenant int64, role string) error {
	_, err := w.tx.ExecContext(ctx, `UPDATE tenants SET default_role = ? WHERE id = ?`, role, tenant)
	return err
}

func (w referenceWriter) AddContext(ctx context.Context, tenant int64, c roster.Context) error {
	_, err := w.tx.ExecContext(ctx, `INSERT INTO contexts (tenant_id, name, kind, ranges) VALUES (?, ?, ?, ?)`, tenant, c.Name, c.Kind, strings.Join(c.Ranges, ","))
	return err
}

func (w referenceWriter) UpdateContext(ctx context.Context, id int64, c roster.Context) error {
	_, err := w.tx.ExecContext(ctx, `UPDATE contexts SET kind = ?, ranges = ? WHERE id = ?`, c.Kind, strings.Join(c.Ranges, ","), id)
	return err
}

func (w referenceWriter) AddObject(ctx context.Context, tenant int64, kind, name string) error {
	_, err := w.tx.ExecContext(ctx, `INSERT INTO objects (tenant_id, kind, name) VALUES (?, ?, ?)`, tenant, kind, name)
	return err
}

func (w referenceWriter) Remove(ctx context.Context, kind string, id int64, what string) error {
	table := "objects"
	switch kind {
	case roster.KindTenant:
		table = "tenants"
	case roster.KindContext:
		table = "contexts"
	}
	if _, err := w.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ?`, id); err != nil {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return roster.Errorf(roster.ECONFLICT, "cannot remove %s: users still use it", what)
		}
		return err
	}
	return nil
}

// ReplaceReference replaces the reference data with ref, IDs included, in
// a directory that has no user (see dirrow.ReplaceReference).
func (db *DB) ReplaceReference(ctx context.Context, ref *roster.Reference) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := refuseUsers(ctx, tx); err != nil {
		return err
	}
	if err := dirrow.ReplaceReference(ctx, func(ctx context.Context, sql string, args ...any) error {
		_, err := tx.ExecContext(ctx, sql, args...)
		return err
	}, ref); err != nil {
		return err
	}
	return tx.Commit()
}

// refuseUsers refuses to replace the reference data of a directory that
// has users, whose rows name it by ID.
func refuseUsers(ctx context.Context, q queryer) error {
	var has bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has); err != nil || !has {
		return err
	}
	return roster.Errorf(roster.ECONFLICT, "the reference data of a directory that has users cannot be replaced")
}
