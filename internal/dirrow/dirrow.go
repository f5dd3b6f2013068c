// Package dirrow is what the two stores (sqlite and postgres) share of
// their rows: the reference data's names and IDs, the rows a user is
// written as, and the reading of the reference data. Their SQL differs
// (placeholders, booleans, bulk writes); what a row holds does not, so it
// is built once here.
package dirrow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
)

// Index names a transaction's reference data both ways: IDs by name for
// writing rows, names by ID for reading them. Names are matched without
// regard to ASCII case, as the schemas compare them.
type Index struct {
	Ref                     *roster.Reference
	Tenant, Context, Object map[int64]string // names by ID
	ObjectKind              map[int64]string // kinds of objects by ID
	tenantID                map[string]int64 // lower-case name → id
	contextID               map[[2]string]int64
	objectID                map[[3]string]int64 // tenant, kind, lower-case name
	defaultTenant           string
}

// NewIndex indexes reference data.
func NewIndex(ref *roster.Reference) *Index {
	x := &Index{Ref: ref, Tenant: map[int64]string{}, Context: map[int64]string{}, Object: map[int64]string{},
		ObjectKind: map[int64]string{}, tenantID: map[string]int64{}, contextID: map[[2]string]int64{}, objectID: map[[3]string]int64{}}
	for i, tn := range ref.Tenants {
		low := strings.ToLower(tn.Name)
		if i == 0 {
			x.defaultTenant = low
		}
		x.tenantID[low], x.Tenant[tn.ID] = tn.ID, tn.Name
		for _, c := range tn.Contexts {
			x.contextID[[2]string{low, strings.ToLower(c.Name)}], x.Context[c.ID] = c.ID, c.Name
		}
		for _, kind := range roster.ObjectKinds {
			for _, o := range *tn.Objects(kind) {
				x.objectID[[3]string{low, kind, strings.ToLower(o.Name)}], x.Object[o.ID], x.ObjectKind[o.ID] = o.ID, o.Name, kind
			}
		}
	}
	return x
}

// tenantKey is a tenant's lower-case name, the default tenant's for "".
func (x *Index) tenantKey(name string) string {
	if name == "" {
		return x.defaultTenant
	}
	return strings.ToLower(name)
}

// TenantOf returns a tenant's ID; "" is the default tenant.
func (x *Index) TenantOf(name string) (int64, error) {
	if id, ok := x.tenantID[x.tenantKey(name)]; ok {
		return id, nil
	}
	return 0, roster.Errorf(roster.ENOTFOUND, "no tenant named %q", name)
}

// ContextOf returns the ID of a context of a tenant.
func (x *Index) ContextOf(tenant, name string) (int64, error) {
	if id, ok := x.contextID[[2]string{x.tenantKey(tenant), strings.ToLower(name)}]; ok {
		return id, nil
	}
	return 0, roster.Errorf(roster.ENOTFOUND, "no context named %q in tenant %s", name, tenant)
}

// ObjectOf returns the ID of a reference object, or nil for an empty name.
func (x *Index) ObjectOf(tenant, kind, name string) (any, error) {
	if name == "" {
		return nil, nil
	}
	if id, ok := x.objectID[[3]string{x.tenantKey(tenant), kind, strings.ToLower(name)}]; ok {
		return id, nil
	}
	if tenant == "" && len(x.Ref.Tenants) > 0 {
		tenant = x.Ref.Tenants[0].Name
	}
	return nil, roster.Errorf(roster.ENOTFOUND, "no %s named %q in tenant %s", kind, name, tenant)
}

// The columns of the user tables, in the order of the rows Builder makes.
// A user's version is last, so that an update may set every other column
// and move the version on.
var (
	UserCols = []string{"id", "uuid", "tenant_id", "firstname", "lastname", "display_name", "username", "username_key",
		"email", "email_key", "password_hash", "language", "mobile_phone_number", "outgoing_caller_id", "enabled",
		"supervision_enabled", "call_transfer_enabled", "dtmf_hangup_enabled", "simultaneous_calls", "ring_seconds",
		"call_permission_password", "role_id", "auth_type", "desk_id", "cti_profile_enabled", "cti_profile_id", "avatar_type", "avatar",
		"firstname_key", "lastname_key", "version"}
	LineCols      = []string{"user_id", "protocol", "context_id", "exten", "sip_username", "sip_secret", "custom_interface", "provisioning_code"}
	IncallCols    = []string{"user_id", "context_id", "exten", "ring_seconds"}
	VoicemailCols = []string{"user_id", "context_id", "number", "name", "password", "email", "attach_audio", "delete_messages", "ask_password"}
	MemberCols    = []string{"set_id", "user_id"}
	ObjectCols    = []string{"user_id", "object_id"}
	TagCols       = []string{"user_id", "tag"}
)

// Nullable is NULL for an empty string.
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Key is the folded form of a username or email (roster.FoldIdentity),
// NULL for none: the unique key of the value.
func Key(s string) any {
	if s == "" {
		return nil
	}
	return roster.FoldIdentity(s)
}

// Excluded is the SET list of an upsert that writes cols from the row
// proposed for insertion.
func Excluded(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = excluded." + c
	}
	return strings.Join(parts, ", ")
}

// Builder turns users into rows, with a store's sealing and sets.
type Builder struct {
	*Index
	// Seal seals a secret; "" stays "".
	Seal func(ctx context.Context, plain string) (string, error)
	// Set returns the ID of a group or room, creating it when missing.
	Set func(ctx context.Context, kind, tenant, name string) (int64, error)
	// Stamp is the version of the users created.
	Stamp int64
	// Names folds first and last names; nil folds each one afresh.
	Names *Names
}

// Names folds first and last names for their key columns, remembering the
// names that are not ASCII: folding one of those takes half a microsecond
// (NFKC, case folding, NFKC), while a file's names repeat (a million users
// share a few thousand), so a first import of a million spent most of a
// second of CPU folding the same names again. Not safe for concurrent
// use: a transaction's writes come from one goroutine.
type Names struct{ folded map[string]string }

// namesKept bounds what Names remembers: past it, names are folded afresh.
const namesKept = 1 << 16

// Fold returns roster.FoldIdentity(s).
func (n *Names) Fold(s string) string {
	if n == nil || isASCII(s) {
		return roster.FoldIdentity(s)
	}
	if f, ok := n.folded[s]; ok {
		return f
	}
	f := roster.FoldIdentity(s)
	if n.folded == nil {
		n.folded = map[string]string{}
	}
	if len(n.folded) < namesKept {
		n.folded[s] = f
	}
	return f
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// User returns the users row of a user, in UserCols's order.
func (b Builder) User(ctx context.Context, u *roster.User) ([]any, error) {
	tenant, err := b.TenantOf(u.Tenant)
	if err != nil {
		return nil, err
	}
	role, err := b.ObjectOf(u.Tenant, roster.KindRole, u.Role)
	if err != nil {
		return nil, err
	}
	desk, err := b.ObjectOf(u.Tenant, roster.KindDesk, u.Desk)
	if err != nil {
		return nil, err
	}
	var ctiEnabled, cti any
	if u.CTIProfile != nil {
		ctiEnabled = u.CTIProfile.Enabled
		if cti, err = b.ObjectOf(u.Tenant, roster.KindCTIProfile, u.CTIProfile.Name); err != nil {
			return nil, err
		}
	}
	var avatarType, avatar any
	if u.Avatar != nil {
		avatarType, avatar = u.Avatar.Type, u.Avatar.Data
	}
	pin, err := b.Seal(ctx, u.CallPermissionPassword)
	if err != nil {
		return nil, err
	}
	return []any{u.ID, u.UUID, tenant, u.Firstname, u.Lastname, u.DisplayName, Nullable(u.Username), Key(u.Username),
		Nullable(u.Email), Key(u.Email), Nullable(u.PasswordHash), u.Language, u.MobilePhoneNumber, u.OutgoingCallerID, u.Enabled,
		u.SupervisionEnabled, u.CallTransferEnabled, u.DTMFHangupEnabled, u.SimultaneousCalls, u.RingSeconds,
		pin, role, u.AuthType, desk, ctiEnabled, cti, avatarType, avatar,
		b.Names.Fold(u.Firstname), b.Names.Fold(u.Lastname), b.Stamp}, nil
}

// Related holds the rows of the tables that hang off users, gathered for
// one batch, each in its columns' order.
type Related struct {
	Lines, Incalls, Voicemails, Members, Objects, Tags [][]any
}

// New gives new users their IDs, from *next on, and returns their rows;
// the rows that hang off them are added to r.
func (b Builder) New(ctx context.Context, users []*roster.User, next *int64, r *Related) ([][]any, error) {
	rows := make([][]any, 0, len(users))
	for _, u := range users {
		u.ID = *next
		*next++
		row, err := b.User(ctx, u)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
		if err := b.Related(ctx, u, r); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// Related adds a user's rows of the tables that hang off users.
func (b Builder) Related(ctx context.Context, u *roster.User, r *Related) error {
	if l := u.Line; l != nil {
		c, err := b.ContextOf(u.Tenant, l.Context)
		if err != nil {
			return err
		}
		secret, err := b.Seal(ctx, l.SIPSecret)
		if err != nil {
			return err
		}
		r.Lines = append(r.Lines, []any{u.ID, l.Protocol, c, Nullable(l.Exten), Nullable(l.SIPUsername), secret, l.CustomInterface, l.ProvisioningCode})
	}
	for _, in := range u.Incalls {
		c, err := b.ContextOf(u.Tenant, in.Context)
		if err != nil {
			return err
		}
		var ring any
		if in.RingSeconds != "" {
			n, err := strconv.Atoi(in.RingSeconds)
			if err != nil {
				return roster.Errorf(roster.EINVALID, "incall ring seconds %q is not a number", in.RingSeconds)
			}
			ring = n
		}
		r.Incalls = append(r.Incalls, []any{u.ID, c, in.Exten, ring})
	}
	if v := u.Voicemail; v != nil {
		c, err := b.ContextOf(u.Tenant, v.Context)
		if err != nil {
			return err
		}
		pin, err := b.Seal(ctx, v.Password)
		if err != nil {
			return err
		}
		r.Voicemails = append(r.Voicemails, []any{u.ID, c, v.Number, v.Name, pin, v.Email, v.AttachAudio, v.DeleteMessages, v.AskPassword})
	}
	for _, set := range []struct {
		kind  string
		names []string
	}{{"group", u.Groups}, {"room", u.Rooms}} {
		for _, name := range set.names {
			id, err := b.Set(ctx, set.kind, u.Tenant, name)
			if err != nil {
				return err
			}
			r.Members = append(r.Members, []any{id, u.ID})
		}
	}
	for _, o := range []struct {
		kind  string
		names []string
	}{{roster.KindSkillGroup, u.SkillGroups}, {roster.KindCallPermission, u.CallPermissions}} {
		for _, name := range o.names {
			id, err := b.ObjectOf(u.Tenant, o.kind, name)
			if err != nil {
				return err
			}
			r.Objects = append(r.Objects, []any{u.ID, id})
		}
	}
	for _, tag := range u.Tags {
		r.Tags = append(r.Tags, []any{u.ID, tag})
	}
	return nil
}

// Tables lists the tables of Related with their columns and rows, in the
// order they are written (each after the tables it refers to).
func (r *Related) Tables() []Table {
	return []Table{
		{"lines", LineCols, r.Lines},
		{"incalls", IncallCols, r.Incalls},
		{"voicemails", VoicemailCols, r.Voicemails},
		{"members", MemberCols, r.Members},
		{"user_objects", ObjectCols, r.Objects},
		{"tags", TagCols, r.Tags},
	}
}

// A Table is rows to write into one table.
type Table struct {
	Name string
	Cols []string
	Rows [][]any
}

// Row reads one row: database/sql's and pgx's rows, and a single row's
// result in either driver, all fit.
type Row interface {
	Scan(dest ...any) error
}

// Rows reads the rows of one query: database/sql's and pgx's rows both fit.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// All reads every row with scan; it returns nil when there is none.
func All[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Query runs a query without arguments; done releases its rows.
type Query func(ctx context.Context, sql string) (rows Rows, done func(), err error)

// LoadReference reads all reference data: the same tables, the same SQL,
// in either store.
func LoadReference(ctx context.Context, query Query) (*roster.Reference, error) {
	ref := &roster.Reference{}
	byID := map[int64]int{}
	each := func(sql string, dest []any, fn func()) error {
		rows, done, err := query(ctx, sql)
		if err != nil {
			return err
		}
		defer done()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			fn()
		}
		return rows.Err()
	}
	var t roster.Tenant
	if err := each(`SELECT id, name, default_role FROM tenants ORDER BY id`, []any{&t.ID, &t.Name, &t.DefaultRole}, func() {
		byID[t.ID] = len(ref.Tenants)
		ref.Tenants = append(ref.Tenants, t)
	}); err != nil {
		return nil, err
	}
	var (
		c            roster.Context
		o            roster.Object
		tenant       int64
		ranges, kind string
	)
	if err := each(`SELECT id, tenant_id, name, kind, ranges FROM contexts ORDER BY id`, []any{&c.ID, &tenant, &c.Name, &c.Kind, &ranges}, func() {
		c.Ranges = nil
		if ranges != "" {
			c.Ranges = strings.Split(ranges, ",")
		}
		tn := &ref.Tenants[byID[tenant]]
		tn.Contexts = append(tn.Contexts, c)
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT id, tenant_id, kind, name FROM objects ORDER BY id`, []any{&o.ID, &tenant, &kind, &o.Name}, func() {
		if list := ref.Tenants[byID[tenant]].Objects(kind); list != nil {
			*list = append(*list, o)
		}
	}); err != nil {
		return nil, err
	}
	return ref, nil
}

// Stream reads rows on a goroutine of its own, scanning each with scan,
// while the caller's goroutine finishes each into a user and hands it to
// fn: together they take two cores, which is most of an export's speed. It
// stops at the first error of either, and at the end of ctx.
func Stream[S any](ctx context.Context, rows Rows, scan func(Rows) (S, error), finish func(S) (*roster.User, error), fn func(*roster.User) error) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	batches := make(chan []S, 4)
	scanErr := make(chan error, 1)
	go func() {
		defer close(batches)
		scanErr <- scanBatches(ctx, rows, scan, batches)
	}()
	for batch := range batches {
		for _, s := range batch {
			u, err := finish(s)
			if err == nil {
				err = fn(u)
			}
			if err != nil {
				stop()
				for range batches { // let the reader see the cancel and end
				}
				return err
			}
		}
	}
	return <-scanErr
}

// scanBatches reads the rows into batches until the rows or ctx end.
func scanBatches[S any](ctx context.Context, rows Rows, scan func(Rows) (S, error), out chan<- []S) error {
	const size = 256
	var batch []S
	send := func() error {
		select {
		case out <- batch:
			batch = nil
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			return err
		}
		if batch = append(batch, s); len(batch) == size {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil || len(batch) == 0 {
		return err
	}
	return send()
}

// Sets remembers the IDs of the groups and rooms a transaction has found
// or made, so that the users of a batch find theirs without a query each.
// The zero Sets is ready.
type Sets struct{ ids map[[3]string]int64 }

// Ensure returns the ID of a group or room, looking it up with find, and
// making it with create when find finds none, the first time only.
func (s *Sets) Ensure(kind, tenant, name string, find func() (int64, bool, error), create func() (int64, error)) (int64, error) {
	key := [3]string{strings.ToLower(tenant), kind, strings.ToLower(name)}
	if id, ok := s.ids[key]; ok {
		return id, nil
	}
	id, ok, err := find()
	if err == nil && !ok {
		id, err = create()
	}
	if err != nil {
		return 0, err
	}
	if s.ids == nil {
		s.ids = map[[3]string]int64{}
	}
	s.ids[key] = id
	return id, nil
}

// Forget drops a group or room that was deleted.
func (s *Sets) Forget(id int64) {
	for k, v := range s.ids {
		if v == id {
			delete(s.ids, k)
		}
	}
}

// Clear forgets every group and room, after their writes were undone.
func (s *Sets) Clear() { clear(s.ids) }

// Exec runs a statement whose parameters are written ?.
type Exec func(ctx context.Context, sql string, args ...any) error

// ReplaceReference replaces a directory's reference data with ref, IDs
// included, in a transaction of a directory that has no user yet: a
// directory moved from another store keeps the IDs that files may name
// its tenants and objects by.
func ReplaceReference(ctx context.Context, exec Exec, ref *roster.Reference) error {
	if err := ref.Validate(); err != nil {
		return err
	}
	for _, table := range []string{"objects", "contexts", "tenants"} {
		if err := exec(ctx, `DELETE FROM `+table); err != nil {
			return err
		}
	}
	for _, t := range ref.Tenants {
		if err := exec(ctx, `INSERT INTO tenants (id, name, default_role) VALUES (?, ?, ?)`, t.ID, t.Name, t.DefaultRole); err != nil {
			return err
		}
		for _, c := range t.Contexts {
			if err := exec(ctx, `INSERT INTO contexts (id, tenant_id, name, kind, ranges) VALUES (?, ?, ?, ?, ?)`,
				c.ID, t.ID, c.Name, c.Kind, strings.Join(c.Ranges, ",")); err != nil {
				return err
			}
		}
		for _, kind := range roster.ObjectKinds {
			for _, o := range *t.Objects(kind) {
				if err := exec(ctx, `INSERT INTO objects (id, tenant_id, kind, name) VALUES (?, ?, ?, ?)`, o.ID, t.ID, kind, o.Name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// FindUser returns the one user of the tenant (any when empty) that a
// reference names, read in tx, whose reference data x indexes (see
// roster.Directory.FindUser).
func FindUser(ctx context.Context, tx roster.Tx, x *Index, tenant, key, ref string) (*roster.User, error) {
	what := "uuid, username or email"
	if key != "" {
		what = key
	}
	missing := roster.Errorf(roster.ENOTFOUND, "no user has the %s %.64q", what, ref)
	var tenantID int64
	if tenant != "" {
		var err error
		if tenantID, err = x.TenantOf(tenant); err != nil {
			return nil, missing
		}
	}
	claims := roster.RefClaims(key, ref)
	owners, err := tx.Owners(ctx, claims)
	if err != nil {
		return nil, err
	}
	var ids []int64
	keys := map[int64][]string{}
	for _, c := range claims {
		if id, ok := owners[c]; ok {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			keys[id] = append(keys[id], c.Key)
		}
	}
	users, err := tx.Users(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Another tenant's users are not there at all: they make a reference
	// neither found nor ambiguous.
	var found []*roster.User
	for _, id := range ids {
		if u := users[id]; u != nil && (tenant == "" || u.Tenant == x.Tenant[tenantID]) {
			found = append(found, u)
		}
	}
	switch len(found) {
	case 0:
		return nil, missing
	case 1:
		return found[0], nil
	}
	parts := make([]string, len(found))
	for i, u := range found {
		parts[i] = fmt.Sprintf("the %s of %s", strings.Join(keys[u.ID], " and "), u.UUID)
	}
	return nil, roster.Errorf(roster.ECONFLICT, "%.64q names %d users: it is %s; say which key it is (key=uuid, username or email)",
		ref, len(found), strings.Join(parts, ", and "))
}

// Page reads a page of users from rows that hold, in export order, at most
// limit users and one more when a next page starts there; scan reads a
// row, and user finishes it, with its tenant's ID for the cursor.
func Page[S any](rows Rows, limit int, scan func(Rows) (S, error), user func(S) (*roster.User, int64, error)) (*roster.UserPage, error) {
	page := &roster.UserPage{Users: []*roster.User{}}
	var last int64
	for rows.Next() {
		s, err := scan(rows)
		if err != nil {
			return nil, err
		}
		if len(page.Users) == limit {
			page.Next = roster.CursorOf(last, page.Users[limit-1])
			break
		}
		u, tenant, err := user(s)
		if err != nil {
			return nil, err
		}
		page.Users, last = append(page.Users, u), tenant
	}
	return page, rows.Err()
}

// JobsQuery is the query of the jobs a filter selects, newest first, with
// its arguments; placeholder writes the nth argument's placeholder (from 1).
func JobsQuery(columns string, f roster.JobFilter, placeholder func(n int) string) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, cond+" "+placeholder(len(args)))
	}
	if f.Tenant != "" {
		add("tenant =", f.Tenant)
	}
	if f.Status != "" {
		add("status =", string(f.Status))
	}
	if f.Command != "" {
		add("command =", f.Command)
	}
	if f.Before != "" {
		add("id <", f.Before)
	}
	q := `SELECT ` + columns + ` FROM jobs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT ` + placeholder(len(args))
	}
	return q, args
}
