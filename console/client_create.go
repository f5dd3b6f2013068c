package console

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console/form"
)

// createdView shows a new client's ID and, this once, its secret.
type createdView struct {
	ID, Name, Secret string
}

// createClient creates an API client as `roster clients create` does,
// and shows its secret once: only its hash is kept.
func (h *handler) createClient(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	f := form.NewClient(r)
	if !v.op.AllTenants {
		f.Tenant = v.op.Tenant
	}
	again := func(status int, msg string) {
		view, err := h.clientsView(r, f)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		view.Error = msg
		h.render(w, r, status, "clients", "API clients", view)
	}
	if err := f.Validate(); err != nil {
		again(http.StatusBadRequest, roster.ErrorMessage(err))
		return
	}
	scopes, err := roster.ParseScopes(strings.Join(f.Scopes, " "))
	if err != nil {
		again(http.StatusBadRequest, roster.ErrorMessage(err))
		return
	}
	c := &roster.Client{ID: uuid.NewString(), Name: f.Name, AllTenants: f.Tenant == "", Scopes: scopes, PublicKey: f.PublicKey,
		CreatedAt: h.now().UTC()}
	if f.Tenant != "" {
		if c.Tenant, err = roster.TenantName(r.Context(), h.cfg.Directory, f.Tenant); err != nil {
			if roster.ErrorCode(err) == roster.EINVALID {
				again(http.StatusBadRequest, roster.ErrorMessage(err))
				return
			}
			h.fail(w, r, err)
			return
		}
	}
	var secret string
	if c.PublicKey == "" {
		secret = roster.NewSecret()
		c.SecretHash = roster.HashSecret(secret)
	}
	if err := h.cfg.Clients.CreateClient(r.Context(), c); err != nil {
		if roster.ErrorCode(err) == roster.EINVALID {
			again(http.StatusBadRequest, roster.ErrorMessage(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	h.log.Info("client created", "operator", v.op.Name, "client_id", c.ID)
	h.render(w, r, http.StatusCreated, "client_created", "Client created", createdView{ID: c.ID, Name: c.Name, Secret: secret})
}
