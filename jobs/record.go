package jobs

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster"
)

// recorder writes jobs' rows: one goroutine, which writes what changed
// since it last wrote, in one transaction, whenever the directory lets it
// (while an import holds the write lock, it waits, and the changes gather).
// Its state is guarded by Runner.mu.
type recorder struct {
	r       *Runner
	dirty   map[string]*roster.Job // jobs whose row is behind
	version map[string]int64       // of each dirty job, to tell a later change
	gone    map[string]bool        // jobs deleted, whose row is to be removed
	gen     int64                  // changes so far
	saved   int64                  // changes written so far
	wrote   chan struct{}          // closed and replaced at each write
	wake    chan struct{}
	quit    chan struct{}
}

func (rc *recorder) init(r *Runner) {
	rc.r = r
	rc.dirty, rc.version, rc.gone = map[string]*roster.Job{}, map[string]int64{}, map[string]bool{}
	rc.wrote, rc.wake, rc.quit = make(chan struct{}), make(chan struct{}, 1), make(chan struct{})
}

// add marks a job's row behind. r.mu is held.
func (rc *recorder) add(j *roster.Job) {
	rc.gen++
	rc.dirty[j.ID], rc.version[j.ID] = j, rc.gen
	delete(rc.gone, j.ID)
	rc.poke()
}

// remove marks a job's row to be removed. r.mu is held.
func (rc *recorder) remove(id string) {
	rc.gen++
	delete(rc.dirty, id)
	delete(rc.version, id)
	rc.gone[id] = true
	rc.poke()
}

func (rc *recorder) poke() {
	select {
	case rc.wake <- struct{}{}:
	default:
	}
}

// pending returns a copy of a job not yet recorded; nil when there is
// none. r.mu is held.
func (rc *recorder) pending(id string) *roster.Job {
	if j, ok := rc.dirty[id]; ok {
		return copyJob(j)
	}
	return nil
}

func (rc *recorder) pendingJobs() []*roster.Job {
	var out []*roster.Job
	for _, j := range rc.dirty {
		out = append(out, copyJob(j))
	}
	return out
}

func (rc *recorder) pendingByKey(clientID, key string, since time.Time) *roster.Job {
	for _, j := range rc.dirty {
		if j.ClientID == clientID && j.IdempotencyKey == key && !j.CreatedAt.Before(since) {
			return copyJob(j)
		}
	}
	return nil
}

// deleted tells a job deleted whose row may still be there. r.mu is held.
func (rc *recorder) deleted(id string) bool { return rc.gone[id] }

// flush waits until every change made before it is written.
func (rc *recorder) flush(ctx context.Context) error {
	rc.r.mu.Lock()
	want := rc.gen
	for rc.saved < want {
		wrote := rc.wrote
		rc.r.mu.Unlock()
		select {
		case <-wrote:
		case <-ctx.Done():
			return ctx.Err()
		}
		rc.r.mu.Lock()
	}
	rc.r.mu.Unlock()
	return nil
}

// stop makes the loop write what is left, then end.
func (rc *recorder) stop() { close(rc.quit) }

func (rc *recorder) loop() {
	quitting := false
	failures := 0
	for {
		if !quitting {
			select {
			case <-rc.wake:
			case <-rc.quit:
				quitting = true
			}
		}
		r := rc.r
		r.mu.Lock()
		gen := rc.gen
		var jobs []*roster.Job
		versions := map[string]int64{}
		for id, j := range rc.dirty {
			jobs = append(jobs, copyJob(j))
			versions[id] = rc.version[id]
		}
		var gone []string
		for id := range rc.gone {
			gone = append(gone, id)
		}
		r.mu.Unlock()
		if len(jobs) == 0 && len(gone) == 0 {
			rc.done(gen, nil, nil, nil)
			if quitting {
				return
			}
			continue
		}
		// Rows in the order jobs came, so that a reader of the table sees
		// them as the server took them.
		slices.SortFunc(jobs, func(a, b *roster.Job) int { return strings.Compare(a.ID, b.ID) })
		// Not the runner's context: the last rows are written as it stops.
		ctx := context.Background()
		err := r.cfg.Store.SaveJobs(ctx, jobs)
		if err == nil {
			err = r.cfg.Store.DeleteJobs(ctx, gone)
		}
		if err != nil {
			failures++
			r.log.Error("recording jobs", "err", err, "jobs", len(jobs))
			if quitting && failures >= 3 {
				return
			}
			select {
			case <-time.After(time.Second):
			case <-rc.quit:
				quitting = true
			}
			rc.poke()
			continue
		}
		failures = 0
		rc.done(gen, jobs, versions, gone)
		if quitting {
			r.mu.Lock()
			left := len(rc.dirty) + len(rc.gone)
			r.mu.Unlock()
			if left == 0 {
				return
			}
		}
	}
}

// done forgets what was written (unless it changed meanwhile) and wakes the
// flushes waiting for it.
func (rc *recorder) done(gen int64, jobs []*roster.Job, versions map[string]int64, gone []string) {
	r := rc.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range jobs {
		if rc.version[j.ID] != versions[j.ID] {
			continue // changed again: written next time
		}
		delete(rc.dirty, j.ID)
		delete(rc.version, j.ID)
		if t, ok := r.tasks[j.ID]; ok && t.job.Status.Final() {
			delete(r.tasks, j.ID) // the row says all there is to say
		}
	}
	for _, id := range gone {
		delete(rc.gone, id)
	}
	rc.saved = max(rc.saved, gen)
	close(rc.wrote)
	rc.wrote = make(chan struct{})
}
