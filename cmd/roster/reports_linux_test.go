package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A subprocess started with ROSTER_TEST_FSIZE may write no file larger
// than that many bytes, as on a full disk (Go ignores SIGXFSZ, so writes
// fail with EFBIG).
func init() {
	if v := os.Getenv("ROSTER_TEST_FSIZE"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			panic(err)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			panic(err)
		}
	}
}

// TestFullDiskWritesNothing: a partial import whose error report cannot be
// written, since the disk is full, commits nothing (not even its good
// row), leaves no half report, and says so.
func TestFullDiskWritesNothing(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := run(t, dir, "init"); code != 0 {
		t.Fatal(errOut)
	}
	var b strings.Builder
	b.WriteString("username,firstname,email,notes\nok,Ok,ok@example.com,\n")
	notes := strings.Repeat("n", 1000)
	for i := range 3000 { // a 3 MB error report
		fmt.Fprintf(&b, "u%d,Name,u%d@,%s\n", i, i, notes)
	}
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte(b.String()), 0o644)
	cmd := command(t, dir, "import", "--mode", "partial", "users.csv")
	cmd.Env = append(cmd.Env, "ROSTER_TEST_FSIZE=1048576")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "nothing was written to the directory") {
		t.Fatalf("exit %d (%v): %s", code, err, out)
	}
	if users := snapshot(t, dir); strings.Count(users, "\n") != 1 {
		t.Errorf("users were written:\n%s", users)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "roster-reports")); len(left) > 0 {
		t.Errorf("a half-written report is left: %s", left[0].Name())
	}
}

// TestStdinCopyDoesNotOutliveAKill kills a run reading standard input with
// SIGKILL while it copies it: nothing of the input is left in the
// temporary folder.
func TestStdinCopyDoesNotOutliveAKill(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	cmd := command(t, dir, "check", "-")
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	fmt.Fprintf(in, "username,firstname,password\nann,Ann,Secret-Ann-1\n")
	// Wait until the copy is open, as /proc tells, then kill it while it
	// waits for the rest of the input.
	for open := false; !open; time.Sleep(time.Millisecond) {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
		if err != nil {
			t.Fatalf("the run ended before it could be killed: %v", err)
		}
		for _, fd := range fds {
			target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, fd.Name()))
			open = open || strings.HasPrefix(target, tmp)
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("a killed run left %s in the temporary folder", left[0].Name())
	}
}
