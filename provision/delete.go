package provision

import (
	"context"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
)

// Pending is a change planned and held in an open transaction, so that a
// person can confirm it before it is written: Apply writes it, Cancel drops
// it. Its Result is filled either way.
type Pending struct {
	Result *roster.Result
	// Users are the users the change touches, for showing them.
	Users []*roster.User
	tx    roster.Tx
	apply func() error
}

// Apply writes the change.
func (p *Pending) Apply() error {
	if p.apply != nil {
		if err := p.apply(); err != nil {
			p.tx.Rollback()
			return err
		}
	}
	if err := p.tx.Commit(); err != nil {
		return err
	}
	p.Result.Applied = p.apply != nil
	return nil
}

// Empty says whether the change would write nothing.
func (p *Pending) Empty() bool { return p.apply == nil }

// Cancel drops the change.
func (p *Pending) Cancel() { p.tx.Rollback() }

// DeleteUsers plans the deletion of the users the references name. Unknown
// references are listed, not fatal.
func DeleteUsers(ctx context.Context, dir roster.Directory, refs []Ref) (*Pending, error) {
	tx, err := dir.Begin(ctx)
	if err != nil {
		return nil, err
	}
	found, missing, err := resolve(ctx, tx, refs)
	if err != nil {
		tx.Rollback()
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
		tx.Rollback()
		return nil, err
	}
	p := &Pending{Result: res.Result, tx: tx}
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
	tx, err := dir.Begin(ctx)
	if err != nil {
		return nil, err
	}
	res := newSetResult("delete")
	var ids []int64
	for i, name := range names {
		id, ok, err := tx.FindSet(ctx, kind, tenant, strings.TrimSpace(name))
		if err != nil {
			tx.Rollback()
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
	p := &Pending{Result: res.Result, tx: tx}
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
