package jobs

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/reportdir"
	"github.com/roster-dev/roster/sheet"
)

// task is a job in the runner's memory: while it waits or runs, and once
// ended until its row is recorded.
type task struct {
	job      *roster.Job // guarded by Runner.mu; handed out as copies
	settings provision.Settings
	ctx      context.Context
	cancel   context.CancelFunc
	// seq counts the job's changes (progress included): the IDs of its
	// server-sent events.
	seq     int64
	changed chan struct{} // closed and replaced at each change
	done    chan struct{} // closed when the job ends
	started time.Time
	// recorded is when its progress was last recorded (Config.Shared).
	recorded time.Time
}

// Submission is a job to run on an uploaded file.
type Submission struct {
	ClientID string
	// Tenant binds the job to a tenant (a client bound to one); empty
	// for a client of all tenants that named none.
	Tenant     string
	Command    string
	Settings   provision.Settings
	ExternalID *string
	// Key is the Idempotency-Key, if any.
	Key string
	// Name is the file's name as the client gave it.
	Name string
}

// Submit makes a job of an upload and queues it. With an Idempotency-Key
// that names a job of the client's from the last 24 hours, it discards
// the upload and returns that job, and true.
func (r *Runner) Submit(ctx context.Context, up *Upload, s Submission) (*roster.Job, bool, error) {
	defer up.discard() // unless given to the job
	if s.Command == "" {
		s.Command = "import"
	}
	if s.Command == "check" {
		s.Settings.DryRun = true
	}
	if err := checkSettings(s.Command, &s.Settings); err != nil {
		return nil, false, err
	}
	if s.Key != "" {
		if j, err := r.ByKey(ctx, s.ClientID, s.Key); err == nil {
			return j, true, nil
		} else if roster.ErrorCode(err) != roster.ENOTFOUND {
			return nil, false, err
		}
	}
	size, err := up.finish()
	if err != nil {
		return nil, false, err
	}
	opts, err := json.Marshal(shown(s.Command, s.Settings))
	if err != nil {
		return nil, false, err
	}
	format := s.Settings.Format
	if format == "" {
		format = string(sheet.Detect(up.file, size, s.Name))
	}
	j := &roster.Job{ID: up.id, Command: s.Command, Status: roster.JobQueued, ExternalID: s.ExternalID, ClientID: s.ClientID,
		Tenant: s.Tenant, File: roster.JobFile{Name: s.Name, Format: format, Bytes: size}, Options: opts,
		CreatedAt: r.cfg.Now().UTC(), IdempotencyKey: s.Key, Progress: &roster.JobProgress{Stage: "queued", BytesTotal: size}}
	j.Applies = up.applies
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return nil, false, errStopping
	}
	if r.queued(s.ClientID) >= r.cfg.MaxQueued {
		r.mu.Unlock()
		return nil, false, ErrBusy
	}
	r.mu.Unlock()
	// The folder holds the job before anyone is told of it: a server
	// that dies before the row is recorded leaves it there, and the next
	// start records it as interrupted.
	if err := r.data.describe(j, s.Settings); err != nil {
		return nil, false, err
	}
	t := &task{job: j, settings: s.Settings, changed: make(chan struct{}), done: make(chan struct{})}
	t.ctx, t.cancel = context.WithCancel(r.ctx)
	r.mu.Lock()
	if r.stopping {
		// Stopped meanwhile: it would never run.
		r.mu.Unlock()
		return nil, false, errStopping
	}
	r.tasks[j.ID] = t
	if writes(s.Command, s.Settings) {
		r.writes = append(r.writes, t)
	} else {
		r.reads = append(r.reads, t)
	}
	r.rec.add(j)
	out := copyJob(j)
	r.schedule()
	r.mu.Unlock()
	up.kept = true
	if r.cfg.Shared {
		// Recorded before the client is told, so that the next request,
		// whichever server a load balancer sends it to, finds the job.
		if err := r.rec.flush(ctx); err != nil {
			return nil, false, err
		}
	}
	return out, false, nil
}

// errStopping is the answer to a job submitted as the server stops.
var errStopping = roster.Errorf(roster.ECONFLICT, "the server is stopping; submit the job again to another server or later")

// checkSettings refuses settings that do not make a run of the command.
func checkSettings(command string, s *provision.Settings) error {
	switch command {
	case "import", "update", "check":
	default:
		return roster.OptionErrorf("command", "must be import, update or check, not %q", command)
	}
	if command != "update" && (s.Key != "" || s.Blank != "") {
		return roster.OptionErrorf("key", "and blank are options of update only")
	}
	if command == "update" && s.OnExisting != "" {
		return roster.OptionErrorf("on_existing", "is an option of import only")
	}
	_, err := s.Options()
	return err
}

// writes tells whether a job writes to the directory.
func writes(command string, s provision.Settings) bool {
	return command != "check" && !s.DryRun
}

// shown returns settings as the job shows them: with the defaults that
// apply to the command, and a value given to a secret column as ***.
func shown(command string, s provision.Settings) provision.Settings {
	if command != "check" && s.Mode == "" {
		s.Mode = string(provision.Atomic)
	}
	switch {
	case command == "update":
		s.Key, s.Blank = cmp.Or(s.Key, string(provision.KeyUUID)), cmp.Or(s.Blank, string(provision.BlankClear))
	case s.OnExisting == "":
		s.OnExisting = string(provision.OnExistingFail)
	}
	s.Set = append([]string(nil), s.Set...)
	for i, kv := range s.Set {
		name, _, _ := cut(kv)
		if c := catalog.Lookup(name); c != nil && c.Secret {
			s.Set[i] = name + "=***"
		}
	}
	return s
}

// start runs a job in the background. r.mu is held.
func (r *Runner) start(t *task) {
	r.wg.Go(func() { r.run(t) })
}

// run runs a job to its end.
func (r *Runner) run(t *task) {
	defer func() {
		r.mu.Lock()
		if r.writing == t {
			r.writing = nil
		} else {
			r.reading--
		}
		r.schedule()
		r.mu.Unlock()
	}()
	r.mu.Lock()
	now := r.cfg.Now().UTC()
	t.job.Status, t.job.StartedAt, t.started = roster.JobRunning, &now, time.Now()
	t.job.Progress = &roster.JobProgress{Stage: string(provision.StageReading), BytesTotal: t.job.File.Bytes}
	r.rec.add(t.job)
	r.changed(t)
	r.mu.Unlock()
	if writes(t.job.Command, t.settings) {
		// Its row says running before the run takes the write lock: a
		// server that dies during it leaves a job that the next start
		// marks interrupted.
		if err := r.rec.flush(t.ctx); err != nil {
			r.end(t, r.stoppedStatus(t), nil, err)
			return
		}
	}
	res, err := r.execute(t)
	switch {
	case err != nil && t.ctx.Err() != nil:
		r.end(t, r.stoppedStatus(t), nil, nil)
	case err != nil:
		r.end(t, roster.JobFailed, nil, err)
	default:
		r.end(t, roster.JobSucceeded, res, nil)
	}
}

// stoppedStatus is the status of a job stopped before its end: cancelled
// when its client asked, interrupted when its server stops.
func (r *Runner) stoppedStatus(t *task) roster.JobStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopping {
		return roster.JobInterrupted
	}
	return roster.JobCancelled
}

// execute runs the engine on the job's file.
func (r *Runner) execute(t *task) (*roster.Result, error) {
	j := t.job
	jf, src, err := r.data.openSource(j.ID, j.File.Name)
	if err != nil {
		return nil, err
	}
	defer jf.close()
	defer src.Close()
	opt, err := t.settings.Options()
	if err != nil {
		return nil, err
	}
	opt.Tenant, opt.Workers = j.Tenant, r.cfg.Workers
	// The sheet a ZIP holds is copied to read it: into the job's folder,
	// since nothing a client sends is written outside the data folder.
	opt.Sheet.TempDir = jf.dir
	opt.Log = r.log.With("job", j.ID)
	plan, err := jf.create(planFile)
	if err != nil {
		return nil, err
	}
	defer plan.Close()
	pw := bufio.NewWriterSize(plan, 64<<10)
	var line []byte
	var planErr error
	opt.Step = func(s roster.Step) {
		line = append(s.AppendJSON(line[:0]), '\n')
		if _, err := pw.Write(line); err != nil && planErr == nil {
			planErr = err
		}
	}
	opt.Progress = func(p provision.Progress) { r.progress(t, p) }
	if writes(j.Command, t.settings) {
		reports := reportdir.New(jf.path(reportsDir))
		defer reports.Close()
		opt.Reports = reports
	}
	var res *roster.Result
	switch j.Command {
	case "check":
		res, err = provision.Check(t.ctx, src, opt)
	case "update":
		res, err = provision.Update(t.ctx, r.cfg.Directory, src, opt)
	default:
		res, err = provision.Import(t.ctx, r.cfg.Directory, src, opt)
	}
	if err != nil {
		return nil, err
	}
	if planErr == nil {
		planErr = pw.Flush()
	}
	if planErr != nil {
		// The run is done (and committed): only its plan is missing.
		r.log.Error("writing a job's plan", "job", j.ID, "err", planErr)
	}
	return res, nil
}

// progress records how far a running job is.
func (r *Runner) progress(t *task, p provision.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pr := &roster.JobProgress{Stage: string(p.Stage), Rows: p.Rows, BytesRead: max(p.Bytes, 0), BytesTotal: p.Size}
	if p.Bytes >= 0 && p.Size > 0 {
		pct := int(p.Bytes * 100 / p.Size)
		pr.Percent = &pct
		if p.Bytes > 0 {
			elapsed := time.Since(t.started)
			eta := int((time.Duration(float64(elapsed)*float64(p.Size-p.Bytes)/float64(p.Bytes)) + time.Second - 1) / time.Second)
			pr.ETASeconds = &eta
		}
	}
	t.job.Progress = pr
	r.changed(t)
	if now := time.Now(); r.cfg.Shared && now.Sub(t.recorded) >= ProgressEvery {
		t.recorded = now
		r.rec.add(t.job)
	}
}

// changed tells the job's watchers that it changed. r.mu is held.
func (r *Runner) changed(t *task) {
	t.seq++
	close(t.changed)
	t.changed = make(chan struct{})
}

// end finishes a job with a status, its result or its error, and records
// it.
func (r *Runner) end(t *task, status roster.JobStatus, res *roster.Result, err error) {
	r.mu.Lock()
	j := t.job
	now := r.cfg.Now().UTC()
	j.Status, j.FinishedAt = status, &now
	j.Progress = &roster.JobProgress{Stage: "done", Rows: progressRows(j), BytesRead: j.File.Bytes, BytesTotal: j.File.Bytes}
	if res != nil {
		res.File = j.File.Name
		for i := range res.Errors {
			res.Errors[i] = res.Errors[i].Worded(r.cfg.Words)
		}
		if rep := res.Reports; rep != nil {
			if rep.Errors != nil {
				j.Reports.Errors = filepath.Base(*rep.Errors)
			}
			if rep.Success != nil {
				j.Reports.Success = filepath.Base(*rep.Success)
				j.Reports.Secret = rep.Passwords
			}
		}
		j.Result = res
		j.Progress.Rows = res.Rows
	}
	if err != nil {
		j.Error = r.cfg.Problem(err)
		if roster.ErrorCode(err) == roster.EINTERNAL {
			r.log.Error("job failed", "job", j.ID, "err", err)
		}
	}
	if status == roster.JobInterrupted || status == roster.JobCancelled {
		j.Progress.BytesRead = 0
	}
	r.rec.add(j)
	r.changed(t)
	close(t.done)
	t.cancel() // its context's resources; the run is over
	out := copyJob(j)
	r.mu.Unlock()
	r.cfg.finished(out)
}

func progressRows(j *roster.Job) int {
	if j.Progress != nil {
		return j.Progress.Rows
	}
	return 0
}

// copyJob copies a job for a caller; what it points to is not changed
// once set, but the progress, which is replaced whole.
func copyJob(j *roster.Job) *roster.Job {
	c := *j
	return &c
}

// Job returns a job: from memory while it is there (its progress with it),
// else from the directory.
func (r *Runner) Job(ctx context.Context, id string) (*roster.Job, error) {
	r.mu.Lock()
	if t, ok := r.tasks[id]; ok {
		j := copyJob(t.job)
		r.mu.Unlock()
		return j, nil
	}
	if j := r.rec.pending(id); j != nil {
		r.mu.Unlock()
		return j, nil
	}
	gone := r.rec.deleted(id)
	r.mu.Unlock()
	if gone {
		return nil, notFound(id)
	}
	return r.cfg.Store.Job(ctx, id)
}

func notFound(id string) error { return roster.Errorf(roster.ENOTFOUND, "no job %q", id) }

// ByKey returns the job a client submitted with an Idempotency-Key in the
// last 24 hours; ENOTFOUND when there is none.
func (r *Runner) ByKey(ctx context.Context, clientID, key string) (*roster.Job, error) {
	since := r.cfg.Now().Add(-KeyLifetime)
	r.mu.Lock()
	for _, t := range r.tasks {
		if j := t.job; j.ClientID == clientID && j.IdempotencyKey == key && !j.CreatedAt.Before(since) {
			r.mu.Unlock()
			return copyJob(j), nil
		}
	}
	if j := r.rec.pendingByKey(clientID, key, since); j != nil {
		r.mu.Unlock()
		return j, nil
	}
	r.mu.Unlock()
	j, err := r.cfg.Store.JobByKey(ctx, clientID, key, since)
	if err == nil {
		r.mu.Lock()
		gone := r.rec.deleted(j.ID)
		r.mu.Unlock()
		if gone {
			return nil, notFound(j.ID)
		}
	}
	return j, err
}

// ClaimKey holds an Idempotency-Key while its upload comes, so that the
// same request sent twice at once makes one job: the second waits for
// nothing and is told to retry. Release gives it back.
func (r *Runner) ClaimKey(clientID, key string) (release func(), ok bool) {
	k := [2]string{clientID, key}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys[k] {
		return nil, false
	}
	r.keys[k] = true
	return func() {
		r.mu.Lock()
		delete(r.keys, k)
		r.mu.Unlock()
	}, true
}

// Jobs lists jobs newest first, those in memory with their progress.
func (r *Runner) Jobs(ctx context.Context, f roster.JobFilter) ([]*roster.Job, error) {
	stored, err := r.cfg.Store.Jobs(ctx, f)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	byID := map[string]*roster.Job{}
	for _, j := range stored {
		byID[j.ID] = j
	}
	for _, j := range r.rec.pendingJobs() {
		byID[j.ID] = j
	}
	for id, t := range r.tasks {
		byID[id] = copyJob(t.job)
	}
	var out []*roster.Job
	for id, j := range byID {
		if r.rec.deleted(id) || !matches(j, f) {
			continue
		}
		out = append(out, j)
	}
	sortNewest(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func matches(j *roster.Job, f roster.JobFilter) bool {
	return (f.Tenant == "" || j.Tenant == f.Tenant) && (f.Status == "" || j.Status == f.Status) &&
		(f.Command == "" || j.Command == f.Command) && (f.Before == "" || j.ID < f.Before)
}

// Wait waits until a job ends or ctx does, and returns it as it is then.
func (r *Runner) Wait(ctx context.Context, id string) (*roster.Job, error) {
	r.mu.Lock()
	t, ok := r.tasks[id]
	r.mu.Unlock()
	if ok {
		select {
		case <-t.done:
		case <-ctx.Done():
		}
		return r.Job(context.WithoutCancel(ctx), id)
	}
	// Another server's job, when several share the store: its row tells.
	for {
		j, err := r.Job(context.WithoutCancel(ctx), id)
		if err != nil || j.Status.Final() || !r.cfg.Shared {
			return j, err
		}
		select {
		case <-time.After(remotePoll):
		case <-ctx.Done():
			return j, nil
		}
	}
}

// remotePoll is how often the row of a job that another server runs is
// read again while a caller waits for it.
const remotePoll = 200 * time.Millisecond

// Watch returns a job, the number of its changes so far, and a channel
// closed at its next change; nil when it will not change any more.
func (r *Runner) Watch(ctx context.Context, id string) (*roster.Job, int64, <-chan struct{}, error) {
	r.mu.Lock()
	if t, ok := r.tasks[id]; ok {
		defer r.mu.Unlock()
		var next <-chan struct{}
		if !t.job.Status.Final() {
			next = t.changed
		}
		return copyJob(t.job), t.seq, next, nil
	}
	r.mu.Unlock()
	j, err := r.Job(ctx, id)
	if err != nil || j.Status.Final() || !r.cfg.Shared {
		return j, 0, nil, err
	}
	// Another server runs it: its row changes at most every ProgressEvery.
	next := make(chan struct{})
	time.AfterFunc(ProgressEvery, func() { close(next) })
	return j, time.Now().UnixMilli(), next, nil
}

// Cancel stops a queued or running job (an atomic one writes nothing) and
// returns it once stopped; ECONFLICT when it has ended.
func (r *Runner) Cancel(ctx context.Context, id string) (*roster.Job, error) {
	r.mu.Lock()
	t, ok := r.tasks[id]
	if !ok || t.job.Status.Final() {
		r.mu.Unlock()
		j, err := r.Job(ctx, id)
		if err != nil {
			return nil, err
		}
		if c, ok := r.cfg.Store.(Canceller); ok && r.cfg.Shared && !j.Status.Final() {
			// Another server runs it: it sees the request within
			// ProgressEvery, and stops the job.
			if err := c.RequestCancel(ctx, id); err != nil {
				return nil, err
			}
			return r.Wait(ctx, id)
		}
		return nil, roster.Errorf(roster.ECONFLICT, "the job has ended (%s): there is nothing to cancel", j.Status)
	}
	queued := t.job.Status == roster.JobQueued
	if queued {
		r.writes = remove(r.writes, t)
		r.reads = remove(r.reads, t)
	}
	r.mu.Unlock()
	if queued {
		r.end(t, roster.JobCancelled, nil, nil)
	} else {
		t.cancel()
	}
	return r.Wait(ctx, id)
}

func remove(list []*task, t *task) []*task {
	for i, x := range list {
		if x == t {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// Delete removes an ended job and its files; ECONFLICT while it runs.
func (r *Runner) Delete(ctx context.Context, id string) error {
	j, err := r.Job(ctx, id)
	if err != nil {
		return err
	}
	if !j.Status.Final() {
		return roster.Errorf(roster.ECONFLICT, "the job is %s: cancel it first", j.Status)
	}
	r.mu.Lock()
	delete(r.tasks, id)
	r.rec.remove(id)
	r.mu.Unlock()
	r.data.remove(id)
	return nil
}

// Apply plans the file of a finished dry run again against the directory
// as it is now, and applies it, as a new job of the client's.
func (r *Runner) Apply(ctx context.Context, id, clientID string) (*roster.Job, error) {
	j, err := r.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	_, settings, err := r.data.description(id)
	if err != nil {
		return nil, err
	}
	if j.Command == "check" || !settings.DryRun || j.Status != roster.JobSucceeded {
		return nil, roster.Errorf(roster.ECONFLICT, "only a dry run of import or update that ran to its end can be applied (this is a %s job, %s)", j.Command, j.Status)
	}
	up, err := r.data.link(id)
	if err != nil {
		return nil, err
	}
	up.applies = &j.ID
	settings.DryRun = false
	job, _, err := r.Submit(ctx, up, Submission{ClientID: clientID, Tenant: j.Tenant, Command: j.Command, Settings: settings,
		ExternalID: j.ExternalID, Name: j.File.Name})
	return job, err
}

// OpenPlan opens a job's plan: JSON lines, those written so far while it
// runs.
func (r *Runner) OpenPlan(ctx context.Context, id string) (io.ReadCloser, error) {
	if _, err := r.Job(ctx, id); err != nil {
		return nil, err
	}
	return r.data.openPlan(id)
}

// OpenErrors opens a job's error report; ENOTFOUND when no row failed.
func (r *Runner) OpenErrors(ctx context.Context, id string) (io.ReadCloser, string, error) {
	j, err := r.Job(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if j.Reports.Errors == "" {
		return nil, "", roster.Errorf(roster.ENOTFOUND, "the job has no error report: no row failed")
	}
	f, err := r.data.openReport(id, j.Reports.Errors)
	return f, j.Reports.Errors, err
}

// OpenSuccess opens a job's success.csv. One that holds generated
// passwords is given once: it is removed from the disk as it is opened,
// and later calls get ErrGone.
func (r *Runner) OpenSuccess(ctx context.Context, id string) (io.ReadCloser, error) {
	j, err := r.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Reports.Success == "" {
		return nil, roster.Errorf(roster.ENOTFOUND, "the job has no success report: it wrote no user")
	}
	if !j.Reports.Secret {
		return r.data.openReport(id, j.Reports.Success)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// Read again under the lock: two downloads at once get it once.
	cur := r.current(id, j)
	if cur.Reports.Taken {
		return nil, ErrGone
	}
	f, err := r.data.openReport(id, j.Reports.Success)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrGone
	}
	if err != nil {
		return nil, err
	}
	cur.Reports.Taken = true
	r.rec.add(cur)
	if err := r.data.removeReport(id, j.Reports.Success); err != nil {
		r.log.Error("removing a downloaded success report", "job", id, "err", err)
	}
	return f, nil
}

// current is the job to change: the task's own while in memory, else the
// one read. r.mu is held.
func (r *Runner) current(id string, read *roster.Job) *roster.Job {
	if t, ok := r.tasks[id]; ok {
		return t.job
	}
	if j := r.rec.pending(id); j != nil {
		return j
	}
	return read
}

// sortNewest sorts jobs newest first: by ID, which sorts by creation.
func sortNewest(jobs []*roster.Job) {
	slices.SortFunc(jobs, func(a, b *roster.Job) int { return strings.Compare(b.ID, a.ID) })
}

// Rows reads rows of a job's file again, by number, with the job's options
// of reading: for the answers that quote the rows that failed. It returns
// the header too. Cells of secret columns (as the job's mapping reads
// them) are given as ***.
func (r *Runner) Rows(ctx context.Context, id string, nums []int) ([]string, map[int][]string, error) {
	j, settings, err := r.data.description(id)
	if err != nil {
		return nil, nil, err
	}
	opt, err := settings.ReadOptions()
	if err != nil {
		return nil, nil, err
	}
	jf, src, err := r.data.openSource(id, j.File.Name)
	if err != nil {
		return nil, nil, err
	}
	defer jf.close()
	defer src.Close()
	opt.TempDir = jf.dir
	f, err := src.Open(opt)
	if err != nil {
		return nil, nil, provision.Unreadable(err)
	}
	defer f.Close()
	want := map[int]bool{}
	for _, n := range nums {
		want[n] = true
	}
	var header []string
	rows := map[int][]string{}
	for len(rows) < len(want) && ctx.Err() == nil {
		row, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, provision.Unreadable(err)
		}
		if header == nil {
			header = slices.Clone(row.Cells)
			continue
		}
		if want[row.Num] {
			rows[row.Num] = slices.Clone(row.Cells)
		}
	}
	secret := provision.SecretCells(header, settings)
	for _, cells := range rows {
		for i, v := range cells {
			if i < len(secret) && secret[i] && v != "" {
				cells[i] = "***"
			}
		}
	}
	return header, rows, ctx.Err()
}

// Preview reads the head of a job's file, as a run with the job's settings
// would read it, with another sheet when sheetName is not empty: its
// sheets, header, first n rows and suggested mapping. It reads only those
// rows, however large the file.
func (r *Runner) Preview(ctx context.Context, id, sheetName string, n int) (*provision.Preview, error) {
	j, err := r.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	_, settings, err := r.data.description(id)
	if err != nil {
		return nil, err
	}
	if sheetName != "" {
		settings.Sheet = sheetName
	}
	jf, src, err := r.data.openSource(id, j.File.Name)
	if err != nil {
		return nil, err
	}
	defer jf.close()
	defer src.Close()
	// The sheet a ZIP holds is copied to read it, into the job's folder.
	return provision.ReadPreview(src, settings, jf.dir, n)
}

// Rerun runs a new job on the file of an earlier one, with settings of its
// own: a mapping changed and checked again needs no new upload. The file
// is linked, not copied; the new job acts on the earlier one's tenant.
func (r *Runner) Rerun(ctx context.Context, id string, s Submission) (*roster.Job, error) {
	j, err := r.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.Command == "" {
		s.Command = j.Command
	}
	if err := checkSettings(s.Command, &s.Settings); err != nil {
		return nil, err
	}
	up, err := r.data.link(id)
	if err != nil {
		return nil, err
	}
	s.Tenant, s.Name, s.Key = j.Tenant, j.File.Name, ""
	job, _, err := r.Submit(ctx, up, s)
	return job, err
}
