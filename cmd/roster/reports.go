package main

import (
	"path/filepath"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/reportdir"
)

// reportFolder returns where a run's reports go: --report-dir (a new or
// empty folder), else a new roster-reports/<command>-<YYYYMMDD-HHMMSS>[-N]/
// under the current folder. Either is made only when a report is written.
func reportFolder(command, dir string, now time.Time) (*reportdir.Folder, error) {
	if dir == "" {
		return reportdir.NewUnique(".", filepath.Join("roster-reports", command+"-"+now.Format("20060102-150405"))), nil
	}
	f := reportdir.New(dir)
	if err := f.Check(); err != nil {
		return nil, roster.Errorf(roster.EINVALID, "--report-dir: %v", err)
	}
	return f, nil
}
