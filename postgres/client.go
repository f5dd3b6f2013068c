package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

var _ roster.ClientService = (*DB)(nil)

// seconds is a time as the directory keeps it: to the second, as an SQLite
// directory does, so that both give back the same times.
func seconds(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

// optional is NULL for the zero time.
func optional(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return seconds(t)
}

// CreateClient stores a new client. Like every change of the clients and
// operators, it is a statement of its own, outside the directory's write
// lock: an import does not make it wait.
func (db *DB) CreateClient(ctx context.Context, c *roster.Client) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var secret any
	if len(c.SecretHash) > 0 {
		secret = c.SecretHash
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO clients (id, name, tenant, scopes, secret_hash, public_key, created_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.Name, dirrow.Nullable(c.Tenant), strings.Join(c.Scopes, " "), secret, dirrow.Nullable(c.PublicKey), seconds(c.CreatedAt), optional(c.RevokedAt))
	return constraint(err)
}

const clientColumns = `id, name, tenant, scopes, secret_hash, public_key, created_at, revoked_at`

func scanClient(row dirrow.Row) (*roster.Client, error) {
	var (
		c           roster.Client
		tenant, key *string
		scopes      string
		revoked     *time.Time
	)
	if err := row.Scan(&c.ID, &c.Name, &tenant, &scopes, &c.SecretHash, &key, &c.CreatedAt, &revoked); err != nil {
		return nil, err
	}
	c.AllTenants, c.Scopes, c.CreatedAt = tenant == nil, strings.Fields(scopes), c.CreatedAt.UTC()
	if tenant != nil {
		c.Tenant = *tenant
	}
	if key != nil {
		c.PublicKey = *key
	}
	if revoked != nil {
		c.RevokedAt = revoked.UTC()
	}
	return &c, nil
}

// Client finds a client by ID. A read takes no lock and waits for no write.
func (db *DB) Client(ctx context.Context, id string) (*roster.Client, error) {
	c, err := scanClient(db.pool.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no client %q", id)
	}
	return c, err
}

// Clients lists every client, oldest first.
func (db *DB) Clients(ctx context.Context) ([]*roster.Client, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY created_at, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return dirrow.All(rows, scanClient)
}

// RevokeClient marks a client revoked. Its tokens are refused from the
// next request on, by every server: each request reads its client.
func (db *DB) RevokeClient(ctx context.Context, id string, now time.Time) error {
	tag, err := db.pool.Exec(ctx, `UPDATE clients SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`, seconds(now), id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return roster.Errorf(roster.ENOTFOUND, "no client %q", id)
	}
	return nil
}

// UseAssertion records a used assertion ID until it expires, at once: the
// insert takes no lock an import holds, so the table alone tells every
// server which assertions were used, and its key makes two servers that
// race with one ID accept it once.
func (db *DB) UseAssertion(ctx context.Context, clientID, jti string, expires, now time.Time) error {
	var fresh bool
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM assertions WHERE expires_at < $1`, now); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			clientID, jti, expires)
		fresh = tag.RowsAffected() > 0
		return err
	})
	if err == nil && !fresh {
		return roster.Errorf(roster.ECONFLICT, "the assertion was already used")
	}
	return err
}

// SigningKey returns the directory's signing key; when there is none, it
// makes one under the write lock (read again there, so that two servers
// starting at once make one), sealed with the directory's key (made then
// if need be), so that the database alone cannot sign a token or a
// session.
func (db *DB) SigningKey(ctx context.Context) ([]byte, error) {
	if key, err := db.signingKey(ctx, db.pool); key != nil || err != nil {
		return key, err
	}
	tx, err := db.beginLocked(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if key, err := db.signingKey(ctx, tx); key != nil || err != nil {
		return key, err
	}
	k, err := db.sealer.Ready(ctx, settings{tx})
	if err != nil {
		return nil, err
	}
	key := roster.NewSigningKey()
	if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('signing_key', $1)`, k.Seal(string(key))); err != nil {
		return nil, err
	}
	return key, tx.Commit(ctx)
}

// signingKey reads and opens the signing key; nil when there is none.
func (db *DB) signingKey(ctx context.Context, q querier) ([]byte, error) {
	var recorded, sealed string
	err := q.QueryRow(ctx, `SELECT coalesce(max(value) FILTER (WHERE name = 'key'), ''), coalesce(max(value) FILTER (WHERE name = 'signing_key'), '')
		FROM settings`).Scan(&recorded, &sealed)
	if err != nil || sealed == "" {
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
