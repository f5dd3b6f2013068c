package http

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// info is what the handlers learn about a request that its log line
// and metrics need: who made it. The middleware owns it; the
// authentication fills it in.
type info struct {
	path     string
	clientID string
}

type infoKey struct{}

func infoFrom(ctx context.Context) *info {
	if i, ok := ctx.Value(infoKey{}).(*info); ok {
		return i
	}
	return &info{}
}

// observe logs every request as one JSON line and counts it in the
// metrics, by route pattern (not by path, whose IDs would make a series
// per user). It never logs a header, a query string or a body: they may
// hold tokens, secrets and people's data.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		i := &info{path: r.URL.Path}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, i))
		sw := &statusWriter{ResponseWriter: w}
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", v)
				if sw.status == 0 {
					writeProblemTo(sw, problem(http.StatusInternalServerError, "Internal error."))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(r.Method, route, strconv.Itoa(status)).Inc()
			s.metrics.latency.WithLabelValues(r.Method, route).Observe(d.Seconds())
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("client_id", i.clientID), slog.String("remote", r.RemoteAddr))
		}()
		if _, pattern := s.routes.Handler(r); pattern == "" {
			s.unmatched(sw, r)
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// unmatched answers a request that no route takes with the mux's status
// (404, or 405 with its Allow header), as a problem like every other
// error rather than the mux's plain text.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	h, _ := s.routes.Handler(r)
	cw := &captureWriter{header: http.Header{}}
	h.ServeHTTP(cw, r)
	p := problem(cw.status, "no endpoint "+r.URL.Path+"; the endpoints are listed in /api/v1/openapi.json")
	if cw.status == http.StatusMethodNotAllowed {
		p.Detail = r.Method + " is not an operation of " + r.URL.Path
		p.with("Allow", cw.header.Get("Allow"))
	}
	writeProblemTo(w, p)
}

// captureWriter keeps the status and headers of an answer, not its body.
type captureWriter struct {
	header http.Header
	status int
}

func (w *captureWriter) Header() http.Header         { return w.header }
func (w *captureWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *captureWriter) WriteHeader(code int)        { w.status = code }

// statusWriter remembers the status of an answer. Unwrap lets
// http.ResponseController reach the connection (flushes for server-sent
// events, read deadlines for uploads).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
