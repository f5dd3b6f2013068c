package console

import "net/http"

// showHome draws the home page: what the operator may do from here.
func (h *handler) showHome(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "home", "Provision users in bulk", nil)
}
