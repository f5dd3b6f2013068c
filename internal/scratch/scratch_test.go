package scratch_test

import (
	"os"
	"testing"

	"github.com/roster-dev/roster/internal/scratch"
)

// TestFileHasNoNameButOpensAgain: a scratch file is in no folder from the
// start, and its path opens it again while it is open.
func TestFileHasNoNameButOpensAgain(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f, err := scratch.New("test-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the temporary folder holds %s", left[0].Name())
	}
	if _, err := f.WriteString("secret"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Path())
	if err != nil || string(b) != "secret" {
		t.Errorf("reopened: %q, %v", b, err)
	}
}
