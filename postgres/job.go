package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

var _ roster.JobService = (*DB)(nil)

// millis is a time as the directory keeps a job's: to the millisecond, as
// an SQLite directory does, so that both give back the same times.
func millis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}

// SaveJobs creates or replaces jobs in one transaction. Like the clients'
// changes, it takes no write lock: a job's row is written while the import
// it runs holds the lock. A job that is queued or running is saved as this
// server's, with its progress, which every server then reads.
func (db *DB) SaveJobs(ctx context.Context, jobs []*roster.Job) error {
	var batch pgx.Batch
	for _, j := range jobs {
		var result, problem, server, progress any
		if !j.Status.Final() {
			key, err := db.live(ctx)
			if err != nil {
				return err
			}
			server = key
			if j.Progress != nil {
				b, err := json.Marshal(j.Progress)
				if err != nil {
					return err
				}
				progress = string(b)
			}
		}
		if j.Result != nil {
			b, err := json.Marshal(j.Result)
			if err != nil {
				return err
			}
			result = string(b)
		}
		if j.Error != nil {
			b, err := json.Marshal(j.Error)
			if err != nil {
				return err
			}
			problem = string(b)
		}
		batch.Queue(`INSERT INTO jobs (`+jobColumns+`, server) VALUES (`+placeholders(23)+`)
			ON CONFLICT (id) DO UPDATE SET `+dirrow.Excluded(append(strings.Split(jobColumns, ", ")[1:], "server")),
			j.ID, j.Command, string(j.Status), j.ExternalID, j.ClientID, j.Tenant, j.File.Name, j.File.Format, j.File.Bytes,
			string(j.Options), j.Applies, dirrow.Nullable(j.IdempotencyKey), millis(&j.CreatedAt), millis(j.StartedAt), millis(j.FinishedAt),
			result, problem, dirrow.Nullable(j.Reports.Errors), dirrow.Nullable(j.Reports.Success), j.Reports.Secret, j.Reports.Taken,
			progress, server)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, &batch).Close()
	})
}

const jobColumns = `id, command, status, external_id, client_id, tenant, file_name, file_format, file_bytes, options, applies, idempotency_key, created_at, started_at, finished_at, result, error, errors_report, success_report, success_secret, success_taken, progress`

func scanJob(row dirrow.Row) (*roster.Job, error) {
	var (
		j                       roster.Job
		status, options         string
		key                     *string
		started, finished       *time.Time
		result, problem         *string
		errorsReport, successRp *string
		progress                *string
	)
	err := row.Scan(&j.ID, &j.Command, &status, &j.ExternalID, &j.ClientID, &j.Tenant, &j.File.Name, &j.File.Format, &j.File.Bytes,
		&options, &j.Applies, &key, &j.CreatedAt, &started, &finished, &result, &problem, &errorsReport, &successRp,
		&j.Reports.Secret, &j.Reports.Taken, &progress)
	if err != nil {
		return nil, err
	}
	j.Status, j.Options, j.CreatedAt = roster.JobStatus(status), json.RawMessage(options), j.CreatedAt.UTC()
	j.IdempotencyKey, j.Reports.Errors, j.Reports.Success = deref0(key), deref0(errorsReport), deref0(successRp)
	j.StartedAt, j.FinishedAt = utc(started), utc(finished)
	if result != nil {
		j.Result = &roster.Result{}
		if err := json.Unmarshal([]byte(*result), j.Result); err != nil {
			return nil, err
		}
	}
	if progress != nil {
		j.Progress = &roster.JobProgress{}
		if err := json.Unmarshal([]byte(*progress), j.Progress); err != nil {
			return nil, err
		}
	}
	if problem != nil {
		j.Error = &roster.JobError{}
		if err := json.Unmarshal([]byte(*problem), j.Error); err != nil {
			return nil, err
		}
	}
	return &j, nil
}

func deref0(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Job finds a job by ID. A read takes no lock and waits for no write.
func (db *DB) Job(ctx context.Context, id string) (*roster.Job, error) {
	j, err := scanJob(db.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no job %q", id)
	}
	return j, err
}

// Jobs lists jobs, newest first.
func (db *DB) Jobs(ctx context.Context, f roster.JobFilter) ([]*roster.Job, error) {
	q, args := dirrow.JobsQuery(jobColumns, f, func(n int) string { return "$" + strconv.Itoa(n) })
	return db.queryJobs(ctx, db.pool, q, args...)
}

func (db *DB) queryJobs(ctx context.Context, q querier, query string, args ...any) ([]*roster.Job, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return dirrow.All(rows, scanJob)
}

// JobByKey finds the newest job a client submitted with an Idempotency-Key
// since a time.
func (db *DB) JobByKey(ctx context.Context, clientID, key string, since time.Time) (*roster.Job, error) {
	j, err := scanJob(db.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE client_id = $1 AND idempotency_key = $2 AND created_at >= $3 ORDER BY id DESC LIMIT 1`, clientID, key, millis(&since)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no job with this key")
	}
	return j, err
}

// DeleteJobs removes jobs by ID.
func (db *DB) DeleteJobs(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `DELETE FROM jobs WHERE id = ANY($1)`, ids)
	return err
}

// InterruptJobs, called as a server starts, makes this handle one of the
// directory's servers (see servers.go) and marks as interrupted the jobs
// left queued or running by servers that died: not those of the servers
// that run. From then on, the handle looks for such jobs every
// WatchInterval.
func (db *DB) InterruptJobs(ctx context.Context, now time.Time) ([]*roster.Job, error) {
	if _, err := db.live(ctx); err != nil {
		return nil, err
	}
	return db.interruptOrphans(ctx, now)
}

// FinishedBefore lists the jobs that ended before t.
func (db *DB) FinishedBefore(ctx context.Context, t time.Time) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM jobs WHERE finished_at < $1 ORDER BY id`, millis(&t))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// RequestCancel asks the server that runs a job to cancel it (see
// jobs.Canceller): it takes no lock, as the job's import holds the
// directory's.
func (db *DB) RequestCancel(ctx context.Context, id string) error {
	_, err := db.pool.Exec(ctx, `UPDATE jobs SET cancel_requested = true WHERE id = $1 AND status IN ('queued', 'running')`, id)
	return err
}

// CancelRequests returns which of the jobs were asked to be cancelled.
func (db *DB) CancelRequests(ctx context.Context, ids []string) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM jobs WHERE id = ANY($1) AND cancel_requested`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
