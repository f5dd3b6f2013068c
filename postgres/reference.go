package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

// loadReference reads all reference data (see dirrow.LoadReference).
func loadReference(ctx context.Context, q querier) (*roster.Reference, error) {
	return dirrow.LoadReference(ctx, func(ctx context.Context, sql string) (dirrow.Rows, func(), error) {
		rows, err := q.Query(ctx, sql)
		if err != nil {
			return nil, nil, err
		}
		return rows, rows.Close, nil
	})
}

// setReference applies declared reference data (see roster.ApplyReference).
func setReference(ctx context.Context, q querier, ref *roster.Reference, prune bool) ([]string, error) {
	old, err := loadReference(ctx, q)
	if err != nil {
		return nil, err
	}
	return roster.ApplyReference(ctx, referenceWriter{q}, old, ref, prune)
}

// referenceWriter writes reference data in a transaction.
type referenceWriter struct{ q querier }

func (w referenceWriter) AddTenant(ctx context.Context, name, defaultRole string) (int64, error) {
	var id int64
	err := w.q.QueryRow(ctx, `INSERT INTO tenants (name, default_role) VALUES ($1, $2) RETURNING id`, name, defaultRole).Scan(&id)
	return id, err
}

func (w referenceWriter) SetDefaultRole(ctx context.Context, tenant int64, role string) error {
	_, err := w.q.Exec(ctx, `UPDATE tenants SET default_role = $1 WHERE id = $2`, role, tenant)
	return err
}

func (w referenceWriter) AddContext(ctx context.Context, tenant int64, c roster.Context) error {
	_, err := w.q.Exec(ctx, `INSERT INTO contexts (tenant_id, name, kind, ranges) VALUES ($1, $2, $3, $4)`, tenant, c.Name, c.Kind, strings.Join(c.Ranges, ","))
	return err
}

func (w referenceWriter) UpdateContext(ctx context.Context, id int64, c roster.Context) error {
	_, err := w.q.Exec(ctx, `UPDATE contexts SET kind = $1, ranges = $2 WHERE id = $3`, c.Kind, strings.Join(c.Ranges, ","), id)
	return err
}

func (w referenceWriter) AddObject(ctx context.Context, tenant int64, kind, name string) error {
	_, err := w.q.Exec(ctx, `INSERT INTO objects (tenant_id, kind, name) VALUES ($1, $2, $3)`, tenant, kind, name)
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
	_, err := w.q.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return roster.Errorf(roster.ECONFLICT, "cannot remove %s: users still use it", what)
	}
	return err
}

// ReplaceReference replaces the reference data with ref, IDs included, in
// a directory that has no user (see dirrow.ReplaceReference), under the
// write lock; the IDs given out next follow the largest ones.
func (db *DB) ReplaceReference(ctx context.Context, ref *roster.Reference) error {
	tx, err := db.beginLocked(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var has bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has); err != nil {
		return err
	}
	if has {
		return roster.Errorf(roster.ECONFLICT, "the reference data of a directory that has users cannot be replaced")
	}
	if err := dirrow.ReplaceReference(ctx, func(ctx context.Context, sql string, args ...any) error {
		_, err := tx.Exec(ctx, numbered(sql), args...)
		return err
	}, ref); err != nil {
		return err
	}
	for _, table := range []string{"tenants", "contexts", "objects"} {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) FROM %s`, table, table)); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// numbered writes the ? parameters of a statement as PostgreSQL's $1, $2….
func numbered(sql string) string {
	var b strings.Builder
	n := 0
	for _, r := range sql {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
