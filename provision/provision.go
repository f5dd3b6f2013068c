// Package provision is roster's import engine: it checks a user file row by
// row against the catalogue and the directory, plans what each row does,
// generates what was asked for, and applies the plan to the directory all
// at once or row by row. Import, update and check share every step; check
// is an import dry run against an empty directory.
//
// The engine is a library: the command line and the HTTP server call it
// with a context, and it reports progress through a callback. It holds no
// global state.
package provision

import (
	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// Policies for rows that match an existing user on import.
const (
	OnExistingFail   = "fail"
	OnExistingSkip   = "skip"
	OnExistingUpdate = "update"
)

// Modes of applying.
const (
	Atomic  = "atomic"
	Partial = "partial"
)

// Options control a run. The zero value is an atomic import that fails on
// existing users.
type Options struct {
	Sheet  sheet.Options
	Header catalog.HeaderOptions

	// OnExisting is fail, skip or update.
	OnExisting string
	// Mode is atomic or partial.
	Mode string
	// MaxErrors stops the run after that many failed rows; 0 never stops.
	MaxErrors int
	// DryRun checks and plans without writing anything.
	DryRun bool

	GeneratePassword bool
	GenerateExten    bool
	GenerateUsername bool
	// PasswordDigits generates passwords of 10 digits.
	PasswordDigits bool
	// hashed is called after each password hashed or compared with a
	// stored hash, so that tests can count the hashes a cancelled run
	// still makes.
	hashed func()

	// Key is the column that finds the users of an update: uuid (default),
	// username or email.
	Key string
	// BlankKeep makes empty cells of an update mean "keep".
	BlankKeep bool

	// Reports receives the report files of a real run (errors.<ext> and
	// success.csv); they are written and synced before the directory's
	// commit, and a run whose reports cannot be written writes nothing.
	Reports ReportSink
	// ReportDir, when Reports is nil, is a folder for the reports (see
	// NewFolder). With neither, a run writes no report, and one that
	// generates passwords is refused: they would be lost.
	ReportDir string
	// Progress, when set, is called now and then with how far the run is.
	Progress func(Progress)
	// Step, when set, receives the plan of every row, in row order.
	Step func(roster.Step)
	// Problem, when set, receives every problem of every row, in row order,
	// as they are found. The result keeps only the first KeptProblems of
	// them (the same ones), and counts them all.
	Problem func(roster.Problem)
}

// Progress tells how far a run has read its file.
type Progress struct {
	Rows int
	// Bytes and Size tell how much of the file has been read; Bytes is -1
	// when the format does not tell.
	Bytes, Size int64
}

func (o *Options) defaults() {
	if o.OnExisting == "" {
		o.OnExisting = OnExistingFail
	}
	if o.Mode == "" {
		o.Mode = Atomic
	}
	if o.Key == "" {
		o.Key = "uuid"
	}
}

// Validate checks the options a person gave.
func (o *Options) Validate() error {
	o.defaults()
	switch o.OnExisting {
	case OnExistingFail, OnExistingSkip, OnExistingUpdate:
	default:
		return roster.Errorf(roster.EINVALID, "--on-existing must be fail, skip or update, not %q", o.OnExisting)
	}
	switch o.Mode {
	case Atomic, Partial:
	default:
		return roster.Errorf(roster.EINVALID, "--mode must be atomic or partial, not %q", o.Mode)
	}
	switch o.Key {
	case "uuid", "username", "email":
	default:
		return roster.Errorf(roster.EINVALID, "--key must be uuid, username or email, not %q", o.Key)
	}
	if o.MaxErrors < 0 {
		return roster.Errorf(roster.EINVALID, "--max-errors must be 0 or more")
	}
	return nil
}
