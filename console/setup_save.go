package console

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
	"github.com/roster-dev/roster/setupfile"
)

// saveSetup checks the YAML and applies it as PUT /api/v1/setup does:
// the same reader, the same directory call. A mistake is shown above the
// text, which is kept as typed, with the line it is on.
func (h *handler) saveSetup(w http.ResponseWriter, r *http.Request) {
	view, err := h.setupView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !view.CanSave {
		h.deny(w, r, http.StatusForbidden, view.Why)
		return
	}
	f := form.NewSetup(r)
	view.YAML, view.Prune = f.YAML, f.Prune && view.Whole
	if err := f.Validate(); err != nil {
		view.Error = roster.ErrorMessage(err)
		h.render(w, r, http.StatusBadRequest, "setup", "Setup", view)
		return
	}
	ref, err := setupfile.Read(strings.NewReader(f.YAML))
	if err != nil {
		view.Error, view.ErrorLine = yamlError(err)
		h.render(w, r, http.StatusBadRequest, "setup", "Setup", view)
		return
	}
	changes, err := h.cfg.Directory.SetReference(r.Context(), ref, view.Prune)
	if code := roster.ErrorCode(err); code == roster.EINVALID || code == roster.ECONFLICT {
		view.Error = roster.ErrorMessage(err)
		status := http.StatusBadRequest
		if code == roster.ECONFLICT {
			status = http.StatusConflict
		}
		h.render(w, r, status, "setup", "Setup", view)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("setup saved", "operator", visitOf(r).op.Name, "changes", len(changes))
	saved, err := h.setupView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	saved.Saved, saved.Changes = true, changes
	h.render(w, r, http.StatusOK, "setup", "Setup", saved)
}

var (
	yamlLine = regexp.MustCompile(`line (\d+)`)
	goType   = regexp.MustCompile(`(not found in type|into) \[?\]?[\w.]+`)
)

// yamlError words a YAML reader's error for the page, and finds the line
// it names, so that the page can take the cursor there.
func yamlError(err error) (string, int) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.Join(strings.Fields(msg), " ")
	// The reader names Go's types; a person knows the keys.
	msg = goType.ReplaceAllStringFunc(msg, func(m string) string {
		if strings.HasPrefix(m, "into") {
			return "here"
		}
		return "is not a known key here"
	})
	if msg == "" {
		return "The text is not valid YAML.", 0
	}
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return strings.ToUpper(msg[:1]) + msg[1:], line
}
