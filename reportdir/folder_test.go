package reportdir_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/reportdir"
)

// TestReportsAreNeverWrittenThroughALink: a symbolic link where a report
// or its folder goes is refused, and what it points to is left alone.
func TestReportsAreNeverWrittenThroughALink(t *testing.T) {
	secretsGoHere := t.TempDir()
	target := filepath.Join(secretsGoHere, "stolen.csv")
	link := func(t *testing.T, at string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(at), 0o700)
		if err := os.Symlink(target, at); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a link in the report folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "reports")
		link(t, filepath.Join(dir, "success.csv"))
		_, err := reportdir.New(dir).Create("success.csv")
		if err == nil || !strings.Contains(err.Error(), "already holds files") {
			t.Errorf("error %v, want the folder refused", err)
		}
	})
	t.Run("a link made after the folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "reports")
		f := reportdir.New(dir)
		defer f.Close()
		if _, err := f.Create("errors.csv"); err != nil {
			t.Fatal(err)
		}
		link(t, filepath.Join(dir, "success.csv"))
		if _, err := f.Create("success.csv"); err == nil {
			t.Error("success.csv was created through a link")
		}
	})
	t.Run("the report folder is a link", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "reports")
		if err := os.Symlink(secretsGoHere, dir); err != nil {
			t.Fatal(err)
		}
		_, err := reportdir.New(dir).Create("success.csv")
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("error %v, want the link refused", err)
		}
	})
	t.Run("a link above a unique folder", func(t *testing.T) {
		base := t.TempDir()
		if err := os.Symlink(secretsGoHere, filepath.Join(base, "roster-reports")); err != nil {
			t.Fatal(err)
		}
		_, err := reportdir.NewUnique(base, "roster-reports/import-1").Create("success.csv")
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("error %v, want the link refused", err)
		}
	})
	t.Run("a link where a unique folder goes", func(t *testing.T) {
		base := t.TempDir()
		link(t, filepath.Join(base, "roster-reports", "import-1"))
		f := reportdir.NewUnique(base, "roster-reports/import-1")
		defer f.Close()
		file, err := f.Create("success.csv")
		if err != nil {
			t.Fatal(err)
		}
		p, err := file.Save()
		if err != nil || p != filepath.Join(base, "roster-reports", "import-1-2", "success.csv") {
			t.Errorf("saved as %s (%v), want in a new folder import-1-2", p, err)
		}
	})
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target was written")
	}
	if left, _ := os.ReadDir(secretsGoHere); len(left) > 0 {
		t.Errorf("%s was written through a link", left[0].Name())
	}
}
