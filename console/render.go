package console

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/roster-dev/roster"
)

//go:embed templates
var templateFiles embed.FS

// views are the pages' templates by name, each parsed with the layout.
type views map[string]*template.Template

var funcs = template.FuncMap{
	"join":         strings.Join,
	"bytes":        func(n int64) string { return humanize.IBytes(uint64(max(n, 0))) },
	"deref":        deref,
	"add":          func(a int, b ...int) int { return a + sum(b) },
	"last":         func(s any) int { return reflect.ValueOf(s).Len() - 1 },
	"name":         displayName,
	"pathEscape":   url.PathEscape,
	"progressText": progressText,
	"reading":      reading,
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

// stageWords name the stages of a job for a person.
var stageWords = map[string]string{"queued": "Waiting for its turn", "reading": "Reading the file", "checking": "Checking the rows",
	"hashing": "Hashing the passwords", "writing": "Writing", "done": "Done"}

// progressText words how far a job is: its stage and its rows; while the
// file is read, its percent and the time left (they tell how much of the
// file was read, which says nothing of the hashing and writing after).
func progressText(p *roster.JobProgress) string {
	s := cmp.Or(stageWords[p.Stage], p.Stage) + ": " + humanize.Comma(int64(p.Rows)) + " rows"
	if reading(p) && p.Percent != nil {
		s += fmt.Sprintf(", %d %%", *p.Percent)
		if p.ETASeconds != nil {
			s += ", about " + (time.Duration(*p.ETASeconds) * time.Second).String() + " left"
		}
	}
	return s + "."
}

// reading tells a job that is still reading its file: its percent means
// something.
func reading(p *roster.JobProgress) bool { return p.Stage == "reading" || p.Stage == "checking" }

// parseViews parses every view with the common layout. The templates are
// embedded, so a mistake in one is a bug caught by any test.
func parseViews() views {
	vs := views{}
	files, err := fs.Glob(templateFiles, "templates/views/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		vs[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/common/*.html", f))
	}
	return vs
}

// page is what the layout needs besides a view's own data.
type page struct {
	Title    string
	View     string
	Operator *roster.Operator
	CSRF     string
	// Tenant is the tenant the pages show, empty for all tenants.
	Tenant string
	// Tenants are the picker's choices, for an operator of all tenants.
	Tenants []string
	Nav     []navItem
	Data    any
}

// render draws a view in the layout with a status.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, view, title string, data any) {
	if msg, ok := data.(string); ok && view == "message" && scripted(r) {
		answerScript(w, status, "error", msg)
		return
	}
	v := visitOf(r)
	p := page{Title: title, View: view, Operator: v.op, CSRF: v.csrfToken(), Data: data}
	if v.op != nil {
		p.Tenant = v.session.Tenant
		p.Nav = navFor(v.op, r.URL.Path)
		if v.op.AllTenants {
			ref, err := h.cfg.Directory.Reference(r.Context())
			if err != nil {
				h.fail(w, r, err)
				return
			}
			for _, t := range ref.Tenants {
				p.Tenants = append(p.Tenants, t.Name)
			}
		}
	}
	var buf bytes.Buffer
	if err := h.views[view].Execute(&buf, p); err != nil {
		h.log.Error("drawing a page", "view", view, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// deny draws the message page with an error status.
func (h *handler) deny(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "message", http.StatusText(status), msg)
}

// fail answers an error: an application error's message with its status
// (as the API maps them), anything else "Internal error.", logged in full.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		// The API answered: its status and its words, which it logged
		// already when the fault was its own.
		h.render(w, r, ae.Status, "message", http.StatusText(ae.Status), ae.Detail)
		return
	}
	code := roster.ErrorCode(err)
	status := http.StatusInternalServerError
	switch code {
	case roster.EINVALID:
		status = http.StatusBadRequest
	case roster.EUNREADABLE:
		status = http.StatusUnprocessableEntity
	case roster.ENOTFOUND:
		status = http.StatusNotFound
	case roster.ECONFLICT:
		status = http.StatusConflict
	default:
		h.log.ErrorContext(r.Context(), "internal error", "err", err, "path", r.URL.Path)
	}
	h.render(w, r, status, "message", http.StatusText(status), roster.ErrorMessage(err))
}

// scripted tells a request of the page's own script (the upload, which
// shows its progress), which reads JSON, from a browser's navigation: an
// HTML page in answer would leave the script nothing to show.
func scripted(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// answerScript answers the page's script: "next" with the page to go to,
// or "error" with what went wrong, which it shows in place.
func answerScript(w http.ResponseWriter, status int, key, value string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{key: value})
}
