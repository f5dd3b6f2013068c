package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/jobs"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sqlite"
)

func open(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	dir := t.TempDir()
	return openAt(t, filepath.Join(dir, "roster.db")), filepath.Join(dir, "data")
}

func openAt(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func runner(t *testing.T, db *sqlite.DB, data string) *jobs.Runner {
	t.Helper()
	r, err := jobs.New(jobs.Config{Directory: db, Store: db, Dir: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func submit(t *testing.T, r *jobs.Runner, content string) *roster.Job {
	t.Helper()
	up, err := r.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	up.Write([]byte(content))
	j, _, err := r.Submit(context.Background(), up, jobs.Submission{ClientID: "c", Name: "users.csv",
		Settings: provision.Settings{}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestAnAcceptedJobIsNeverLost: a job accepted while an import held the
// directory's write lock (so that its row could not be written yet) and
// whose server then died is in the directory at the next start, as
// interrupted: its folder described it.
func TestAnAcceptedJobIsNeverLost(t *testing.T) {
	db, data := open(t)
	defer func(d time.Duration) { sqlite.BusyTimeout = d }(sqlite.BusyTimeout)
	sqlite.BusyTimeout = 100 * time.Millisecond
	r := runner(t, db, data)
	// Another process imports: it holds the write lock.
	other := openAt(t, db.Path())
	tx, err := other.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	j := submit(t, r, "username,firstname\nann,Ann\n")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := r.Stop(ctx); err == nil {
		t.Fatal("the runner stopped as if it had recorded its jobs")
	}
	// The server dies before the lock is free: its connections go.
	db.Close()
	tx.Rollback()
	other.Close()
	db = openAt(t, db.Path())
	if _, err := db.Job(context.Background(), j.ID); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Fatalf("the job's row was written (%v); the test needs it missing", err)
	}

	r2 := runner(t, db, data)
	defer r2.Stop(context.Background())
	got, err := db.Job(context.Background(), j.ID)
	if err != nil || got.Status != roster.JobInterrupted || got.ClientID != "c" || got.File.Name != "users.csv" {
		t.Fatalf("after the restart: %+v, %v", got, err)
	}
}

// TestAnUploadThatNeverBecameAJobIsRemoved: a folder without a job (a
// server that died during an upload) is removed at the next start.
func TestAnUploadThatNeverBecameAJobIsRemoved(t *testing.T) {
	db, data := open(t)
	r := runner(t, db, data)
	up, err := r.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	up.Write([]byte("half a file"))
	r.Stop(context.Background())
	r2 := runner(t, db, data)
	defer r2.Stop(context.Background())
	list, _ := filepath.Glob(filepath.Join(data, "jobs", "*"))
	if len(list) != 0 {
		t.Errorf("left: %v", list)
	}
}

// TestADataFolderOthersCanReachIsRefused: the jobs' files hold uploads
// and passwords: their folder may not be readable by others, nor a link
// to elsewhere.
func TestADataFolderOthersCanReachIsRefused(t *testing.T) {
	db, data := open(t)
	runner(t, db, data).Stop(context.Background())
	jobsDir := filepath.Join(data, "jobs")
	if err := os.Chmod(jobsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := jobs.New(jobs.Config{Directory: db, Store: db, Dir: data})
	if err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("error %v, want the folder refused", err)
	}
	elsewhere := t.TempDir()
	if err := os.Remove(jobsDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, jobsDir); err != nil {
		t.Fatal(err)
	}
	_, err = jobs.New(jobs.Config{Directory: db, Store: db, Dir: data})
	if err == nil || !strings.Contains(err.Error(), "link") {
		t.Errorf("error %v, want the link refused", err)
	}
}

// TestASharedFolderKeepsOthersJobsAndSweepsOldOrphans: with a folder that
// several servers share, a start leaves alone the folders it has no row
// for (another server may be describing its job), and retention removes
// those that no row names once they are older than it.
func TestASharedFolderKeepsOthersJobsAndSweepsOldOrphans(t *testing.T) {
	db, data := open(t)
	if err := os.MkdirAll(filepath.Join(data, "jobs"), 0o700); err != nil {
		t.Fatal(err)
	}
	young, old := "0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"
	for _, id := range []string{young, old} {
		if err := os.Mkdir(filepath.Join(data, "jobs", id), 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(data, "jobs", id, "upload"), []byte("username\nann\n"), 0o600)
	}
	long := time.Now().Add(-2 * jobs.DefaultRetention)
	if err := os.Chtimes(filepath.Join(data, "jobs", old), long, long); err != nil {
		t.Fatal(err)
	}
	r, err := jobs.New(jobs.Config{Directory: db, Store: db, Dir: data, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer r.Stop(context.Background())
	if _, err := os.Stat(filepath.Join(data, "jobs", young)); err != nil {
		t.Errorf("a folder another server may be filling was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "jobs", old)); !os.IsNotExist(err) {
		t.Errorf("an orphan older than the retention is still there: %v", err)
	}
	if list, err := db.Jobs(context.Background(), roster.JobFilter{}); err != nil || len(list) != 0 {
		t.Errorf("the start recorded %d jobs of other servers (%v)", len(list), err)
	}
}
