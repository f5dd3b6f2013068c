package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// rows returns a CSV of n new users, named after prefix.
func rows(prefix string, n int) []byte {
	var b strings.Builder
	b.WriteString("username,firstname,lastname,email\n")
	for i := range n {
		fmt.Fprintf(&b, "%s.%d,First,Last,%s.%d@example.com\n", prefix, i, prefix, i)
	}
	return []byte(b.String())
}

// postCSV submits a CSV as a job and decodes the answer.
func postCSV(b *testing.B, url, tok string, body []byte) (*http.Response, *roster.Job) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var j roster.Job
	json.NewDecoder(res.Body).Decode(&j)
	return res, &j
}

// BenchmarkSmallJobWait: a 25-row import with ?wait=, from clients in
// parallel: one request per job, answered when it ended. Imports write one
// at a time, so this is the rate of small imports a directory takes.
func BenchmarkSmallJobWait(b *testing.B) {
	e := newEnv(&testing.T{})
	tok := e.writer("")
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, j := postCSV(b, e.url+"/api/v1/jobs?wait=60s&filename=users.csv", tok, rows(fmt.Sprint("u", n.Add(1)), 25))
			if res.StatusCode != http.StatusAccepted || j.Status != roster.JobSucceeded || *j.Result.Created != 25 {
				b.Fatalf("%d %s %+v", res.StatusCode, j.Status, j.Result)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkReadsDuringImports: the latency of GET /api/v1/jobs/{id} while
// 40 clients' import jobs of 20,000 rows each run (one at a time, as
// writes do, the others waiting), read by 4 clients in a loop. Reports
// the 50th and 99th percentiles.
func BenchmarkReadsDuringImports(b *testing.B) {
	for range b.N {
		e := newEnv(&testing.T{})
		const jobs = 40
		tokens := make([]string, jobs)
		ids := make([]string, jobs)
		for i := range tokens {
			tokens[i] = e.writer("")
		}
		for i := range jobs {
			_, j := postCSV(b, e.url+"/api/v1/jobs?filename=users.csv", tokens[i], rows(fmt.Sprint("c", i), 20_000))
			ids[i] = j.ID
		}
		var mu sync.Mutex
		var latencies []time.Duration
		var done atomic.Bool
		var readers sync.WaitGroup
		for r := range 4 {
			readers.Go(func() {
				for i := r; !done.Load(); i++ {
					req, _ := http.NewRequest(http.MethodGet, e.url+"/api/v1/jobs/"+ids[i%jobs], nil)
					req.Header.Set("Authorization", "Bearer "+tokens[i%jobs])
					start := time.Now()
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					d := time.Since(start)
					if res.StatusCode != http.StatusOK {
						b.Errorf("status %d", res.StatusCode)
						return
					}
					mu.Lock()
					latencies = append(latencies, d)
					mu.Unlock()
				}
			})
		}
		for i, id := range ids {
			if j := e.wait(tokens[i], id); j.Status != roster.JobSucceeded {
				b.Fatalf("job %d: %s", i, j.Status)
			}
		}
		done.Store(true)
		readers.Wait()
		slices.Sort(latencies)
		at := func(p float64) float64 {
			return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(at(0.50), "p50-ms")
		b.ReportMetric(at(0.99), "p99-ms")
		b.ReportMetric(float64(len(latencies)), "reads")
	}
}
