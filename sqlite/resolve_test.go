package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAFileMadeWhileResolvingIsNotALink: while one run looks for the
// directory's file, another creates it (ten first imports at once). The
// first must see either no file or a plain one, never "a link to a file
// that does not exist": that refusal failed one of ten first imports.
func TestAFileMadeWhileResolvingIsNotALink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "roster.db")
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if f, err := os.Create(path); err == nil {
				f.Close()
			}
			os.Remove(path)
		}
	}()
	defer func() { close(stop); <-done }()
	for range 20000 {
		if _, _, err := resolve(path); err != nil {
			t.Fatal(err)
		}
	}
}
