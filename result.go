package roster

import (
	"encoding/json"
	"strconv"
)

// Problem is one thing wrong with one cell (or one row) of a file. It is a
// value of the domain, not a Go error: a run collects all of them.
type Problem struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	// Value is the offending cell; "***" for secrets.
	Value   string `json:"value"`
	Message string `json:"message"`
	// Hint, when set, is an option of the run that would avoid the
	// problem, for the caller to add to the message in its own words (see
	// Words): the engine's message does not name it.
	Hint *Hint `json:"-"`
}

// Worded returns the problem with its hint added to its message, worded
// by w.
func (p Problem) Worded(w Wording) Problem {
	if p.Hint != nil {
		p.Message += p.Hint.words(w)
		p.Hint = nil
	}
	return p
}

// Action is what a run does with one row.
type Action string

// The actions of a plan.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Skip      Action = "skip"
	Failed    Action = "error"
	Add       Action = "add"
	Remove    Action = "remove"
	Delete    Action = "delete"
)

// Change is one column an update changes.
type Change struct {
	Column string `json:"column"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// Step is the plan for one row.
type Step struct {
	Row     int      `json:"row"`
	Action  Action   `json:"action"`
	UUID    string   `json:"uuid,omitempty"`
	Changes []Change `json:"changes,omitempty"`
}

// AppendJSON appends the step as JSON. Most steps are a row, an action and
// a uuid, written by hand: a million of them through reflection would take
// longer than checking the rows.
func (s Step) AppendJSON(b []byte) []byte {
	if len(s.Changes) > 0 {
		j, _ := json.Marshal(s)
		return append(b, j...)
	}
	// Actions are fixed words and uuids are hexadecimal: neither needs
	// escaping.
	b = append(b, `{"row":`...)
	b = strconv.AppendInt(b, int64(s.Row), 10)
	b = append(b, `,"action":"`...)
	b = append(b, s.Action...)
	b = append(b, '"')
	if s.UUID != "" {
		b = append(b, `,"uuid":"`...)
		b = append(b, s.UUID...)
		b = append(b, '"')
	}
	return append(b, '}')
}

// IgnoredColumn is a header that names no known column.
type IgnoredColumn struct {
	Column string `json:"column"`
	// Hint is the nearest known column name, or empty.
	Hint string `json:"hint"`
}

// NotFound is a user reference that matched nobody.
type NotFound struct {
	Row   int    `json:"row"`
	Value string `json:"value"`
}

// Reports are the paths of the report files a run wrote; nil when not
// written.
type Reports struct {
	Errors  *string `json:"errors"`
	Success *string `json:"success"`
	// Passwords says that success.csv holds generated passwords.
	Passwords bool `json:"-"`
}

// Result is what a command that reads a file reports, in the shape of the
// JSON output of the spec. Counts describe the rows that passed validation,
// whether or not they were written; Applied says whether anything was.
type Result struct {
	Command        string          `json:"command"`
	File           string          `json:"file,omitempty"`
	Format         string          `json:"format,omitempty"`
	DryRun         bool            `json:"dry_run"`
	Mode           string          `json:"mode,omitempty"`
	Applied        bool            `json:"applied"`
	Rows           int             `json:"rows"`
	Created        *int            `json:"created,omitempty"`
	Updated        *int            `json:"updated,omitempty"`
	Added          *int            `json:"added,omitempty"`
	Removed        *int            `json:"removed,omitempty"`
	Deleted        *int            `json:"deleted,omitempty"`
	Unchanged      int             `json:"unchanged"`
	Skipped        *int            `json:"skipped,omitempty"`
	Failed         int             `json:"failed"`
	GroupsCreated  []string        `json:"groups_created"`
	RoomsCreated   []string        `json:"rooms_created"`
	IgnoredColumns []IgnoredColumn `json:"ignored_columns"`
	NotFound       *[]NotFound     `json:"not_found,omitempty"`
	// NotApplied lists the rows after a partial run stopped at its most failed
	// rows (Options.MaxErrors).
	NotApplied []int `json:"not_applied,omitempty"`
	// Errors are the first problems found (at most a thousand: a file can
	// have millions); ErrorCount counts them all.
	Errors     []Problem `json:"errors"`
	ErrorCount int       `json:"error_count"`
	Plan       []Step    `json:"plan,omitempty"`
	Reports    *Reports  `json:"reports,omitempty"`
}
