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
	"migration/0007_user_lists.sql":    foldNameKeys,
}

// foldIdentityKeys folds the usernames and emails that are not ASCII, whose
// keys the migration could only lower-case. Two users whose values fold
// alike were accepted by the rule before; the unique indexes refuse them
// now, and so does this step, naming them: which of the two a reference
// means cannot be guessed, and a guess could delete the wrong user.
func foldIdentityKeys(ctx context.Context, tx *sql.Tx) error {
	todo, err := notASCII(ctx, tx, "coalesce(username, '')", "coalesce(email, '')")
	if err != nil {
		return err
	}
	for _, u := range todo {
		for i, column := range []string{"username", "email"} {
			value := u.values[i]
			if value == "" {
				continue
			}
			key := roster.FoldIdentity(value)
			_, err := tx.ExecContext(ctx, `UPDATE users SET `+column+`_key = ? WHERE id = ?`, key, u.id)
			if err == nil {
				continue
			}
			if !strings.Contains(err.Error(), "UNIQUE") {
				return err
			}
			var otherUUID, other, uuid string
			if err := tx.QueryRowContext(ctx, `SELECT uuid, `+column+` FROM users WHERE `+column+`_key = ?`, key).Scan(&otherUUID, &other); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT uuid FROM users WHERE id = ?`, u.id).Scan(&uuid); err != nil {
				return err
			}
			return roster.Errorf(roster.ECONFLICT, "the directory has two users whose %ss roster now counts as the same, since they differ only by case or Unicode form: %q (uuid %s) and %q (uuid %s). Rename or delete one of them with the roster version that wrote this directory (or sqlite3), then open it again; nothing was changed",
				column, other, otherUUID, value, uuid)
		}
	}
	return nil
}

// foldNameKeys folds the names that are not ASCII, whose keys the
// migration could only lower-case. Names are not unique: nothing can
// collide.
func foldNameKeys(ctx context.Context, tx *sql.Tx) error {
	todo, err := notASCII(ctx, tx, "firstname", "lastname")
	if err != nil {
		return err
	}
	update, err := tx.PrepareContext(ctx, `UPDATE users SET firstname_key = ?, lastname_key = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	for _, n := range todo {
		if _, err := update.ExecContext(ctx, roster.FoldIdentity(n.values[0]), roster.FoldIdentity(n.values[1]), n.id); err != nil {
			return err
		}
	}
	return nil
}

// stored is a user's id and some of its text values.
type stored struct {
	id     int64
	values []string
}

// notASCII reads the users with a value that is not ASCII in one of the
// given text columns (expressions of users' columns), which SQL's lower()
// cannot fold: a text whose bytes outnumber its characters is not ASCII.
func notASCII(ctx context.Context, tx *sql.Tx, cols ...string) ([]stored, error) {
	var conds []string
	for _, c := range cols {
		conds = append(conds, "length(CAST("+c+" AS BLOB)) <> length("+c+")")
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, `+strings.Join(cols, ", ")+` FROM users WHERE `+strings.Join(conds, " OR "))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stored
	for rows.Next() {
		s := stored{values: make([]string, len(cols))}
		dest := []any{&s.id}
		for i := range s.values {
			dest = append(dest, &s.values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
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
