package postgres

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/seal"
)

// A PostgreSQL directory has no file beside it for its key: the key lives
// in the file Options.KeyFile names, on each machine that runs roster, and
// the directory records the key's check value (never the key) in its
// settings when it seals its first secret, as an SQLite directory does
// (package seal). So a directory opened without the key once it has sealed
// secrets is refused at once, one opened with another key opens and seals
// nothing, and a database dump or replica holds no secret in clear.

// keyHint says where a PostgreSQL directory's key file is named.
const keyHint = "Name it with --key-file or ROSTER_KEY_FILE."

// checkKey reads the directory's record of its key, and refuses to open a
// directory that has one when its key file is missing.
func (db *DB) checkKey(ctx context.Context) error {
	recorded, ok, err := settings{db.pool}.KeyRecord(ctx)
	if err != nil || !ok {
		return err
	}
	db.sealer.Recorded = recorded
	if db.sealer.Path == "" {
		_, err := db.sealer.Load()
		return err
	}
	if _, err := os.Lstat(db.sealer.Path); errors.Is(err, fs.ErrNotExist) {
		return db.sealer.Missing()
	}
	return nil
}

// settings is the record of the key in the directory.
type settings struct{ q querier }

func (s settings) KeyRecord(ctx context.Context) (string, bool, error) {
	var check string
	err := s.q.QueryRow(ctx, `SELECT value FROM settings WHERE name = 'key'`).Scan(&check)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return check, err == nil, err
}

func (s settings) RecordKey(ctx context.Context, check string) error {
	_, err := s.q.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('key', $1)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, check)
	return err
}

func (s settings) SealedSample(ctx context.Context) (string, error) {
	var sample string
	err := s.q.QueryRow(ctx, `SELECT sip_secret FROM lines WHERE sip_secret <> ''
		UNION ALL SELECT password FROM voicemails WHERE password <> ''
		UNION ALL SELECT call_permission_password FROM users WHERE call_permission_password <> '' LIMIT 1`).Scan(&sample)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return sample, err
}

// keyFor returns the key that seals a write transaction's secrets,
// creating the key file and recording its check value when this is the
// directory's first secret (seal.Sealer.Ready). The transaction holds the
// write lock, so two processes cannot record two keys; the key file is
// created new, so two processes on one machine cannot write two keys into
// it.
func (t *Tx) keyFor(ctx context.Context) (*seal.Key, error) {
	if t.key != nil {
		return t.key, nil
	}
	if err := t.wait(ctx); err != nil {
		return nil, err
	}
	k, err := t.db.sealer.Ready(ctx, settings{t.tx})
	if err != nil {
		return nil, err
	}
	t.key = k
	return k, nil
}

// seal seals a secret for writing; empty stays empty and needs no key.
func (t *Tx) seal(ctx context.Context, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	k, err := t.keyFor(ctx)
	if err != nil {
		return "", err
	}
	return k.Seal(plain), nil
}
