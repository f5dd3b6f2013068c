package provision

import (
	"context"
	"slices"

	"github.com/roster-dev/roster"
)

// ChangeMembers plans adding users to (add) or removing them from (remove)
// a group or room. Members already there (or already gone) count as
// unchanged; unknown references are listed with their row. With create, a
// missing group or room is created.
func ChangeMembers(ctx context.Context, dir roster.Directory, kind, action, tenant, name string, refs []Ref, create bool) (*Pending, error) {
	return prepare(ctx, dir, func(ctx context.Context, tx roster.Tx) (*Pending, error) {
		return changeMembers(ctx, tx, kind, action, tenant, name, refs, create)
	})
}

func changeMembers(ctx context.Context, tx roster.Tx, kind, action, tenant, name string, refs []Ref, create bool) (*Pending, error) {
	res := newSetResult(action)
	set, ok, err := tx.FindSet(ctx, kind, tenant, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		if !create || action != "add" {
			e := roster.Errorf(roster.ENOTFOUND, "there is no %s named %q", kind, name)
			if action == "add" {
				e.Hint = &roster.Hint{Option: "create", Values: []string{"true"}, Purpose: "to create it"}
			}
			return nil, e
		}
		if set, err = tx.CreateSet(ctx, kind, tenant, name); err != nil {
			return nil, err
		}
		if kind == "group" {
			res.GroupsCreated = append(res.GroupsCreated, name)
		} else {
			res.RoomsCreated = append(res.RoomsCreated, name)
		}
	}
	found, err := resolve(ctx, tx, refs)
	if err != nil {
		return nil, err
	}
	res.resolved(found)
	list, err := tx.Members(ctx, kind, set)
	if err != nil {
		return nil, err
	}
	members := make(map[int64]bool, len(list))
	for _, id := range list {
		members[id] = true
	}
	ids := []int64{}
	type planned struct {
		step int
		id   int64
	}
	var todo []planned
	for i, r := range refs {
		id := found.ids[i]
		if id == 0 {
			continue
		}
		if members[id] == (action == "add") {
			res.Unchanged++
			res.Plan = append(res.Plan, roster.Step{Row: r.Row, Action: roster.Unchanged})
			continue
		}
		members[id] = action == "add" // a second reference to the same user changes nothing more
		ids = append(ids, id)
		res.Plan = append(res.Plan, roster.Step{Row: r.Row, Action: roster.Action(action)})
		todo = append(todo, planned{len(res.Plan) - 1, id})
	}
	users, err := tx.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	p := &Pending{Result: res.Result}
	for _, t := range todo {
		res.Plan[t.step].UUID = users[t.id].UUID
		p.Users = append(p.Users, users[t.id])
	}
	res.Rows = len(refs)
	if action == "add" {
		*res.Added = len(ids)
	} else {
		*res.Removed = len(ids)
	}
	changes := len(ids) > 0 || len(res.GroupsCreated)+len(res.RoomsCreated) > 0
	if changes && len(found.ambiguous) == 0 {
		p.apply = func() error {
			if action == "add" {
				return tx.AddMembers(ctx, kind, set, ids)
			}
			return tx.RemoveMembers(ctx, kind, set, ids)
		}
	}
	return p, nil
}

// Members lists the members of a group or room.
func Members(ctx context.Context, dir roster.Directory, kind, tenant, name string) ([]*roster.User, error) {
	tx, err := dir.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	set, ok, err := tx.FindSet(ctx, kind, tenant, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, roster.Errorf(roster.ENOTFOUND, "there is no %s named %q", kind, name)
	}
	ids, err := tx.Members(ctx, kind, set)
	if err != nil {
		return nil, err
	}
	users, err := tx.UserNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*roster.User, 0, len(users))
	for _, u := range users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *roster.User) int {
		if c := compareFold(a.Lastname, b.Lastname); c != 0 {
			return c
		}
		if c := compareFold(a.Firstname, b.Firstname); c != 0 {
			return c
		}
		return compareFold(a.UUID, b.UUID)
	})
	return out, nil
}
