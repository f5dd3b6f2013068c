package http

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/jobs"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// Wazo's confd answers, for the scripts written for it.

type wazoCreated struct {
	RowNumber int    `json:"row_number" doc:"the data row, counted from 1 (the row after the header)"`
	UserUUID  string `json:"user_uuid"`
}

type wazoError struct {
	Message   string      `json:"message"`
	Timestamp float64     `json:"timestamp" doc:"Unix seconds"`
	Details   wazoDetails `json:"details"`
}

type wazoDetails struct {
	RowNumber int               `json:"row_number,omitempty"`
	Row       map[string]string `json:"row,omitempty" doc:"the row's cells by header; secret cells show ***"`
}

type wazoImportOutput struct {
	Status int
	Body   struct {
		Created []wazoCreated `json:"created,omitempty"`
		Errors  []wazoError   `json:"errors,omitempty"`
	}
}

func (s *Server) registerWazo() {
	huma.Register(s.api, huma.Operation{
		OperationID: "wazo-import-users", Method: http.MethodPost, Path: "/1.1/users/import", Tags: []string{"wazo"},
		Summary: "Wazo's CSV import: synchronous and all-or-nothing",
		Description: "As Wazo's confd: 201 with the users created, or 400 with every failed row and nothing written. " +
			"It runs as an atomic import job (listed with the others).",
		Security: secured(roster.ScopeUsersWrite), DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}, s.wazoImport)
	s.readsBody(http.MethodPost, "/1.1/users/import", &huma.RequestBody{Required: true,
		Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}})

	huma.Register(s.api, huma.Operation{
		OperationID: "wazo-export-users", Method: http.MethodGet, Path: "/1.1/users/export", Tags: []string{"wazo"},
		Summary:  "Wazo's CSV export: every user of the tenant, as roster export writes them",
		Security: secured(roster.ScopeUsersRead),
		Responses: map[string]*huma.Response{"200": {Description: "The users, as CSV",
			Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}},
	}, func(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
		tenant := PrincipalFrom(ctx).Tenant
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			_, w := humago.Unwrap(hctx)
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			bw := bufio.NewWriterSize(w, 64<<10)
			if _, err := provision.Export(ctx, s.cfg.Directory, bw, provision.ExportOptions{Format: sheet.CSV, Tenant: tenant}); err != nil {
				// The status is sent; a broken answer is all that is left.
				s.log.ErrorContext(ctx, "exporting users", "err", err)
				return
			}
			bw.Flush()
		}}, nil
	})
}

func (s *Server) wazoImport(ctx context.Context, in *jobSubmitInput) (*wazoImportOutput, error) {
	if s.cfg.Jobs == nil {
		return nil, problem(http.StatusServiceUnavailable, "this server runs no jobs")
	}
	r, w := humago.Unwrap(in.ctx)
	p := PrincipalFrom(ctx)
	up, err := s.cfg.Jobs.NewUpload()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	defer up.Discard()
	if _, err := io.Copy(up, http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, problem(http.StatusRequestEntityTooLarge, "the file is larger than this server takes")
		}
		return nil, s.fail(ctx, uploadError(err))
	}
	j, _, err := s.cfg.Jobs.Submit(ctx, up, jobs.Submission{ClientID: p.ClientID, Tenant: p.Tenant, Command: "import",
		Settings: provision.Settings{Mode: string(provision.Atomic)}, Name: "users.csv"})
	if err != nil {
		return nil, s.jobFail(ctx, err)
	}
	// Synchronous, as Wazo's: the answer waits for the job, which goes on
	// should the client go away.
	if j, err = s.cfg.Jobs.Wait(ctx, j.ID); err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &wazoImportOutput{Status: http.StatusCreated}
	now := float64(s.now().UnixMilli()) / 1000
	switch {
	case j.Status == roster.JobFailed:
		out.Status = http.StatusBadRequest
		out.Body.Errors = []wazoError{{Message: j.Error.Detail, Timestamp: now}}
	case !j.Status.Final() || j.Status != roster.JobSucceeded:
		return nil, problem(http.StatusServiceUnavailable, "the import was "+string(j.Status)+" before its end; nothing was written").retryAfter(5 * time.Second)
	case j.Result.Failed > 0:
		out.Status = http.StatusBadRequest
		if out.Body.Errors, err = s.wazoErrors(ctx, j, now); err != nil {
			return nil, s.fail(ctx, err)
		}
	default:
		if out.Body.Created, err = s.wazoCreated(ctx, j); err != nil {
			return nil, s.fail(ctx, err)
		}
	}
	return out, nil
}

// wazoErrors is one error per failed row, with the row's cells.
func (s *Server) wazoErrors(ctx context.Context, j *roster.Job, now float64) ([]wazoError, error) {
	byRow := map[int][]string{}
	var nums []int
	for _, pr := range j.Result.Errors {
		if _, ok := byRow[pr.Row]; !ok {
			nums = append(nums, pr.Row)
		}
		msg := pr.Message
		if pr.Column != "" {
			msg = pr.Column + ": " + msg
		}
		byRow[pr.Row] = append(byRow[pr.Row], msg)
	}
	header, rows, err := s.cfg.Jobs.Rows(ctx, j.ID, nums)
	if err != nil {
		return nil, err
	}
	slices.Sort(nums)
	out := make([]wazoError, 0, len(nums))
	for _, n := range nums {
		e := wazoError{Message: strings.Join(byRow[n], "; "), Timestamp: now, Details: wazoDetails{RowNumber: n - 1}}
		if cells, ok := rows[n]; ok {
			e.Details.Row = rowByHeader(header, cells)
		}
		out = append(out, e)
	}
	return out, nil
}

// wazoCreated lists the users the job created, from its plan.
func (s *Server) wazoCreated(ctx context.Context, j *roster.Job) ([]wazoCreated, error) {
	f, err := s.cfg.Jobs.OpenPlan(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := []wazoCreated{}
	dec := json.NewDecoder(f)
	for {
		var st roster.Step
		if err := dec.Decode(&st); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if st.Action == roster.Create {
			out = append(out, wazoCreated{RowNumber: st.Row - 1, UserUUID: st.UUID})
		}
	}
}
