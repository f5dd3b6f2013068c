package console

import "net/http"

// importView is what the drop page shows.
type importView struct {
	Error string
}

// showImport draws the first step of an import: drop a file.
func (h *handler) showImport(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "import", "Import users", importView{})
}
