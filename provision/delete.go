package provision

import (
	"context"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
)

// Pending is a planned change waiting for a person to confirm it: Apply
// writes it; dropping it costs nothing. Its Result holds the plan.
//
// The plan is made in a transaction that is rolled back at once, so that
// the directory is not locked while someone reads the plan and decides.
// Apply plans again under the write lock and writes only if the plan is
// still the same; if another run changed the directory in between, it
// writes nothing and says so.
type Pending struct {
	Result *roster.Result
	// Users are the users the change touches, for showing them.
	Users []*roster.User
	dir   roster.Directory
	plan  planner
	apply func() error // writes the change in the plan's transaction; nil: nothing to write
}

// A planner plans a change in tx, without writing it.
type planner func(ctx context.Context, tx roster.Tx) (*Pending, error)

// prepare plans a change and releases the directory.
func prepare(ctx context.Context, dir roster.Directory, plan planner) (*Pending, error) {
	tx, err := dir.Begin(ctx)
	if err != nil {
		return nil, err
	}
	p, err := plan(ctx, tx)
	tx.Rollback()
	if err != nil {
		return nil, err
	}
	p.dir, p.plan = dir, plan
	return p, nil
}

// Apply writes the change, if the directory still gives the same plan.
func (p *Pending) Apply(ctx context.Context) error {
	if p.Empty() {
		return nil
	}
	tx, err := p.dir.Begin(ctx)
	if err != nil {
		return err
	}
	again, err := p.plan(ctx, tx)
	if err == nil && !samePlan(p.Result, again.Result) {
		err = roster.Errorf(roster.ECONFLICT, "the directory changed while the change waited for confirmation, so nothing was written; run the command again to see the new plan")
	}
	if err == nil && again.apply != nil {
		err = again.apply()
	}
	if err != nil {
		tx.Rollback()
		return err
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
// references are listed, not fatal.
func DeleteUsers(ctx context.Context, dir roster.Directory, refs []Ref) (*Pending, error) {
	return prepare(ctx, dir, func(ctx context.Context, tx roster.Tx) (*Pending, error) {
		found, missing, err := resolve(ctx, tx, refs)
		if err != nil {
			return nil, err
		}
		var ids []int64
		res := newSetResult("delete")
		res.notFound(missing...)
		for _, r := range refs {
			id, ok := found[r]
			if !ok {
				continue
			}
			if slices.Contains(ids, id) {
				res.Unchanged++
				continue
			}
			ids = append(ids, id)
		}
		users, err := tx.Users(ctx, ids)
		if err != nil {
			return nil, err
		}
		p := &Pending{Result: res.Result}
		for _, id := range ids {
			u := users[id]
			p.Users = append(p.Users, u)
			res.Plan = append(res.Plan, roster.Step{Row: rowOf(refs, found, id), Action: roster.Delete, UUID: u.UUID})
		}
		*res.Deleted = len(ids)
		res.Rows = len(refs)
		res.Failed = len(missing)
		if len(ids) > 0 {
			p.apply = func() error { return tx.Delete(ctx, ids) }
		}
		return p, nil
	})
}

func rowOf(refs []Ref, found map[Ref]int64, id int64) int {
	for _, r := range refs {
		if found[r] == id {
			return r.Row
		}
	}
	return 0
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
