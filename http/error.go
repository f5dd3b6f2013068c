package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
)

// Problem is an error answer, RFC 9457 (application/problem+json). Errors
// holds row problems where a request's content was checked like a row.
type Problem struct {
	Type   string           `json:"type" doc:"about:blank, or urn:roster:problem:CODE for an application error"`
	Title  string           `json:"title"`
	Status int              `json:"status"`
	Detail string           `json:"detail,omitempty"`
	Errors []roster.Problem `json:"errors,omitempty"`

	header http.Header
}

func (p *Problem) Error() string             { return p.Detail }
func (p *Problem) GetStatus() int            { return p.Status }
func (p *Problem) GetHeaders() http.Header   { return p.header }
func (p *Problem) ContentType(string) string { return "application/problem+json" }
func (p *Problem) with(k, v string) *Problem { p.header.Set(k, v); return p }
func (p *Problem) retryAfter(d time.Duration) *Problem {
	return p.with("Retry-After", strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))))
}

// problem returns a problem of an HTTP status with a message in plain words.
func problem(status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, header: http.Header{}}
}

// statusOf maps the code of an application error to an HTTP status.
func statusOf(code string) int {
	switch code {
	case roster.EINVALID:
		return http.StatusBadRequest
	case roster.EUNREADABLE:
		return http.StatusUnprocessableEntity
	case roster.ENOTFOUND:
		return http.StatusNotFound
	case roster.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// fail turns any error into the problem answered for it: an application
// error keeps its message; anything else is logged in full and answered
// "Internal error.", since its details are for the operator.
func (s *Server) fail(ctx context.Context, err error) error {
	if p, ok := err.(*Problem); ok {
		return p
	}
	if ctx.Err() != nil {
		p := problem(499, "the client closed the request")
		p.Title = "Client Closed Request"
		return p
	}
	code := roster.ErrorCode(err)
	if code == roster.EINTERNAL {
		s.log.ErrorContext(ctx, "internal error", "err", err, "path", infoFrom(ctx).path)
	}
	return problemOf(err)
}

// problemOf is the problem answered for an error: an application error's
// message, its options named as the API's parameters; "Internal error."
// for anything else.
func problemOf(err error) *Problem {
	code := roster.ErrorCode(err)
	p := problem(statusOf(code), roster.ErrorWords(err, APIWords))
	if code != roster.EINTERNAL {
		p.Type = "urn:roster:problem:" + code
	}
	return p
}

// JobProblem is the problem object of a job whose run failed: what the
// request would have been answered, had the job run in it. Internal errors
// say only "Internal error."; the runner logs them.
func JobProblem(err error) *roster.JobError {
	p := problemOf(err)
	return &roster.JobError{Type: p.Type, Title: p.Title, Status: p.Status, Detail: p.Detail}
}

// problemType gives huma's own errors (a query parameter of the wrong
// type, a body over its limit) the type that RFC 9457 readers expect.
func problemType(_ huma.Context, _ string, v any) (any, error) {
	if m, ok := v.(*huma.ErrorModel); ok && m.Type == "" {
		m.Type = "about:blank"
	}
	return v, nil
}
