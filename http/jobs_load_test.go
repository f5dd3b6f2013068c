package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/roster-dev/roster"
)

// TestJobsConcurrently: 40 clients import their own files at once (in
// both ways of sending one) while others read the jobs and the metrics: no
// answer is a 5xx, no job is lost, and every user is written once.
func TestJobsConcurrently(t *testing.T) {
	e := newEnv(t)
	const clients, users = 40, 25
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = e.writer("")
	}
	reader := e.writer("")
	var serverErrors atomic.Int64
	check := func(res *http.Response) {
		if res.StatusCode >= 500 {
			b, _ := io.ReadAll(res.Body)
			t.Errorf("%s %s: %d %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, b)
			serverErrors.Add(1)
		}
	}
	// read checks an answer to a reader and reads it whole, so that the
	// connection serves the next request.
	read := func(res *http.Response) {
		check(res)
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	ctx, stop := context.WithCancel(context.Background())
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for ctx.Err() == nil {
				read(e.get("/api/v1/jobs?limit=50", reader))
				read(e.get("/metrics", reader))
			}
		})
	}
	ids := make([]string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			var b strings.Builder
			b.WriteString("username,firstname,email\n")
			for n := range users {
				fmt.Fprintf(&b, "c%du%d,User,c%du%d@example.com\n", i, n, i, n)
			}
			var res *http.Response
			if i%2 == 0 {
				res = e.submit(tokens[i], fmt.Sprintf("c%d.csv", i), []byte(b.String()), "", "Idempotency-Key", fmt.Sprint("k", i))
			} else {
				res = e.submitForm(tokens[i], fmt.Sprintf("c%d.csv", i), []byte(b.String()), nil, "")
			}
			check(res)
			var j roster.Job
			e.decode(res, http.StatusAccepted, &j)
			ids[i] = j.ID
			// A retry of the same upload makes no second job.
			if i%2 == 0 {
				res := e.submit(tokens[i], "again.csv", []byte(b.String()), "", "Idempotency-Key", fmt.Sprint("k", i))
				check(res)
				var again roster.Job
				e.decode(res, http.StatusAccepted, &again)
				if again.ID != j.ID {
					t.Errorf("client %d: a retry made job %s besides %s", i, again.ID, j.ID)
				}
			}
		})
	}
	wg.Wait()
	for i, id := range ids {
		j := e.wait(tokens[i], id)
		if j.Status != roster.JobSucceeded || j.Result.Failed != 0 || *j.Result.Created != users {
			t.Errorf("job %d: %s %+v", i, j.Status, j.Result)
		}
	}
	stop()
	readers.Wait()
	var list struct {
		Items []*roster.Job `json:"items"`
	}
	e.decode(e.get("/api/v1/jobs?limit=1000", reader), http.StatusOK, &list)
	if len(list.Items) != clients {
		t.Errorf("%d jobs listed, want %d", len(list.Items), clients)
	}
	seen := map[string]int{}
	e.db.Export(context.Background(), "", false, func(u *roster.User) error { seen[u.Username]++; return nil })
	if len(seen) != clients*users {
		t.Errorf("%d users, want %d", len(seen), clients*users)
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("%s written %d times", name, n)
		}
	}
	// The metrics counted every job.
	res := e.get("/metrics", reader)
	b, _ := io.ReadAll(res.Body)
	if !bytes.Contains(b, []byte(`roster_jobs_total{command="import",status="succeeded"} 40`)) ||
		!bytes.Contains(b, []byte(fmt.Sprintf(`roster_rows_total{action="create"} %d`, clients*users))) {
		t.Errorf("metrics:\n%s", grep(string(b), "roster_jobs_total", "roster_rows_total"))
	}
}

func grep(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
