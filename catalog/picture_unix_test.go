//go:build unix

package catalog_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/roster-dev/roster/catalog"
)

// TestAPictureThatIsAPipeFailsAtOnce: an avatar cell naming a named pipe
// fails its cell instead of waiting for ever for a writer.
func TestAPictureThatIsAPipeFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.png"), 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	h, err := catalog.ParseHeader([]string{"firstname", "avatar"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{Assets: root.FS()})
	_, probs := k.Check([]string{"Ann", "pipe.png"}, 2) // before the fix, this waited for ever
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.Column+": "+p.Message)
	}
	if len(msgs) != 1 || msgs[0] != "avatar: no such picture beside the file" {
		t.Errorf("problems %q", msgs)
	}
}
