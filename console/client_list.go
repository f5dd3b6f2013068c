package console

import (
	"net/http"
	"slices"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
)

// clientsView is what the clients page shows.
type clientsView struct {
	Clients []*roster.Client
	Form    *form.Client
	Error   string
	Done    string
	Scopes  []scopeChoice
	// Tenants are the choices of tenant for a new client, for an admin of
	// all tenants; FixedTenant is the only one for an admin of one.
	Tenants     []string
	FixedTenant string
}

type scopeChoice struct {
	Name, Doc string
	Checked   bool
}

// listClients draws the clients the admin may see, and the form to
// create one.
func (h *handler) listClients(w http.ResponseWriter, r *http.Request) {
	view, err := h.clientsView(r, &form.Client{Scopes: []string{roster.ScopeUsersRead}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	switch r.URL.Query().Get("done") {
	case "revoked":
		view.Done = "The client was revoked; its tokens no longer work."
	}
	h.render(w, r, http.StatusOK, "clients", "API clients", view)
}

// clientsView lists the clients of the tenant the session shows: an admin
// of one tenant sees that tenant's clients only, as it sees its users.
func (h *handler) clientsView(r *http.Request, f *form.Client) (*clientsView, error) {
	v := visitOf(r)
	all, err := h.cfg.Clients.Clients(r.Context())
	if err != nil {
		return nil, err
	}
	view := &clientsView{Form: f, Clients: []*roster.Client{}}
	for _, c := range all {
		if v.session.Tenant == "" || (!c.AllTenants && c.Tenant == v.session.Tenant) {
			view.Clients = append(view.Clients, c)
		}
	}
	for _, s := range roster.Scopes {
		view.Scopes = append(view.Scopes, scopeChoice{Name: s, Doc: roster.ScopeDocs[s], Checked: slices.Contains(f.Scopes, s)})
	}
	if v.op.AllTenants {
		ref, err := h.cfg.Directory.Reference(r.Context())
		if err != nil {
			return nil, err
		}
		for _, t := range ref.Tenants {
			view.Tenants = append(view.Tenants, t.Name)
		}
	} else {
		view.FixedTenant = v.op.Tenant
	}
	return view, nil
}

// mayManage tells whether the signed-in admin may act on a client: one of
// its tenant, for an admin of one tenant.
func mayManage(v *visit, c *roster.Client) bool {
	return v.op.AllTenants || (!c.AllTenants && c.Tenant == v.op.Tenant)
}
