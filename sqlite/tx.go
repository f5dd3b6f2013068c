package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
	"github.com/roster-dev/roster/internal/opentx"
	"github.com/roster-dev/roster/seal"
)

// Tx is a write transaction. It caches the reference data and the groups
// and rooms it has seen, and assigns new users their IDs itself (it holds
// the write lock), which saves a round trip per user.
type Tx struct {
	*dirrow.Index
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
	sealer *seal.Sealer
	sets   dirrow.Sets // the groups and rooms seen
	names  dirrow.Names

	nextUser              int64
	stamp                 int64 // the version of the users it creates (see Create)
	groupsMade, roomsMade []string
	deferred              []string    // indexes to build at Commit (see Bulk)
	open                  *opentx.Set // the handle's open transactions, this one among them
}

var _ roster.Tx = (*Tx)(nil)

// start indexes the transaction's reference data, read as it begins.
func (t *Tx) start(ref *roster.Reference) {
	t.Index, t.sets = dirrow.NewIndex(ref), dirrow.Sets{}
}

// Reference returns the reference data as of the transaction's start.
func (t *Tx) Reference() *roster.Reference { return t.Ref }

// Commit makes the transaction's writes permanent, building first the
// indexes that Bulk deferred.
func (t *Tx) Commit() error {
	defer t.open.Remove(t)
	if len(t.deferred) > 0 {
		if err := t.build(); err != nil {
			t.tx.Rollback()
			return err
		}
	}
	return t.tx.Commit()
}

// build builds the indexes that Bulk deferred, with a temporary store in
// files. With the writer's store in memory, SQLite sorts an index's keys
// as one list of records allocated one by one, and its merge sort chases
// pointers across a hundred megabytes; with files, it packs them into
// large buffers and sorts runs of the cache's size, spilling them to a
// temporary file (0600, unnamed or unlinked at once, so gone even after
// kill -9; it holds keys, never a secret): a quarter less CPU for the
// index builds of a million users (docs/performance.md). The cache is
// shrunk to buildCache meanwhile, since it sets the size of those runs: a
// run of a few megabytes is sorted within the processor's caches and the
// runs are merged by a tree, where one of 64 MiB is sorted in main memory,
// a third of the builds' CPU. SQLite writes out dirty pages beyond the
// smaller cache as it does beyond any. Both settings are the
// connection's, so they are put back before the commit; SQLite lets them
// change within a transaction since the writer has no TEMP table.
func (t *Tx) build() (err error) {
	var cache int64
	if err := t.tx.QueryRow(`PRAGMA cache_size`).Scan(&cache); err != nil {
		return err
	}
	if _, err := t.tx.Exec(`PRAGMA temp_store = FILE`); err != nil {
		return err
	}
	defer func() {
		_, terr := t.tx.Exec(`PRAGMA temp_store = MEMORY`)
		_, cerr := t.tx.Exec(fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
		if err == nil {
			err = cmp.Or(terr, cerr)
		}
	}()
	if _, err := t.tx.Exec(fmt.Sprintf(`PRAGMA cache_size = %d`, buildCache)); err != nil {
		return err
	}
	for _, ddl := range t.deferred {
		if _, err := t.tx.Exec(ddl); err != nil {
			return constraint(err)
		}
	}
	return nil
}

// buildCache is the cache during the index builds, in SQLite's negative
// form (KiB): 4 MiB, which is also the smallest run SQLite's sorter makes
// with 16 KiB pages (250 pages).
const buildCache = -4096

// Bulk drops the indexes of the user tables until Commit, when the
// directory holds no user: building an index once from sorted keys is
// several times faster than keeping it up to date through a million random
// inserts. The engine has checked every unique value itself by then; the
// rebuilt unique indexes check them again before anything is committed.
func (t *Tx) Bulk(ctx context.Context) error {
	if t.deferred != nil {
		return nil
	}
	if has, err := t.HasUsers(ctx); err != nil || has {
		return err
	}
	// Foreign keys are checked at Commit too, so that a multi-row insert
	// cannot fail halfway on one and SQLite keeps no statement journal.
	if _, err := t.tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return err
	}
	// Indexes on user_id and uuid stay: new users have growing ids and
	// time-ordered uuids, so keeping those up to date costs no more than
	// appending to them.
	rows, err := t.tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN ('users', 'lines', 'incalls', 'voicemails') AND name NOT LIKE '%\_user' ESCAPE '\' AND name <> 'users_uuid'`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return err
		}
		names, t.deferred = append(names, name), append(t.deferred, ddl)
	}
	rows.Close()
	for _, name := range names {
		if _, err := t.tx.ExecContext(ctx, `DROP INDEX `+name); err != nil {
			return err
		}
	}
	return nil
}

// Rollback discards the transaction's writes.
func (t *Tx) Rollback() error {
	t.open.Remove(t)
	return t.tx.Rollback()
}

// Created lists the groups and rooms the transaction created.
func (t *Tx) Created() (groups, rooms []string) { return t.groupsMade, t.roomsMade }

// stmt prepares a statement once per transaction.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	s, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = s
	return s, nil
}

// insert writes rows with multi-row INSERT statements: one statement per
// few hundred rows instead of one per row is most of the speed of an import.
func (t *Tx) insert(ctx context.Context, table string, cols []string, rows [][]any) error {
	per := min(32766/len(cols), 256)
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		// OR FAIL: the checks before writing make a failure a bug or a
		// race, and a failed batch fails its run (atomic) or is undone
		// by its savepoint (partial); so SQLite need not be able to undo a
		// statement halfway, which would cost a journal of every page.
		fmt.Fprintf(&b, "INSERT OR FAIL INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
		}
		s, err := t.stmt(ctx, b.String())
		if err != nil {
			return err
		}
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := s.ExecContext(ctx, args...); err != nil {
			return constraint(err)
		}
		rows = rows[n:]
	}
	return nil
}

// constraint explains a broken rule of the schema in plain words.
func constraint(err error) error {
	msg := err.Error()
	for _, c := range []struct{ in, out string }{
		{"users.username_key", "the username is already used"},
		{"users.email_key", "the email address is already used"},
		{"users.uuid", "the uuid is already used"},
		{"lines.context_id, lines.exten", "the extension is already used in its context"},
		{"lines.sip_username", "the SIP username is already used"},
		{"lines.provisioning_code", "the provisioning code is already used"},
		{"incalls.context_id, incalls.exten", "the incoming number is already used in its context"},
		{"voicemails.context_id, voicemails.number", "the voicemail number is already used in its context"},
		{"UNIQUE constraint failed", "a value that must be unique is already used"},
		{"protocol cannot change", "a line's protocol cannot change"},
	} {
		if strings.Contains(msg, c.in) {
			return roster.Errorf(roster.ECONFLICT, "%s", c.out)
		}
	}
	return err
}

// chunks calls fn with slices of at most 500 values, below SQLite's limit
// on variables.
func chunks[T any](all []T, fn func([]T) error) error {
	for len(all) > 0 {
		n := min(500, len(all))
		if err := fn(all[:n]); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

// Owners returns the users holding each claim. Usernames and emails are
// looked up by their folded keys, so that claims that differ only by case
// or Unicode form find the same user.
func (t *Tx) Owners(ctx context.Context, claims []roster.Claim) (map[roster.Claim]int64, error) {
	out := map[roster.Claim]int64{}
	groups := map[string][]roster.Claim{} // by query
	for _, c := range claims {
		query, err := t.claimQuery(c)
		if err != nil {
			return nil, err
		}
		if query != "" {
			groups[query] = append(groups[query], c)
		}
	}
	for query, cs := range groups {
		// The claims of each stored value: a found row is matched to its
		// claims at once, not by comparing it with every claim.
		byKey := make(map[string][]roster.Claim, len(cs))
		keys := make([]any, 0, len(cs))
		for _, c := range cs {
			k := identityKey(c)
			if _, seen := byKey[k]; !seen {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], c)
		}
		err := chunks(keys, func(part []any) error {
			rows, err := t.tx.QueryContext(ctx, fmt.Sprintf(query, placeholders(len(part))), part...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				var id int64
				if err := rows.Scan(&k, &id); err != nil {
					return err
				}
				for _, c := range byKey[k] {
					out[c] = id
				}
			}
			return rows.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// claimQuery returns the query that finds the holders of a claim's values,
// with %s for the list of values, or "" for a context that does not exist
// and so holds no number. Each searches a unique index: a scan of a million
// users per batch was most of an import into a full directory.
func (t *Tx) claimQuery(c roster.Claim) (string, error) {
	switch c.Key {
	case "uuid":
		return `SELECT uuid, id FROM users WHERE uuid IN (%s)`, nil
	case "username":
		return `SELECT username_key, id FROM users WHERE username_key IN (%s)`, nil
	case "email":
		return `SELECT email_key, id FROM users WHERE email_key IN (%s)`, nil
	case "sip_username":
		return `SELECT sip_username, user_id FROM lines WHERE sip_username IN (%s)`, nil
	case "provisioning_code":
		return `SELECT provisioning_code, user_id FROM lines WHERE provisioning_code IN (%s)`, nil
	case "exten", "incall_exten", "voicemail_number":
		id, err := t.ContextOf(c.Tenant, c.Context)
		if err != nil {
			return "", nil
		}
		query := map[string]string{
			"exten":            `SELECT exten, user_id FROM lines WHERE context_id = %d AND exten IN (%%s)`,
			"incall_exten":     `SELECT exten, user_id FROM incalls WHERE context_id = %d AND exten IN (%%s)`,
			"voicemail_number": `SELECT number, user_id FROM voicemails WHERE context_id = %d AND number IN (%%s)`,
		}[c.Key]
		return fmt.Sprintf(query, id), nil
	}
	return "", fmt.Errorf("unknown claim key %q", c.Key)
}

// Numbers returns the numbers used in a context.
func (t *Tx) Numbers(ctx context.Context, key, tenant, context string) (map[string]bool, error) {
	id, err := t.ContextOf(tenant, context)
	if err != nil {
		return nil, err
	}
	query := map[string]string{
		"exten":            `SELECT exten FROM lines WHERE context_id = ? AND exten IS NOT NULL`,
		"incall_exten":     `SELECT exten FROM incalls WHERE context_id = ?`,
		"voicemail_number": `SELECT number FROM voicemails WHERE context_id = ?`,
	}[key]
	rows, err := t.tx.QueryContext(ctx, query, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// builder turns users into rows: secrets are sealed with the key that
// prepare made ready.
func (t *Tx) builder() dirrow.Builder {
	return dirrow.Builder{Index: t.Index, Set: t.ensureSet, Stamp: t.stamp, Names: &t.names,
		Seal: func(_ context.Context, plain string) (string, error) { return t.sealer.Seal(plain), nil }}
}

func (t *Tx) writeRelated(ctx context.Context, r *dirrow.Related) error {
	for _, w := range r.Tables() {
		if err := t.insert(ctx, w.Name, w.Cols, w.Rows); err != nil {
			return err
		}
	}
	return nil
}

// Create stores new users.
func (t *Tx) Create(ctx context.Context, users []*roster.User) error {
	if err := prepare(ctx, t.sealer, t.tx, users); err != nil {
		return err
	}
	if t.stamp == 0 {
		// A new user's version is the time, not 1, so that a user deleted
		// and made again with the same uuid has another ETag.
		t.stamp = time.Now().UnixMicro()
	}
	if t.nextUser == 0 {
		if err := t.tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM users`).Scan(&t.nextUser); err != nil {
			return err
		}
	}
	var rel dirrow.Related
	rows, err := t.builder().New(ctx, users, &t.nextUser, &rel)
	if err != nil {
		return err
	}
	cols, rows := withoutDefaults(dirrow.UserCols, userDefaults, rows)
	if err := t.insert(ctx, "users", cols, rows); err != nil {
		return err
	}
	return t.writeRelated(ctx, &rel)
}

// userDefaults are the schema's defaults of dirrow.UserCols; noDefault
// marks the columns always written.
var userDefaults = []any{noDefault, noDefault, noDefault, "", "", "", nil, nil,
	nil, nil, nil, "", "", "", true,
	true, false, false, 5, 30,
	"", nil, "default", nil, nil, nil, nil, nil,
	"", "", noDefault}

type noDefaultType struct{}

var noDefault = noDefaultType{}

// withoutDefaults leaves out the columns in which every row holds the
// schema's default: a typical import gives a third of them, and each value
// bound is a call into the driver.
func withoutDefaults(cols []string, defaults []any, rows [][]any) ([]string, [][]any) {
	keep := make([]int, 0, len(cols))
	for i, d := range defaults {
		if d == noDefault || slices.ContainsFunc(rows, func(r []any) bool { return !sameValue(r[i], d) }) {
			keep = append(keep, i)
		}
	}
	if len(keep) == len(cols) {
		return cols, rows
	}
	kc := make([]string, len(keep))
	for j, i := range keep {
		kc[j] = cols[i]
	}
	// In place: keep is increasing, so each value moves left or stays, and
	// a million users need no second million rows.
	for r, row := range rows {
		for j, i := range keep {
			row[j] = row[i]
		}
		rows[r] = row[:len(keep)]
	}
	return kc, rows
}

func sameValue(v, d any) bool {
	switch v := v.(type) {
	case nil:
		return d == nil
	case string:
		s, ok := d.(string)
		return ok && v == s
	case int:
		n, ok := d.(int)
		return ok && v == n
	case bool:
		b, ok := d.(bool)
		return ok && v == b
	}
	return false
}

// Update replaces what is stored of existing users.
func (t *Tx) Update(ctx context.Context, users []*roster.User) error {
	if err := prepare(ctx, t.sealer, t.tx, users); err != nil {
		return err
	}
	// Every column but the id and the version, which the update moves on.
	last := len(dirrow.UserCols) - 1
	set := strings.Join(dirrow.UserCols[1:last], " = ?, ") + " = ?, version = version + 1"
	b := t.builder()
	for _, u := range users {
		row, err := b.User(ctx, u)
		if err != nil {
			return err
		}
		s, err := t.stmt(ctx, `UPDATE users SET `+set+` WHERE id = ?`)
		if err != nil {
			return err
		}
		if _, err := s.ExecContext(ctx, append(row[1:last], u.ID)...); err != nil {
			return constraint(err)
		}
		// The line is updated in place, so that the schema sees (and
		// refuses) a change of protocol.
		if u.Line == nil {
			if _, err := t.tx.ExecContext(ctx, `DELETE FROM lines WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
		}
		for _, q := range []string{`DELETE FROM incalls WHERE user_id = ?`, `DELETE FROM voicemails WHERE user_id = ?`,
			`DELETE FROM members WHERE user_id = ?`, `DELETE FROM user_objects WHERE user_id = ?`, `DELETE FROM tags WHERE user_id = ?`} {
			if _, err := t.tx.ExecContext(ctx, q, u.ID); err != nil {
				return err
			}
		}
		var rel dirrow.Related
		if err := b.Related(ctx, u, &rel); err != nil {
			return err
		}
		if len(rel.Lines) == 1 {
			upsert := `INSERT INTO lines (` + strings.Join(dirrow.LineCols, ", ") + `) VALUES (` + placeholders(len(dirrow.LineCols)) + `)
				ON CONFLICT (user_id) DO UPDATE SET ` + dirrow.Excluded(dirrow.LineCols[1:])
			if _, err := t.tx.ExecContext(ctx, upsert, rel.Lines[0]...); err != nil {
				return constraint(err)
			}
			rel.Lines = nil
		}
		if err := t.writeRelated(ctx, &rel); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes users; their resources and memberships go with them.
func (t *Tx) Delete(ctx context.Context, ids []int64) error {
	return chunks(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		_, err := t.tx.ExecContext(ctx, `DELETE FROM users WHERE id IN (`+placeholders(len(part))+`)`, args...)
		return err
	})
}

// ensureSet returns the id of a group or room, creating it when missing.
func (t *Tx) ensureSet(ctx context.Context, kind, tenant, name string) (int64, error) {
	return t.sets.Ensure(kind, tenant, name,
		func() (int64, bool, error) {
			return t.FindSet(ctx, kind, tenant, name)
		},
		func() (int64, error) { return t.CreateSet(ctx, kind, tenant, name) })
}

// FindSet finds a group or room by name.
func (t *Tx) FindSet(ctx context.Context, kind, tenant, name string) (int64, bool, error) {
	tid, err := t.TenantOf(tenant)
	if err != nil {
		return 0, false, err
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `SELECT id FROM sets WHERE tenant_id = ? AND kind = ? AND lower(name) = lower(?)`, tid, kind, name).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return id, err == nil, err
}

// CreateSet creates a group or room.
func (t *Tx) CreateSet(ctx context.Context, kind, tenant, name string) (int64, error) {
	tid, err := t.TenantOf(tenant)
	if err != nil {
		return 0, err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO sets (tenant_id, kind, name) VALUES (?, ?, ?)`, tid, kind, name)
	if err != nil {
		return 0, err
	}
	if kind == "group" {
		t.groupsMade = append(t.groupsMade, name)
	} else {
		t.roomsMade = append(t.roomsMade, name)
	}
	return res.LastInsertId()
}

// DeleteSet deletes a group or room; its memberships go with it, and its
// members' versions change.
func (t *Tx) DeleteSet(ctx context.Context, kind string, id int64) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE users SET version = version + 1
		WHERE id IN (SELECT user_id FROM members WHERE set_id = ?)`, id)
	if err == nil {
		_, err = t.tx.ExecContext(ctx, `DELETE FROM sets WHERE id = ? AND kind = ?`, id, kind)
	}
	t.sets.Forget(id)
	return err
}

// Members returns the members of a group or room.
func (t *Tx) Members(ctx context.Context, kind string, set int64) ([]int64, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT user_id FROM members WHERE set_id = ?`, set)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// AddMembers adds users to a group or room; members already there stay.
func (t *Tx) AddMembers(ctx context.Context, kind string, set int64, users []int64) error {
	rows := make([][]any, 0, len(users))
	ids := slices.Compact(slices.Sorted(slices.Values(users)))
	for _, u := range ids {
		rows = append(rows, []any{set, u})
	}
	if err := t.insert(ctx, "members", []string{"set_id", "user_id"}, rows); err != nil {
		return err
	}
	return t.bump(ctx, ids)
}

// bump changes the versions of users whose memberships changed.
func (t *Tx) bump(ctx context.Context, ids []int64) error {
	return chunks(ids, func(part []int64) error {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		_, err := t.tx.ExecContext(ctx, `UPDATE users SET version = version + 1 WHERE id IN (`+placeholders(len(part))+`)`, args...)
		return err
	})
}

// RemoveMembers removes users from a group or room.
func (t *Tx) RemoveMembers(ctx context.Context, kind string, set int64, users []int64) error {
	err := chunks(users, func(part []int64) error {
		args := []any{set}
		for _, id := range part {
			args = append(args, id)
		}
		_, err := t.tx.ExecContext(ctx, `DELETE FROM members WHERE set_id = ? AND user_id IN (`+placeholders(len(part))+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	return t.bump(ctx, users)
}

// Try runs fn inside a savepoint.
func (t *Tx) Try(ctx context.Context, fn func() error) error {
	if _, err := t.tx.ExecContext(ctx, `SAVEPOINT try`); err != nil {
		return err
	}
	groups, rooms := len(t.groupsMade), len(t.roomsMade)
	if err := fn(); err != nil {
		// Forget the groups and rooms the savepoint made and unmade.
		t.groupsMade, t.roomsMade = t.groupsMade[:groups], t.roomsMade[:rooms]
		t.sets.Clear()
		if _, rerr := t.tx.ExecContext(ctx, `ROLLBACK TO try`); rerr != nil {
			return rerr
		}
		t.tx.ExecContext(ctx, `RELEASE try`)
		return err
	}
	_, err := t.tx.ExecContext(ctx, `RELEASE try`)
	return err
}

// HasUsers says whether the directory holds any user.
func (t *Tx) HasUsers(ctx context.Context) (bool, error) {
	var has bool
	err := t.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has)
	return has, err
}
