package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestExportIntoAPipeKeepsThePipe: an export to a named pipe (or a device
// such as /dev/null, or /dev/stdout) writes into it; putting a file in its
// place, as for a regular file, would replace the device or the pipe.
func TestExportIntoAPipeKeepsThePipe(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "wazo-users.csv")
	if _, errOut, code := run(t, dir, "import", "wazo-users.csv"); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if _, errOut, code := run(t, dir, "export", "-o", fifo); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v, %v", st.Mode(), err)
	}
	if out := <-got; strings.Count(out, "\n") != 5 {
		t.Errorf("the pipe carried %q, want a header and 4 users", out)
	}
}

// TestExportLeavesOnlyItsFile: an export with secrets replaces its target
// whole, readable by its owner only, and leaves no other file beside it.
func TestExportLeavesOnlyItsFile(t *testing.T) {
	dir := t.TempDir()
	copyFixture(t, dir, "wazo-users.csv")
	if _, errOut, code := run(t, dir, "import", "wazo-users.csv"); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	out := filepath.Join(dir, "out", "users.csv")
	os.Mkdir(filepath.Dir(out), 0o700)
	os.WriteFile(out, []byte("earlier"), 0o644)
	if _, errOut, code := run(t, dir, "export", "--with-secrets", "-o", out); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	st, err := os.Stat(out)
	b, _ := os.ReadFile(out)
	if err != nil || st.Mode().Perm() != 0o600 || strings.Count(string(b), "\n") != 5 {
		t.Errorf("the export is %v, %q, %v", st.Mode(), b, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("the folder holds %d files, want the export only", len(entries))
	}
}
