package console

import "net/http"

// Register puts every page of the console on a mux: this list is all
// there is. Pages for imports, jobs, users, groups and rooms join it, and
// the navigation (nav.go), as the API gains their endpoints.
func (c *Console) Register(mux *http.ServeMux) {
	h := c.h
	mux.HandleFunc("GET /static/{file}", h.serveStatic)

	mux.HandleFunc("GET /login", h.public(h.showLogin))
	mux.HandleFunc("POST /login", h.public(h.checkLogin))
	mux.HandleFunc("POST /logout", h.signedIn(h.logout))
	mux.HandleFunc("POST /tenant", h.signedIn(h.pickTenant))

	mux.HandleFunc("GET /{$}", h.signedIn(h.showHome))
	mux.HandleFunc("GET /columns", h.signedIn(h.showColumns))
	mux.HandleFunc("GET /template", h.signedIn(h.downloadTemplate))

	mux.HandleFunc("GET /setup", h.admin(h.showSetup))
	mux.HandleFunc("POST /setup", h.admin(h.saveSetup))
	mux.HandleFunc("GET /clients", h.admin(h.listClients))
	mux.HandleFunc("POST /clients", h.admin(h.createClient))
	mux.HandleFunc("POST /clients/{id}/revoke", h.admin(h.revokeClient))
}
