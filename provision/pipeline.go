package provision

import (
	"context"
	"io"
	"slices"
	"sync"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
)

// batch is a run of rows that travel the pipeline together. Its storage is
// reused once it has been applied, so that a million rows cost a few dozen
// batches' worth of memory, not a million rows' worth.
type batch struct {
	items  []*item
	store  []item
	recs   []catalog.Record // per row, reused: an item is cleared for each row,
	users  []roster.User    // and these are large (a user is 500 bytes)
	values []string         // len(catalog.Columns) per row
	failed []bool
	cells  []string // the rows' raw cells, back to back
	ready  chan struct{}
	ids    uuids // of the users its rows create
	hashes sync.WaitGroup
	run    uint64 // the run that last used it
}

// newBatch returns an empty batch from the workers' pool, or nil when the
// run ends while it waits for one.
func (r *run) newBatch() *batch {
	b := r.workers.batch(r.ctx)
	if b == nil {
		return nil
	}
	b.ready = make(chan struct{})
	b.ids.reset()
	if b.run != r.id {
		// Another run's: its file had other columns, whose values and
		// failed cells this run's rows would not overwrite. A run's own
		// batches need no clearing: its rows fill the same columns.
		clear(b.values)
		clear(b.failed)
		b.run = r.id
	}
	return b
}

// add copies a row into the batch.
func (b *batch) add(num int, cells []string) *item {
	i := len(b.items)
	n := len(catalog.Columns)
	it := &b.store[i]
	*it = item{row: num, values: b.values[i*n : (i+1)*n], failed: b.failed[i*n : (i+1)*n], rec: &b.recs[i], stored: &b.users[i]}
	start := len(b.cells)
	b.cells = append(b.cells, cells...)
	it.cells = b.cells[start:len(b.cells):len(b.cells)]
	b.items = append(b.items, it)
	return it
}

// record is the row as the checker sees it; it lives in the item, so that
// checking a row allocates nothing for it.
func (it *item) record() *catalog.Record {
	// Set field by field: the record keeps what Normalize found for Unique.
	it.rec.Row, it.rec.Values, it.rec.Failed, it.rec.Avatar = it.row, it.values, it.failed, it.avatar
	return it.rec
}

// pipeline runs the stages of a run, each in its own goroutine, so that
// reading, checking, planning, hashing and writing overlap:
//
//	read ─▶ normalise (one per core) ─▶ plan, in row order ─▶ apply and report
//
// Normalising a row needs nothing from other rows; what does (duplicates,
// generated numbers) happens in the planner, which sees rows in order.
func (r *run) pipeline() error {
	ctx, cancel := context.WithCancelCause(r.ctx)
	defer cancel(nil)
	r.ctx = ctx
	// The hasher stops with the pipeline: on Ctrl-C, and when a stage fails.
	r.hasher = newHasher(ctx, r.workers, r.opt.hashed)
	defer r.hasher.close()
	work := make(chan *batch, 4)
	ordered := make(chan *batch, 8)
	planned := make(chan *batch, 2)

	var workers sync.WaitGroup
	for range r.workers.n {
		workers.Go(func() {
			for b := range work {
				if take(ctx, r.workers.cores) == nil {
					r.normalize(b)
					release(r.workers.cores)
				}
				close(b.ready)
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		err := r.read(work, ordered)
		close(work)
		close(ordered)
		readErr <- err
	}()
	go func() {
		failed := false
		for b := range ordered {
			<-b.ready
			if failed || ctx.Err() != nil {
				r.workers.done(b)
				continue
			}
			r.reach(StageChecking)
			if err := r.plan(b); err != nil {
				failed = true
				cancel(err)
				r.workers.done(b)
				continue
			}
			planned <- b
		}
		close(planned)
	}()
	for b := range planned {
		if ctx.Err() == nil {
			if err := r.apply(b); err != nil {
				cancel(err)
			}
		}
		r.workers.done(b)
	}
	workers.Wait()
	if err := <-readErr; err != nil && context.Cause(ctx) == nil {
		return err
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// read copies rows into batches and hands each to the normalisers and, in
// order, to the planner.
func (r *run) read(work, ordered chan<- *batch) error {
	var b *batch // being filled; given back to the pool if the run ends
	defer func() {
		if b != nil {
			r.workers.done(b)
		}
	}()
	rows := 0
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		row, err := r.file.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Unreadable(err)
		}
		if b == nil {
			if b = r.newBatch(); b == nil {
				return r.ctx.Err()
			}
		}
		rows++
		r.rowsRead.Store(int64(rows))
		if rows%4096 == 0 {
			r.progress()
		}
		it := b.add(row.Num, row.Cells)
		it.skipped = r.stopped.Load()
		if len(b.items) == batchSize {
			work <- b
			ordered <- b
			b = nil
		}
	}
	r.progress()
	if b != nil {
		work <- b
		ordered <- b
		b = nil
	}
	return nil
}

// normalize checks each row of a batch on its own and, for an import,
// builds the user a valid row would create (the planner drops it if the
// row turns out to update someone): that work is per row, so it is done
// here, on every core, rather than in the planner, which sees rows one by
// one.
func (r *run) normalize(b *batch) {
	for _, it := range b.items {
		if it.skipped {
			continue
		}
		rec := it.record()
		it.problems = r.checker.Normalize(it.cells, it.row, rec)
		it.avatar = rec.Avatar
		switch {
		case r.update || len(it.problems) > 0:
		case r.plansOnly:
			it.uuid = it.values[identityColumns[0].Index]
			if it.uuid == "" {
				it.uuid = b.ids.make()
			}
		default:
			it.user = r.newUser(it, &b.ids)
		}
	}
}

// progress tells the caller how far the run is.
func (r *run) progress() {
	if r.opt.Progress == nil {
		return
	}
	done, size := r.file.Progress()
	p := Progress{Stage: stages[r.stage.Load()], Rows: int(r.rowsRead.Load()), Bytes: done, Size: size}
	r.progressMu.Lock()
	defer r.progressMu.Unlock()
	r.opt.Progress(p)
}

// stages orders the stages, to tell which came later.
var stages = []Stage{StageReading, StageChecking, StageHashing, StageWriting}

// reach moves the run on to a stage, unless it is past it already.
func (r *run) reach(s Stage) {
	next := int32(slices.Index(stages, s))
	for {
		cur := r.stage.Load()
		if cur >= next {
			return
		}
		if r.stage.CompareAndSwap(cur, next) {
			r.progress()
			return
		}
	}
}
