package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
	"github.com/roster-dev/roster/seal"
)

// readSealer opens the secrets a reader asked for: without, they are left
// empty and the key is not read.
func (db *DB) readSealer(secrets bool) *seal.Sealer {
	if !secrets {
		return &seal.Sealer{Withhold: true}
	}
	return db.sealer
}

// FindUser returns the one user of the tenant (any when empty) that a
// reference names, from a snapshot on a reader's connection.
func (db *DB) FindUser(ctx context.Context, tenant, key, ref string, secrets bool) (*roster.User, error) {
	t, err := db.snapshot(ctx, db.readSealer(secrets))
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	return dirrow.FindUser(ctx, t, t.Index, tenant, key, ref)
}

// pageScan is how many members a group or room may have for a page to be
// read from them, sorted; one that has more has so many that walking the
// export order until the page is full costs less than sorting them all.
var pageScan = 10_000

// ListUsers returns a page of users in export order. Every page is read
// through an index, in one of two ways. Without a group or room, or with
// one that has many members, it walks the export-order index (users_order)
// from the cursor and keeps the users that pass until the page is full:
// what a filter asks of a user (its tenant, the start of its names, its
// rowid among those a username, email or extension search found, its
// membership by the members' key) is in that index or found from it, so
// the walk reads the table only for the users it keeps. With a group or
// room of few members, it takes them from the members' key by rowid and
// sorts them: the walk would pass over most of the directory to find them.
func (db *DB) ListUsers(ctx context.Context, q roster.UserQuery) (*roster.UserPage, error) {
	t, err := db.snapshot(ctx, db.readSealer(q.Secrets))
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	limit := max(q.Limit, 1)
	query, args, err := t.pageQuery(ctx, q, limit+1)
	if err != nil || query == "" {
		return &roster.UserPage{Users: []*roster.User{}}, err
	}
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return dirrow.Page(rows, limit, scan, func(s *scanned) (*roster.User, int64, error) {
		u, err := t.user(s)
		return u, s.tenant, err
	})
}

// pageQuery builds the query of a page of n users, or "" when nobody can
// match (a tenant or a group that does not exist).
func (t *Tx) pageQuery(ctx context.Context, q roster.UserQuery, n int) (string, []any, error) {
	var f filter
	if q.Tenant != "" {
		id, err := t.TenantOf(q.Tenant)
		if err != nil {
			return "", nil, nil
		}
		f.cond("u.tenant_id = ?", id)
	}
	if q.Prefix != "" {
		t.prefix(&f, q.Prefix)
	}
	for _, s := range []struct{ kind, name string }{{"group", q.Group}, {"room", q.Room}} {
		if s.name == "" {
			continue
		}
		ok, err := t.member(ctx, &f, s.kind, s.name, q.Tenant)
		if err != nil || !ok {
			return "", nil, err
		}
	}
	if c := q.After; c != nil {
		f.cond("(u.tenant_id, u.lastname, u.firstname, u.uuid) > (?, ?, ?, ?)", c.TenantID, c.Lastname, c.Firstname, c.UUID)
	}
	hint := "INDEXED BY users_order"
	src, err := t.fewest(ctx, f.sources)
	if err != nil {
		return "", nil, err
	}
	if src != nil {
		hint = "NOT INDEXED" // the candidates are found by rowid, then sorted
		f.cond("u.id IN ("+src.query+")", src.args...)
	}
	query, err := t.userQuery(ctx, false)
	if err != nil {
		return "", nil, err
	}
	query += userFrom(hint)
	if len(f.conds) > 0 {
		query += "\nWHERE " + strings.Join(f.conds, " AND ")
	}
	query += "\nORDER BY u.tenant_id, u.lastname, u.firstname, u.uuid LIMIT ?"
	return query, append(f.args, n), nil
}

// A filter is the conditions of a page's rows, and the sources of
// candidates that some of them have: subqueries of user ids, each read
// through an index.
type filter struct {
	conds   []string
	args    []any
	sources []source
}

type source struct {
	query string
	args  []any
}

func (f *filter) cond(sql string, args ...any) {
	f.conds, f.args = append(f.conds, sql), append(f.args, args...)
}

// below is the upper bound of the strings that start with a prefix: the
// prefix followed by the last code point, which no stored text holds (it is
// a noncharacter, refused in every column).
const below = ` || char(1114111)`

// prefix keeps the users whose folded username, email or names, or whose
// extension, start with p. The names are compared in the export-order
// index, which holds their folded forms; usernames, emails and extensions
// are looked up in their own indexes once per page, and their users
// recognised by rowid: a page walking the export order reads the table
// only for the users it keeps.
func (t *Tx) prefix(f *filter, p string) {
	folded := roster.FoldIdentity(p)
	ids := []string{
		"SELECT id FROM users WHERE username_key >= ? AND username_key < ?" + below,
		"SELECT id FROM users WHERE email_key >= ? AND email_key < ?" + below,
	}
	args := []any{folded, folded, folded, folded, folded, folded, folded, folded}
	if digits(p) && len(t.Context) > 0 {
		// The index of extensions is by context, then number.
		var ctxs []string
		for id := range t.Context {
			ctxs = append(ctxs, fmt.Sprint(id))
		}
		slices.Sort(ctxs)
		ids = append(ids, "SELECT user_id FROM lines WHERE context_id IN ("+strings.Join(ctxs, ",")+") AND exten >= ? AND exten < ?"+below)
		args = append(args, p, p)
	}
	f.cond("(u.firstname_key >= ? AND u.firstname_key < ?"+below+" OR u.lastname_key >= ? AND u.lastname_key < ?"+below+
		" OR u.id IN ("+strings.Join(ids, " UNION ALL ")+"))", args...)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// member keeps the members of the groups or rooms of a name (in a tenant,
// or in any); ok is false when there is no such set, so nobody is kept.
func (t *Tx) member(ctx context.Context, f *filter, kind, name, tenant string) (ok bool, err error) {
	query, args := `SELECT id FROM sets WHERE kind = ? AND lower(name) = lower(?)`, []any{kind, name}
	if tenant != "" {
		id, err := t.TenantOf(tenant)
		if err != nil {
			return false, nil
		}
		query, args = query+` AND tenant_id = ?`, append(args, id)
	}
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return false, err
		}
		ids = append(ids, fmt.Sprint(id))
	}
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return false, err
	}
	in := strings.Join(ids, ",")
	f.cond("EXISTS (SELECT 1 FROM members m WHERE m.set_id IN (" + in + ") AND m.user_id = u.id)")
	f.sources = append(f.sources, source{query: "SELECT user_id FROM members WHERE set_id IN (" + in + ")"})
	return true, nil
}

// fewest returns the source with the fewest candidates, when it has at
// most pageScan of them; nil when every source has more (or there is none).
// Counting stops past pageScan, so that a filter that keeps a million
// users costs no more to count than one that keeps ten thousand.
func (t *Tx) fewest(ctx context.Context, sources []source) (*source, error) {
	var best *source
	bestN := pageScan + 1
	for i := range sources {
		var n int
		err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM (`+sources[i].query+`) LIMIT ?)`,
			append(slices.Clone(sources[i].args), pageScan+1)...).Scan(&n)
		if err != nil {
			return nil, err
		}
		if n < bestN {
			best, bestN = &sources[i], n
		}
	}
	return best, nil
}
