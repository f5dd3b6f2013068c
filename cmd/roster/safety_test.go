package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster/sqlite"
)

// command runs roster in a subprocess: the test binary, as TestMain allows.
func command(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ROSTER_TEST_MAIN=1")
	return cmd
}

// waitReading waits until a subprocess has read part of its input file, as
// /proc tells, so that it can be stopped in the middle of its work. roster
// reads a CSV once whole (to tell its encoding), then row by row as it
// checks and writes: 1.5 times the file's size is halfway through the rows.
func waitReading(t *testing.T, cmd *exec.Cmd, input string, fraction float64) {
	t.Helper()
	st, err := os.Stat(input)
	if err != nil {
		t.Fatal(err)
	}
	want := int64(float64(st.Size()) * fraction)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", cmd.Process.Pid))
		if err != nil {
			t.Fatalf("the run ended before it could be stopped: %v", err)
		}
		var rchar int64
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "rchar: "); ok {
				rchar, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		if rchar > want {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// snapshot exports the directory with its secrets, as the state to compare.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	out, errOut, code := run(t, dir, "export", "--with-secrets")
	if code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	return out
}

// The tests of a run stopped or run twice at once, on whichever directory
// the environment names (ROSTER_DB, ROSTER_KEY_FILE): an SQLite file here,
// a PostgreSQL schema in postgres_test.go.

// killedImportLeavesItAsItWas kills an atomic import halfway with SIGKILL:
// the directory must be exactly as before.
func killedImportLeavesItAsItWas(t *testing.T, dir string) {
	t.Helper()
	copyFixture(t, dir, "wazo-users.csv")
	if _, errOut, code := run(t, dir, "import", "wazo-users.csv"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := run(t, dir, "sample", "--rows", "200000", "--with", "groups,rooms,voicemail", "-o", "big.csv"); code != 0 {
		t.Fatal(errOut)
	}
	before := snapshot(t, dir)
	cmd := command(t, dir, "import", "big.csv")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitReading(t, cmd, filepath.Join(dir, "big.csv"), 1.5)
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil {
		t.Fatal("the import ended before it could be killed")
	}
	if after := snapshot(t, dir); after != before {
		t.Fatal("the directory changed after a killed import")
	}
}

// interruptedImportWritesNothing sends Ctrl-C (SIGINT) to the first import
// of an empty directory: it stops, says so, exits 130, the directory is as
// before, and the next import finds it free.
func interruptedImportWritesNothing(t *testing.T, dir string) {
	t.Helper()
	if _, errOut, code := run(t, dir, "sample", "--rows", "100000", "--with", "groups,voicemail", "-o", "big.csv"); code != 0 {
		t.Fatal(errOut)
	}
	if _, errOut, code := run(t, dir, "init"); code != 0 {
		t.Fatal(errOut)
	}
	before := snapshot(t, dir)
	cmd := command(t, dir, "import", "big.csv")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitReading(t, cmd, filepath.Join(dir, "big.csv"), 1.5)
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if after := snapshot(t, dir); after != before {
		t.Fatal("the directory changed after an interrupted import")
	}
	copyFixture(t, dir, "wazo-users.csv")
	if _, errOut, code := run(t, dir, "import", "wazo-users.csv"); code != 0 {
		t.Fatalf("the next import: %s", errOut)
	}
}

// concurrentImportsBothLand runs two imports into a new directory at once:
// one waits for the other (which loads the empty directory in bulk), and
// both land whole.
func concurrentImportsBothLand(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"a", "b"} {
		if _, errOut, code := run(t, dir, "sample", "--rows", "20000", "--with", "groups", "--seed", map[string]string{"a": "1", "b": "2"}[name], "-o", name+".csv"); code != 0 {
			t.Fatal(errOut)
		}
		// Make the two files' usernames and emails differ.
		b, _ := os.ReadFile(filepath.Join(dir, name+".csv"))
		s := strings.ReplaceAll(string(b), "@example.com", "@"+name+".example.com")
		lines := strings.Split(s, "\n")
		for i := 1; i < len(lines); i++ {
			if lines[i] != "" {
				lines[i] = name + lines[i]
			}
		}
		os.WriteFile(filepath.Join(dir, name+".csv"), []byte(strings.Join(lines, "\n")), 0o644)
	}
	if _, errOut, code := run(t, dir, "init"); code != 0 {
		t.Fatal(errOut)
	}
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 2)
	codes := make([]int, 2)
	for i, name := range []string{"a", "b"} {
		wg.Go(func() {
			cmd := command(t, dir, "import", "--json", name+".csv")
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			cmd.Run()
			codes[i] = cmd.ProcessState.ExitCode()
		})
	}
	wg.Wait()
	for i := range codes {
		if codes[i] != 0 {
			t.Fatalf("import %d: exit %d: %s", i, codes[i], outs[i].String())
		}
	}
	out := snapshot(t, dir)
	if n := strings.Count(out, "\n") - 1; n != 40000 {
		t.Fatalf("%d users in the directory, want 40000", n)
	}
}

// TestKilledImportLeavesDirectoryAsItWas: the SQLite file is as before, and
// sound.
func TestKilledImportLeavesDirectoryAsItWas(t *testing.T) {
	dir := t.TempDir()
	killedImportLeavesItAsItWas(t, dir)
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res, err := db.IntegrityCheck(context.Background()); err != nil || res != "ok" {
		t.Fatalf("integrity check: %q %v", res, err)
	}
}

func TestInterruptedImportWritesNothing(t *testing.T) {
	interruptedImportWritesNothing(t, t.TempDir())
}

func TestConcurrentImportsBothLand(t *testing.T) {
	concurrentImportsBothLand(t, t.TempDir())
}

// TestNoPlaintextPasswordOnDisk imports users with passwords (given and
// generated) and failed rows: no plaintext password may be in the database
// file, the output or any report but success.csv, and there only the
// generated ones.
func TestNoPlaintextPasswordOnDisk(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "users.csv"), []byte(`username,firstname,email,password,voicemail_name,voicemail_number,voicemail_context,voicemail_password
alice,Alice,alice@example.com,Secret-Alice-1,,,,
bob,Bob,bob@example.com,,,,,
carol,Carol,carol@,Secret-Carol-2,Carol,1500,default,918273
dave,Dave,dave@example.com,Secret-Dave-3,Dave,1501,default,564738
`), 0o644)
	out, errOut, code := run(t, dir, "import", "--mode", "partial", "--generate", "password", "--report-dir", "reports", "--json", "users.csv")
	if code != 1 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	res := decode(t, out)
	if res.Reports == nil || res.Reports.Success == nil || res.Reports.Errors == nil {
		t.Fatalf("reports: %+v", res.Reports)
	}
	success, _ := os.ReadFile(filepath.Join(dir, *res.Reports.Success))
	lines := strings.Split(strings.TrimSpace(string(success)), "\n")
	generated := ""
	for _, l := range lines {
		if strings.Contains(l, ",bob,") {
			f := strings.Split(l, ",")
			generated = f[len(f)-1]
		} else if strings.HasSuffix(l, ",") == false && !strings.HasPrefix(l, "row,") {
			t.Errorf("success.csv shows a password that was not generated: %s", l)
		}
	}
	if len(generated) != 16 {
		t.Fatalf("no generated password for bob in %q", success)
	}
	secrets := []string{"Secret-Alice-1", "Secret-Carol-2", "Secret-Dave-3", "918273", "564738"}
	var files []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && p != filepath.Join(dir, "users.csv") {
			files = append(files, p)
		}
		return nil
	})
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the plaintext secret %s", filepath.Base(p), s)
			}
		}
		if !strings.HasSuffix(p, "success.csv") && bytes.Contains(b, []byte(generated)) {
			t.Errorf("%s holds the generated password", filepath.Base(p))
		}
	}
	for _, s := range append(secrets, generated) {
		if strings.Contains(out+errOut, s) {
			t.Errorf("the output shows the secret %s", s)
		}
	}
}
