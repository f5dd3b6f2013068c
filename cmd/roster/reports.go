package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// reportFolder returns where a run's reports go: --report-dir (a new or
// empty folder), else a new roster-reports/<command>-<YYYYMMDD-HHMMSS>[-N]/
// under the current folder. Either is made only when a report is written.
func reportFolder(command, dir string, now time.Time) (*provision.Folder, error) {
	if dir == "" {
		return provision.NewUniqueFolder(".", filepath.Join("roster-reports", command+"-"+now.Format("20060102-150405"))), nil
	}
	// Told before the run rather than after it: the folder is checked
	// again when the first report is made.
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return provision.NewFolder(dir), nil
	case err != nil:
		return nil, roster.Errorf(roster.EINVALID, "--report-dir: %v", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, roster.Errorf(roster.EINVALID, "--report-dir %s is a symbolic link: name the folder itself", dir)
	case !fi.IsDir():
		return nil, roster.Errorf(roster.EINVALID, "--report-dir %s is not a folder", dir)
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "--report-dir: %v", err)
	}
	defer d.Close()
	if _, err := d.Readdirnames(1); !errors.Is(err, io.EOF) {
		return nil, roster.Errorf(roster.EINVALID, "--report-dir %s already holds files: name a new or empty folder, so that no report is mixed with another run's", dir)
	}
	return provision.NewFolder(dir), nil
}
