package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
	"github.com/roster-dev/roster/seal"
)

// Tx is a write transaction. It holds the directory's write lock, caches
// the reference data and the groups and rooms it has seen, and assigns new
// users their IDs itself, which saves a round trip per user.
//
// PostgreSQL aborts a whole transaction at its first failed statement,
// where SQLite fails only the statement. So that a run goes on checking
// (and reporting) its other rows after the directory refused a batch, as
// it does on SQLite, a write that fails outside Try rolls the transaction
// back and starts a new one for the reads that follow; the Tx is then
// spoiled, and Commit refuses to commit what is left.
type Tx struct {
	*dirrow.Index
	tx    pgx.Tx
	ctx   context.Context // Begin's (the run's): queued writes run on it, as they outlive the calls that queue them
	db    *DB
	key   *seal.Key   // the key that seals this transaction's secrets, once ready
	sets  dirrow.Sets // the groups and rooms seen
	names dirrow.Names

	nextUser              int64
	stamp                 int64 // the version of the users it creates (see create)
	groupsMade, roomsMade []string
	savepoints            int      // Try calls under way
	spoiled               error    // the write that failed outside Try
	bulk                  bool     // a load into an empty directory (see Bulk)
	deferred              []string // indexes to build at Commit (see Bulk)
	unchecked             bool     // rows written without their foreign keys checked (see Bulk)
	replica               bool     // foreign-key triggers are off
	readOnly              bool     // a snapshot (see DB.Snapshot): its writes fail
	withhold              bool     // a snapshot whose reads leave secrets empty (see DB.reader)

	// The engine plans on one goroutine while it writes on another, and a
	// connection runs one statement at a time: calls take turns.
	mu sync.Mutex
	// New users queue up outside Try, to be written with the rows that
	// hang off them in large COPYs, while the engine prepares the next
	// ones (see Create).
	queued   [][]any
	queue    dirrow.Related
	inflight chan error // the result of the COPYs under way, nil when none
}

var _ roster.Tx = (*Tx)(nil)

// start indexes the transaction's reference data, read as it begins.
func (t *Tx) start(ref *roster.Reference) {
	t.Index, t.sets = dirrow.NewIndex(ref), dirrow.Sets{}
}

// Reference returns the reference data as of the transaction's start.
func (t *Tx) Reference() *roster.Reference { return t.Ref }

// Commit makes the transaction's writes permanent, checking first the
// foreign keys that Bulk left unchecked.
func (t *Tx) Commit() error {
	defer t.db.open.Remove(t)
	ctx := context.Background()
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil && t.spoiled == nil {
		t.tx.Rollback(ctx)
		return err
	}
	if t.spoiled != nil {
		t.tx.Rollback(ctx)
		if roster.ErrorCode(t.spoiled) == roster.EINTERNAL {
			return fmt.Errorf("a write of this run failed, and the run was rolled back: %w", t.spoiled)
		}
		return roster.Errorf(roster.ErrorCode(t.spoiled), "the directory refused a write of this run, which was rolled back: %s", roster.ErrorMessage(t.spoiled))
	}
	if len(t.deferred) > 0 {
		if _, err := t.tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			t.tx.Rollback(ctx)
			return err
		}
	}
	for _, ddl := range t.deferred {
		if _, err := t.tx.Exec(ctx, ddl); err != nil {
			t.tx.Rollback(ctx)
			return constraint(err)
		}
	}
	if t.unchecked {
		if err := checkForeignKeys(ctx, t.tx, t.db.schema); err != nil {
			t.tx.Rollback(ctx)
			return err
		}
	}
	if err := t.db.stillServing(ctx, t.tx); err != nil {
		t.tx.Rollback(ctx)
		return err
	}
	return constraint(t.tx.Commit(ctx))
}

// Rollback discards the transaction's writes.
func (t *Tx) Rollback() error {
	t.db.open.Remove(t)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inflight != nil {
		<-t.inflight
		t.inflight = nil
	}
	t.queued, t.queue = nil, dirrow.Related{}
	err := t.tx.Rollback(context.Background())
	if errors.Is(err, pgx.ErrTxClosed) {
		return nil
	}
	return err
}

// Bulk turns off the row-by-row checks of foreign keys until Commit, which
// checks them all at once, when the directory holds no user: PostgreSQL
// checks a foreign key with a lookup per row, which would be most of a
// million-user load (five keys per user, two per membership). The engine
// has resolved every reference itself by then. Triggers are off for the
// transaction (session_replication_role = replica), which needs the right
// to set that parameter (a superuser has it; GRANT SET ON PARAMETER
// session_replication_role TO the roster role gives it); without it, the
// load keeps its row-by-row checks. The indexes with random keys are
// dropped and built again at Commit (deferIndexes), unless a server uses
// the directory.
func (t *Tx) Bulk(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil || t.bulk {
		return err
	}
	if has, err := t.hasUsers(ctx); err != nil || has {
		return err
	}
	t.bulk = true
	// Dropping an index locks its table until Commit: a directory that a
	// server uses (it has clients or operators) keeps its indexes, so
	// that its readers never wait, as an SQLite one keeps its WAL mode.
	var served bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clients) OR EXISTS (SELECT 1 FROM operators)`).Scan(&served); err != nil {
		return err
	}
	if !served {
		if err := t.deferIndexes(ctx); err != nil {
			return err
		}
	}
	if _, err := t.tx.Exec(ctx, `SAVEPOINT bulk`); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		slog.Debug("bulk load with row-by-row foreign key checks", "err", err)
		_, err = t.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT bulk`)
		return err
	}
	t.unchecked, t.replica = true, true
	_, err := t.tx.Exec(ctx, `RELEASE SAVEPOINT bulk`)
	return err
}

// deferIndexes drops the indexes with random keys of the user tables
// (usernames, emails, numbers, SIP usernames, provisioning codes), to be
// built again at Commit: building an index from a million sorted keys is
// several times faster than keeping it up to date through a million random
// inserts. The engine has checked every unique value itself; the rebuilt
// unique indexes check them again before anything is committed. Primary
// keys, uuids and the indexes on user_id stay: new users have growing ids
// and time-ordered uuids, which only ever add to an index's end.
func (t *Tx) deferIndexes(ctx context.Context) error {
	rows, err := t.tx.Query(ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
		WHERE c.relnamespace = $1::oid AND c.relname IN ('users', 'lines', 'incalls', 'voicemails')
		AND NOT i.indisprimary AND x.relname <> 'users_uuid' AND x.relname NOT LIKE '%\_user' ESCAPE '\'`, uint32(t.db.schema))
	if err != nil {
		return err
	}
	var name, ddl string
	var names []string
	if _, err := pgx.ForEachRow(rows, []any{&name, &ddl}, func() error {
		names, t.deferred = append(names, name), append(t.deferred, ddl)
		return nil
	}); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := t.tx.Exec(ctx, `DROP INDEX `+name); err != nil {
			return err
		}
	}
	return nil
}

// triggersOn turns the triggers back on before a write that needs them:
// cascades of deletes, the check of a line's protocol.
func (t *Tx) triggersOn(ctx context.Context) error {
	if !t.replica {
		return nil
	}
	if _, err := t.tx.Exec(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
		return err
	}
	t.replica = false
	return nil
}

// checkForeignKeys checks every foreign key of the schema's tables at once:
// one scan of each table that has foreign keys, each key's values looked up
// in a hash of the keys of the table it points at, and names the first key
// broken.
func checkForeignKeys(ctx context.Context, tx pgx.Tx, schema int32) error {
	rows, err := tx.Query(ctx, `SELECT c.conrelid::regclass::text, c.conname,
			format('r.%I NOT IN (SELECT %I FROM %s)', a.attname, pa.attname, c.confrelid::regclass)
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND c.connamespace = $1::oid
		ORDER BY 1, 2`, uint32(schema))
	if err != nil {
		return err
	}
	var table, name, broken string
	var tables []string
	cases, conds := map[string][]string{}, map[string][]string{}
	if _, err := pgx.ForEachRow(rows, []any{&table, &name, &broken}, func() error {
		if _, ok := conds[table]; !ok {
			tables = append(tables, table)
		}
		conds[table] = append(conds[table], broken)
		cases[table] = append(cases[table], fmt.Sprintf("WHEN %s THEN '%s'", broken, name))
		return nil
	}); err != nil {
		return err
	}
	// A scan is the fast way through a whole table: let the planner use it
	// here (lock steered the writer's plans to indexes), with the memory to
	// hash a million keys.
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = on; SET LOCAL work_mem = '256MB'`); err != nil {
		return err
	}
	for _, table := range tables {
		var key string
		err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT CASE %s END FROM %s r WHERE %s LIMIT 1`,
			strings.Join(cases[table], " "), table, strings.Join(conds[table], " OR "))).Scan(&key)
		switch {
		case err == nil:
			return fmt.Errorf("a row refers to one that does not exist (foreign key %s)", key)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
	}
	return nil
}

// Created lists the groups and rooms the transaction created.
func (t *Tx) Created() (groups, rooms []string) { return t.groupsMade, t.roomsMade }

// wrote ends a write: a failure outside Try spoils the transaction (see Tx).
func (t *Tx) wrote(ctx context.Context, err error) error {
	if err == nil || t.savepoints > 0 || t.readOnly {
		return constraint(err)
	}
	t.spoiled = constraint(err)
	t.tx.Rollback(context.WithoutCancel(ctx))
	t.forget(0, 0)
	t.replica = false
	t.queued, t.queue = nil, dirrow.Related{}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	tx, berr := t.db.pool.Begin(ctx)
	if berr == nil {
		if berr = t.db.lock(ctx, tx); berr != nil {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}
	if berr != nil {
		return errors.Join(constraint(err), berr)
	}
	t.tx = tx
	return constraint(err)
}

// wait waits for the COPYs under way and returns their error, which
// spoils the transaction (they run outside Try).
func (t *Tx) wait(ctx context.Context) error {
	if t.inflight == nil {
		return nil
	}
	err := <-t.inflight
	t.inflight = nil
	return t.wrote(ctx, err)
}

// settle writes what is queued, so that a call sees every write before it.
func (t *Tx) settle(ctx context.Context) error {
	if err := t.wait(ctx); err != nil {
		return err
	}
	return t.flush(ctx, false)
}

// flush writes the queued users and their rows, at once or (async) on a
// goroutine of its own, whose result wait collects.
func (t *Tx) flush(ctx context.Context, async bool) error {
	if len(t.queued) == 0 {
		return nil
	}
	users, rel := t.queued, t.queue
	t.queued, t.queue = nil, dirrow.Related{}
	write := func(ctx context.Context) error {
		if err := t.copyRows(ctx, "users", dirrow.UserCols, users); err != nil {
			return err
		}
		return t.writeRelated(ctx, &rel)
	}
	if !async {
		return t.wrote(ctx, write(ctx))
	}
	done := make(chan error, 1)
	t.inflight = done
	go func() { done <- write(t.ctx) }()
	return nil
}

// constraint explains a broken rule of the schema in plain words.
func constraint(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505": // unique_violation
		msg, ok := map[string]string{
			"users_username":          "the username is already used",
			"users_email":             "the email address is already used",
			"users_uuid":              "the uuid is already used",
			"lines_exten":             "the extension is already used in its context",
			"lines_sip_username":      "the SIP username is already used",
			"lines_provisioning_code": "the provisioning code is already used",
			"incalls_exten":           "the incoming number is already used in its context",
			"voicemails_number":       "the voicemail number is already used in its context",
		}[pe.ConstraintName]
		if !ok {
			msg = "a value that must be unique is already used"
		}
		return roster.Errorf(roster.ECONFLICT, "%s", msg)
	case "23514": // check_violation
		if strings.Contains(pe.Message, "protocol cannot change") {
			return roster.Errorf(roster.ECONFLICT, "a line's protocol cannot change")
		}
	}
	return err
}

// copyRows writes rows into a table with COPY, PostgreSQL's bulk load:
// one stream per table and batch instead of a statement per row.
func (t *Tx) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	return err
}

// Owners returns the users holding each claim.
func (t *Tx) Owners(ctx context.Context, claims []roster.Claim) (map[roster.Claim]int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return nil, err
	}
	type group struct {
		query   string
		context int64
	}
	groups := map[group]map[string][]roster.Claim{} // by the value as stored
	for _, c := range claims {
		g, v := group{}, c.Value
		switch c.Key {
		case "uuid":
			g.query, v = `SELECT uuid, id FROM users WHERE uuid = ANY($1)`, strings.ToLower(v)
		case "username":
			g.query, v = `SELECT username_key, id FROM users WHERE username_key = ANY($1)`, roster.FoldIdentity(v)
		case "email":
			g.query, v = `SELECT email_key, id FROM users WHERE email_key = ANY($1)`, roster.FoldIdentity(v)
		case "sip_username":
			g.query = `SELECT sip_username, user_id FROM lines WHERE sip_username = ANY($1)`
		case "provisioning_code":
			g.query = `SELECT provisioning_code, user_id FROM lines WHERE provisioning_code = ANY($1)`
		case "exten", "incall_exten", "voicemail_number":
			id, err := t.ContextOf(c.Tenant, c.Context)
			if err != nil {
				continue // an unknown context holds no numbers
			}
			g.context = id
			// One index lookup per number: a plan made while the
			// table was small would otherwise read the whole context
			// and test each row against every number.
			g.query = map[string]string{
				"exten":            `SELECT t.exten, t.user_id FROM unnest($1::text[]) k (v) JOIN lines t ON t.context_id = $2 AND t.exten = k.v COLLATE "C"`,
				"incall_exten":     `SELECT t.exten, t.user_id FROM unnest($1::text[]) k (v) JOIN incalls t ON t.context_id = $2 AND t.exten = k.v COLLATE "C"`,
				"voicemail_number": `SELECT t.number, t.user_id FROM unnest($1::text[]) k (v) JOIN voicemails t ON t.context_id = $2 AND t.number = k.v COLLATE "C"`,
			}[c.Key]
		default:
			return nil, fmt.Errorf("unknown claim key %q", c.Key)
		}
		if groups[g] == nil {
			groups[g] = map[string][]roster.Claim{}
		}
		groups[g][v] = append(groups[g][v], c)
	}
	out := map[roster.Claim]int64{}
	for g, byValue := range groups {
		vals := make([]string, 0, len(byValue))
		for v := range byValue {
			vals = append(vals, v)
		}
		args := []any{vals}
		if g.context != 0 {
			args = append(args, g.context)
		}
		rows, err := t.tx.Query(ctx, g.query, args...)
		if err != nil {
			return nil, err
		}
		var v string
		var id int64
		_, err = pgx.ForEachRow(rows, []any{&v, &id}, func() error {
			for _, c := range byValue[v] {
				out[c] = id
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Numbers returns the numbers used in a context.
func (t *Tx) Numbers(ctx context.Context, key, tenant, context string) (map[string]bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return nil, err
	}
	id, err := t.ContextOf(tenant, context)
	if err != nil {
		return nil, err
	}
	query := map[string]string{
		"exten":            `SELECT exten FROM lines WHERE context_id = $1 AND exten IS NOT NULL`,
		"incall_exten":     `SELECT exten FROM incalls WHERE context_id = $1`,
		"voicemail_number": `SELECT number FROM voicemails WHERE context_id = $1`,
	}[key]
	rows, err := t.tx.Query(ctx, query, id)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	var n string
	_, err = pgx.ForEachRow(rows, []any{&n}, func() error {
		out[n] = true
		return nil
	})
	return out, err
}

// builder turns users into rows; secrets are sealed with the key that
// keyFor makes ready.
func (t *Tx) builder() dirrow.Builder {
	return dirrow.Builder{Index: t.Index, Seal: t.seal, Set: t.ensureSet, Stamp: t.stamp, Names: &t.names}
}

func (t *Tx) writeRelated(ctx context.Context, r *dirrow.Related) error {
	for _, w := range r.Tables() {
		if err := t.copyRows(ctx, w.Name, w.Cols, w.Rows); err != nil {
			return err
		}
	}
	return nil
}

// queueSize is how many new users are written together: a COPY of a few
// thousand rows costs PostgreSQL less per row than many small ones.
const queueSize = 8192

// Create stores new users, each table's rows with COPY, before it returns.
// In a bulk load (see Bulk) outside Try, the users queue up instead and
// are written a few thousand at a time, on a goroutine of their own while
// the engine prepares the next ones: the error of such a write comes back
// from a later call or from Commit, and spoils the transaction, which an
// atomic run does not commit anyway.
func (t *Tx) Create(ctx context.Context, users []*roster.User) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	queue := t.bulk && t.savepoints == 0
	if !queue {
		if err := t.settle(ctx); err != nil {
			return err
		}
	}
	if err := t.create(ctx, users); err != nil {
		return t.wrote(ctx, err)
	}
	if !queue {
		return t.flush(ctx, false)
	}
	if len(t.queued) < queueSize {
		return nil
	}
	if err := t.wait(ctx); err != nil {
		return err
	}
	return t.flush(ctx, true)
}

// create turns users into rows and queues them.
func (t *Tx) create(ctx context.Context, users []*roster.User) error {
	if t.stamp == 0 {
		// A new user's version is the time, not 1, so that a user deleted
		// and made again with the same uuid has another ETag.
		t.stamp = time.Now().UnixMicro()
	}
	if t.nextUser == 0 {
		if err := t.wait(ctx); err != nil {
			return err
		}
		if err := t.tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) + 1 FROM users`).Scan(&t.nextUser); err != nil {
			return err
		}
	}
	rows, err := t.builder().New(ctx, users, &t.nextUser, &t.queue)
	if err != nil {
		return err
	}
	t.queued = append(t.queued, rows...)
	return nil
}

// Update replaces what is stored of existing users. The statements of a
// batch go to the server in one round trip (a pipeline), then the rows
// that hang off the users are written again with COPY.
func (t *Tx) Update(ctx context.Context, users []*roster.User) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return err
	}
	return t.wrote(ctx, t.update(ctx, users))
}

func (t *Tx) update(ctx context.Context, users []*roster.User) error {
	if err := t.triggersOn(ctx); err != nil {
		return err
	}
	// Every column but the id and the version, which the update moves on.
	cols := dirrow.UserCols[:len(dirrow.UserCols)-1]
	set := make([]string, len(cols)-1)
	for i, c := range cols[1:] {
		set[i] = fmt.Sprintf("%s = $%d", c, i+1)
	}
	updateUser := `UPDATE users SET ` + strings.Join(set, ", ") + fmt.Sprintf(`, version = version + 1 WHERE id = $%d`, len(cols))
	upsertLine := `INSERT INTO lines (` + strings.Join(dirrow.LineCols, ", ") + `) VALUES (` + placeholders(len(dirrow.LineCols)) + `)
		ON CONFLICT (user_id) DO UPDATE SET ` + dirrow.Excluded(dirrow.LineCols[1:])
	var batch pgx.Batch
	ids := make([]int64, 0, len(users))
	var noLine []int64
	var rel dirrow.Related
	b := t.builder()
	for _, u := range users {
		row, err := b.User(ctx, u)
		if err != nil {
			return err
		}
		batch.Queue(updateUser, append(row[1:len(cols)], u.ID)...)
		ids = append(ids, u.ID)
		if u.Line == nil {
			noLine = append(noLine, u.ID)
		}
		if err := b.Related(ctx, u, &rel); err != nil {
			return err
		}
	}
	batch.Queue(`DELETE FROM lines WHERE user_id = ANY($1)`, noLine)
	for _, table := range []string{"incalls", "voicemails", "members", "user_objects", "tags"} {
		batch.Queue(`DELETE FROM `+table+` WHERE user_id = ANY($1)`, ids)
	}
	// The line is updated in place, so that the schema sees (and refuses)
	// a change of protocol.
	for _, l := range rel.Lines {
		batch.Queue(upsertLine, l...)
	}
	rel.Lines = nil
	if err := t.tx.SendBatch(ctx, &batch).Close(); err != nil {
		return err
	}
	return t.writeRelated(ctx, &rel)
}

func placeholders(n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(p, ", ")
}

// Delete removes users; their resources and memberships go with them.
func (t *Tx) Delete(ctx context.Context, ids []int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return err
	}
	err := t.triggersOn(ctx)
	if err == nil {
		_, err = t.tx.Exec(ctx, `DELETE FROM users WHERE id = ANY($1)`, ids)
	}
	return t.wrote(ctx, err)
}

// ensureSet returns the id of a group or room, creating it when missing.
func (t *Tx) ensureSet(ctx context.Context, kind, tenant, name string) (int64, error) {
	return t.sets.Ensure(kind, tenant, name,
		func() (int64, bool, error) {
			if err := t.wait(ctx); err != nil {
				return 0, false, err
			}
			return t.findSet(ctx, kind, tenant, name)
		},
		func() (int64, error) { return t.createSet(ctx, kind, tenant, name) })
}

// FindSet finds a group or room by name.
func (t *Tx) FindSet(ctx context.Context, kind, tenant, name string) (int64, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return 0, false, err
	}
	return t.findSet(ctx, kind, tenant, name)
}

func (t *Tx) findSet(ctx context.Context, kind, tenant, name string) (int64, bool, error) {
	tid, err := t.TenantOf(tenant)
	if err != nil {
		return 0, false, err
	}
	var id int64
	err = t.tx.QueryRow(ctx, `SELECT id FROM sets WHERE tenant_id = $1 AND kind = $2 AND lower(name COLLATE "C") = lower($3 COLLATE "C")`, tid, kind, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// CreateSet creates a group or room.
func (t *Tx) CreateSet(ctx context.Context, kind, tenant, name string) (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return 0, err
	}
	id, err := t.createSet(ctx, kind, tenant, name)
	return id, t.wrote(ctx, err)
}

func (t *Tx) createSet(ctx context.Context, kind, tenant, name string) (int64, error) {
	tid, err := t.TenantOf(tenant)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := t.tx.QueryRow(ctx, `INSERT INTO sets (tenant_id, kind, name) VALUES ($1, $2, $3) RETURNING id`, tid, kind, name).Scan(&id); err != nil {
		return 0, err
	}
	if kind == "group" {
		t.groupsMade = append(t.groupsMade, name)
	} else {
		t.roomsMade = append(t.roomsMade, name)
	}
	return id, nil
}

// DeleteSet deletes a group or room; its memberships go with it, and its
// members' versions change.
func (t *Tx) DeleteSet(ctx context.Context, kind string, id int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return err
	}
	err := t.triggersOn(ctx)
	if err == nil {
		_, err = t.tx.Exec(ctx, `UPDATE users SET version = version + 1
			WHERE id IN (SELECT user_id FROM members WHERE set_id = $1)`, id)
	}
	if err == nil {
		_, err = t.tx.Exec(ctx, `DELETE FROM sets WHERE id = $1 AND kind = $2`, id, kind)
	}
	t.sets.Forget(id)
	return t.wrote(ctx, err)
}

// Members returns the members of a group or room.
func (t *Tx) Members(ctx context.Context, kind string, set int64) ([]int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(ctx, `SELECT user_id FROM members WHERE set_id = $1`, set)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// AddMembers adds users to a group or room; members already there stay.
func (t *Tx) AddMembers(ctx context.Context, kind string, set int64, users []int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(users)))
	_, err := t.tx.Exec(ctx, `INSERT INTO members (set_id, user_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, set, ids)
	if err == nil {
		err = t.bump(ctx, ids)
	}
	return t.wrote(ctx, err)
}

// RemoveMembers removes users from a group or room.
func (t *Tx) RemoveMembers(ctx context.Context, kind string, set int64, users []int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, `DELETE FROM members WHERE set_id = $1 AND user_id = ANY($2)`, set, users)
	if err == nil {
		err = t.bump(ctx, users)
	}
	return t.wrote(ctx, err)
}

// bump changes the versions of users whose memberships changed.
func (t *Tx) bump(ctx context.Context, ids []int64) error {
	_, err := t.tx.Exec(ctx, `UPDATE users SET version = version + 1 WHERE id = ANY($1)`, ids)
	return err
}

// Try runs fn inside a savepoint. It holds the Tx only around the
// savepoint's statements, since fn calls the Tx itself.
func (t *Tx) Try(ctx context.Context, fn func() error) error {
	t.mu.Lock()
	err := t.settle(ctx)
	if err == nil {
		_, err = t.tx.Exec(ctx, `SAVEPOINT try`)
	}
	if err != nil {
		t.mu.Unlock()
		return err
	}
	t.savepoints++
	groups, rooms := len(t.groupsMade), len(t.roomsMade)
	t.mu.Unlock()
	err = fn()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.savepoints--
	if err == nil {
		_, err = t.tx.Exec(ctx, `RELEASE SAVEPOINT try`)
		return err
	}
	t.forget(groups, rooms)
	ctx = context.WithoutCancel(ctx)
	if _, rerr := t.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT try`); rerr != nil {
		return rerr
	}
	if t.unchecked && !t.replica {
		// The savepoint undid triggersOn too.
		t.replica = true
		if rerr := t.triggersOn(ctx); rerr != nil {
			return rerr
		}
	}
	t.tx.Exec(ctx, `RELEASE SAVEPOINT try`)
	return err
}

// forget drops what the transaction knew of writes that were undone: the
// groups and rooms made since (groups, rooms), the sets it had seen, and
// whether it had recorded the key.
func (t *Tx) forget(groups, rooms int) {
	t.groupsMade, t.roomsMade = t.groupsMade[:groups], t.roomsMade[:rooms]
	t.sets.Clear()
	t.key = nil
}

// HasUsers says whether the directory holds any user.
func (t *Tx) HasUsers(ctx context.Context) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.settle(ctx); err != nil {
		return false, err
	}
	return t.hasUsers(ctx)
}

func (t *Tx) hasUsers(ctx context.Context) (bool, error) {
	var has bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&has)
	return has, err
}
