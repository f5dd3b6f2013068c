package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/roster-dev/roster"
)

// ServerState reads the signing key and the marks still in force, on a
// reader: it makes nothing, unlike SigningKey. The marks this handle holds
// in memory are not in it; a handle opened to move the directory holds
// none.
func (db *DB) ServerState(ctx context.Context) (*roster.ServerState, error) {
	tx, err := db.rd.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, busy(err)
	}
	defer tx.Rollback()
	st := &roster.ServerState{}
	if st.SigningKey, err = db.signingKey(ctx, tx); err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	rows, err := tx.QueryContext(ctx, `SELECT client_id, jti, expires_at FROM assertions WHERE expires_at >= ? ORDER BY client_id, jti`, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a roster.UsedAssertion
		var exp int64
		if err := rows.Scan(&a.ClientID, &a.JTI, &exp); err != nil {
			return nil, err
		}
		a.Expires = time.Unix(exp, 0).UTC()
		st.Assertions = append(st.Assertions, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, expires_at FROM ended_sessions WHERE expires_at >= ? ORDER BY id`, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e roster.EndedSession
		var exp int64
		if err := rows.Scan(&e.ID, &exp); err != nil {
			return nil, err
		}
		e.Expires = time.Unix(exp, 0).UTC()
		st.EndedSessions = append(st.EndedSessions, e)
	}
	return st, rows.Err()
}

// SetServerState stores the state another directory's servers left, in a
// directory whose servers have left none (it has no signing key): the
// signing key sealed with this directory's key, and the marks.
func (db *DB) SetServerState(ctx context.Context, st *roster.ServerState) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if key, err := db.signingKey(ctx, tx); err != nil || key != nil {
		if err == nil {
			err = roster.Errorf(roster.ECONFLICT, "the directory %s has a signing key already", db.path)
		}
		return err
	}
	if st.SigningKey != nil {
		k, err := db.sealer.Ready(ctx, settings{tx})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('signing_key', ?)`, k.Seal(string(st.SigningKey))); err != nil {
			return err
		}
	}
	for _, a := range st.Assertions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO assertions (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			a.ClientID, a.JTI, a.Expires.Unix()); err != nil {
			return err
		}
	}
	for _, e := range st.EndedSessions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ended_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, e.ID, e.Expires.Unix()); err != nil {
			return err
		}
	}
	return tx.Commit()
}
