package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// serversOfOneDirectory makes a client on the PostgreSQL directory of the
// test and starts n real `roster serve` on it, sharing one data folder.
func serversOfOneDirectory(t *testing.T, dir string, n int) (*apiClient, []*serverProc) {
	t.Helper()
	cl := importClient(t, dir)
	shared := filepath.Join(dir, "shared")
	var servers []*serverProc
	for range n {
		cmd, base := startServe(t, dir, "--data-dir", shared, "--max-queued", "100")
		servers = append(servers, &serverProc{cmd: cmd, base: base})
	}
	return &apiClient{t: t, tok: clientToken(t, servers[0].base, cl)}, servers
}

type serverProc struct {
	cmd  *exec.Cmd
	base string
}

// TestTwoServersRunEachJobOnce: 40 import jobs sent at random to two
// servers of one PostgreSQL directory, and read from either, each run
// exactly once: each created its one user, none failed a row (a second
// run of a job would find its user there), and the directory holds the
// 40 users.
func TestTwoServersRunEachJobOnce(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	api, servers := serversOfOneDirectory(t, dir, 2)
	const n = 40
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			base := servers[rand.IntN(len(servers))].base
			csv := fmt.Sprintf("username,firstname,lastname\nuser%02d,User,N%02d\n", i, i)
			ids[i] = api.submit(base, fmt.Sprintf("job%02d.csv", i), strings.NewReader(csv)).ID
		})
	}
	wg.Wait()
	for i, id := range ids {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			j := api.job(servers[rand.IntN(len(servers))].base, id)
			if j.Status.Final() {
				if j.Status != roster.JobSucceeded || j.Result == nil || j.Result.Created == nil || *j.Result.Created != 1 || j.Result.Failed != 0 {
					t.Errorf("job %d ended %s with %+v, want one user created", i, j.Status, j.Result)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %d is still %s", i, j.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	out, errOut, code := run(t, dir, "export")
	if code != 0 {
		t.Fatal(errOut)
	}
	if lines := strings.Count(out, "\n"); lines != n+1 {
		t.Errorf("the directory holds %d users, want %d", lines-1, n)
	}
}

// TestAServerKilledMidJobOnPostgreSQL: of two servers of one PostgreSQL
// directory, the one running a large atomic import is killed (SIGKILL)
// while it writes, its progress read from the other. The other marks the
// job interrupted by itself, the directory is exactly as before the job,
// and it goes on serving: a new job through it succeeds.
func TestAServerKilledMidJobOnPostgreSQL(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	copyFixture(t, dir, "wazo-users.csv")
	if _, errOut, code := run(t, dir, "import", "wazo-users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := run(t, dir, "sample", "--rows", "100000", "--with", "groups,rooms", "-o", "big.csv"); code != 0 {
		t.Fatal(errOut)
	}
	api, servers := serversOfOneDirectory(t, dir, 2)
	before := snapshot(t, dir)
	runs, other := servers[0], servers[1]
	big, err := os.Open(filepath.Join(dir, "big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	j := api.submit(runs.base, "big.csv", big)
	for {
		cur := api.job(other.base, j.ID)
		if cur.Status.Final() {
			t.Fatalf("the job ended (%s) before it could be killed", cur.Status)
		}
		if p := cur.Progress; p != nil && p.Stage == "writing" && p.Percent != nil && *p.Percent >= 10 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := runs.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	runs.cmd.Wait()
	deadline := time.Now().Add(time.Minute)
	for {
		cur := api.job(other.base, j.ID)
		if cur.Status == roster.JobInterrupted {
			break
		}
		if cur.Status.Final() || time.Now().After(deadline) {
			t.Fatalf("the killed server's job is %s, want interrupted", cur.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after := snapshot(t, dir); after != before {
		t.Error("the directory changed: a killed atomic job wrote users")
	}
	next := api.submit(other.base, "one.csv", strings.NewReader("username,firstname\nann,Ann\n"))
	for {
		cur := api.job(other.base, next.ID)
		if cur.Status.Final() {
			if cur.Status != roster.JobSucceeded {
				t.Errorf("a job after the kill: %s", cur.Status)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAJobIsCancelledThroughAnotherServer: a large atomic import that one
// server of a PostgreSQL directory runs is cancelled through the other,
// which answers once it has stopped: cancelled, and nothing written.
func TestAJobIsCancelledThroughAnotherServer(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	if _, errOut, code := run(t, dir, "sample", "--rows", "100000", "-o", "big.csv"); code != 0 {
		t.Fatal(errOut)
	}
	api, servers := serversOfOneDirectory(t, dir, 2)
	before := snapshot(t, dir)
	big, err := os.Open(filepath.Join(dir, "big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	j := api.submit(servers[0].base, "big.csv", big)
	for {
		cur := api.job(servers[1].base, j.ID)
		if cur.Status.Final() {
			t.Fatalf("the job ended (%s) before it could be cancelled", cur.Status)
		}
		if cur.Status == roster.JobRunning {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	req, _ := http.NewRequest(http.MethodPost, servers[1].base+"/api/v1/jobs/"+j.ID+"/cancel", nil)
	req.Header.Set("Authorization", "Bearer "+api.tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got roster.Job
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || got.Status != roster.JobCancelled {
		t.Fatalf("cancel through the other server: %d, %s", res.StatusCode, got.Status)
	}
	if after := snapshot(t, dir); after != before {
		t.Error("the directory changed: a cancelled atomic job wrote users")
	}
}

// TestServersOfOneDirectoryShareOneDataFolder: a server of a PostgreSQL
// directory given another data folder than its other servers' refuses to
// start (the jobs it took would have files they cannot read); given theirs,
// it starts.
func TestServersOfOneDirectoryShareOneDataFolder(t *testing.T) {
	dir := t.TempDir()
	usePostgreSQL(t, dir)
	if _, errOut, code := run(t, dir, "init"); code != 0 {
		t.Fatal(errOut)
	}
	startServe(t, dir, "--data-dir", filepath.Join(dir, "shared"))
	_, errOut, code := run(t, dir, "serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "own"))
	if code != 2 || !strings.Contains(errOut, "--data-dir") {
		t.Fatalf("a server with a folder of its own: exit %d: %s", code, errOut)
	}
	startServe(t, dir, "--data-dir", filepath.Join(dir, "shared"))
}
