package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/dustin/go-humanize"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/jobs"
)

const jobsPath = "/api/v1/jobs"

type jobIDInput struct {
	ID string `path:"id" doc:"the job's ID"`
}

type planInput struct {
	ID     string `path:"id" doc:"the job's ID"`
	Action string `query:"action" enum:"create,update,unchanged,skip,error" doc:"only the rows of this action"`
	Offset int    `query:"offset" minimum:"0" doc:"leave out this many rows first (of the action, when one is given): a page's start"`
	Limit  int    `query:"limit" minimum:"0" maximum:"100000" doc:"at most this many rows; 0 for all"`
}

type jobOutput struct {
	Body *roster.Job
}

type jobAcceptedOutput struct {
	Status   int
	Location string `header:"Location"`
	Replayed string `header:"Idempotent-Replayed" doc:"true when the Idempotency-Key named a job submitted before: this is that job"`
	Body     *roster.Job
}

type jobSubmitInput struct {
	ctx huma.Context
}

func (in *jobSubmitInput) Resolve(ctx huma.Context) []error {
	in.ctx = ctx
	return nil
}

type jobListInput struct {
	Status  string `query:"status" enum:"queued,running,succeeded,failed,cancelled,interrupted" doc:"only the jobs of this status"`
	Command string `query:"command" enum:"import,update,check" doc:"only the jobs of this command"`
	Limit   int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"at most this many jobs"`
	Cursor  string `query:"cursor" doc:"the next_cursor of the page before"`
}

type jobListOutput struct {
	Body struct {
		Items      []*roster.Job `json:"items"`
		NextCursor *string       `json:"next_cursor" doc:"the cursor of the next page; null on the last"`
	}
}

type jobEventsInput struct {
	ID          string `path:"id" doc:"the job's ID"`
	LastEventID string `header:"Last-Event-ID" doc:"the id of the last event received: a reconnection goes on from there"`
}

// jobParamDocs document the options of POST /api/v1/jobs, which the
// handler reads itself: as query parameters, or as the fields of a
// multipart body.
var jobParamDocs = []struct{ name, doc string }{
	{"command", "import (default), update or check"},
	{"dry_run", "true: check and plan against the directory, write nothing"},
	{"mode", "atomic (default: nothing is written if a row fails) or partial"},
	{"on_existing", "import: fail (default), skip or update rows that match an existing user"},
	{"max_errors", "stop after this many failed rows (0: never)"},
	{"key", "update: the column that finds each user: uuid (default), username or email"},
	{"blank", "update: what an empty cell means: clear (default) or keep"},
	{"generate", "password, exten or username (repeatable, or comma-separated)"},
	{"password_digits", "true: generated passwords are 10 digits"},
	{"map", "HEADER=column: a header that aliases do not catch (repeatable)"},
	{"set", "column=value: a value for every row whose cell is empty (repeatable)"},
	{"sheet", "the sheet of a workbook, by name or number"},
	{"separator", "the CSV separator: , ; tab | or any one character"},
	{"encoding", "the CSV encoding, such as utf-8, windows-1252"},
	{"format", "csv, tsv, xlsx, xls, ods or zip (default: told by content)"},
	{"strict", "true: a header that names no known column fails the file"},
	{"filename", "the file's name, for a raw body (else Content-Disposition)"},
	{"external_id", "your own label for the job, echoed back"},
	{"wait", "answer when the job ends, or after this long (at most 60s) with the job as it is"},
}

func (s *Server) registerJobs() {
	params := append(optionParams(""), &huma.Param{Name: "Idempotency-Key", In: "header", Schema: &huma.Schema{Type: "string", MaxLength: ptr(255)},
		Description: "a retried request with the same key (same client, within 24 hours) returns the first job instead of a second one"})
	huma.Register(s.api, huma.Operation{
		OperationID: "submit-job", Method: http.MethodPost, Path: jobsPath, Tags: []string{"jobs"},
		Summary: "Import, update or check a file, as a job",
		Description: "The file is the body: multipart/form-data (part file, the options as fields) or the raw file with its media type " +
			"(the options as query parameters). Answered at once with 202 and the job, or with wait= when it ends.",
		Security: secured(roster.ScopeUsersWrite), Parameters: params, DefaultStatus: http.StatusAccepted,
		Errors: []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
			http.StatusTooManyRequests, http.StatusInsufficientStorage},
	}, s.submitJob)
	binary := &huma.Schema{Type: "string", Format: "binary"}
	upload := map[string]*huma.MediaType{"multipart/form-data": {Schema: &huma.Schema{Type: "object",
		Properties: map[string]*huma.Schema{"file": binary}, Required: []string{"file"}}}}
	for mt := range uploadTypes {
		upload[mt] = &huma.MediaType{Schema: binary}
	}
	s.readsBody(http.MethodPost, jobsPath, &huma.RequestBody{Required: true, Content: upload})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-jobs", Method: http.MethodGet, Path: jobsPath, Tags: []string{"jobs"},
		Summary: "The jobs of the client's tenant, newest first", Security: secured(roster.ScopeUsersRead),
	}, s.listJobs)
	huma.Register(s.api, huma.Operation{
		OperationID: "get-job", Method: http.MethodGet, Path: jobsPath + "/{id}", Tags: []string{"jobs"},
		Summary: "A job, with its progress while it runs and its result once it ended", Security: secured(roster.ScopeUsersRead),
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *jobIDInput) (*jobOutput, error) {
		j, err := s.job(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &jobOutput{Body: j}, nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "job-events", Method: http.MethodGet, Path: jobsPath + "/{id}/events", Tags: []string{"jobs"},
		Summary: "A job's progress as server-sent events",
		Description: "progress events (data: the progress object) at most every 250 ms while it runs, then one done event " +
			"(data: the whole job). A reconnection with Last-Event-ID goes on from there; a finished job sends done at once.",
		Security:  secured(roster.ScopeUsersRead),
		Responses: map[string]*huma.Response{"200": {Description: "The events", Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: "string"}}}}},
		Errors:    []int{http.StatusNotFound},
	}, s.jobEvents)
	huma.Register(s.api, huma.Operation{
		OperationID: "job-plan", Method: http.MethodGet, Path: jobsPath + "/{id}/plan", Tags: []string{"jobs"},
		Summary: "The plan of every row, as JSON lines (the command line's plan objects)", Security: secured(roster.ScopeUsersRead),
		Responses: map[string]*huma.Response{"200": {Description: "One plan object a line: row, action, uuid, changes",
			Content: map[string]*huma.MediaType{"application/x-ndjson": {Schema: &huma.Schema{Type: "string"}}}}},
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *planInput) (*huma.StreamResponse, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		f, err := s.cfg.Jobs.OpenPlan(ctx, in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		if in.Action == "" && in.Offset == 0 && in.Limit == 0 {
			return s.file(f, "application/x-ndjson", ""), nil
		}
		return s.file(planPage(f, roster.Action(in.Action), in.Offset, in.Limit), "application/x-ndjson", ""), nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "job-errors", Method: http.MethodGet, Path: jobsPath + "/{id}/errors", Tags: []string{"jobs"},
		Summary: "The error report: the failed rows as they were, and their problems", Security: secured(roster.ScopeUsersRead),
		Description: "In the input's format (CSV for CSV, XLSX for workbooks), fixed in place it imports as it is. 404 when no row failed.",
		Responses: map[string]*huma.Response{"200": {Description: "The error report", Content: map[string]*huma.MediaType{
			"text/csv": {Schema: &huma.Schema{Type: "string"}}, mediaTypes["xlsx"]: {Schema: binary}}}},
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, in *jobIDInput) (*huma.StreamResponse, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		f, name, err := s.cfg.Jobs.OpenErrors(ctx, in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return s.file(f, reportType(name), name), nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "job-success", Method: http.MethodGet, Path: jobsPath + "/{id}/success", Tags: []string{"jobs"},
		Summary:     "success.csv: the users written, with their generated passwords",
		Description: "Where it holds generated passwords, it is given once: it is removed from the server as it is sent, and later requests get 410.",
		Security:    secured(roster.ScopeSecretsRead),
		Responses:   map[string]*huma.Response{"200": {Description: "success.csv", Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}},
		Errors:      []int{http.StatusNotFound, http.StatusGone},
	}, func(ctx context.Context, in *jobIDInput) (*huma.StreamResponse, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		f, err := s.cfg.Jobs.OpenSuccess(ctx, in.ID)
		if errors.Is(err, jobs.ErrGone) {
			return nil, problem(http.StatusGone, "success.csv held generated passwords, so it was given once, and removed")
		}
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return s.file(f, "text/csv; charset=utf-8", "success.csv"), nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "apply-job", Method: http.MethodPost, Path: jobsPath + "/{id}/apply", Tags: []string{"jobs"},
		Summary:  "Apply a dry run: plan its file again against the directory as it is now, and write it, as a new job",
		Security: secured(roster.ScopeUsersWrite), DefaultStatus: http.StatusAccepted,
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *jobIDInput) (*jobAcceptedOutput, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		j, err := s.cfg.Jobs.Apply(ctx, in.ID, PrincipalFrom(ctx).ClientID)
		if err != nil {
			return nil, s.jobFail(ctx, err)
		}
		return s.accepted(j, false), nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "cancel-job", Method: http.MethodPost, Path: jobsPath + "/{id}/cancel", Tags: []string{"jobs"},
		Summary:     "Stop a queued or running job",
		Description: "Answered once the job has stopped. An atomic job writes nothing; a partial one keeps what it wrote before.",
		Security:    secured(roster.ScopeUsersWrite),
		Errors:      []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *jobIDInput) (*jobOutput, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		j, err := s.cfg.Jobs.Cancel(ctx, in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &jobOutput{Body: s.view(j)}, nil
	})
	huma.Register(s.api, huma.Operation{
		OperationID: "delete-job", Method: http.MethodDelete, Path: jobsPath + "/{id}", Tags: []string{"jobs"},
		Summary: "Remove an ended job and its files", Security: secured(roster.ScopeUsersWrite), DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *jobIDInput) (*struct{}, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		if err := s.cfg.Jobs.Delete(ctx, in.ID); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
}

func ptr[T any](v T) *T { return &v }

// optionParams documents the options of a job, which the handlers read
// themselves, but one.
func optionParams(except string) []*huma.Param {
	var params []*huma.Param
	for _, p := range jobParamDocs {
		if p.name == except {
			continue
		}
		schema := &huma.Schema{Type: "string"}
		if p.name == "generate" || p.name == "map" || p.name == "set" {
			schema = &huma.Schema{Type: "array", Items: &huma.Schema{Type: "string"}}
		}
		params = append(params, &huma.Param{Name: p.name, In: "query", Description: p.doc, Schema: schema})
	}
	return params
}

// job returns a job the request may see, with its links: another tenant's
// job is not found, as a job that does not exist.
func (s *Server) job(ctx context.Context, id string) (*roster.Job, error) {
	if s.cfg.Jobs == nil {
		return nil, problem(http.StatusServiceUnavailable, "this server runs no jobs")
	}
	j, err := s.cfg.Jobs.Job(ctx, id)
	if err == nil && !visible(PrincipalFrom(ctx), j) {
		err = roster.Errorf(roster.ENOTFOUND, "no job %q", id)
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.view(j), nil
}

// visible tells whether a request may see a job: a client bound to a
// tenant sees that tenant's jobs; a client of all tenants, every job, or
// those of the tenant it names.
func visible(p *Principal, j *roster.Job) bool {
	return p.AllTenants && p.Tenant == "" || strings.EqualFold(j.Tenant, p.Tenant)
}

// view gives a job its links, and its result the addresses of its reports.
func (s *Server) view(j *roster.Job) *roster.Job {
	self := jobsPath + "/" + j.ID
	j.Links = roster.JobLinks{Self: self, Events: self + "/events", Plan: self + "/plan"}
	if j.Reports.Errors != "" {
		j.Links.Errors = ptr(self + "/errors")
	}
	if j.Reports.Success != "" {
		j.Links.Success = ptr(self + "/success")
	}
	if j.Result != nil {
		res := *j.Result
		res.Reports = &roster.Reports{Errors: j.Links.Errors, Success: j.Links.Success}
		j.Result = &res
	}
	if j.Progress == nil {
		switch {
		case j.Status == roster.JobQueued:
			j.Progress = &roster.JobProgress{Stage: "queued", BytesTotal: j.File.Bytes}
		case j.Status.Final():
			j.Progress = &roster.JobProgress{Stage: "done", BytesTotal: j.File.Bytes}
			if j.Result != nil {
				j.Progress.Rows, j.Progress.BytesRead = j.Result.Rows, j.File.Bytes
			}
		}
	}
	return j
}

func (s *Server) accepted(j *roster.Job, replayed bool) *jobAcceptedOutput {
	out := &jobAcceptedOutput{Status: http.StatusAccepted, Location: jobsPath + "/" + j.ID, Body: s.view(j)}
	if replayed {
		out.Replayed = "true"
	}
	return out
}

// jobFail answers the runner's errors: a client with too many jobs waiting
// is told when to come back.
func (s *Server) jobFail(ctx context.Context, err error) error {
	if errors.Is(err, jobs.ErrBusy) {
		return problem(http.StatusTooManyRequests, "this client has too many jobs waiting to run; submit this one when some have run").
			retryAfter(10 * time.Second)
	}
	return s.fail(ctx, err)
}

func (s *Server) submitJob(ctx context.Context, in *jobSubmitInput) (*jobAcceptedOutput, error) {
	if s.cfg.Jobs == nil {
		return nil, problem(http.StatusServiceUnavailable, "this server runs no jobs")
	}
	r, w := humago.Unwrap(in.ctx)
	p := PrincipalFrom(ctx)
	wait, err := parseWait(r.URL.Query().Get("wait"))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	key, err := parseIdempotencyKey(r.Header.Get("Idempotency-Key"))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if key != "" {
		// A retry of a request that made a job: that job, its file not
		// read again.
		if j, err := s.cfg.Jobs.ByKey(ctx, p.ClientID, key); err == nil {
			return s.waited(ctx, j, wait, true)
		}
		release, ok := s.cfg.Jobs.ClaimKey(p.ClientID, key)
		if !ok {
			return nil, problem(http.StatusConflict, "a request with this Idempotency-Key is being received; retry when it has been answered").
				retryAfter(time.Second)
		}
		defer release()
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	up, err := s.cfg.Jobs.NewUpload()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	defer up.Discard() // unless submitted
	req, err := s.receive(r, body, up)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, problem(http.StatusRequestEntityTooLarge, "the file is larger than this server takes ("+humanize.IBytes(uint64(s.cfg.MaxUpload))+")")
		}
		return nil, s.fail(ctx, err)
	}
	j, replayed, err := s.cfg.Jobs.Submit(ctx, up, jobs.Submission{ClientID: p.ClientID, Tenant: p.Tenant, Command: req.Command,
		Settings: req.Settings, ExternalID: req.ExternalID, Key: key, Name: req.Filename})
	if err != nil {
		return nil, s.jobFail(ctx, err)
	}
	return s.waited(ctx, j, wait, replayed)
}

// waited answers a job, once it ended or wait is over.
func (s *Server) waited(ctx context.Context, j *roster.Job, wait time.Duration, replayed bool) (*jobAcceptedOutput, error) {
	if wait > 0 && !j.Status.Final() {
		wctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		var err error
		if j, err = s.cfg.Jobs.Wait(wctx, j.ID); err != nil {
			return nil, s.fail(ctx, err)
		}
	}
	return s.accepted(j, replayed), nil
}

// receive streams the request's file into the upload, and reads the
// job's options: from the query, and from the fields of a multipart body.
func (s *Server) receive(r *http.Request, body io.Reader, up *jobs.Upload) (*jobRequest, error) {
	values := r.URL.Query()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Header.Get("Content-Type") == "" {
		mt, err = "application/octet-stream", nil
	}
	if err != nil {
		return nil, problem(http.StatusUnsupportedMediaType, "the Content-Type cannot be read")
	}
	name := ""
	if mt == "multipart/form-data" {
		if name, err = readMultipart(body, params["boundary"], values, up); err != nil {
			return nil, err
		}
	} else {
		if _, ok := uploadTypes[mt]; !ok {
			return nil, problem(http.StatusUnsupportedMediaType, "send the file as multipart/form-data, or as its own media type "+
				"(text/csv, an Excel or OpenDocument spreadsheet, application/zip or application/octet-stream), not "+mt)
		}
		if _, err := io.Copy(up, body); err != nil {
			return nil, uploadError(err)
		}
	}
	req, err := parseJobRequest(values)
	if err != nil {
		return nil, err
	}
	if req.Filename == "" {
		if name != "" {
			req.Filename = name
		} else if req.Filename, err = uploadName("", r.Header.Get("Content-Disposition"), mt); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// readMultipart streams the part file into the upload and adds the other
// parts, the options, to values. It returns the file's name.
func readMultipart(body io.Reader, boundary string, values url.Values, up io.Writer) (string, error) {
	if boundary == "" {
		return "", roster.Errorf(roster.EINVALID, "the multipart body has no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	name, files, fields := "", 0, 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", uploadError(err)
		}
		field := part.FormName()
		switch {
		case field == "file":
			files++
			if files > 1 {
				return "", roster.Errorf(roster.EINVALID, "the multipart body holds several files; send one job per file")
			}
			if name, err = fileName(part.FileName()); err != nil {
				return "", err
			}
			if _, err := io.Copy(up, part); err != nil {
				return "", uploadError(err)
			}
		case field == "":
			return "", roster.Errorf(roster.EINVALID, "a part of the multipart body has no name")
		default:
			fields++
			if fields > 256 {
				return "", roster.Errorf(roster.EINVALID, "the multipart body holds more than 256 options")
			}
			b, err := io.ReadAll(io.LimitReader(part, 4097))
			if err != nil {
				return "", uploadError(err)
			}
			values.Add(field, string(b))
		}
	}
	if files == 0 {
		return "", roster.Errorf(roster.EINVALID, "the multipart body has no part named file")
	}
	return name, nil
}

// uploadError keeps a body over the limit as it is (413), answers a full
// disk with 507, keeps the server's other failures to write as they are
// (internal errors), and words a failure to read the body.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	var keep *jobs.WriteError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, syscall.ENOSPC):
		return problem(http.StatusInsufficientStorage, "the server has no room left for the file; try again later").retryAfter(time.Minute)
	case errors.As(err, &keep):
		return err
	}
	return roster.Errorf(roster.EINVALID, "the request body could not be read: %v", err)
}

func (s *Server) listJobs(ctx context.Context, in *jobListInput) (*jobListOutput, error) {
	if s.cfg.Jobs == nil {
		return nil, problem(http.StatusServiceUnavailable, "this server runs no jobs")
	}
	p := PrincipalFrom(ctx)
	f := roster.JobFilter{Tenant: p.Tenant, Status: roster.JobStatus(in.Status), Command: in.Command, Before: in.Cursor, Limit: in.Limit}
	if f.Tenant == "" && !p.AllTenants {
		return nil, problem(http.StatusForbidden, "this client is bound to no tenant")
	}
	list, err := s.cfg.Jobs.Jobs(ctx, f)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &jobListOutput{}
	out.Body.Items = []*roster.Job{}
	for _, j := range list {
		out.Body.Items = append(out.Body.Items, s.view(j))
	}
	if len(list) == in.Limit {
		out.Body.NextCursor = &list[len(list)-1].ID
	}
	return out, nil
}

// The pace of a job's events.
const (
	eventInterval = 250 * time.Millisecond
	keepAlive     = 15 * time.Second
)

func (s *Server) jobEvents(ctx context.Context, in *jobEventsInput) (*huma.StreamResponse, error) {
	if _, err := s.job(ctx, in.ID); err != nil {
		return nil, err
	}
	last := parseEventID(in.LastEventID)
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		_, w := humago.Unwrap(hctx)
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		// The headers now: a client that reconnects after the last
		// event waits for the next one, and must know it is connected.
		if rc.Flush() != nil {
			return
		}
		send := func(id int64, event string, data any) bool {
			b, err := json.Marshal(data)
			if err != nil {
				return false
			}
			_, err = io.WriteString(w, "id: "+strconv.FormatInt(id, 10)+"\nevent: "+event+"\ndata: "+string(b)+"\n\n")
			return err == nil && rc.Flush() == nil
		}
		var sent time.Time
		ping := time.NewTicker(keepAlive)
		defer ping.Stop()
		for {
			j, seq, next, err := s.cfg.Jobs.Watch(ctx, in.ID)
			if err != nil {
				return
			}
			// Events are numbered from 1: the job as it was when the
			// client came is an event too.
			id := seq + 1
			if j.Status.Final() {
				send(max(id, last+1), "done", s.view(j))
				return
			}
			if id > last {
				if wait := eventInterval - time.Since(sent); wait > 0 {
					select {
					case <-time.After(wait):
						continue // the job as it is after the pause
					case <-ctx.Done():
						return
					}
				}
				if !send(id, "progress", s.view(j).Progress) {
					return
				}
				last, sent = id, time.Now()
			}
			select {
			case <-next:
			case <-ping.C:
				if _, err := io.WriteString(w, ": still running\n\n"); err != nil || rc.Flush() != nil {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}}, nil
}

// file answers a file, streamed, and closes it.
func (s *Server) file(f io.ReadCloser, contentType, attachment string) *huma.StreamResponse {
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer f.Close()
		_, w := humago.Unwrap(hctx)
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		if attachment != "" {
			w.Header().Set("Content-Disposition", `attachment; filename="`+attachment+`"`)
		}
		w.WriteHeader(http.StatusOK)
		io.Copy(w, f)
	}}
}

func reportType(name string) string {
	if strings.HasSuffix(name, ".xlsx") {
		return mediaTypes["xlsx"]
	}
	if strings.HasSuffix(name, ".tsv") {
		return "text/tab-separated-values; charset=utf-8"
	}
	return "text/csv; charset=utf-8"
}
