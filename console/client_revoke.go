package console

import (
	"net/http"

	"github.com/roster-dev/roster"
)

// revokeClient revokes a client as `roster clients revoke` does: its
// tokens stop working at once. Another tenant's client is not found, as
// the API answers another tenant's objects.
func (h *handler) revokeClient(w http.ResponseWriter, r *http.Request) {
	v := visitOf(r)
	c, err := h.cfg.Clients.Client(r.Context(), r.PathValue("id"))
	if err == nil && !mayManage(v, c) {
		err = roster.Errorf(roster.ENOTFOUND, "no client %q", r.PathValue("id"))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.cfg.Clients.RevokeClient(r.Context(), c.ID, h.now()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("client revoked", "operator", v.op.Name, "client_id", c.ID)
	http.Redirect(w, r, "/clients?done=revoked", http.StatusSeeOther)
}
