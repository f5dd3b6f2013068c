package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// jobView is what a job's page shows: its progress while it runs; once
// it ended, the check of a dry run (counts, problems, the failed rows as
// in the file) or the result of an import (counts, what was created, the
// reports).
type jobView struct {
	Job      *roster.Job
	Settings provision.Settings
	// Mapped words the options' mappings: "Role → ignored".
	Mapped []string
	Who    string
	// Check: a dry run or a check, which wrote nothing.
	Check bool
	// CanChange: the operator may map, apply and cancel.
	CanChange bool
	// CanApply: a dry run of an import that ran to its end.
	CanApply bool
	Counts   []count
	Problems []roster.Problem
	// MoreProblems counts the problems not listed.
	MoreProblems int
	Failed       *failedRows
}

// count is one figure of a summary, with the plan's filter that lists its
// rows.
type count struct {
	Label  string
	N      int
	Action string
}

// failedRows are rows of the file as it has them, their bad cells marked.
type failedRows struct {
	Header []string
	Rows   []failedRow
	// More counts the failed rows not shown.
	More int
}

type failedRow struct {
	Row   int
	Cells []cell
	// Whole is the problem of the row as a whole (no column), if any.
	Whole string
}

type cell struct {
	Text    string
	Bad     bool
	Message string
}

// Bounds of a job's page: a file may have a million failed rows.
const (
	shownProblems   = 200
	shownFailedRows = 25
)

// showJob draws a job's page.
func (h *handler) showJob(w http.ResponseWriter, r *http.Request) {
	view, err := h.jobView(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if res := view.Job.Result; res != nil && view.Check && res.Failed > 0 {
		if view.Failed, err = h.failedRows(r, view.Job); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	title := "Job"
	switch {
	case !view.Job.Status.Final():
		title = "Checking the file"
		if !view.Check {
			title = "Importing"
		}
	case view.Check:
		title = "Check"
	case view.Job.Command == "import" || view.Job.Command == "update":
		title = "Result"
	}
	h.render(w, r, http.StatusOK, "job", title, view)
}

// jobView reads a job through the API.
func (h *handler) jobView(r *http.Request, id string) (*jobView, error) {
	var j roster.Job
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", "jobs", id)}, &j); err != nil {
		return nil, err
	}
	view := &jobView{Job: &j, CanChange: visitOf(r).op.CanChange()}
	if err := json.Unmarshal(j.Options, &view.Settings); err != nil {
		return nil, roster.Errorf(roster.EINTERNAL, "the options of job %s: %v", id, err)
	}
	view.Check = dryRun(&j)
	for _, m := range view.Settings.Map {
		i := strings.LastIndexByte(m, '=')
		to := m[i+1:]
		if to == "" {
			to = "ignored"
		}
		view.Mapped = append(view.Mapped, m[:i]+" → "+to)
	}
	view.CanApply = view.CanChange && view.Check && j.Command != "check" && j.Status == roster.JobSucceeded
	who, err := h.whoRan(r, []*roster.Job{&j})
	if err != nil {
		return nil, err
	}
	view.Who = who[j.ClientID]
	if res := j.Result; res != nil {
		view.Counts = counts(res)
		view.Problems = res.Errors
		if len(view.Problems) > shownProblems {
			view.Problems = view.Problems[:shownProblems]
		}
		view.MoreProblems = res.ErrorCount - len(view.Problems)
	}
	return view, nil
}

// counts are a result's figures, with the plan's action of each.
func counts(res *roster.Result) []count {
	out := []count{{"Rows", res.Rows, ""}, {"To create", deref(res.Created), "create"}, {"To update", deref(res.Updated), "update"},
		{"Unchanged", res.Unchanged, "unchanged"}, {"To skip", deref(res.Skipped), "skip"}, {"Failed", res.Failed, "error"}}
	if !res.DryRun {
		out[1].Label, out[2].Label, out[4].Label = "Created", "Updated", "Skipped"
		if !res.Applied {
			out[1].Label, out[2].Label = "Would have been created", "Would have been updated"
		}
	}
	return out
}

// failedRows reads the first failed rows of a job's file through the API,
// and marks their bad cells: the header as the job read it (its preview)
// tells which cell a column is.
func (h *handler) failedRows(r *http.Request, j *roster.Job) (*failedRows, error) {
	byRow := map[int][]roster.Problem{}
	var nums []int
	for _, p := range j.Result.Errors {
		if p.Row <= 0 {
			continue
		}
		if _, ok := byRow[p.Row]; !ok {
			if len(nums) == shownFailedRows {
				continue
			}
			nums = append(nums, p.Row)
		}
		byRow[p.Row] = append(byRow[p.Row], p)
	}
	if len(nums) == 0 {
		return nil, nil
	}
	q := url.Values{}
	for _, n := range nums {
		q.Add("row", strconv.Itoa(n))
	}
	var rows struct {
		Header []string `json:"header"`
		Rows   []struct {
			Row   int      `json:"row"`
			Cells []string `json:"cells"`
		} `json:"rows"`
	}
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", "jobs", j.ID, "rows"), query: q}, &rows); err != nil {
		return nil, err
	}
	var preview provision.Preview
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", "jobs", j.ID, "preview"), query: url.Values{"rows": {"1"}}}, &preview); err != nil {
		return nil, err
	}
	// Where each column is: its cell's letter names it too (a value
	// under no header).
	at := map[string]int{}
	for i, c := range preview.Columns {
		at[c.Letter] = i
		if c.Column != "" {
			at[c.Column] = i
		}
	}
	out := &failedRows{Header: rows.Header, More: j.Result.Failed - len(nums)}
	for _, fr := range rows.Rows {
		row := failedRow{Row: fr.Row}
		width := max(len(fr.Cells), len(rows.Header))
		row.Cells = make([]cell, width)
		for i, v := range fr.Cells {
			row.Cells[i].Text = v
		}
		for _, p := range byRow[fr.Row] {
			i, ok := at[p.Column]
			if !ok || i >= width {
				row.Whole = joinMessage(row.Whole, problemText(p))
				continue
			}
			row.Cells[i].Bad = true
			row.Cells[i].Message = joinMessage(row.Cells[i].Message, problemText(p))
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func problemText(p roster.Problem) string {
	if p.Column == "" {
		return p.Message
	}
	return p.Column + ": " + p.Message
}

func joinMessage(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// whoRan names who ran each job: an operator by name, a client by its
// name.
func (h *handler) whoRan(r *http.Request, list []*roster.Job) (map[string]string, error) {
	out := map[string]string{}
	var ops []*roster.Operator
	var clients []*roster.Client
	for _, j := range list {
		if _, ok := out[j.ClientID]; ok {
			continue
		}
		var err error
		if strings.HasPrefix(j.ClientID, operatorPrefix) {
			if ops == nil {
				if ops, err = h.cfg.Operators.Operators(r.Context()); err != nil {
					return nil, err
				}
			}
			out[j.ClientID] = "someone no longer known"
			if i := slices.IndexFunc(ops, func(o *roster.Operator) bool { return OperatorClientID(o.ID) == j.ClientID }); i >= 0 {
				out[j.ClientID] = ops[i].Name + " (console)"
			}
			continue
		}
		if clients == nil {
			if clients, err = h.cfg.Clients.Clients(r.Context()); err != nil {
				return nil, err
			}
		}
		out[j.ClientID] = "a client no longer known"
		if i := slices.IndexFunc(clients, func(c *roster.Client) bool { return c.ID == j.ClientID }); i >= 0 {
			out[j.ClientID] = clients[i].Name + " (API client)"
		}
	}
	return out, nil
}
