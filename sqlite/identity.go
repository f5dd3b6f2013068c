package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/roster-dev/roster"
)

// backfills are the steps of a migration that SQL cannot take, run right
// after the migration's file, in its transaction.
var backfills = map[string]func(context.Context, *sql.Tx) error{
	"migration/0002_identity_keys.sql": foldIdentityKeys,
	"migration/0006_user_lists.sql":    foldNameKeys,
}

// foldIdentityKeys folds the usernames and emails that are not ASCII, whose
// keys the migration could only lower-case. Two users whose values fold
// alike were accepted by the rule before; the unique indexes refuse them
// now, and so does this step, naming them: which of the two a reference
// means cannot be guessed, and a guess could delete the wrong user.
func foldIdentityKeys(ctx context.Context, tx *sql.Tx) error {
	// A text whose bytes outnumber its characters is not ASCII.
	rows, err := tx.QueryContext(ctx, `SELECT id, coalesce(username, ''), coalesce(email, '') FROM users
		WHERE length(CAST(username AS BLOB)) <> length(username) OR length(CAST(email AS BLOB)) <> length(email)`)
	if err != nil {
		return err
	}
	type identity struct {
		id              int64
		username, email string
	}
	var todo []identity
	for rows.Next() {
		var u identity
		if err := rows.Scan(&u.id, &u.username, &u.email); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range todo {
		for _, k := range []struct{ column, value string }{{"username", u.username}, {"email", u.email}} {
			if k.value == "" {
				continue
			}
			key := roster.FoldIdentity(k.value)
			_, err := tx.ExecContext(ctx, `UPDATE users SET `+k.column+`_key = ? WHERE id = ?`, key, u.id)
			if err == nil {
				continue
			}
			if !strings.Contains(err.Error(), "UNIQUE") {
				return err
			}
			var otherUUID, other, uuid string
			if err := tx.QueryRowContext(ctx, `SELECT uuid, `+k.column+` FROM users WHERE `+k.column+`_key = ?`, key).Scan(&otherUUID, &other); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT uuid FROM users WHERE id = ?`, u.id).Scan(&uuid); err != nil {
				return err
			}
			return roster.Errorf(roster.ECONFLICT, "the directory has two users whose %ss roster now counts as the same, since they differ only by case or Unicode form: %q (uuid %s) and %q (uuid %s). Rename or delete one of them with the roster version that wrote this directory (or sqlite3), then open it again; nothing was changed",
				k.column, other, otherUUID, k.value, uuid)
		}
	}
	return nil
}

// foldNameKeys folds the names that are not ASCII, whose keys the
// migration could only lower-case. Names are not unique: nothing can
// collide.
func foldNameKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, firstname, lastname FROM users
		WHERE length(CAST(firstname AS BLOB)) <> length(firstname) OR length(CAST(lastname AS BLOB)) <> length(lastname)`)
	if err != nil {
		return err
	}
	type names struct {
		id                  int64
		firstname, lastname string
	}
	var todo []names
	for rows.Next() {
		var n names
		if err := rows.Scan(&n.id, &n.firstname, &n.lastname); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range todo {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET firstname_key = ?, lastname_key = ? WHERE id = ?`,
			roster.FoldIdentity(n.firstname), roster.FoldIdentity(n.lastname), n.id); err != nil {
			return err
		}
	}
	return nil
}

// identityKey is the value under which a claim of a username or email is
// stored and looked up, and the lower-case form of a uuid.
func identityKey(c roster.Claim) string {
	switch c.Key {
	case "username", "email":
		return roster.FoldIdentity(c.Value)
	case "uuid":
		return strings.ToLower(c.Value)
	}
	return c.Value
}

// keyOf is the folded key column of a username or email; NULL for none.
func keyOf(v string) any {
	if v == "" {
		return nil
	}
	return roster.FoldIdentity(v)
}
