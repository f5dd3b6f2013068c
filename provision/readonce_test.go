package provision_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// bytesRead is what the process has read from files so far, as Linux
// counts it (rchar of /proc/self/io).
func bytesRead(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skip("no /proc/self/io to count the bytes read")
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no rchar in /proc/self/io")
	return 0
}

// TestCheckReadsAWorkbookOnce: a file with an exten column whose rows all
// give their number is read once; only a value to generate makes the run
// read the rest of the file again, for the numbers later rows give. The
// first 900 of its users have a line, which the default context's range
// (1000-1999) has room for.
func TestCheckReadsAWorkbookOnce(t *testing.T) {
	const n = 20_000
	for _, c := range []struct {
		name  string
		first string // the first row's exten
		reads float64
	}{
		{"numbers given", "1000", 1},
		{"a number to generate", "auto", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows := [][]string{{"username", "firstname", "line_protocol", "context", "exten"}}
			for i := range n {
				line := []string{"sip", "default", strconv.Itoa(1000 + i)}
				switch {
				case i == 0:
					line[2] = c.first
				case i >= 900:
					line = []string{"", "", ""}
				}
				rows = append(rows, append([]string{fmt.Sprintf("user%d", i), "U"}, line...))
			}
			path := writeSheet(t, filepath.Join(t.TempDir(), "users.xlsx"), sheet.XLSX, rows)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			before := bytesRead(t)
			res, err := provision.Check(context.Background(), source(t, path), provision.Options{})
			if err != nil {
				t.Fatal(err)
			}
			read := float64(bytesRead(t)-before) / float64(st.Size())
			t.Logf("read %.2f times the file's %d bytes", read, st.Size())
			if read < c.reads-0.2 || read > c.reads+0.5 {
				t.Errorf("read the file %.2f times, want %v", read, c.reads)
			}
			wantProblems(t, res)
		})
	}
}
