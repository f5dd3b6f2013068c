package roster

import (
	"context"
	"encoding/json"
	"time"
)

// JobStatus is where an import job is in its life.
type JobStatus string

// The statuses of a job. A job is queued, then running, then one of the
// last four, which are final.
const (
	JobQueued    JobStatus = "queued"
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded" // the run ended; rows may still have failed (Result.Failed)
	JobFailed    JobStatus = "failed"    // the file could not be read, or an internal error: Error says which
	JobCancelled JobStatus = "cancelled"
	// JobInterrupted is a job that was queued or running when its server
	// died: an atomic one wrote nothing, and it can be run again.
	JobInterrupted JobStatus = "interrupted"
)

// JobStatuses lists the statuses, in the order a job goes through them.
var JobStatuses = []JobStatus{JobQueued, JobRunning, JobSucceeded, JobFailed, JobCancelled, JobInterrupted}

// Final tells whether a job with this status has ended.
func (s JobStatus) Final() bool { return s != JobQueued && s != JobRunning }

// Job is an import, update or check of a file, run in the background by a
// server: the object of the API's /api/v1/jobs.
type Job struct {
	// ID is a version 7 UUID: jobs sort by it in the order they came.
	ID      string    `json:"id"`
	Command string    `json:"command" enum:"import,update,check"`
	Status  JobStatus `json:"status" enum:"queued,running,succeeded,failed,cancelled,interrupted"`
	// ExternalID is the caller's own label for the job, echoed back.
	ExternalID *string `json:"external_id"`
	ClientID   string  `json:"client_id"`
	// Tenant is the tenant the job acts on; empty for a client of all
	// tenants that named none (rows then name their tenant).
	Tenant  string          `json:"tenant"`
	File    JobFile         `json:"file"`
	Options json.RawMessage `json:"options" doc:"the options of the run, as the CLI's flags in snake case; values given to secret columns show ***"`
	// Applies is the dry run that this job applies, if it does.
	Applies    *string    `json:"applies,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// Progress is how far a running job is; the server that runs it keeps
	// it in memory, so it is null where a job is read from the directory.
	Progress *JobProgress `json:"progress"`
	// Result is the command line's JSON result object, once the run ended.
	Result *Result `json:"result"`
	// Error is what failed a job whose status is failed: a problem
	// object (RFC 9457).
	Error *JobError `json:"error"`
	Links JobLinks  `json:"links"`

	// IdempotencyKey is the Idempotency-Key the job was submitted with.
	IdempotencyKey string `json:"-"`
	// Reports say which report files the job has kept.
	Reports JobReports `json:"-"`
}

// JobFile is the file a job reads.
type JobFile struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Bytes  int64  `json:"bytes"`
}

// JobProgress is how far a job is.
type JobProgress struct {
	Stage      string `json:"stage" enum:"queued,reading,checking,hashing,writing,done"`
	Rows       int    `json:"rows"`
	BytesRead  int64  `json:"bytes_read"`
	BytesTotal int64  `json:"bytes_total"`
	// Percent and ETASeconds are null until they can be told: a workbook
	// does not say how much of it has been read.
	Percent    *int `json:"percent"`
	ETASeconds *int `json:"eta_seconds"`
}

// JobError is why a job failed, as a problem object (RFC 9457).
type JobError struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// JobLinks are the addresses of a job and of what it made; null where there
// is nothing (no error report when no row failed).
type JobLinks struct {
	Self    string  `json:"self"`
	Events  string  `json:"events"`
	Plan    string  `json:"plan"`
	Errors  *string `json:"errors"`
	Success *string `json:"success"`
}

// JobReports say which report files a job has kept, by name.
type JobReports struct {
	Errors  string // errors.csv or errors.xlsx; empty when none
	Success string // success.csv; empty when none
	// Secret says that success.csv holds generated passwords: it is given
	// once, then removed.
	Secret bool
	// Taken says that the success.csv that held passwords was given.
	Taken bool
}

// JobFilter selects jobs to list, newest first.
type JobFilter struct {
	// Tenant, when set, selects the jobs of that tenant only.
	Tenant  string
	Status  JobStatus
	Command string
	// Before, when set, selects the jobs older than that job ID (the
	// cursor of the next page).
	Before string
	Limit  int
}

// JobService stores jobs. Rows are written only when a job changes status
// (see the jobs package: while an import holds the directory's write lock,
// a job's progress is kept in memory by the server that runs it).
type JobService interface {
	// SaveJobs creates or replaces jobs, in one transaction.
	SaveJobs(ctx context.Context, jobs []*Job) error
	// Job finds a job by ID; ENOTFOUND when there is none.
	Job(ctx context.Context, id string) (*Job, error)
	// Jobs lists jobs, newest first.
	Jobs(ctx context.Context, f JobFilter) ([]*Job, error)
	// JobByKey finds the newest job a client submitted with an
	// Idempotency-Key since a time; ENOTFOUND when there is none.
	JobByKey(ctx context.Context, clientID, key string, since time.Time) (*Job, error)
	// DeleteJobs removes jobs by ID.
	DeleteJobs(ctx context.Context, ids []string) error
	// InterruptJobs marks the jobs still queued or running as interrupted,
	// at a server's start: the server that ran them died. A store that
	// several servers share marks only those of the servers that died.
	// It returns them.
	InterruptJobs(ctx context.Context, now time.Time) ([]*Job, error)
	// FinishedBefore lists the IDs of the jobs that ended before a time,
	// for retention.
	FinishedBefore(ctx context.Context, t time.Time) ([]string, error)
}
