package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
)

// ServerState reads the signing key and the marks still in force, from one
// snapshot: it makes nothing, unlike SigningKey.
func (db *DB) ServerState(ctx context.Context) (*roster.ServerState, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	st := &roster.ServerState{}
	if st.SigningKey, err = db.signingKey(ctx, tx); err != nil {
		return nil, err
	}
	now := time.Now()
	rows, err := tx.Query(ctx, `SELECT client_id, jti, expires_at FROM assertions WHERE expires_at >= $1 ORDER BY client_id, jti`, now)
	if err != nil {
		return nil, err
	}
	var a roster.UsedAssertion
	if _, err := pgx.ForEachRow(rows, []any{&a.ClientID, &a.JTI, &a.Expires}, func() error {
		a.Expires = a.Expires.UTC()
		st.Assertions = append(st.Assertions, a)
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT id, expires_at FROM ended_sessions WHERE expires_at >= $1 ORDER BY id`, now)
	if err != nil {
		return nil, err
	}
	var e roster.EndedSession
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Expires}, func() error {
		e.Expires = e.Expires.UTC()
		st.EndedSessions = append(st.EndedSessions, e)
		return nil
	})
	return st, err
}

// SetServerState stores the state another directory's servers left, in a
// directory whose servers have left none (it has no signing key), under
// the write lock: the signing key sealed with this directory's key, and
// the marks.
func (db *DB) SetServerState(ctx context.Context, st *roster.ServerState) error {
	tx, err := db.beginLocked(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if key, err := db.signingKey(ctx, tx); err != nil || key != nil {
		if err == nil {
			err = roster.Errorf(roster.ECONFLICT, "the directory %s has a signing key already", db.name)
		}
		return err
	}
	if st.SigningKey != nil {
		k, err := db.sealer.Ready(ctx, settings{tx})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('signing_key', $1)`, k.Seal(string(st.SigningKey))); err != nil {
			return err
		}
	}
	for _, a := range st.Assertions {
		if _, err := tx.Exec(ctx, `INSERT INTO assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			a.ClientID, a.JTI, a.Expires); err != nil {
			return err
		}
	}
	for _, e := range st.EndedSessions {
		if _, err := tx.Exec(ctx, `INSERT INTO ended_sessions (id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.ID, e.Expires); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
