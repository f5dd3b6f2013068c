// Package jobs runs import jobs in the background for a server: it keeps
// each job's file and reports in a folder of its own, runs the engine on
// it, keeps its progress in memory, and records its status in the
// directory.
//
// SQLite has one writer, and an import holds the directory's write
// transaction for its whole run: nothing else can be written to the
// database meanwhile, a job's row included. So a job's row is written only
// when its status changes, by one recorder that writes when the directory
// lets it (a job queued during an import is recorded when the import ends;
// its folder holds its description meanwhile, so that a crash loses no job
// that was accepted); a job's progress is kept in memory and served by the
// server that runs it; and before an import begins its transaction, its
// row says running. Writes run one at a time, in the order they came;
// checks and dry runs, which write nothing, run beside them.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// Defaults of the limits.
const (
	DefaultRetention = 7 * 24 * time.Hour
	DefaultMaxQueued = 20
	DefaultMaxReads  = 4
	// KeyLifetime is how long an Idempotency-Key names its first job.
	KeyLifetime = 24 * time.Hour
)

// Config is what a Runner is built from.
type Config struct {
	Directory roster.Directory
	Store     roster.JobService
	// Dir is the server's data folder: each job's files are kept in
	// Dir/jobs/<id>/, made with mode 0700 (files 0600).
	Dir string
	// Workers is the budget of cores and memory that every job shares.
	Workers *provision.Workers
	Log     *slog.Logger
	// Retention is how long finished jobs and their files are kept.
	Retention time.Duration
	// MaxQueued is how many jobs a client may have waiting to run.
	MaxQueued int
	// MaxReads is how many checks and dry runs may run at once.
	MaxReads int
	// Words words the hints of the results' problems, as the API names
	// its parameters.
	Words roster.Wording
	// Problem is the problem object (RFC 9457) of a job whose run
	// failed, as the API answers the error.
	Problem func(error) *roster.JobError
	// Finished is called once for every job that ends, for metrics.
	Finished func(*roster.Job)
	// Now is the clock; tests move it. Default time.Now.
	Now func() time.Time
	// Shared says that several servers share the store and the data
	// folder (a PostgreSQL directory), whose store records a job's rows
	// while an import runs: a job is recorded before Submit returns and
	// its progress every ProgressEvery, so that every server shows them,
	// and a start leaves the other servers' folders alone.
	Shared bool
}

// ProgressEvery is how often a running job's progress is recorded when
// several servers share the store, and how often a server looks for the
// cancellations of its jobs that others were asked for.
const ProgressEvery = time.Second

// Canceller is a store that several servers share, through which one
// server asks the server that runs a job to cancel it.
type Canceller interface {
	// RequestCancel asks for a job to be cancelled.
	RequestCancel(ctx context.Context, id string) error
	// CancelRequests returns which of the jobs were asked to be
	// cancelled.
	CancelRequests(ctx context.Context, ids []string) ([]string, error)
}

// Errors of the runner that its callers answer in their own way.
var (
	// ErrBusy: the client has MaxQueued jobs waiting already.
	ErrBusy = errors.New("too many jobs waiting")
	// ErrGone: the success report that held generated passwords was
	// downloaded already, and removed.
	ErrGone = errors.New("downloaded already")
)

// Runner runs a server's jobs.
type Runner struct {
	cfg  Config
	log  *slog.Logger
	data *folder

	ctx    context.Context // ends when the runner stops
	cancel context.CancelFunc
	wg     sync.WaitGroup // running jobs and the recorder

	mu       sync.Mutex
	tasks    map[string]*task // jobs queued or running, and ended ones not yet recorded
	writes   []*task          // write jobs waiting, in order
	reads    []*task          // checks and dry runs waiting, in order
	writing  *task
	reading  int
	keys     map[[2]string]bool // Idempotency-Keys of uploads under way, by client
	stopping bool

	rec recorder
}

// New makes a runner on its data folder. Start it before use.
func New(cfg Config) (*Runner, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.MaxQueued == 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	if cfg.MaxReads == 0 {
		cfg.MaxReads = DefaultMaxReads
	}
	if cfg.Workers == nil {
		cfg.Workers = provision.NewWorkers(0)
	}
	if cfg.Words == nil {
		cfg.Words = roster.OwnWords
	}
	if cfg.Problem == nil {
		cfg.Problem = func(err error) *roster.JobError {
			return &roster.JobError{Type: "about:blank", Title: "The job failed", Detail: roster.ErrorWords(err, cfg.Words)}
		}
	}
	data, err := openFolder(cfg.Dir)
	if err != nil {
		return nil, err
	}
	r := &Runner{cfg: cfg, log: cfg.Log, data: data, tasks: map[string]*task{}, keys: map[[2]string]bool{}}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.rec.init(r)
	return r, nil
}

// Dir is the data folder.
func (r *Runner) Dir() string { return r.cfg.Dir }

// OnFinish sets the function called once for each job that ends (for
// metrics), in place of Config.Finished. Call it before Start.
func (r *Runner) OnFinish(f func(*roster.Job)) { r.cfg.Finished = f }

// Start marks the jobs that a server that died left queued or running as
// interrupted, removes what retention no longer keeps, and starts taking
// jobs.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.recover(ctx); err != nil {
		return err
	}
	if err := r.Sweep(ctx); err != nil {
		r.log.Warn("removing old jobs", "err", err)
	}
	r.wg.Go(r.rec.loop)
	r.wg.Go(func() { r.every(time.Hour, r.sweep) })
	if c, ok := r.cfg.Store.(Canceller); ok && r.cfg.Shared {
		r.wg.Go(func() { r.every(ProgressEvery, func() { r.cancelAsked(c) }) })
	}
	return nil
}

// cancelAsked cancels the jobs of this server that another server was
// asked to cancel.
func (r *Runner) cancelAsked(c Canceller) {
	r.mu.Lock()
	var ids []string
	for id, t := range r.tasks {
		if !t.job.Status.Final() {
			ids = append(ids, id)
		}
	}
	r.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	asked, err := c.CancelRequests(r.ctx, ids)
	if err != nil {
		if r.ctx.Err() == nil {
			r.log.Warn("reading the cancellations asked of other servers", "err", err)
		}
		return
	}
	for _, id := range asked {
		go r.Cancel(r.ctx, id)
	}
}

// every calls f every d until the runner stops.
func (r *Runner) every(d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// recover marks the jobs of a server that died as interrupted: those its
// rows say were queued or running, and those it accepted but had not
// recorded yet (their folders hold them).
func (r *Runner) recover(ctx context.Context) error {
	now := r.cfg.Now()
	left, err := r.cfg.Store.InterruptJobs(ctx, now)
	if err != nil {
		return fmt.Errorf("marking interrupted jobs: %w", err)
	}
	for _, j := range left {
		r.log.Warn("job interrupted by the end of its server", "job", j.ID, "command", j.Command)
		r.cfg.finished(j)
	}
	if r.cfg.Shared {
		// A folder without a row may be a job that a running server
		// is describing. A shared store records a job before its
		// client is told of it: a kill in between loses a job that no
		// one knew of.
		return nil
	}
	var lost []*roster.Job
	for _, id := range r.data.ids() {
		if _, err := r.cfg.Store.Job(ctx, id); roster.ErrorCode(err) != roster.ENOTFOUND {
			continue
		}
		j, _, err := r.data.description(id)
		if err != nil {
			// An upload that never became a job: nothing to keep.
			r.data.remove(id)
			continue
		}
		j.Status, j.FinishedAt, j.Progress = roster.JobInterrupted, &now, nil
		lost = append(lost, j)
		r.cfg.finished(j)
	}
	if len(lost) > 0 {
		return r.cfg.Store.SaveJobs(ctx, lost)
	}
	return nil
}

func (c *Config) finished(j *roster.Job) {
	if c.Finished != nil {
		c.Finished(j)
	}
}

// sweep applies retention, as the runner does every hour.
func (r *Runner) sweep() {
	if err := r.Sweep(r.ctx); err != nil && r.ctx.Err() == nil {
		r.log.Warn("removing old jobs", "err", err)
	}
}

// Sweep removes the jobs that ended longer ago than the retention, with
// their files.
func (r *Runner) Sweep(ctx context.Context) error {
	cutoff := r.cfg.Now().Add(-r.cfg.Retention)
	ids, err := r.cfg.Store.FinishedBefore(ctx, cutoff)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r.data.remove(id)
	}
	if r.cfg.Shared {
		// The folders that no row names and that nothing touched for as
		// long as the retention: a server killed between a job's folder
		// and its row left them (a start does not remove them, see
		// recover).
		for _, id := range r.data.ids() {
			if !r.data.untouchedSince(id, cutoff) {
				continue
			}
			if _, err := r.cfg.Store.Job(ctx, id); roster.ErrorCode(err) == roster.ENOTFOUND {
				r.data.remove(id)
			}
		}
	}
	return r.cfg.Store.DeleteJobs(ctx, ids)
}

// Stop cancels the running jobs (an atomic one writes nothing), marks them
// and the queued ones interrupted, records them, and waits for all of it,
// as long as ctx allows.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return nil
	}
	r.stopping = true
	waiting := append(r.writes, r.reads...)
	r.writes, r.reads = nil, nil
	r.mu.Unlock()
	for _, t := range waiting {
		r.end(t, roster.JobInterrupted, nil, nil)
	}
	r.cancelRunning()
	r.cancel()
	done := make(chan struct{})
	go func() {
		r.waitTasks()
		r.rec.stop()
		r.wg.Wait()
		close(done)
	}()
	defer r.data.close()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("jobs still running or not recorded: %w", ctx.Err())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.rec.dirty) + len(r.rec.gone); n > 0 {
		// Their folders describe the jobs: the next start records them.
		return fmt.Errorf("%d jobs could not be recorded", n)
	}
	return nil
}

func (r *Runner) cancelRunning() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.tasks {
		if t.job.Status == roster.JobRunning {
			t.cancel()
		}
	}
}

// waitTasks waits for the running jobs to end.
func (r *Runner) waitTasks() {
	for {
		r.mu.Lock()
		var running *task
		for _, t := range r.tasks {
			if !t.job.Status.Final() {
				running = t
				break
			}
		}
		r.mu.Unlock()
		if running == nil {
			return
		}
		<-running.done
	}
}

// schedule starts what may run: the next write when none runs, and
// checks and dry runs up to MaxReads. r.mu is held.
func (r *Runner) schedule() {
	if r.stopping {
		return
	}
	if r.writing == nil && len(r.writes) > 0 {
		r.writing, r.writes = r.writes[0], r.writes[1:]
		r.start(r.writing)
	}
	for r.reading < r.cfg.MaxReads && len(r.reads) > 0 {
		t := r.reads[0]
		r.reads = r.reads[1:]
		r.reading++
		r.start(t)
	}
}

// queued counts a client's jobs waiting to run. r.mu is held.
func (r *Runner) queued(clientID string) int {
	n := 0
	for _, t := range slices.Concat(r.writes, r.reads) {
		if t.job.ClientID == clientID {
			n++
		}
	}
	return n
}
