package console

import (
	"encoding/json"
	"net/http"

	"github.com/roster-dev/roster"
)

// dryRun tells whether a job wrote nothing by design: a check, or a dry
// run.
func dryRun(j *roster.Job) bool {
	var o struct {
		DryRun bool `json:"dry_run"`
	}
	json.Unmarshal(j.Options, &o)
	return j.Command == "check" || o.DryRun
}

// jobEvents relays a job's server-sent events to the page's script, which
// moves the progress bar and reloads the page when the job ends.
func (h *handler) jobEvents(w http.ResponseWriter, r *http.Request) {
	q := request{path: pathOf("api", "v1", "jobs", r.PathValue("id"), "events"), header: http.Header{}}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		q.header.Set("Last-Event-ID", id)
	}
	h.relay(w, r, q)
}

// cancelJob stops a job as POST /api/v1/jobs/{id}/cancel does, and shows
// it stopped.
func (h *handler) cancelJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := h.fetch(r, request{method: http.MethodPost, path: pathOf("api", "v1", "jobs", id, "cancel")}, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/jobs/"+id, http.StatusSeeOther)
}

// downloadErrors sends a job's error report, in the format of its file.
func (h *handler) downloadErrors(w http.ResponseWriter, r *http.Request) {
	h.relay(w, r, request{path: pathOf("api", "v1", "jobs", r.PathValue("id"), "errors")})
}

// downloadSuccess sends a job's success.csv: once, when it holds
// generated passwords.
func (h *handler) downloadSuccess(w http.ResponseWriter, r *http.Request) {
	h.relay(w, r, request{path: pathOf("api", "v1", "jobs", r.PathValue("id"), "success")})
}
