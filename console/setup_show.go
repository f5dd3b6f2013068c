package console

import (
	"bytes"
	"net/http"

	"github.com/roster-dev/roster/setupfile"
)

// setupView is what the setup page shows.
type setupView struct {
	YAML string
	// CanSave: only an operator of all tenants may change the reference
	// data, which is the whole directory's (as PUT /api/v1/setup needs a
	// client of all tenants).
	CanSave bool
	Why     string
	// Whole: every tenant is shown, so removing what the text does not
	// declare (prune) means what it says.
	Whole     bool
	Prune     bool
	Error     string
	ErrorLine int
	Saved     bool
	Changes   []string
}

// showSetup draws the reference data as YAML: editable by an admin of all
// tenants, read-only for an admin of one.
func (h *handler) showSetup(w http.ResponseWriter, r *http.Request) {
	view, err := h.setupView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view.Saved = r.URL.Query().Get("saved") != ""
	h.render(w, r, http.StatusOK, "setup", "Setup", view)
}

// setupView reads the reference data as the session sees it: one tenant,
// or all, as GET /api/v1/setup shows them to a client.
func (h *handler) setupView(r *http.Request) (*setupView, error) {
	v := visitOf(r)
	ref, err := h.cfg.Directory.Reference(r.Context())
	if err != nil {
		return nil, err
	}
	if v.session.Tenant != "" {
		ref = ref.Only(v.session.Tenant)
	}
	var buf bytes.Buffer
	if err := setupfile.Write(&buf, ref); err != nil {
		return nil, err
	}
	view := &setupView{YAML: buf.String(), CanSave: v.op.AllTenants, Whole: v.session.Tenant == ""}
	if !view.CanSave {
		view.Why = "The reference data is the whole directory's: changing it needs an administrator of all tenants. " +
			"This is tenant " + v.op.Tenant + "'s part of it."
	}
	return view, nil
}
