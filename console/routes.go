package console

import "net/http"

// Register puts every page of the console on a mux: this list is all
// there is. The pages of imports, jobs, users, groups and rooms call the
// API's routes on the same mux.
func (c *Console) Register(mux *http.ServeMux) {
	h := c.h
	h.mux = mux
	mux.HandleFunc("GET /static/{file}", h.serveStatic)

	mux.HandleFunc("GET /login", h.public(h.showLogin))
	mux.HandleFunc("POST /login", h.public(h.checkLogin))
	mux.HandleFunc("POST /logout", h.signedIn(h.logout))
	mux.HandleFunc("POST /tenant", h.signedIn(h.pickTenant))

	mux.HandleFunc("GET /{$}", h.signedIn(h.showHome))
	mux.HandleFunc("GET /columns", h.signedIn(h.showColumns))
	mux.HandleFunc("GET /template", h.signedIn(h.downloadTemplate))

	mux.HandleFunc("GET /import", h.changer(h.showImport))
	mux.HandleFunc("POST /import", h.changer(h.uploadImport))
	mux.HandleFunc("GET /jobs", h.signedIn(h.listJobs))
	mux.HandleFunc("GET /jobs/{id}", h.signedIn(h.showJob))
	mux.HandleFunc("GET /jobs/{id}/events", h.signedIn(h.jobEvents))
	mux.HandleFunc("GET /jobs/{id}/map", h.changer(h.showMapping))
	mux.HandleFunc("POST /jobs/{id}/map", h.changer(h.saveMapping))
	mux.HandleFunc("GET /jobs/{id}/plan", h.signedIn(h.showPlan))
	mux.HandleFunc("GET /jobs/{id}/apply", h.changer(h.showApply))
	mux.HandleFunc("POST /jobs/{id}/apply", h.changer(h.applyJob))
	mux.HandleFunc("POST /jobs/{id}/cancel", h.changer(h.cancelJob))
	mux.HandleFunc("GET /jobs/{id}/errors", h.signedIn(h.downloadErrors))
	mux.HandleFunc("GET /jobs/{id}/success", h.changer(h.downloadSuccess))

	mux.HandleFunc("GET /users", h.signedIn(h.listUsers))
	mux.HandleFunc("GET /users/{ref}", h.signedIn(h.showUser))
	mux.HandleFunc("GET /users/{ref}/avatar", h.signedIn(h.showAvatar))
	mux.HandleFunc("GET /users/{ref}/edit", h.changer(h.editUser))
	mux.HandleFunc("POST /users/{ref}", h.changer(h.saveUser))
	mux.HandleFunc("POST /users/{ref}/delete", h.changer(h.deleteUser))
	mux.HandleFunc("GET /export", h.signedIn(h.downloadExport))
	mux.HandleFunc("GET /delete", h.changer(h.showDelete))
	mux.HandleFunc("POST /delete", h.changer(h.planDelete))
	mux.HandleFunc("POST /delete/confirm", h.changer(h.confirmDelete))

	for _, kind := range []string{"groups", "rooms"} {
		mux.HandleFunc("GET /"+kind, h.signedIn(h.sets(kind, h.listSets)))
		mux.HandleFunc("POST /"+kind, h.changer(h.sets(kind, h.createSet)))
		mux.HandleFunc("GET /"+kind+"/{name}", h.signedIn(h.sets(kind, h.showSet)))
		mux.HandleFunc("POST /"+kind+"/{name}/add", h.changer(h.sets(kind, h.addMembers)))
		mux.HandleFunc("POST /"+kind+"/{name}/remove", h.changer(h.sets(kind, h.removeMembers)))
	}

	mux.HandleFunc("GET /setup", h.admin(h.showSetup))
	mux.HandleFunc("POST /setup", h.admin(h.saveSetup))
	mux.HandleFunc("GET /clients", h.admin(h.listClients))
	mux.HandleFunc("POST /clients", h.admin(h.createClient))
	mux.HandleFunc("POST /clients/{id}/revoke", h.admin(h.revokeClient))
}
