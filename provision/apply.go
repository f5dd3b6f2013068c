package provision

import (
	"fmt"
	"strconv"

	"github.com/roster-dev/roster"
)

// apply waits for a planned batch's password hashes, writes it when the
// run writes, and reports each row, in row order.
func (r *run) apply(b *batch) error {
	b.hashes.Wait()
	if err := r.ctx.Err(); err != nil {
		return err // the hashes were abandoned; nothing more is written
	}
	r.cutOff(b)
	if r.writes() {
		if err := r.write(b); err != nil {
			return err
		}
	}
	for _, it := range b.items {
		r.report(it)
	}
	return nil
}

// cutOff marks the rows after the failure that reaches MaxErrors as not
// applied, and tells the reader to stop checking.
func (r *run) cutOff(b *batch) {
	failed := r.failed
	for _, it := range b.items {
		if r.opt.MaxErrors > 0 && failed >= r.opt.MaxErrors {
			it.skipped = true
			r.stopped.Store(true)
			continue
		}
		if len(it.problems) > 0 {
			failed++
		}
	}
}

// writes says whether rows are written now: never in a dry run, and not
// after a failure in atomic mode, since everything will be undone.
func (r *run) writes() bool {
	return !r.opt.DryRun && (r.opt.Mode == Partial || r.failed == 0)
}

// write stores a batch's creates and updates. When the batch fails as a
// whole (something the checks did not foresee, such as a concurrent change),
// each row is tried alone so that only the guilty ones fail.
func (r *run) write(b *batch) error {
	var creates, updates []*item
	for _, it := range b.items {
		if !it.ok() {
			continue
		}
		switch it.action {
		case roster.Create:
			creates = append(creates, it)
		case roster.Update:
			updates = append(updates, it)
		}
	}
	if len(creates)+len(updates) == 0 {
		return nil
	}
	r.reach(StageWriting)
	store := func(items []*item) error {
		var c, u []*roster.User
		for _, it := range items {
			if it.action == roster.Create {
				c = append(c, it.user)
			} else {
				u = append(u, it.user)
			}
		}
		if len(c) > 0 {
			if err := r.tx.Create(r.ctx, c); err != nil {
				return err
			}
		}
		if len(u) > 0 {
			return r.tx.Update(r.ctx, u)
		}
		return nil
	}
	all := append(creates, updates...)
	var err error
	if r.opt.Mode == Partial {
		err = r.tx.Try(r.ctx, func() error { return store(all) })
	} else {
		// An atomic run needs no savepoint (and its cost on every page):
		// if the batch fails, nothing of the run will be committed.
		err = store(all)
	}
	if err == nil {
		r.wrote = true
		return nil
	}
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	if r.opt.Mode == Atomic {
		r.atomicFailure(all, err)
		return nil
	}
	for _, it := range all {
		err := r.tx.Try(r.ctx, func() error { return store([]*item{it}) })
		switch {
		case err == nil:
			r.wrote = true
		case r.ctx.Err() != nil:
			return r.ctx.Err()
		case roster.ErrorCode(err) == roster.EINTERNAL:
			r.log.Error("writing a row", "row", it.row, "err", err)
			it.fail("", "", "could not be written: internal error")
		default:
			it.fail("", "", roster.ErrorMessage(err))
		}
	}
	return nil
}

// report adds a row's outcome to the result, the plan and the reports.
func (r *run) report(it *item) {
	res := r.res
	step := roster.Step{Row: it.row, Action: it.action}
	res.Rows++
	switch {
	case it.skipped:
		res.NotApplied = append(res.NotApplied, it.row)
		if r.reports != nil {
			r.reports.failure(it, fmt.Sprintf("not applied: the run stopped after %d failed rows", r.opt.MaxErrors))
		}
		return
	case !it.ok():
		r.failed++
		res.Failed++
		r.problems(it)
		step.Action = roster.Failed
		if r.reports != nil {
			r.reports.failure(it, "")
		}
	default:
		switch it.action {
		case roster.Create:
			inc(&res.Created)
		case roster.Update:
			inc(&res.Updated)
			step.Changes = it.changes
		case roster.Unchanged:
			res.Unchanged++
		case roster.Skip:
			inc(&res.Skipped)
		}
		if r.reports != nil {
			r.reports.passed(it)
		}
		switch {
		case it.user != nil:
			step.UUID = it.user.UUID
		case it.old != nil:
			step.UUID = it.old.UUID
		default:
			step.UUID = it.uuid
		}
		if r.reports != nil && r.writes() && (it.action == roster.Create || it.action == roster.Update) {
			if it.password != "" {
				r.genCount++
			}
			// An atomic run that generates no password keeps no
			// success.csv (it is kept for failures or generated secrets,
			// and an atomic run with failures writes nothing): skip it.
			if r.opt.Mode == Partial || r.opt.Generate.Has(GeneratePassword) {
				r.reports.success(it)
			}
		}
	}
	if r.opt.Step != nil {
		r.opt.Step(step)
	}
}

// inc adds one to a count of the result, in place: a new int for each row
// was a million allocations for a million rows.
func inc(p **int) {
	if *p == nil {
		*p = new(int)
	}
	**p++
}

// atomicFailure reports a batch that the directory refused in an atomic
// run. Its rows may be half written, so they cannot be tried one by one;
// the run is failed as a whole and nothing is committed.
func (r *run) atomicFailure(items []*item, err error) {
	msg := roster.ErrorMessage(err)
	if roster.ErrorCode(err) == roster.EINTERNAL {
		r.log.Error("writing a batch", "first_row", items[0].row, "err", err)
		msg = "internal error"
	}
	items[0].fail("", "", "the directory refused rows "+strconv.Itoa(items[0].row)+" to "+strconv.Itoa(items[len(items)-1].row)+": "+msg)
}
