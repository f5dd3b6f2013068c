package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster/sqlite"
)

// A real `roster serve` gets SIGTERM while a request is in flight: it
// stops accepting, lets the request finish, and exits 0.
func TestServeShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	cl := createClient(t, dir, "ops", "setup:write users:read")

	cmd := command(t, dir, "serve", "--addr", "127.0.0.1:0", "--shutdown-timeout", "1m")
	cmd.Env = append(cmd.Env, "ROSTER_METRICS_TOKEN=metrics-secret")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	logs := make(chan map[string]any, 100)
	var logText strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logText.WriteString(sc.Text() + "\n")
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				t.Errorf("a log line that is not JSON: %s", sc.Text())
				continue
			}
			logs <- line
		}
		close(logs)
	}()
	// wait returns the first log line with a message; the deadline only
	// keeps a broken server from hanging the test.
	wait := func(msg string) map[string]any {
		t.Helper()
		deadline := time.After(time.Minute)
		for {
			select {
			case line, ok := <-logs:
				if !ok {
					t.Fatalf("the server ended before logging %q", msg)
				}
				if line["msg"] == msg {
					return line
				}
			case <-deadline:
				t.Fatalf("no %q in the log", msg)
			}
		}
	}
	base := "http://" + wait("serving")["addr"].(string)
	if res, err := http.Get(base + "/metrics"); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("metrics without the token of ROSTER_METRICS_TOKEN: %v %v", res, err)
	}

	tok := clientToken(t, base, cl)

	// A request whose body comes in two halves, the second after SIGTERM.
	body, send := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/setup", body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/yaml")
	answer := make(chan *http.Response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("the request in flight failed: %v", err)
		}
		answer <- res
	}()
	if _, err := io.WriteString(send, "tenants:\n"); err != nil {
		t.Fatal(err)
	}
	// In flight: the metrics count it (and themselves).
	for inFlight(t, base) < 2 {
		time.Sleep(10 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wait("shutting down")
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("a new request was accepted after SIGTERM")
	}
	io.WriteString(send, "  - name: acme\n")
	send.Close()
	res := <-answer
	if res == nil {
		t.FailNow()
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "added tenant acme") {
		t.Errorf("the request in flight: %d %s", res.StatusCode, b)
	}
	wait("stopped")
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
	if out, _, _ := run(t, dir, "setup", "--show"); !strings.Contains(out, "name: acme") {
		t.Errorf("the request's change was not kept:\n%s", out)
	}
	if strings.Contains(logText.String(), cl.ClientSecret) || strings.Contains(logText.String(), tok) {
		t.Error("the log holds a secret or a token")
	}
}

// inFlight reads the number of requests being answered from /metrics.
func inFlight(t *testing.T, base string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "roster_http_requests_in_flight "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatal("no roster_http_requests_in_flight in the metrics")
	return 0
}

// While another process holds the directory's write lock, as a long
// import does, a real `roster serve` issues a token, takes it, and signs an
// operator in and out: the requests are answered while the lock is still
// held (it is released only after them). The clients give up after a
// minute, so that a server that waited fails the test rather than hang it.
func TestServeDoesNotWaitForAnImport(t *testing.T) {
	dir := t.TempDir()
	cl := createClient(t, dir, "hr", "users:read")
	if _, errOut, code := runStdin(t, dir, "correct horse battery\n", "operators", "create", "ana", "--all-tenants", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	_, base := startServe(t, dir)

	db, err := sqlite.OpenExisting(context.Background(), filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	tok := clientToken(t, base, cl)
	client := &http.Client{Timeout: time.Minute}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/setup", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := client.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the token while an import runs: %v %v", res, err)
	}
	res.Body.Close()

	browser := signIn(t, base, "ana", "correct horse battery")
	res, err = browser.Get(base + "/clients")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("a page while an import runs: %v %v", res, err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no form token")
	}
	if res, err = browser.PostForm(base+"/logout", url.Values{"csrf": {string(m[1])}}); err != nil || res.Request.URL.Path != "/login" {
		t.Fatalf("signing out while an import runs: %v %v", res, err)
	}
	res.Body.Close()
	tx.Rollback()
}
