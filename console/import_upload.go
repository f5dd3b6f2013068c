package console

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/roster-dev/roster"
)

// uploadImport streams the dropped file to the API as a new job: an
// import's dry run with the options a file brings by itself (its headers
// read by their names and aliases). Its check runs at once, while the
// person maps the columns: when they change nothing, it is the check they
// see next. The file is never held in memory nor copied outside the data
// folder: the form's part is the API's request body.
//
// The page's script sends the form itself, to show the upload's progress,
// and asks for JSON: it is told where to go, or what went wrong.
func (h *handler) uploadImport(w http.ResponseWriter, r *http.Request) {
	script := scripted(r)
	failed := func(status int, msg string) {
		if script {
			answerScript(w, status, "error", msg)
			return
		}
		h.render(w, r, status, "import", "Import users", importView{Error: msg})
	}
	part, err := filePart(r)
	if err != nil {
		failed(http.StatusBadRequest, roster.ErrorMessage(err))
		return
	}
	q := url.Values{"command": {"import"}, "dry_run": {"true"}, "filename": {part.FileName()}}
	var j roster.Job
	_, err = h.fetch(r, request{method: http.MethodPost, path: "/api/v1/jobs", query: q, body: part, contentType: "application/octet-stream"}, &j)
	if ae, ok := err.(*apiError); ok {
		failed(ae.Status, ae.Detail)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := "/jobs/" + j.ID + "/map"
	if script {
		answerScript(w, http.StatusOK, "next", next)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// filePart returns the part named file of a form that sends one, after
// its token. The form has no other field.
func filePart(r *http.Request) (*multipart.Part, error) {
	mr := formParts(r)
	if mr == nil {
		return nil, roster.Errorf(roster.EINVALID, "Choose a file to send.")
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, roster.Errorf(roster.EINVALID, "Choose a file to send.")
		}
		if err != nil {
			return nil, roster.Errorf(roster.EINVALID, "The form could not be read: %v", err)
		}
		if p.FormName() == "file" {
			if p.FileName() == "" {
				return nil, roster.Errorf(roster.EINVALID, "Choose a file to send.")
			}
			return p, nil
		}
	}
}
