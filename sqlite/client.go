package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/roster-dev/roster"
)

var _ roster.ClientService = (*DB)(nil)

// CreateClient stores a new client.
func (db *DB) CreateClient(ctx context.Context, c *roster.Client) error {
	if err := c.Validate(); err != nil {
		return err
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO clients (id, name, tenant, scopes, secret_hash, public_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, nullString(c.Tenant), strings.Join(c.Scopes, " "), nullBytes(c.SecretHash), nullString(c.PublicKey), c.CreatedAt.Unix())
	return busy(err)
}

const clientColumns = `id, name, tenant, scopes, secret_hash, public_key, created_at, revoked_at`

func scanClient(row interface{ Scan(...any) error }) (*roster.Client, error) {
	var (
		c           roster.Client
		tenant, key sql.NullString
		scopes      string
		created     int64
		revoked     sql.NullInt64
		secret      []byte
	)
	if err := row.Scan(&c.ID, &c.Name, &tenant, &scopes, &secret, &key, &created, &revoked); err != nil {
		return nil, err
	}
	c.Tenant, c.AllTenants, c.Scopes = tenant.String, !tenant.Valid, strings.Fields(scopes)
	c.SecretHash, c.PublicKey, c.CreatedAt = secret, key.String, time.Unix(created, 0).UTC()
	if revoked.Valid {
		c.RevokedAt = time.Unix(revoked.Int64, 0).UTC()
	}
	return &c, nil
}

// Client finds a client by ID.
func (db *DB) Client(ctx context.Context, id string) (*roster.Client, error) {
	c, err := scanClient(db.rd.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no client %q", id)
	}
	return c, busy(err)
}

// Clients lists every client, oldest first.
func (db *DB) Clients(ctx context.Context) ([]*roster.Client, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY created_at, rowid`)
	if err != nil {
		return nil, busy(err)
	}
	defer rows.Close()
	var out []*roster.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeClient marks a client revoked and drops its tokens, in one
// transaction, so that no request authenticates with them afterwards.
func (db *DB) RevokeClient(ctx context.Context, id string, now time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return busy(err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE clients SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, now.Unix(), id)
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no client %q", id)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE client_id = ?`, id); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateToken stores an access token and drops the expired ones.
func (db *DB) CreateToken(ctx context.Context, t *roster.AccessToken, now time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return busy(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM access_tokens WHERE expires_at <= ?`, now.Unix()); err != nil {
		return busy(err)
	}
	tenant := sql.NullString{String: t.Tenant, Valid: !t.AllTenants}
	if _, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (hash, client_id, scopes, tenant, expires_at) VALUES (?, ?, ?, ?, ?)`,
		t.Hash, t.ClientID, strings.Join(t.Scopes, " "), tenant, t.ExpiresAt.Unix()); err != nil {
		return busy(err)
	}
	return tx.Commit()
}

// Token finds a valid token by its hash.
func (db *DB) Token(ctx context.Context, hash []byte, now time.Time) (*roster.AccessToken, error) {
	var (
		t       = roster.AccessToken{Hash: hash}
		scopes  string
		tenant  sql.NullString
		expires int64
	)
	err := db.rd.QueryRowContext(ctx, `SELECT t.client_id, t.scopes, t.tenant, t.expires_at
		FROM access_tokens t JOIN clients c ON c.id = t.client_id
		WHERE t.hash = ? AND t.expires_at > ? AND c.revoked_at IS NULL`, hash, now.Unix()).
		Scan(&t.ClientID, &scopes, &tenant, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "the token is unknown, expired or revoked")
	}
	if err != nil {
		return nil, busy(err)
	}
	t.Scopes, t.Tenant, t.AllTenants, t.ExpiresAt = strings.Fields(scopes), tenant.String, !tenant.Valid, time.Unix(expires, 0).UTC()
	return &t, nil
}

// UseAssertion records a used assertion ID until it expires.
func (db *DB) UseAssertion(ctx context.Context, clientID, jti string, expires, now time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return busy(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM assertions WHERE expires_at < ?`, now.Unix()); err != nil {
		return busy(err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO assertions (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		clientID, jti, expires.Unix())
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ECONFLICT, "the assertion %q was already used", jti)
	}
	return tx.Commit()
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
