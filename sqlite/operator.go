package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roster-dev/roster"
)

var _ roster.OperatorService = (*DB)(nil)

// touchEvery is how stale a session's last use may be before a request
// records it again: the idle limit is hours, so a minute's error costs
// nothing and spares a write per page.
const touchEvery = time.Minute

// CreateOperator stores a new operator.
func (db *DB) CreateOperator(ctx context.Context, o *roster.Operator) error {
	if err := o.Validate(); err != nil {
		return err
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO operators (id, name, name_key, tenant, role, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`,
		o.ID, o.Name, roster.FoldIdentity(o.Name), nullString(o.Tenant), o.Role, o.PasswordHash, o.CreatedAt.Unix())
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

func readOperator(row interface{ Scan(...any) error }) (*roster.Operator, error) {
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
	var out []*roster.Operator
	for rows.Next() {
		o, err := readOperator(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// DisableOperator marks an operator disabled and ends its sessions, in one
// transaction.
func (db *DB) DisableOperator(ctx context.Context, name string, now time.Time) error {
	return db.changeOperator(ctx, name, `UPDATE operators SET disabled_at = coalesce(disabled_at, ?) WHERE name_key = ?`, now.Unix())
}

// SetOperatorPassword replaces an operator's password hash and ends its
// sessions, so that whoever knew the old password is signed out.
func (db *DB) SetOperatorPassword(ctx context.Context, name, hash string) error {
	if hash == "" {
		return roster.Errorf(roster.EINVALID, "an operator needs a password")
	}
	return db.changeOperator(ctx, name, `UPDATE operators SET password_hash = ? WHERE name_key = ?`, hash)
}

// changeOperator runs an update of one operator (its last argument the
// name key) and drops the operator's sessions.
func (db *DB) changeOperator(ctx context.Context, name, update string, value any) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return busy(err)
	}
	defer tx.Rollback()
	key := roster.FoldIdentity(name)
	res, err := tx.ExecContext(ctx, update, value, key)
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no operator %q", name)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE operator_id = (SELECT id FROM operators WHERE name_key = ?)`, key); err != nil {
		return busy(err)
	}
	return busy(tx.Commit())
}

// CreateSession stores a session and drops the expired ones.
func (db *DB) CreateSession(ctx context.Context, s *roster.Session) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return busy(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE seen_at <= ?`, s.CreatedAt.Add(-roster.SessionIdle).Unix()); err != nil {
		return busy(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (hash, operator_id, tenant, created_at, seen_at) VALUES (?, ?, ?, ?, ?)`,
		s.Hash, s.OperatorID, nullString(s.Tenant), s.CreatedAt.Unix(), s.SeenAt.Unix()); err != nil {
		return busy(err)
	}
	return busy(tx.Commit())
}

// Session finds a live session with its operator, and records its use.
func (db *DB) Session(ctx context.Context, hash []byte, now time.Time) (*roster.Session, *roster.Operator, error) {
	var (
		s               roster.Session
		o               roster.Operator
		stenant, tenant sql.NullString
		created, seen   int64
		opCreated       int64
		disabled        sql.NullInt64
	)
	dest := scanOperator([]any{&stenant, &created, &seen}, &o, &tenant, &opCreated, &disabled)
	err := db.rd.QueryRowContext(ctx, `SELECT s.tenant, s.created_at, s.seen_at, `+operatorColumns+`
		FROM sessions s JOIN operators o ON o.id = s.operator_id
		WHERE s.hash = ? AND s.seen_at > ? AND o.disabled_at IS NULL`, hash, now.Add(-roster.SessionIdle).Unix()).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, roster.Errorf(roster.ENOTFOUND, "the session is unknown or has expired")
	}
	if err != nil {
		return nil, nil, busy(err)
	}
	finishOperator(&o, tenant, opCreated, disabled)
	s.Hash, s.OperatorID, s.Tenant = hash, o.ID, stenant.String
	s.CreatedAt, s.SeenAt = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC()
	if now.Sub(s.SeenAt) >= touchEvery {
		// Best effort: while an import holds the directory's write lock,
		// a page must not wait for it only to note that it was seen; the
		// next request a minute on tries again.
		tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		if _, err := db.db.ExecContext(tctx, `UPDATE sessions SET seen_at = ? WHERE hash = ?`, now.Unix(), hash); err == nil {
			s.SeenAt = time.Unix(now.Unix(), 0).UTC()
		}
		cancel()
	}
	return &s, &o, nil
}

// SetSessionTenant changes the tenant a session shows.
func (db *DB) SetSessionTenant(ctx context.Context, hash []byte, tenant string) error {
	res, err := db.db.ExecContext(ctx, `UPDATE sessions SET tenant = ? WHERE hash = ?`, nullString(tenant), hash)
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "the session is unknown or has expired")
	}
	return nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
	return busy(err)
}
