package console

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/roster-dev/roster"
)

// planView is a page of a job's plan, of one action or all.
type planView struct {
	Job     *roster.Job
	Action  string
	Actions []count
	Steps   []roster.Step
	Page    int
	Prev    string
	Next    string
	// From is the number of the page's first step in the filter.
	From int
}

// planPage is how many rows a page of the plan shows.
const planPage = 50

// planActions are the filters of the plan, as the API names them.
var planActions = map[string]bool{"": true, "create": true, "update": true, "unchanged": true, "skip": true, "error": true}

// showPlan draws a page of the plan of a job: each row's action, and for
// an update each changed column's old and new value.
func (h *handler) showPlan(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	action := r.URL.Query().Get("action")
	page, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("page"), "1"))
	if err != nil || page < 1 || page > 1_000_000 || !planActions[action] {
		h.deny(w, r, http.StatusBadRequest, "The plan is filtered by create, update, unchanged, skip or error, and its pages are numbered from 1.")
		return
	}
	view, err := h.jobView(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := url.Values{"offset": {strconv.Itoa((page - 1) * planPage)}, "limit": {strconv.Itoa(planPage + 1)}}
	if action != "" {
		q.Set("action", action)
	}
	a := &answer{header: http.Header{}}
	h.call(r, a, request{path: pathOf("api", "v1", "jobs", id, "plan"), query: q})
	if a.status >= 400 {
		h.fail(w, r, problemOf(a))
		return
	}
	pv := planView{Job: view.Job, Action: action, Actions: view.Counts, Page: page, From: (page-1)*planPage + 1}
	sc := bufio.NewScanner(bytes.NewReader(a.body.Bytes()))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var st roster.Step
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			h.fail(w, r, roster.Errorf(roster.EINTERNAL, "the plan of job %s: %v", id, err))
			return
		}
		pv.Steps = append(pv.Steps, st)
	}
	link := func(p int) string {
		v := url.Values{"page": {strconv.Itoa(p)}}
		if action != "" {
			v.Set("action", action)
		}
		return "/jobs/" + id + "/plan?" + v.Encode()
	}
	if len(pv.Steps) > planPage {
		pv.Steps, pv.Next = pv.Steps[:planPage], link(page+1)
	}
	if page > 1 {
		pv.Prev = link(page - 1)
	}
	h.render(w, r, http.StatusOK, "plan", "Plan", pv)
}
