package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
	"github.com/roster-dev/roster/provision"
)

// saveMapping checks the file again with the mapping chosen: as a new dry
// run on the same file (POST /api/v1/jobs/{id}/rerun), with nothing sent
// again. When nothing changed, the job's own check is the one to see.
func (h *handler) saveMapping(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := form.NewMapping(r)
	view, err := h.mappingView(r, id, f.Sheet, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	header := make([]string, len(view.Preview.Columns))
	for i, c := range view.Preview.Columns {
		header[i] = c.Header
	}
	var old provision.Settings
	if err := json.Unmarshal(view.Job.Options, &old); err != nil {
		h.fail(w, r, roster.Errorf(roster.EINTERNAL, "the options of job %s: %v", id, err))
		return
	}
	s, err := f.Validate(header, old)
	if err != nil {
		view.Error = roster.ErrorMessage(err)
		h.render(w, r, http.StatusBadRequest, "mapping", "Map the columns", view)
		return
	}
	if view.Job.Command == "import" && sameSettings(s, old) && view.Job.Status != roster.JobCancelled && view.Job.Status != roster.JobInterrupted {
		http.Redirect(w, r, "/jobs/"+id, http.StatusSeeOther)
		return
	}
	var j roster.Job
	_, err = h.fetch(r, request{method: http.MethodPost, path: pathOf("api", "v1", "jobs", id, "rerun"), query: settingsQuery("import", s)}, &j)
	if ae, ok := err.(*apiError); ok && ae.Status < 500 && ae.Status != http.StatusNotFound {
		view.Error = ae.Detail
		h.render(w, r, ae.Status, "mapping", "Map the columns", view)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/jobs/"+j.ID, http.StatusSeeOther)
}

// sameSettings tells whether two runs read and check a file alike.
func sameSettings(a, b provision.Settings) bool {
	norm := func(s provision.Settings) provision.Settings {
		s.Map, s.Set, s.Generate = slices.Sorted(slices.Values(s.Map)), slices.Sorted(slices.Values(s.Set)), slices.Sorted(slices.Values(s.Generate))
		if s.Mode == "" {
			s.Mode = "atomic"
		}
		if s.OnExisting == "" {
			s.OnExisting = "fail"
		}
		return s
	}
	x, _ := json.Marshal(norm(a))
	y, _ := json.Marshal(norm(b))
	return string(x) == string(y)
}

// settingsQuery writes settings as the query parameters of a job.
func settingsQuery(command string, s provision.Settings) url.Values {
	q := url.Values{"command": {command}, "dry_run": {strconv.FormatBool(s.DryRun)}}
	one := map[string]string{"mode": s.Mode, "on_existing": s.OnExisting, "key": s.Key, "blank": s.Blank, "sheet": s.Sheet,
		"separator": s.Separator, "encoding": s.Encoding, "format": s.Format}
	for k, v := range one {
		if v != "" {
			q.Set(k, v)
		}
	}
	if s.MaxErrors > 0 {
		q.Set("max_errors", strconv.Itoa(s.MaxErrors))
	}
	if s.PasswordDigits {
		q.Set("password_digits", "true")
	}
	if s.Strict {
		q.Set("strict", "true")
	}
	q["generate"], q["map"], q["set"] = s.Generate, s.Map, s.Set
	for _, k := range []string{"generate", "map", "set"} {
		if len(q[k]) == 0 {
			delete(q, k)
		}
	}
	return q
}
