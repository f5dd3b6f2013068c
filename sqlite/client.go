package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

var _ roster.ClientService = (*DB)(nil)

// CreateClient stores a new client.
func (db *DB) CreateClient(ctx context.Context, c *roster.Client) error {
	if err := c.Validate(); err != nil {
		return err
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO clients (id, name, tenant, scopes, secret_hash, public_key, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, nullString(c.Tenant), strings.Join(c.Scopes, " "), nullBytes(c.SecretHash), nullString(c.PublicKey), c.CreatedAt.Unix(), unixOrNull(c.RevokedAt))
	return busy(err)
}

const clientColumns = `id, name, tenant, scopes, secret_hash, public_key, created_at, revoked_at`

func scanClient(row dirrow.Row) (*roster.Client, error) {
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

// Client finds a client by ID, on a reader.
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
	return dirrow.All(rows, scanClient)
}

// RevokeClient marks a client revoked. Its tokens are refused from the
// next request on: each one reads its client.
func (db *DB) RevokeClient(ctx context.Context, id string, now time.Time) error {
	res, err := db.db.ExecContext(ctx, `UPDATE clients SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, now.Unix(), id)
	if err != nil {
		return busy(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no client %q", id)
	}
	return nil
}

// UseAssertion records a used assertion ID until it expires, without
// waiting for an import that holds the write lock (see mark.go): the ID is
// refused again at once by this DB, from the table or from memory, and by
// every other handle on the directory once it is written, which is at once
// unless the lock is held.
func (db *DB) UseAssertion(ctx context.Context, clientID, jti string, expires, now time.Time) error {
	m := mark{kind: usedAssertion, owner: clientID, id: jti}
	used := roster.Errorf(roster.ECONFLICT, "the assertion was already used")
	if !db.marks.claim(m) {
		return used
	}
	defer db.marks.release(m)
	var found bool
	err := db.rd.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM assertions WHERE client_id = ? AND jti = ? AND expires_at >= ?)`,
		clientID, jti, now.Unix()).Scan(&found)
	if err != nil {
		return busy(err)
	}
	if found {
		return used
	}
	fresh, err := db.record(ctx, m, expires, now)
	if err == nil && !fresh {
		return used // another process recorded it since the read
	}
	return err
}

// SigningKey returns the directory's signing key, read on a reader; when
// there is none, it makes one under the write lock. The key is stored in
// settings sealed with the directory's key (made then if need be), so
// that the database file alone cannot sign a token or a session.
func (db *DB) SigningKey(ctx context.Context) ([]byte, error) {
	if key, err := db.signingKey(ctx, db.rd); key != nil || err != nil {
		return key, busy(err)
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Another run may have made it meanwhile.
	if key, err := db.signingKey(ctx, tx); key != nil || err != nil {
		return key, err
	}
	k, err := db.sealer.Ready(ctx, settings{tx})
	if err != nil {
		return nil, err
	}
	key := roster.NewSigningKey()
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('signing_key', ?)`, k.Seal(string(key))); err != nil {
		return nil, err
	}
	return key, tx.Commit()
}

// signingKey reads and opens the signing key; nil when there is none.
func (db *DB) signingKey(ctx context.Context, q queryer) ([]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, value FROM settings WHERE name IN ('key', 'signing_key')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recorded, sealed string
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		if name == "key" {
			recorded = value
		} else {
			sealed = value
		}
	}
	if err := rows.Err(); err != nil || sealed == "" {
		return nil, err
	}
	k, err := db.sealer.Checked(recorded)
	if err != nil {
		return nil, err
	}
	plain, err := k.Open(sealed)
	if err != nil {
		return nil, err
	}
	if len(plain) != roster.SigningKeySize {
		return nil, roster.Errorf(roster.EINVALID, "the directory's signing key is damaged")
	}
	return []byte(plain), nil
}

// unixOrNull is a time in Unix seconds, NULL for the zero time.
func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
