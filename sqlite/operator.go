package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

var _ roster.OperatorService = (*DB)(nil)

// CreateOperator stores a new operator.
func (db *DB) CreateOperator(ctx context.Context, o *roster.Operator) error {
	if err := o.Validate(); err != nil {
		return err
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO operators (id, name, name_key, tenant, role, password_hash, created_at, disabled_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`,
		o.ID, o.Name, roster.FoldIdentity(o.Name), nullString(o.Tenant), o.Role, o.PasswordHash, o.CreatedAt.Unix(), unixOrNull(o.DisabledAt))
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ECONFLICT, "there is already an operator named %q", o.Name)
	}
	return nil
}

const operatorColumns = `o.id, o.name, o.tenant, o.role, o.password_hash, o.created_at, o.disabled_at`

func scanOperator(dest []any, o *roster.Operator, tenant *sql.NullString, created *int64, disabled *sql.NullInt64) []any {
	return append(dest, &o.ID, &o.Name, tenant, &o.Role, &o.PasswordHash, created, disabled)
}

func finishOperator(o *roster.Operator, tenant sql.NullString, created int64, disabled sql.NullInt64) {
	o.Tenant, o.AllTenants, o.CreatedAt = tenant.String, !tenant.Valid, time.Unix(created, 0).UTC()
	if disabled.Valid {
		o.DisabledAt = time.Unix(disabled.Int64, 0).UTC()
	}
}

func readOperator(row dirrow.Row) (*roster.Operator, error) {
	var (
		o        roster.Operator
		tenant   sql.NullString
		created  int64
		disabled sql.NullInt64
	)
	if err := row.Scan(scanOperator(nil, &o, &tenant, &created, &disabled)...); err != nil {
		return nil, err
	}
	finishOperator(&o, tenant, created, disabled)
	return &o, nil
}

// Operator finds an operator by name.
func (db *DB) Operator(ctx context.Context, name string) (*roster.Operator, error) {
	o, err := readOperator(db.rd.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators o WHERE o.name_key = ?`,
		roster.FoldIdentity(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no operator %q", name)
	}
	return o, busy(err)
}

// Operators lists every operator, oldest first.
func (db *DB) Operators(ctx context.Context) ([]*roster.Operator, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+operatorColumns+` FROM operators o ORDER BY o.created_at, o.rowid`)
	if err != nil {
		return nil, busy(err)
	}
	defer rows.Close()
	return dirrow.All(rows, readOperator)
}

// DisableOperator marks an operator disabled; its sessions are refused
// from the next request on, since each one reads its operator.
func (db *DB) DisableOperator(ctx context.Context, name string, now time.Time) error {
	return db.changeOperator(ctx, name, `UPDATE operators SET disabled_at = coalesce(disabled_at, ?) WHERE name_key = ?`, now.Unix())
}

// SetOperatorPassword replaces an operator's password hash; its sessions,
// signed for the old one, are refused from the next request on, so that
// whoever knew the old password is signed out.
func (db *DB) SetOperatorPassword(ctx context.Context, name, hash string) error {
	if hash == "" {
		return roster.Errorf(roster.EINVALID, "an operator needs a password")
	}
	return db.changeOperator(ctx, name, `UPDATE operators SET password_hash = ? WHERE name_key = ?`, hash)
}

// changeOperator runs an update of one operator, its last argument the
// name key.
func (db *DB) changeOperator(ctx context.Context, name, update string, value any) error {
	res, err := db.db.ExecContext(ctx, update, value, roster.FoldIdentity(name))
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no operator %q", name)
	}
	return nil
}

// SessionOperator finds the operator of a session, on a reader, unless the
// session was ended: in the table, or in this DB's memory while the table
// waits for the write lock.
func (db *DB) SessionOperator(ctx context.Context, operatorID, sessionID string) (*roster.Operator, error) {
	gone := roster.Errorf(roster.ENOTFOUND, "the session is unknown or has ended")
	if db.marks.holds(mark{kind: endedSession, id: sessionID}) {
		return nil, gone
	}
	var (
		o        roster.Operator
		tenant   sql.NullString
		created  int64
		disabled sql.NullInt64
		ended    bool
	)
	err := db.rd.QueryRowContext(ctx, `SELECT `+operatorColumns+`, EXISTS (SELECT 1 FROM ended_sessions WHERE id = ?)
		FROM operators o WHERE o.id = ?`, sessionID, operatorID).Scan(append(scanOperator(nil, &o, &tenant, &created, &disabled), &ended)...)
	if errors.Is(err, sql.ErrNoRows) || ended {
		return nil, gone
	}
	if err != nil {
		return nil, busy(err)
	}
	finishOperator(&o, tenant, created, disabled)
	return &o, nil
}

// EndSession records a signed-out session until it expires, without
// waiting for an import that holds the write lock (see mark.go).
func (db *DB) EndSession(ctx context.Context, sessionID string, expires time.Time) error {
	_, err := db.record(ctx, mark{kind: endedSession, id: sessionID}, expires, time.Now())
	return err
}
