package http

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/roster-dev/roster"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (not the library's global one), so that two servers in one process, as
// in the tests, do not share counters.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	// jobs counts finished jobs by command and status; rows counts rows
	// of finished jobs by action. The jobs feed them.
	jobs *prometheus.CounterVec
	rows *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "roster_http_request_duration_seconds", Help: "Time to answer an HTTP request, by method and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "roster_http_requests_in_flight", Help: "HTTP requests being answered.",
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_jobs_total", Help: "Finished jobs by command and status.",
		}, []string{"command", "status"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roster_rows_total", Help: "Rows of finished jobs by action (create, update, unchanged, skip, error).",
		}, []string{"action"}),
	}
	// Every series exists from the start, at zero, so that rates and
	// alerts see the first job too.
	for _, command := range []string{"import", "update", "check"} {
		for _, status := range []string{"succeeded", "failed", "cancelled", "interrupted"} {
			m.jobs.WithLabelValues(command, status)
		}
	}
	for _, action := range []roster.Action{roster.Create, roster.Update, roster.Unchanged, roster.Skip, roster.Failed} {
		m.rows.WithLabelValues(string(action))
	}
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.jobs, m.rows,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// jobFinished counts a job that ended and, unless it was a dry run, its
// rows by what was done with them.
func (m *metrics) jobFinished(j *roster.Job) {
	m.jobs.WithLabelValues(j.Command, string(j.Status)).Inc()
	res := j.Result
	if res == nil || res.DryRun {
		return
	}
	for action, n := range map[roster.Action]int{roster.Create: deref(res.Created), roster.Update: deref(res.Updated),
		roster.Unchanged: res.Unchanged, roster.Skip: deref(res.Skipped), roster.Failed: res.Failed} {
		if n > 0 {
			m.rows.WithLabelValues(string(action)).Add(float64(n))
		}
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
