package postgres

import "context"

// CheckForeignKeysAfter runs statements in a transaction with triggers off
// (as a bulk load writes), checks the foreign keys as Commit would, and
// rolls back.
func CheckForeignKeysAfter(ctx context.Context, db *DB, statements ...string) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		return err
	}
	for _, s := range statements {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	return checkForeignKeys(ctx, tx, db.schema)
}

// LivenessLock is the key of the liveness lock of a handle that became a
// server (see servers.go).
func LivenessLock(db *DB) (class, key uint32) { return liveClass, uint32(db.server.key) }
