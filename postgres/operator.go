package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

var _ roster.OperatorService = (*DB)(nil)

// CreateOperator stores a new operator.
func (db *DB) CreateOperator(ctx context.Context, o *roster.Operator) error {
	if err := o.Validate(); err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO operators (id, name, name_key, tenant, role, password_hash, created_at, disabled_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name_key) DO NOTHING`,
		o.ID, o.Name, roster.FoldIdentity(o.Name), dirrow.Nullable(o.Tenant), o.Role, o.PasswordHash, seconds(o.CreatedAt), optional(o.DisabledAt))
	if err != nil {
		return constraint(err)
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ECONFLICT, "there is already an operator named %q", o.Name)
	}
	return nil
}

const operatorColumns = `o.id, o.name, o.tenant, o.role, o.password_hash, o.created_at, o.disabled_at`

// scanOperator reads an operator's columns, then extra ones.
func scanOperator(row dirrow.Row, extra ...any) (*roster.Operator, error) {
	var (
		o        roster.Operator
		tenant   *string
		disabled *time.Time
	)
	if err := row.Scan(append([]any{&o.ID, &o.Name, &tenant, &o.Role, &o.PasswordHash, &o.CreatedAt, &disabled}, extra...)...); err != nil {
		return nil, err
	}
	o.AllTenants, o.CreatedAt = tenant == nil, o.CreatedAt.UTC()
	if tenant != nil {
		o.Tenant = *tenant
	}
	if disabled != nil {
		o.DisabledAt = disabled.UTC()
	}
	return &o, nil
}

// Operator finds an operator by name.
func (db *DB) Operator(ctx context.Context, name string) (*roster.Operator, error) {
	o, err := scanOperator(db.pool.QueryRow(ctx, `SELECT `+operatorColumns+` FROM operators o WHERE o.name_key = $1`, roster.FoldIdentity(name)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no operator %q", name)
	}
	return o, err
}

// Operators lists every operator, oldest first.
func (db *DB) Operators(ctx context.Context) ([]*roster.Operator, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+operatorColumns+` FROM operators o ORDER BY o.created_at, o.seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return dirrow.All(rows, func(r dirrow.Row) (*roster.Operator, error) { return scanOperator(r) })
}

// DisableOperator marks an operator disabled; its sessions are refused
// from the next request on, on every server, since each reads its operator.
func (db *DB) DisableOperator(ctx context.Context, name string, now time.Time) error {
	return db.changeOperator(ctx, name, `UPDATE operators SET disabled_at = coalesce(disabled_at, $1) WHERE name_key = $2`, seconds(now))
}

// SetOperatorPassword replaces an operator's password hash; its sessions,
// signed for the old one, are refused from the next request on.
func (db *DB) SetOperatorPassword(ctx context.Context, name, hash string) error {
	if hash == "" {
		return roster.Errorf(roster.EINVALID, "an operator needs a password")
	}
	return db.changeOperator(ctx, name, `UPDATE operators SET password_hash = $1 WHERE name_key = $2`, hash)
}

// changeOperator runs an update of one operator, its second argument the
// name key.
func (db *DB) changeOperator(ctx context.Context, name, update string, value any) error {
	tag, err := db.pool.Exec(ctx, update, value, roster.FoldIdentity(name))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no operator %q", name)
	}
	return nil
}

// SessionOperator finds the operator of a session, unless the session was
// ended.
func (db *DB) SessionOperator(ctx context.Context, operatorID, sessionID string) (*roster.Operator, error) {
	var ended bool
	o, err := scanOperator(db.pool.QueryRow(ctx, `SELECT `+operatorColumns+`, EXISTS (SELECT 1 FROM ended_sessions WHERE id = $1)
		FROM operators o WHERE o.id = $2`, sessionID, operatorID), &ended)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && ended {
		return nil, roster.Errorf(roster.ENOTFOUND, "the session is unknown or has ended")
	}
	return o, err
}

// EndSession records a signed-out session until it expires, at once (see
// UseAssertion), dropping the records that have expired.
func (db *DB) EndSession(ctx context.Context, sessionID string, expires time.Time) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM ended_sessions WHERE expires_at < $1`, time.Now()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO ended_sessions (id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, sessionID, expires)
		return err
	})
}
