package console

import (
	"net/http"
	"net/url"

	"github.com/roster-dev/roster"
)

// jobsView is a page of jobs, newest first.
type jobsView struct {
	Jobs []jobRow
	// Next is the address of the next page; empty on the last.
	Next string
}

type jobRow struct {
	Job    *roster.Job
	Who    string
	DryRun bool
}

// listJobs draws the jobs of the tenant shown, a page at a time, as GET
// /api/v1/jobs lists them.
func (h *handler) listJobs(w http.ResponseWriter, r *http.Request) {
	q := url.Values{"limit": {"50"}}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	var page struct {
		Items      []*roster.Job `json:"items"`
		NextCursor *string       `json:"next_cursor"`
	}
	if _, err := h.fetch(r, request{path: "/api/v1/jobs", query: q}, &page); err != nil {
		h.fail(w, r, err)
		return
	}
	who, err := h.whoRan(r, page.Items)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view := jobsView{}
	for _, j := range page.Items {
		view.Jobs = append(view.Jobs, jobRow{Job: j, Who: who[j.ClientID], DryRun: dryRun(j)})
	}
	if page.NextCursor != nil {
		view.Next = "/jobs?" + url.Values{"cursor": {*page.NextCursor}}.Encode()
	}
	h.render(w, r, http.StatusOK, "jobs", "Jobs", view)
}
