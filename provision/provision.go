// Package provision is roster's import engine: it checks a user file row by
// row against the catalogue and the directory, plans what each row does,
// generates what was asked for, and applies the plan to the directory all
// at once or row by row. Import, update and check share every step; check
// is an import dry run against an empty directory.
//
// The engine is a library: the command line and the HTTP server call it
// with a context and a source (the file's bytes, wherever they are), and it
// reports progress, plan and problems through callbacks and its reports
// through a sink. It holds no global state: what runs share (cores,
// memory) is a Workers value that the caller makes.
package provision

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// OnExisting is what an import does with a row that matches an existing
// user.
type OnExisting string

// Policies for rows that match an existing user on import.
const (
	OnExistingFail   OnExisting = "fail"
	OnExistingSkip   OnExisting = "skip"
	OnExistingUpdate OnExisting = "update"
)

// Mode is how a run applies its rows.
type Mode string

// Modes of applying.
const (
	// Atomic writes nothing if any row fails.
	Atomic Mode = "atomic"
	// Partial writes the rows that pass.
	Partial Mode = "partial"
)

// Key is the column that finds the users of an update.
type Key string

// Keys of an update.
const (
	KeyUUID     Key = "uuid"
	KeyUsername Key = "username"
	KeyEmail    Key = "email"
)

// Blank is what an empty cell of an update means.
type Blank string

// Meanings of an empty cell.
const (
	BlankClear Blank = "clear"
	BlankKeep  Blank = "keep"
)

// Generate is a set of values a run generates where rows leave them empty.
type Generate uint8

// What a run may generate.
const (
	GeneratePassword Generate = 1 << iota
	GenerateExten
	GenerateUsername
)

// generateNames name the values of Generate, in order.
var generateNames = []string{"password", "exten", "username"}

// Has tells whether the set holds g.
func (s Generate) Has(g Generate) bool { return s&g != 0 }

// Names lists the set's values by name.
func (s Generate) Names() []string {
	var out []string
	for i, n := range generateNames {
		if s.Has(1 << i) {
			out = append(out, n)
		}
	}
	return out
}

// Options control a run. The zero value is an atomic import that fails on
// existing users.
type Options struct {
	Sheet  sheet.Options
	Header catalog.HeaderOptions

	OnExisting OnExisting
	Mode       Mode
	// MaxErrors stops the run after that many failed rows; 0 never stops.
	MaxErrors int
	// DryRun checks and plans without writing anything.
	DryRun bool

	Generate Generate
	// PasswordDigits generates passwords of 10 digits.
	PasswordDigits bool
	// hashed is called after each password hashed or compared with a
	// stored hash, so that tests can count the hashes a cancelled run
	// still makes.
	hashed func()

	// Tenant, when set, binds the run to a tenant, as the API binds a
	// client: rows without a tenant are its, a row naming another fails as
	// an unknown tenant would, and the users of other tenants are neither
	// updated nor skipped (a row naming one fails).
	Tenant string

	// Key finds the users of an update (default uuid).
	Key Key
	// Blank says what an empty cell of an update means (default clear).
	Blank Blank

	// Reports receives the report files of a real run (errors.<ext> and
	// success.csv); they are written and synced before the directory's
	// commit, and a run whose reports cannot be written writes nothing.
	// Without, a run writes no report, and one that generates passwords is
	// refused: they would be lost.
	Reports ReportSink
	// Workers is the budget of cores and memory that the runs of a process
	// share; nil gives the run a budget of its own.
	Workers *Workers
	// Log receives what goes wrong inside the run (a row the directory
	// refused for an internal reason, a report that could not be
	// removed); nil logs nothing.
	Log *slog.Logger
	// Progress, when set, is called now and then with how far the run is.
	Progress func(Progress)
	// Step, when set, receives the plan of every row, in row order.
	Step func(roster.Step)
	// Problem, when set, receives every problem of every row, in row order,
	// as they are found. The result keeps only the first KeptProblems of
	// them (the same ones), and counts them all.
	Problem func(roster.Problem)
}

// Stage is what a run is busy with.
type Stage string

// The stages of a run, in order. Reading, checking, hashing and writing
// overlap; a run is in the latest one that has begun.
const (
	StageReading  Stage = "reading"
	StageChecking Stage = "checking"
	StageHashing  Stage = "hashing"
	StageWriting  Stage = "writing"
)

// Progress tells how far a run has read its file.
type Progress struct {
	Stage Stage
	Rows  int
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
		o.Key = KeyUUID
	}
	if o.Blank == "" {
		o.Blank = BlankClear
	}
}

// Validate checks the options and fills in the defaults. Its errors name
// the option at fault (roster.Error's Option).
func (o *Options) Validate() error {
	o.defaults()
	if err := oneOf("on_existing", string(o.OnExisting), OnExistingFail, OnExistingSkip, OnExistingUpdate); err != nil {
		return err
	}
	if err := oneOf("mode", string(o.Mode), Atomic, Partial); err != nil {
		return err
	}
	if err := oneOf("key", string(o.Key), KeyUUID, KeyUsername, KeyEmail); err != nil {
		return err
	}
	if err := oneOf("blank", string(o.Blank), BlankClear, BlankKeep); err != nil {
		return err
	}
	if o.MaxErrors < 0 {
		return roster.OptionErrorf("max_errors", "must be 0 or more")
	}
	return nil
}

// oneOf refuses a value that is none of the option's values.
func oneOf[T ~string](option, value string, values ...T) error {
	if slices.Contains(values, T(value)) {
		return nil
	}
	words := make([]string, len(values))
	for i, v := range values {
		words[i] = string(v)
	}
	return roster.OptionErrorf(option, "must be %s or %s, not %q", strings.Join(words[:len(words)-1], ", "), words[len(words)-1], value)
}

// Settings are the options of a run as people give them, by name and as
// text: the command line's flags, the API's parameters. Options checks
// them. As JSON, they are the "options" of an import job.
type Settings struct {
	DryRun         bool     `json:"dry_run"`
	Mode           string   `json:"mode,omitempty"`
	OnExisting     string   `json:"on_existing,omitempty"`
	MaxErrors      int      `json:"max_errors,omitempty"`
	Key            string   `json:"key,omitempty"`
	Blank          string   `json:"blank,omitempty"`
	Generate       []string `json:"generate,omitempty"`
	PasswordDigits bool     `json:"password_digits,omitempty"`
	Map            []string `json:"map,omitempty"`
	Set            []string `json:"set,omitempty"`
	Strict         bool     `json:"strict,omitempty"`
	Sheet          string   `json:"sheet,omitempty"`
	Separator      string   `json:"separator,omitempty"`
	Encoding       string   `json:"encoding,omitempty"`
	Format         string   `json:"format,omitempty"`
}

// Options checks the settings and returns the options they give, with the
// defaults filled in. Errors name the setting at fault (roster.Error's
// Option), for each caller to word.
func (s *Settings) Options() (Options, error) {
	var opt Options
	var err error
	if opt.Sheet, err = s.ReadOptions(); err != nil {
		return opt, err
	}
	// A header may hold "=", a column's name never does: a mapping is
	// cut at its last one. A value to set may hold "=": it is cut at the
	// first.
	if opt.Header.Map, err = pairs("map", s.Map, strings.LastIndexByte); err != nil {
		return opt, err
	}
	if opt.Header.Set, err = pairs("set", s.Set, strings.IndexByte); err != nil {
		return opt, err
	}
	opt.Header.Strict = s.Strict
	if opt.Generate, err = ParseGenerate(s.Generate); err != nil {
		return opt, err
	}
	opt.Mode, opt.OnExisting, opt.Key, opt.Blank = Mode(s.Mode), OnExisting(s.OnExisting), Key(s.Key), Blank(s.Blank)
	opt.MaxErrors, opt.DryRun, opt.PasswordDigits = s.MaxErrors, s.DryRun, s.PasswordDigits
	return opt, opt.Validate()
}

// ReadOptions returns the options of reading the file.
func (s *Settings) ReadOptions() (sheet.Options, error) {
	opt := sheet.Options{Sheet: s.Sheet, Encoding: s.Encoding}
	if s.Format != "" {
		format, err := sheet.ParseFormat(s.Format)
		if err != nil {
			return opt, roster.OptionErrorf("format", "%v", err)
		}
		opt.Format = format
	}
	sep, err := sheet.ParseSeparator(s.Separator)
	if err != nil {
		return opt, roster.OptionErrorf("separator", "%v", err)
	}
	opt.Separator = sep
	return opt, nil
}

// ParseGenerate reads what to generate: password, exten or username, each
// item a name or a comma-separated list of them.
func ParseGenerate(items []string) (Generate, error) {
	var g Generate
	for _, item := range items {
		for _, what := range strings.Split(item, ",") {
			i := slices.Index(generateNames, strings.TrimSpace(what))
			if i < 0 {
				return 0, roster.OptionErrorf("generate", "takes password, exten or username, not %q", what)
			}
			g |= 1 << i
		}
	}
	return g, nil
}

// pairs reads NAME=VALUE items, each cut at the "=" that index finds.
func pairs(option string, list []string, index func(string, byte) int) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range list {
		i := index(p, '=')
		if i < 0 || strings.TrimSpace(p[:i]) == "" {
			return nil, roster.OptionErrorf(option, "takes NAME=VALUE, not %q", p)
		}
		m[strings.TrimSpace(p[:i])] = strings.TrimSpace(p[i+1:])
	}
	return m, nil
}
