package postgres

import (
	"context"
	"errors"
	"io/fs"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/seal"
)

// A PostgreSQL directory has no file beside it for its key: the key lives
// in the file Options.KeyFile names, on the machine that runs roster, and
// the directory records the key's ID (never the key) in its settings when
// it seals its first secret. So a directory opened with another key, or
// without the key once it has sealed secrets, is refused at once, before
// any secret fails to open; and a database dump or replica holds no secret
// in clear.

// checkKey refuses a key file that is not the directory's, and a missing
// one when the directory has sealed secrets.
func (db *DB) checkKey(ctx context.Context) error {
	id, err := keyID(ctx, db.pool)
	if err != nil {
		return err
	}
	s, err := db.readKey()
	switch {
	case err == nil:
		if id != "" && s.ID() != id {
			return roster.Errorf(roster.EINVALID, "the key file %s is not the key of the directory %s, whose secrets it cannot open", db.keyFile, db.name)
		}
		db.sealer = s
	case errors.Is(err, fs.ErrNotExist):
		if id != "" {
			return roster.Errorf(roster.EINVALID, "the directory %s holds sealed secrets, and its key file %s is missing; give its path with --key-file or ROSTER_KEY_FILE", db.name, db.keyFile)
		}
	default:
		return roster.Errorf(roster.EINVALID, "reading the key file: %v", err)
	}
	return nil
}

func (db *DB) readKey() (*seal.Sealer, error) {
	if db.keyFile == "" {
		return nil, fs.ErrNotExist
	}
	return seal.ReadKeyFile(db.keyFile)
}

// keyID returns the ID of the directory's key, "" before its first secret.
func keyID(ctx context.Context, q querier) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE name = 'key_id'`).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// sealerFor returns the sealer of a write transaction, creating the key
// file and recording its ID in the directory when this is the directory's
// first secret. The transaction holds the write lock, so two processes
// cannot record two keys; the key file is created new, so two processes
// on one machine cannot write two keys into it.
func (t *Tx) sealerFor(ctx context.Context) (*seal.Sealer, error) {
	db := t.db
	db.mu.Lock()
	defer db.mu.Unlock()
	if t.sealer != nil {
		return t.sealer, nil
	}
	if err := t.wait(ctx); err != nil {
		return nil, err
	}
	id, err := keyID(ctx, t.tx)
	if err != nil {
		return nil, err
	}
	s := db.sealer
	if s == nil {
		if db.keyFile == "" {
			return nil, roster.Errorf(roster.EINVALID, "secrets cannot be stored in %s without a key file: give one with --key-file or ROSTER_KEY_FILE", db.name)
		}
		if id != "" {
			// Another process sealed the directory's first secret
			// since this one opened it, under a key this one lacks.
			return nil, roster.Errorf(roster.EINVALID, "the directory %s holds secrets sealed with a key that %s does not hold", db.name, db.keyFile)
		}
		s, err = seal.CreateKeyFile(db.keyFile)
		if errors.Is(err, fs.ErrExist) {
			s, err = seal.ReadKeyFile(db.keyFile)
		}
		if err != nil {
			return nil, roster.Errorf(roster.EINVALID, "%v", err)
		}
	}
	switch {
	case id == "":
		if _, err := t.tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ('key_id', $1)`, s.ID()); err != nil {
			return nil, err
		}
	case id != s.ID():
		return nil, roster.Errorf(roster.EINVALID, "the key file %s is not the key of the directory %s", db.keyFile, db.name)
	}
	db.sealer, t.sealer = s, s
	return s, nil
}

// seal seals a secret for writing; empty stays empty and needs no key.
func (t *Tx) seal(ctx context.Context, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	s, err := t.sealerFor(ctx)
	if err != nil {
		return "", err
	}
	return s.Seal(plain), nil
}

// unseal opens a sealed secret read from the directory.
func (db *DB) unseal(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	db.mu.Lock()
	s := db.sealer
	db.mu.Unlock()
	if s == nil {
		return "", roster.Errorf(roster.EINVALID, "the directory %s holds sealed secrets, and its key file %s is missing", db.name, db.keyFile)
	}
	return s.Open(stored)
}
