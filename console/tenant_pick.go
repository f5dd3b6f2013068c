package console

import (
	"net/http"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
)

// pickTenant changes the tenant the pages show, for an operator of all
// tenants; an operator bound to one has no choice to make.
func (h *handler) pickTenant(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	if !v.op.AllTenants {
		h.deny(w, r, http.StatusForbidden, "You see tenant "+v.op.Tenant+" only.")
		return
	}
	f := form.NewTenant(r)
	name := ""
	if f.Tenant != "" {
		var err error
		if name, err = roster.TenantName(r.Context(), h.cfg.Directory, f.Tenant); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	// The session's cookie says which tenant it shows: nothing is written.
	v.session.Tenant = name
	h.saveSession(w, r, v.session)
	http.Redirect(w, r, f.Back, http.StatusSeeOther)
}
