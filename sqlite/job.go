package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/dirrow"
)

var _ roster.JobService = (*DB)(nil)

// SaveJobs creates or replaces jobs in one transaction: a job's row is
// written at each change of its status.
func (db *DB) SaveJobs(ctx context.Context, jobs []*roster.Job) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, j := range jobs {
		var result, problem []byte
		if j.Result != nil {
			if result, err = json.Marshal(j.Result); err != nil {
				return err
			}
		}
		if j.Error != nil {
			if problem, err = json.Marshal(j.Error); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO jobs (`+jobColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.ID, j.Command, string(j.Status), j.ExternalID, j.ClientID, j.Tenant, j.File.Name, j.File.Format, j.File.Bytes,
			string(j.Options), j.Applies, nullString(j.IdempotencyKey), millis(&j.CreatedAt), millis(j.StartedAt), millis(j.FinishedAt),
			nullText(result), nullText(problem), nullString(j.Reports.Errors), nullString(j.Reports.Success),
			j.Reports.Secret, j.Reports.Taken)
		if err != nil {
			return busy(err)
		}
	}
	return busy(tx.Commit())
}

const jobColumns = `id, command, status, external_id, client_id, tenant, file_name, file_format, file_bytes, options, applies,
	idempotency_key, created_at, started_at, finished_at, result, error, errors_report, success_report, success_secret, success_taken`

func millis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func scanJob(row dirrow.Row) (*roster.Job, error) {
	var (
		j                        roster.Job
		status, options          string
		external, applies, key   sql.NullString
		created                  int64
		started, finished        sql.NullInt64
		result, problem          sql.NullString
		errorsReport, successRep sql.NullString
	)
	err := row.Scan(&j.ID, &j.Command, &status, &external, &j.ClientID, &j.Tenant, &j.File.Name, &j.File.Format, &j.File.Bytes,
		&options, &applies, &key, &created, &started, &finished, &result, &problem, &errorsReport, &successRep,
		&j.Reports.Secret, &j.Reports.Taken)
	if err != nil {
		return nil, err
	}
	j.Status, j.Options, j.IdempotencyKey = roster.JobStatus(status), json.RawMessage(options), key.String
	j.Reports.Errors, j.Reports.Success = errorsReport.String, successRep.String
	if external.Valid {
		j.ExternalID = &external.String
	}
	if applies.Valid {
		j.Applies = &applies.String
	}
	j.CreatedAt = time.UnixMilli(created).UTC()
	j.StartedAt, j.FinishedAt = timeOf(started), timeOf(finished)
	if result.Valid {
		j.Result = &roster.Result{}
		if err := json.Unmarshal([]byte(result.String), j.Result); err != nil {
			return nil, err
		}
	}
	if problem.Valid {
		j.Error = &roster.JobError{}
		if err := json.Unmarshal([]byte(problem.String), j.Error); err != nil {
			return nil, err
		}
	}
	return &j, nil
}

func timeOf(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.UnixMilli(n.Int64).UTC()
	return &t
}

// Job finds a job by ID, on a reader's connection: it never waits for a
// running import.
func (db *DB) Job(ctx context.Context, id string) (*roster.Job, error) {
	j, err := scanJob(db.rd.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no job %q", id)
	}
	return j, busy(err)
}

// Jobs lists jobs, newest first.
func (db *DB) Jobs(ctx context.Context, f roster.JobFilter) ([]*roster.Job, error) {
	q, args := dirrow.JobsQuery(jobColumns, f, func(int) string { return "?" })
	return db.queryJobs(ctx, q, args...)
}

func (db *DB) queryJobs(ctx context.Context, q string, args ...any) ([]*roster.Job, error) {
	rows, err := db.rd.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, busy(err)
	}
	defer rows.Close()
	return dirrow.All(rows, scanJob)
}

// JobByKey finds the newest job a client submitted with an Idempotency-Key
// since a time.
func (db *DB) JobByKey(ctx context.Context, clientID, key string, since time.Time) (*roster.Job, error) {
	j, err := scanJob(db.rd.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs
		WHERE client_id = ? AND idempotency_key = ? AND created_at >= ? ORDER BY id DESC LIMIT 1`, clientID, key, since.UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, roster.Errorf(roster.ENOTFOUND, "no job with this key")
	}
	return j, busy(err)
}

// DeleteJobs removes jobs by ID.
func (db *DB) DeleteJobs(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, id); err != nil {
			return busy(err)
		}
	}
	return busy(tx.Commit())
}

// InterruptJobs marks the jobs left queued or running as interrupted.
func (db *DB) InterruptJobs(ctx context.Context, now time.Time) ([]*roster.Job, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE jobs SET status = 'interrupted', finished_at = ?
		WHERE status IN ('queued', 'running') RETURNING `+jobColumns, now.UnixMilli())
	if err != nil {
		return nil, busy(err)
	}
	var out []*roster.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, j)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, busy(err)
	}
	return out, busy(tx.Commit())
}

// FinishedBefore lists the jobs that ended before t.
func (db *DB) FinishedBefore(ctx context.Context, t time.Time) ([]string, error) {
	rows, err := db.rd.QueryContext(ctx, `SELECT id FROM jobs WHERE finished_at < ? ORDER BY id`, t.UnixMilli())
	if err != nil {
		return nil, busy(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
