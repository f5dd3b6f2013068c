package console

import (
	"net/http"

	"github.com/roster-dev/roster"
)

// showApply asks to confirm an import, saying what it will write: the
// counts of its check, and what its mode does with the failed rows.
func (h *handler) showApply(w http.ResponseWriter, r *http.Request) {
	view, err := h.jobView(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !view.CanApply {
		h.deny(w, r, http.StatusConflict, "Only a check of an import that ran to its end can be imported.")
		return
	}
	h.render(w, r, http.StatusOK, "apply", "Import the file?", view)
}

// applyJob imports the file of a check as it checked it, as a new job
// (POST /api/v1/jobs/{id}/apply), whose progress is shown next.
func (h *handler) applyJob(w http.ResponseWriter, r *http.Request) {
	var j roster.Job
	if _, err := h.fetch(r, request{method: http.MethodPost, path: pathOf("api", "v1", "jobs", r.PathValue("id"), "apply")}, &j); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/jobs/"+j.ID, http.StatusSeeOther)
}
