package http

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type statusOutput struct {
	Body struct {
		Status string `json:"status" example:"ok"`
	}
}

func (s *Server) registerHealth() {
	huma.Register(s.api, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz", Tags: []string{"server"},
		Summary: "The process is alive",
	}, func(ctx context.Context, _ *struct{}) (*statusOutput, error) {
		out := &statusOutput{}
		out.Body.Status = "ok"
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "readyz", Method: http.MethodGet, Path: "/readyz", Tags: []string{"server"},
		Summary: "The directory can be reached", Errors: []int{http.StatusServiceUnavailable},
	}, func(ctx context.Context, _ *struct{}) (*statusOutput, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := s.cfg.Directory.Reference(ctx); err != nil {
			s.log.Warn("not ready", "err", err)
			return nil, problem(http.StatusServiceUnavailable, "the directory cannot be reached").retryAfter(5 * time.Second)
		}
		out := &statusOutput{}
		out.Body.Status = "ready"
		return out, nil
	})

	metrics := promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
	huma.Register(s.api, huma.Operation{
		OperationID: "metrics", Method: http.MethodGet, Path: "/metrics", Tags: []string{"server"},
		Summary:     "Prometheus metrics",
		Description: "Requests by route and status, latency histograms, jobs by status and rows imported, in Prometheus' text format. With --metrics-token, the token must be sent as Authorization: Bearer.",
		Responses: map[string]*huma.Response{"200": {Description: "Prometheus text format",
			Content: map[string]*huma.MediaType{"text/plain": {Schema: &huma.Schema{Type: "string"}}}}},
		Errors: []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			r, w := humago.Unwrap(hctx)
			if t := s.cfg.MetricsToken; t != "" && subtle.ConstantTimeCompare([]byte(bearer(r.Header.Get("Authorization"))), []byte(t)) != 1 {
				writeProblem(hctx, problem(http.StatusUnauthorized, "the metrics need the token given to --metrics-token").
					with("WWW-Authenticate", `Bearer realm="roster-metrics"`))
				return
			}
			metrics.ServeHTTP(w, r)
		}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "openapi", Method: http.MethodGet, Path: "/api/v1/openapi.json", Tags: []string{"server"},
		Summary: "This document: OpenAPI 3.1, generated from the handlers",
		Responses: map[string]*huma.Response{"200": {Description: "The OpenAPI document",
			Content: map[string]*huma.MediaType{"application/openapi+json": {Schema: &huma.Schema{Type: "object"}}}}},
	}, func(ctx context.Context, _ *struct{}) (*rawOutput, error) {
		return &rawOutput{ContentType: "application/openapi+json", Body: s.OpenAPI()}, nil
	})
}

// rawOutput is an answer whose body is already encoded.
type rawOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}
