package roster

import "context"

// Directory stores the users and the reference data. The sqlite and
// postgres packages implement it; package directorytest holds its contract
// as one test suite that both run.
//
// One writer at a time: a directory runs one write transaction (Begin,
// SetReference) at a time, across processes; a second one waits for it,
// for as long as the caller's context allows, and at most a bound of the
// implementation's, then fails with ECONFLICT. Readers never wait for the
// writer: Export, Reference and Snapshot read one consistent state on
// connections of their own, and see no write until it is committed.
type Directory interface {
	// Reference returns the reference data.
	Reference(ctx context.Context) (*Reference, error)
	// SetReference adds and updates reference data; with prune it also
	// removes the objects ref does not declare. It reports what changed.
	// It is a write transaction.
	SetReference(ctx context.Context, ref *Reference, prune bool) ([]string, error)
	// Begin starts a write transaction, waiting while another one runs
	// (see above); ctx's cancellation or deadline ends the wait.
	Begin(ctx context.Context) (Tx, error)
	// Sets lists the groups (kind "group") or rooms ("room") of a tenant
	// (the default tenant when empty), by name, with their member counts.
	Sets(ctx context.Context, kind, tenant string) ([]Set, error)
	// Snapshot starts a read-only transaction on one consistent state of
	// the directory: it waits for no writer, and its writes fail. Commit
	// and Rollback both end it.
	Snapshot(ctx context.Context) (Tx, error)
	// Export calls fn for every user of the tenant (all tenants when
	// empty), sorted by tenant, lastname, firstname, then uuid, from one
	// consistent snapshot. Without secrets, the users' reversible secrets
	// (SIP secrets, PINs) are left empty, and need not be readable.
	Export(ctx context.Context, tenant string, secrets bool, fn func(*User) error) error
	// FindUser returns the user that a reference names, in the tenant (any
	// when empty); users of other tenants are not seen at all. The
	// reference is a value under a key (uuid, username or email), or with
	// no key a uuid, a username or an email, as RefClaims reads it. It
	// fails with ENOTFOUND when nobody has the reference, and with
	// ECONFLICT when it names two users (one's username, another's
	// email). Secrets: as for Export. It reads a snapshot.
	FindUser(ctx context.Context, tenant, key, ref string, secrets bool) (*User, error)
	// ListUsers returns a page of users in export order, from a snapshot.
	// It is efficient on large directories: a page costs about as much
	// whatever its place in the order.
	ListUsers(ctx context.Context, q UserQuery) (*UserPage, error)
	Close() error
}

// Set is a group or a room, with how many members it has.
type Set struct {
	Name    string `json:"name"`
	Members int    `json:"members"`
}

// Claim is a value that only one user may hold: a username, an email, a
// uuid, a SIP username, a provisioning code, or a number in a context.
type Claim struct {
	Key     string // a column name: uuid, username, email, sip_username, provisioning_code, exten, incall_exten, voicemail_number
	Tenant  string // for numbers: the tenant of the context
	Context string // for numbers: the context's name
	Value   string // compared case-insensitively for username, email and uuid
}

// Tx is a write transaction on the directory. Reads in it see its writes.
type Tx interface {
	// Reference returns the reference data as of the transaction's start.
	Reference() *Reference
	// HasUsers says whether the directory holds any user (counting them
	// would read a whole index of a large directory).
	HasUsers(ctx context.Context) (bool, error)
	// Owners returns, for each claim that a user holds, that user's ID.
	Owners(ctx context.Context, claims []Claim) (map[Claim]int64, error)
	// Users loads users with all their resources and memberships.
	Users(ctx context.Context, ids []int64) (map[int64]*User, error)
	// UserNames loads only what names users (uuid, tenant, names, username,
	// email) and their Version, for listing them.
	UserNames(ctx context.Context, ids []int64) (map[int64]*User, error)
	// Numbers returns the numbers used in a context for a key (exten,
	// incall_exten or voicemail_number), for generating free ones.
	Numbers(ctx context.Context, key, tenant, context string) (map[string]bool, error)
	// Create stores new users with their resources and sets ID; groups and
	// rooms they name are created when missing.
	Create(ctx context.Context, users []*User) error
	// Update replaces what is stored for existing users (by ID) with the
	// given state, and changes their Version. The plaintext Password, if
	// any, is ignored.
	Update(ctx context.Context, users []*User) error
	// Delete removes users with their resources and memberships.
	Delete(ctx context.Context, ids []int64) error
	// Created lists the groups and rooms the transaction created.
	Created() (groups, rooms []string)
	// Sets: kind is "group" or "room".
	FindSet(ctx context.Context, kind, tenant, name string) (id int64, ok bool, err error)
	CreateSet(ctx context.Context, kind, tenant, name string) (int64, error)
	DeleteSet(ctx context.Context, kind string, id int64) error
	// Members returns the IDs of the set's members, in no particular order.
	Members(ctx context.Context, kind string, set int64) ([]int64, error)
	// AddMembers, RemoveMembers and DeleteSet change the Version of the
	// users whose memberships they change.
	AddMembers(ctx context.Context, kind string, set int64, users []int64) error
	RemoveMembers(ctx context.Context, kind string, set int64, users []int64) error
	// Bulk tells the store that the transaction will create many users in
	// a directory that has none, so that it may defer index maintenance
	// (and, outside Try, the writes themselves) to Commit; a write it
	// refuses may then fail a later call or Commit. It does nothing when
	// the directory has users.
	Bulk(ctx context.Context) error
	// Try runs fn so that its writes are undone, alone, when it fails.
	Try(ctx context.Context, fn func() error) error
	Commit() error
	Rollback() error
}
