package provision

import (
	"context"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
)

// Pending is a planned change: Apply writes it, Release drops it. Its
// Result holds the plan.
//
// The plan is made in a write transaction, which the Pending keeps until
// Apply or Release: applied at once, the change is written in the
// transaction it was planned in. A caller that waits for a person to
// confirm the plan releases it first, so that the directory is not locked
// while someone reads the plan and decides; Apply then plans again under
// the write lock and writes only if the plan is still the same; if another
// run changed the directory in between, it writes nothing and says so.
type Pending struct {
	Result *roster.Result
	// Users are the users the change touches, for showing them: their
	// names and keys only (see roster.Tx.UserNames).
	Users []*roster.User
	dir   roster.Directory
	plan  planner
	tx    roster.Tx    // the plan's transaction, until Apply or Release
	apply func() error // writes the change in the plan's transaction; nil: nothing to write
}

// A planner plans a change in tx, without writing it.
type planner func(ctx context.Context, tx roster.Tx) (*Pending, error)

// prepare plans a change, in a transaction that the Pending keeps.
func prepare(ctx context.Context, dir roster.Directory, plan planner) (*Pending, error) {
	tx, err := dir.Begin(ctx)
	if err != nil {
		return nil, err
	}
	p, err := plan(ctx, tx)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	p.dir, p.plan, p.tx = dir, plan, tx
	return p, nil
}

// Release gives the directory back without writing. Apply may still be
// called: it then plans again. Release may be called more than once.
func (p *Pending) Release() {
	if p.tx != nil {
		p.tx.Rollback()
		p.tx = nil
	}
}

// Apply writes the change: at once when the plan's transaction is still
// held, else if the directory still gives the same plan.
func (p *Pending) Apply(ctx context.Context) error {
	if p.Empty() {
		p.Release()
		return nil
	}
	tx, apply := p.tx, p.apply
	p.tx = nil
	if tx == nil {
		var err error
		if tx, err = p.dir.Begin(ctx); err != nil {
			return err
		}
		again, err := p.plan(ctx, tx)
		if err == nil && !samePlan(p.Result, again.Result) {
			err = roster.Errorf(roster.ECONFLICT, "the directory changed while the change waited for confirmation, so nothing was written; run the command again to see the new plan")
		}
		if err != nil {
			tx.Rollback()
			return err
		}
		apply = again.apply
	}
	if apply != nil {
		if err := apply(); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	p.Result.Applied = true
	return nil
}

// samePlan says whether two plans do the same thing to the same users.
func samePlan(a, b *roster.Result) bool {
	same := func(x, y roster.Step) bool { return x.Row == y.Row && x.Action == y.Action && x.UUID == y.UUID }
	return slices.EqualFunc(a.Plan, b.Plan, same) && slices.Equal(*a.NotFound, *b.NotFound) &&
		slices.Equal(a.GroupsCreated, b.GroupsCreated) && slices.Equal(a.RoomsCreated, b.RoomsCreated)
}

// Empty says whether the change would write nothing.
func (p *Pending) Empty() bool { return p.apply == nil }

// DeleteUsers plans the deletion of the users the references name. Unknown
// references are listed, not fatal; a reference that names two users makes
// the whole change fail, so that nobody is deleted by mistake.
func DeleteUsers(ctx context.Context, dir roster.Directory, refs []Ref) (*Pending, error) {
	return prepare(ctx, dir, func(ctx context.Context, tx roster.Tx) (*Pending, error) {
		found, err := resolve(ctx, tx, refs)
		if err != nil {
			return nil, err
		}
		res := newSetResult("delete")
		res.resolved(found)
		var ids []int64
		var rows []int
		seen := make(map[int64]bool, len(refs))
		for i, r := range refs {
			id := found.ids[i]
			switch {
			case id == 0:
			case seen[id]:
				res.Unchanged++
			default:
				seen[id] = true
				ids, rows = append(ids, id), append(rows, r.Row)
			}
		}
		users, err := tx.UserNames(ctx, ids)
		if err != nil {
			return nil, err
		}
		p := &Pending{Result: res.Result}
		for i, id := range ids {
			u := users[id]
			p.Users = append(p.Users, u)
			res.Plan = append(res.Plan, roster.Step{Row: rows[i], Action: roster.Delete, UUID: u.UUID})
		}
		*res.Deleted = len(ids)
		res.Rows = len(refs)
		if len(ids) > 0 && len(found.ambiguous) == 0 {
			p.apply = func() error { return tx.Delete(ctx, ids) }
		}
		return p, nil
	})
}

// DeleteSets plans the deletion of groups or rooms by name; their members
// stay.
func DeleteSets(ctx context.Context, dir roster.Directory, kind, tenant string, names []string) (*Pending, error) {
	return prepare(ctx, dir, func(ctx context.Context, tx roster.Tx) (*Pending, error) {
		res := newSetResult("delete")
		var ids []int64
		for i, name := range names {
			id, ok, err := tx.FindSet(ctx, kind, tenant, strings.TrimSpace(name))
			if err != nil {
				return nil, err
			}
			if !ok {
				res.notFound(roster.NotFound{Row: i + 1, Value: name})
				continue
			}
			ids = append(ids, id)
			res.Plan = append(res.Plan, roster.Step{Row: i + 1, Action: roster.Delete})
		}
		*res.Deleted = len(ids)
		res.Rows, res.Failed = len(names), len(*res.NotFound)
		p := &Pending{Result: res.Result}
		if len(ids) > 0 {
			p.apply = func() error {
				for _, id := range ids {
					if err := tx.DeleteSet(ctx, kind, id); err != nil {
						return err
					}
				}
				return nil
			}
		}
		return p, nil
	})
}

// setResult is a result with the counts of delete and membership commands.
type setResult struct{ *roster.Result }

func newSetResult(command string) setResult {
	z := func() *int { return new(int) }
	r := &roster.Result{Command: command, Errors: []roster.Problem{}, NotFound: &[]roster.NotFound{},
		GroupsCreated: []string{}, RoomsCreated: []string{}, IgnoredColumns: []roster.IgnoredColumn{}}
	switch command {
	case "delete":
		r.Deleted = z()
	case "add":
		r.Added = z()
	case "remove":
		r.Removed = z()
	}
	return setResult{r}
}

func (s setResult) notFound(nf ...roster.NotFound) { *s.NotFound = append(*s.NotFound, nf...) }

// resolved reports the references that name nobody, or several users.
func (s setResult) resolved(r *resolved) {
	s.notFound(r.missing...)
	s.Errors = append(s.Errors, r.ambiguous...)
	s.Failed = len(r.missing) + len(r.ambiguous)
}
