package provision

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
)

// Workers is the budget of cores and memory that the runs of a process
// share, so that ten runs at once take the cores and memory of one, not ten
// times as much: each run still has its goroutines, but they take a place
// here before they normalise a batch of rows, hash or verify a password
// (argon2id takes 19 MiB each time) or decode a picture, and the batches of
// rows in memory are drawn from one pool. Make one per process (the command
// line one per command, a server one for all its jobs) and give it to each
// run in Options.
type Workers struct {
	n        int
	cores    chan struct{} // normalising a batch, verifying a password
	hashes   chan struct{} // hashing a password
	pictures chan struct{} // decoding a picture
	free     chan *batch   // batches not in use
	mu       sync.Mutex
	made     int // batches allocated so far
	max      int // batches allowed at once
	runs     atomic.Uint64
}

// run numbers a run, so that its batches tell it from the runs before.
func (w *Workers) run() uint64 { return w.runs.Add(1) }

// NewWorkers returns a budget of n cores (at least 1; 0 or less means all
// of them): n rows batches normalised at once, n passwords hashed at once,
// and batches of rows in memory for about four runs at full speed.
func NewWorkers(n int) *Workers {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	// A run at full speed keeps about a dozen batches in its pipeline (a
	// batch is 512 rows, a megabyte or two): reading ahead of checking,
	// checking ahead of writing.
	const perRun = 12
	return &Workers{n: n, cores: make(chan struct{}, n), hashes: make(chan struct{}, n),
		pictures: make(chan struct{}, 2), free: make(chan *batch, 4*perRun), max: 4 * perRun}
}

// take holds a place of a kind until release, or fails when ctx ends
// (first: a cancelled run takes no place, even a free one).
func take(ctx context.Context, places chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case places <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-places
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func release(places chan struct{}) { <-places }

// batch returns a batch to fill: a free one, a new one while the budget
// allows, or else the next one freed; nil when ctx ends first.
func (w *Workers) batch(ctx context.Context) *batch {
	select {
	case b := <-w.free:
		return b
	default:
	}
	w.mu.Lock()
	if w.made < w.max {
		w.made++
		w.mu.Unlock()
		n := len(catalog.Columns)
		return &batch{
			store:  make([]item, batchSize),
			recs:   make([]catalog.Record, batchSize),
			users:  make([]roster.User, batchSize),
			values: make([]string, batchSize*n),
			failed: make([]bool, batchSize*n),
		}
	}
	w.mu.Unlock()
	select {
	case b := <-w.free:
		return b
	case <-ctx.Done():
		return nil
	}
}

// done frees a batch once the hashes queued for it are done (a cancelled
// run's hasher releases them at once, but a hash that had begun still
// writes into the batch).
func (w *Workers) done(b *batch) {
	b.hashes.Wait()
	b.items, b.cells = b.items[:0], b.cells[:0]
	w.free <- b
}
