package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// startServe starts `roster serve` in a subprocess and returns it with
// its address, once it serves.
func startServe(t *testing.T, dir string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := command(t, dir, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "serving" {
				addr <- line["addr"].(string)
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatal("the server ended before it served")
		}
		return cmd, "http://" + a
	case <-time.After(time.Minute):
		t.Fatal("the server did not start")
	}
	return nil, ""
}

// TestKilledServerLeavesItsJobInterrupted: a real `roster serve` killed
// with SIGKILL during a large atomic import job: at the next start the job
// is interrupted, and the directory is exactly as it was before. Stopped
// with SIGTERM instead, the server cancels the job, records it as
// interrupted itself and exits 0, the directory as it was.
func TestKilledServerLeavesItsJobInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { interruptJob(t, sig) })
	}
}

func interruptJob(t *testing.T, sig syscall.Signal) {
	dir := t.TempDir()
	copyFixture(t, dir, "wazo-users.csv")
	if _, errOut, code := run(t, dir, "import", "wazo-users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := run(t, dir, "sample", "--rows", "200000", "--with", "groups,rooms", "-o", "big.csv"); code != 0 {
		t.Fatal(errOut)
	}
	cl := importClient(t, dir)
	before := snapshot(t, dir)

	cmd, base := startServe(t, dir)
	api := &apiClient{t: t, tok: clientToken(t, base, cl)}
	big, err := os.Open(filepath.Join(dir, "big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	j := api.submit(base, "big.csv", big)
	// Killed once it writes, well into the file.
	for {
		cur := api.job(base, j.ID)
		if cur.Status.Final() {
			t.Fatalf("the job ended (%s) before it could be killed", cur.Status)
		}
		if p := cur.Progress; p != nil && p.Stage == "writing" && p.Percent != nil && *p.Percent >= 30 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); sig == syscall.SIGTERM && err != nil {
		t.Errorf("after SIGTERM: %v, want exit 0", err)
	}

	_, base = startServe(t, dir)
	api.tok = clientToken(t, base, cl)
	if after := api.job(base, j.ID); after.Status != roster.JobInterrupted || after.FinishedAt == nil {
		t.Errorf("after the restart the job is %s, want interrupted", after.Status)
	}
	if after := snapshot(t, dir); after != before {
		t.Error("the directory changed: a killed atomic job wrote users")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "roster.db.data", "jobs")); len(entries) != 1 {
		t.Errorf("the data folder holds %d jobs, want the interrupted one", len(entries))
	}
}

// TestServeKeepsJobsInItsDataFolder: --data-dir names the folder of the
// jobs' files; nothing of them is beside the directory then.
func TestServeKeepsJobsInItsDataFolder(t *testing.T) {
	dir := t.TempDir()
	cl := importClient(t, dir)
	data := filepath.Join(dir, "shared", "data")
	_, base := startServe(t, dir, "--data-dir", data)
	tok := clientToken(t, base, cl)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/jobs?filename=users.csv&wait=60s", strings.NewReader("username,firstname\nann,Ann\n"))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var j roster.Job
	json.NewDecoder(res.Body).Decode(&j)
	res.Body.Close()
	if j.Status != roster.JobSucceeded {
		t.Fatalf("job %s", j.Status)
	}
	if _, err := os.Stat(filepath.Join(data, "jobs", j.ID, "upload")); err != nil {
		t.Errorf("the upload is not in --data-dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "roster.db.data")); !os.IsNotExist(err) {
		t.Errorf("a data folder beside the directory: %v", err)
	}
}

// clientToken gets a token from a server with a client's secret. The
// request gives up after a minute, so that a server that waits fails the
// test rather than hang it.
func clientToken(t *testing.T, base string, cl clientInfo) string {
	t.Helper()
	client := &http.Client{Timeout: time.Minute}
	res, err := client.PostForm(base+"/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(res.Body).Decode(&tok)
	return tok.AccessToken
}

// importClient makes a client of all tenants that reads and imports users.
func importClient(t *testing.T, dir string) clientInfo {
	t.Helper()
	return createClient(t, dir, "hr", "users:read users:write")
}

// createClient makes a client of all tenants with a scope, and more
// options of `clients create` if given.
func createClient(t *testing.T, dir, name, scope string, args ...string) clientInfo {
	t.Helper()
	out, errOut, code := run(t, dir, append([]string{"clients", "create", name, "--all-tenants", "--scope", scope, "--json"}, args...)...)
	if code != 0 {
		t.Fatal(errOut)
	}
	var cl clientInfo
	if err := json.Unmarshal([]byte(out), &cl); err != nil {
		t.Fatal(err)
	}
	return cl
}

// apiClient calls the jobs API of the servers of one directory with one
// client's token.
type apiClient struct {
	t   *testing.T
	tok string
}

// submit sends a file as an import job to a server.
func (c *apiClient) submit(base, name string, body io.Reader) roster.Job {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/jobs?filename="+name, body)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var j roster.Job
	if res.StatusCode != http.StatusAccepted || json.NewDecoder(res.Body).Decode(&j) != nil {
		b, _ := io.ReadAll(res.Body)
		c.t.Fatalf("submitting %s: %d %s", name, res.StatusCode, b)
	}
	return j
}

// job reads a job from a server.
func (c *apiClient) job(base, id string) roster.Job {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/jobs/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var j roster.Job
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&j) != nil {
		c.t.Fatalf("job %s from %s: %d", id, base, res.StatusCode)
	}
	return j
}
