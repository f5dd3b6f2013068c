package http

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/jobs"
	"github.com/roster-dev/roster/provision"
)

// What a person needs to map a file's columns and check it again, with no
// new upload: the head of a job's file, some of its rows as they were, and
// a new job on the same file with other options.

type previewInput struct {
	ID    string `path:"id" doc:"the job's ID"`
	Sheet string `query:"sheet" maxLength:"256" doc:"another sheet of the workbook than the job's, by name or number"`
	Rows  int    `query:"rows" minimum:"1" maximum:"50" default:"5" doc:"how many rows after the header"`
}

type previewOutput struct {
	Body *provision.Preview
}

type rowsInput struct {
	ID  string `path:"id" doc:"the job's ID"`
	Row []int  `query:"row,explode" minItems:"1" maxItems:"1000" doc:"a row's number, as problems name it (repeatable)"`
}

// fileRow is a row of a job's file as it was read.
type fileRow struct {
	Row   int      `json:"row"`
	Cells []string `json:"cells"`
}

type rowsOutput struct {
	Body struct {
		Header []string  `json:"header" doc:"the file's header row"`
		Rows   []fileRow `json:"rows" doc:"the rows asked for that the file has, in order; secret cells are ***"`
	}
}

type rerunInput struct {
	ID   string `path:"id" doc:"the job whose file is read again"`
	hctx huma.Context
}

func (in *rerunInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	return nil
}

func (s *Server) registerJobFlow() {
	huma.Register(s.api, huma.Operation{
		OperationID: "job-preview", Method: http.MethodGet, Path: jobsPath + "/{id}/preview", Tags: []string{"jobs"},
		Summary: "The head of a job's file: its sheets, its header matched against the catalogue, its first rows",
		Description: "Read as the job's options read it (its map, set and generate), or another sheet: each header with the column it " +
			"is read as (by its name or an alias, or by map) or, ignored, the nearest column's name as a hint; the first rows, secret " +
			"cells as ***; the required columns that nothing gives; and what keeps the header from being read, if anything. Only the " +
			"first rows are read, however large the file.",
		Security: secured(roster.ScopeUsersRead),
		Errors:   []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *previewInput) (*previewOutput, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		p, err := s.cfg.Jobs.Preview(ctx, in.ID, in.Sheet, in.Rows)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &previewOutput{Body: p}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "job-rows", Method: http.MethodGet, Path: jobsPath + "/{id}/rows", Tags: []string{"jobs"},
		Summary:     "Rows of a job's file, by number, as they were read",
		Description: "The rows the problems of a result name, to show them as the file has them. Secret cells are ***.",
		Security:    secured(roster.ScopeUsersRead),
		Errors:      []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *rowsInput) (*rowsOutput, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		header, rows, err := s.cfg.Jobs.Rows(ctx, in.ID, in.Row)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &rowsOutput{}
		out.Body.Header = header
		if header == nil {
			out.Body.Header = []string{}
		}
		out.Body.Rows = make([]fileRow, 0, len(rows))
		for n, cells := range rows {
			out.Body.Rows = append(out.Body.Rows, fileRow{Row: n, Cells: cells})
		}
		slices.SortFunc(out.Body.Rows, func(a, b fileRow) int { return a.Row - b.Row })
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "rerun-job", Method: http.MethodPost, Path: jobsPath + "/{id}/rerun", Tags: []string{"jobs"},
		Summary: "Run a new job on an earlier job's file, with other options",
		Description: "The options are the query parameters of POST /api/v1/jobs (command defaults to the earlier job's); none is " +
			"taken from the earlier job. The file is not sent again: a mapping changed after a check is checked again at once. " +
			"The new job acts on the earlier job's tenant.",
		Security: secured(roster.ScopeUsersWrite), Parameters: optionParams("filename"), DefaultStatus: http.StatusAccepted,
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *rerunInput) (*jobAcceptedOutput, error) {
		if _, err := s.job(ctx, in.ID); err != nil {
			return nil, err
		}
		r, _ := humago.Unwrap(in.hctx)
		values := r.URL.Query()
		wait, err := parseWait(values.Get("wait"))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		if _, ok := values["filename"]; ok {
			return nil, s.fail(ctx, roster.OptionErrorf("filename", "does not apply: the job reads the earlier job's file, by its name"))
		}
		req, err := parseJobRequest(values)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		j, err := s.cfg.Jobs.Rerun(ctx, in.ID, jobs.Submission{ClientID: PrincipalFrom(ctx).ClientID, Command: req.Command,
			Settings: req.Settings, ExternalID: req.ExternalID})
		if err != nil {
			return nil, s.jobFail(ctx, err)
		}
		return s.waited(ctx, j, wait, false)
	})
}

// planPage reads a plan's lines and keeps a page of those of an action
// (all when action is empty): offset of them left out, then at most limit
// (0: no limit). It closes the plan.
func planPage(plan io.ReadCloser, action roster.Action, offset, limit int) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		defer plan.Close()
		br := bufio.NewReaderSize(plan, 64<<10)
		kept := 0
		for limit == 0 || kept < limit {
			line, err := br.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				// A step with many changes: its whole line.
				rest, rerr := br.ReadBytes('\n')
				line, err = append(slices.Clone(line), rest...), rerr
			}
			if len(line) == 0 && err != nil {
				pw.CloseWithError(ignoreEOF(err))
				return
			}
			if action != "" {
				var st struct {
					Action roster.Action `json:"action"`
				}
				if json.Unmarshal(line, &st) != nil || st.Action != action {
					continue
				}
			}
			if offset > 0 {
				offset--
				continue
			}
			if _, werr := pw.Write(line); werr != nil {
				return
			}
			kept++
		}
		pw.Close()
	}()
	return pr
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}
