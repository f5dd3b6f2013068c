package console

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
)

// templateTypes are the template's formats and media types, as the API's
// GET /api/v1/template serves them.
var templateTypes = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// downloadTemplate sends the empty import file.
func (h *handler) downloadTemplate(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	mt, ok := templateTypes[format]
	if !ok {
		h.deny(w, r, http.StatusBadRequest, "The template is an XLSX or a CSV file: format=xlsx or format=csv.")
		return
	}
	var buf bytes.Buffer
	if err := sample.Template(&buf, sheet.Format(format)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Disposition", `attachment; filename="roster-template.`+format+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}
