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

// TestKeepPutsTheWholeFileInPlace: a file made beside its target has no
// name until Keep, which replaces the target at once with the given mode;
// one closed without Keep leaves nothing.
func TestKeepPutsTheWholeFileInPlace(t *testing.T) {
	dir := t.TempDir()
	target := dir + "/out.csv"
	os.WriteFile(target, []byte("old"), 0o644)
	f, err := scratch.NewBeside(target)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if b, _ := os.ReadFile(target); string(b) != "old" {
		t.Errorf("the target changed before Keep: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d entries before Keep, want the target only", len(entries))
	}
	if err := f.Keep(target, 0o600); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, err := os.Stat(target)
	if b, _ := os.ReadFile(target); string(b) != "new" || err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("kept: %q, %v, %v", b, st.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d entries after Keep, want the target only", len(entries))
	}

	g, err := scratch.NewBeside(dir + "/other.csv")
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("half")
	g.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a file closed without Keep left %s", entries[len(entries)-1].Name())
	}
}
