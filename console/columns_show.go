package console

import (
	"net/http"

	"github.com/roster-dev/roster/catalog"
)

// showColumns draws the column catalogue, as GET /api/v1/columns gives it.
func (h *handler) showColumns(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "columns", "Columns", catalog.Infos())
}
