package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/seal"
)

// The secrets a platform must read back (SIP secrets, PINs, the signing
// key) are sealed with the key in <db>.key, beside the database file (see
// package seal). The directory records the key's check value in its
// settings ("key"); a directory sealed before keys were recorded has an
// empty record, filled in by the first run that seals once the key file
// opens one of its secrets.

// settings is the record of the key in a write transaction.
type settings struct{ tx *sql.Tx }

func (s settings) KeyRecord(ctx context.Context) (string, bool, error) {
	var check string
	err := s.tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'key'`).Scan(&check)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return check, err == nil, err
}

func (s settings) RecordKey(ctx context.Context, check string) error {
	_, err := s.tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('key', ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, check)
	return err
}

func (s settings) SealedSample(ctx context.Context) (string, error) {
	var sample string
	err := s.tx.QueryRowContext(ctx, sealedSample).Scan(&sample)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return sample, err
}

// sealedSample is one of the secrets a directory holds sealed.
const sealedSample = `SELECT sip_secret FROM lines WHERE sip_secret <> ''
	UNION ALL SELECT password FROM voicemails WHERE password <> ''
	UNION ALL SELECT call_permission_password FROM users WHERE call_permission_password <> '' LIMIT 1`

// prepare makes the key ready for sealing the secrets of users, in tx,
// which holds the write lock. Users without secrets need no key.
func prepare(ctx context.Context, s *seal.Sealer, tx *sql.Tx, users []*roster.User) error {
	if !slices.ContainsFunc(users, roster.HasSecret) {
		return nil
	}
	_, err := s.Ready(ctx, settings{tx})
	return err
}
