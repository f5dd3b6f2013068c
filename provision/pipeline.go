package provision

import (
	"context"
	"io"
	"runtime"
	"sync"

	"github.com/roster-dev/roster/catalog"
)

// batch is a run of rows that travel the pipeline together. Its storage is
// reused once it has been applied, so that a million rows cost a few dozen
// batches' worth of memory, not a million rows' worth.
type batch struct {
	items  []*item
	store  []item
	values []string // len(catalog.Columns) per row
	failed []bool
	cells  []string // the rows' raw cells, back to back
	ready  chan struct{}
	hashes sync.WaitGroup
}

func (r *run) newBatch() *batch {
	select {
	case b := <-r.free:
		b.items, b.cells = b.items[:0], b.cells[:0]
		b.ready = make(chan struct{})
		return b
	default:
	}
	n := len(catalog.Columns)
	return &batch{
		store:  make([]item, batchSize),
		values: make([]string, batchSize*n),
		failed: make([]bool, batchSize*n),
		ready:  make(chan struct{}),
	}
}

// add copies a row into the batch.
func (b *batch) add(num int, cells []string) *item {
	i := len(b.items)
	n := len(catalog.Columns)
	it := &b.store[i]
	*it = item{row: num, values: b.values[i*n : (i+1)*n], failed: b.failed[i*n : (i+1)*n]}
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
	return &it.rec
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
	r.hasher = newHasher(ctx, r.opt.hashed)
	defer r.hasher.close()
	r.free = make(chan *batch, 16)
	work := make(chan *batch, 4)
	ordered := make(chan *batch, 8)
	planned := make(chan *batch, 2)

	var workers sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for b := range work {
				r.normalize(b)
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
				continue
			}
			if err := r.plan(b); err != nil {
				failed = true
				cancel(err)
				continue
			}
			planned <- b
		}
		close(planned)
	}()
	for b := range planned {
		if ctx.Err() != nil {
			continue
		}
		if err := r.apply(b); err != nil {
			cancel(err)
			continue
		}
		select {
		case r.free <- b:
		default:
		}
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
	b := r.newBatch()
	rows := 0
	send := func() {
		work <- b
		ordered <- b
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		row, err := r.file.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return unreadable(err)
		}
		rows++
		r.rowsRead.Store(int64(rows))
		if r.opt.Progress != nil && rows%4096 == 0 {
			r.progress(rows)
		}
		it := b.add(row.Num, row.Cells)
		it.skipped = r.stopped.Load()
		if len(b.items) == batchSize {
			send()
			b = r.newBatch()
		}
	}
	if r.opt.Progress != nil {
		r.progress(rows)
	}
	if len(b.items) > 0 {
		send()
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
				it.uuid = newUUID()
			}
		default:
			it.user = r.newUser(it)
		}
	}
}

func (r *run) progress(rows int) {
	done, size := r.file.Progress()
	r.opt.Progress(Progress{Rows: rows, Bytes: done, Size: size})
}
