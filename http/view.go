package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
)

// view is the directory as one request may see and change it, handed to
// the engine in place of the directory itself:
//
//   - A client bound to a tenant (or one that named a tenant with
//     Wazo-Tenant) sees that tenant's reference data only, so that a user
//     object naming another tenant fails as an unknown tenant does.
//   - With hide, references to users (delete, memberships) find only that
//     tenant's users: another tenant's are "not found", as they would be
//     if they did not exist.
//   - With a guard, the write transaction first checks that the user the
//     request writes is still the one it read (If-Match) and still in the
//     tenant: the check runs under the write lock, so nothing can change
//     the user between the check and the commit.
type view struct {
	roster.Directory
	tenant string
	hide   bool
	guard  *guard
}

// guard is the state a write expects of its user.
type guard struct {
	uuid string
	// ifMatch is the request's If-Match header; empty: any version.
	ifMatch string
}

// Begin starts a write transaction seen through the view, once the guard
// holds.
func (v view) Begin(ctx context.Context) (roster.Tx, error) {
	tx, err := v.Directory.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if v.guard != nil {
		if err := v.check(ctx, tx); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	return &viewTx{Tx: tx, v: v}, nil
}

// Snapshot starts a read-only transaction seen through the view.
func (v view) Snapshot(ctx context.Context) (roster.Tx, error) {
	tx, err := v.Directory.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &viewTx{Tx: tx, v: v}, nil
}

// check fails with 404 when the guarded user is gone or in another tenant,
// and with 412 when it is not the version the request expects.
func (v view) check(ctx context.Context, tx roster.Tx) error {
	claim := roster.Claim{Key: "uuid", Value: v.guard.uuid}
	owners, err := tx.Owners(ctx, []roster.Claim{claim})
	if err != nil {
		return err
	}
	id, ok := owners[claim]
	var u *roster.User
	if ok {
		users, err := tx.UserNames(ctx, []int64{id})
		if err != nil {
			return err
		}
		u = users[id]
	}
	if u == nil || v.tenant != "" && !strings.EqualFold(u.Tenant, v.tenant) {
		return problem(http.StatusNotFound, "the user "+v.guard.uuid+" no longer exists")
	}
	if !matches(v.guard.ifMatch, etag(u)) {
		return problem(http.StatusPreconditionFailed, "the user changed since the version of If-Match was read: read it again (its ETag is "+etag(u)+")")
	}
	return nil
}

// viewTx is a transaction seen through a view.
type viewTx struct {
	roster.Tx
	v   view
	ref *roster.Reference
}

func (t *viewTx) Reference() *roster.Reference {
	if t.v.tenant == "" {
		return t.Tx.Reference()
	}
	if t.ref == nil {
		t.ref = t.Tx.Reference().Only(t.v.tenant)
	}
	return t.ref
}

// Owners finds, with hide, only the users of the view's tenant.
func (t *viewTx) Owners(ctx context.Context, claims []roster.Claim) (map[roster.Claim]int64, error) {
	owners, err := t.Tx.Owners(ctx, claims)
	if err != nil || !t.v.hide || t.v.tenant == "" || len(owners) == 0 {
		return owners, err
	}
	ids := make([]int64, 0, len(owners))
	for _, id := range owners {
		ids = append(ids, id)
	}
	users, err := t.Tx.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for c, id := range owners {
		if u := users[id]; u == nil || !strings.EqualFold(u.Tenant, t.v.tenant) {
			delete(owners, c)
		}
	}
	return owners, nil
}

// etag is a user's entity tag: its version, which every write moves on.
func etag(u *roster.User) string { return `"` + strconv.FormatInt(u.Version, 10) + `"` }

// matches says whether an If-Match header (RFC 9110 §13.1.1) lets a write
// of a resource with the entity tag go ahead: no header, "*", or a list
// holding the tag. The comparison is strong: a weak tag never matches.
func matches(ifMatch, tag string) bool {
	ifMatch = strings.TrimSpace(ifMatch)
	if ifMatch == "" || ifMatch == "*" {
		return true
	}
	for part := range strings.SplitSeq(ifMatch, ",") {
		if strings.TrimSpace(part) == tag {
			return true
		}
	}
	return false
}
