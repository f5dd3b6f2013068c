package provision

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// reports writes errors.<ext> and success.csv as the run goes, into a
// folder made on first use (mode 0700, files 0600), and removes what the
// outcome does not call for.
type reports struct {
	dir    string
	format sheet.Format
	sep    rune
	bom    bool
	header []string
	// note is the position of the errors column: the header's own when
	// the input is an error report again, else one past the header.
	note  int
	width int // of the input's header
	// secret are the positions of plaintext secrets in a row, blanked in
	// the error report: no plaintext password is ever written to disk but
	// the generated ones of success.csv.
	secret []int

	errFile  *os.File
	errs     sheet.Writer
	succFile *os.File
	succ     *csv.Writer
	err      error
}

func newReports(opt Options, command string, f *sheet.File, h *catalog.Header) *reports {
	dir := opt.ReportDir
	if dir == "" {
		dir = filepath.Join("roster-reports", command+"-"+opt.Now().Format("20060102-150405"))
	}
	rep := &reports{dir: dir, header: h.Cells, note: h.ErrorsAt(), width: len(h.Cells), sep: f.Separator, bom: f.Encoding != "" && f.Encoding != "utf-8"}
	if rep.note < 0 {
		rep.header = append(slices.Clone(h.Cells), catalog.ErrorsColumn)
		rep.note = len(h.Cells)
	}
	for _, c := range h.Present() {
		if i := h.Position(c); i >= 0 && c.Secret && c.Type != catalog.Hash {
			rep.secret = append(rep.secret, i)
		}
	}
	switch f.Format {
	case sheet.CSV, sheet.TSV:
		rep.format = f.Format
	default:
		rep.format = sheet.XLSX
	}
	return rep
}

func (rep *reports) create(name string) (*os.File, error) {
	if err := os.MkdirAll(rep.dir, 0o700); err != nil {
		return nil, err
	}
	os.Chmod(rep.dir, 0o700)
	return os.OpenFile(filepath.Join(rep.dir, name), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
}

// failure adds a row, exactly as it was, with its problems in a last column.
func (rep *reports) failure(it *item, note string) {
	if rep.err != nil {
		return
	}
	if rep.errs == nil {
		if rep.errFile, rep.err = rep.create("errors." + string(rep.format)); rep.err != nil {
			return
		}
		rep.errs, rep.err = sheet.NewWriter(rep.errFile, rep.format, sheet.WriteOptions{Separator: rep.sep, BOM: rep.bom, Sheet: "errors"})
		if rep.err != nil {
			return
		}
		rep.err = rep.errs.Write(rep.header)
	}
	if note == "" {
		var parts []string
		for _, p := range it.problems {
			if p.Column == "" {
				parts = append(parts, p.Message)
			} else {
				parts = append(parts, p.Column+": "+p.Message)
			}
		}
		note = strings.Join(parts, "; ")
	}
	// The note goes under the errors column; cells past the input's
	// header (themselves an error) stay after it, so nothing is lost.
	cells := make([]string, len(rep.header), len(rep.header)+max(0, len(it.cells)-rep.width))
	copy(cells, it.cells[:min(rep.width, len(it.cells))])
	if len(it.cells) > rep.width {
		cells = append(cells, it.cells[rep.width:]...)
	}
	var blanked []string
	for _, i := range rep.secret {
		if i < len(cells) && cells[i] != "" {
			cells[i] = ""
			blanked = append(blanked, rep.header[i])
		}
	}
	if len(blanked) > 0 {
		note += "; " + strings.Join(blanked, ", ") + ": " + catalog.LeftOut
	}
	cells[rep.note] = note
	if rep.err == nil {
		rep.err = rep.errs.Write(cells)
	}
}

// success adds a written user; the password only when it was generated.
func (rep *reports) success(it *item) {
	if rep.err != nil {
		return
	}
	if rep.succ == nil {
		if rep.succFile, rep.err = rep.create("success.csv"); rep.err != nil {
			return
		}
		rep.succ = csv.NewWriter(rep.succFile)
		rep.err = rep.succ.Write([]string{"row", "uuid", "username", "email", "exten", "password"})
	}
	u := it.user
	exten := ""
	if u.Line != nil {
		exten = u.Line.Exten
	}
	if rep.err == nil {
		rep.err = rep.succ.Write([]string{strconv.Itoa(it.row), u.UUID, u.Username, u.Email, exten, it.password})
	}
}

// finish closes the files and keeps those the outcome calls for: the error
// report when rows failed, the success report when users were written and
// rows failed or secrets were generated.
func (rep *reports) finish(applied, failures, generated bool) (*roster.Reports, error) {
	out := &roster.Reports{}
	if rep.errs != nil {
		if err := rep.errs.Close(); err != nil && rep.err == nil {
			rep.err = err
		}
		rep.errFile.Close()
		p := rep.errFile.Name()
		out.Errors = &p
	}
	if rep.succ != nil {
		rep.succ.Flush()
		if err := rep.succ.Error(); err != nil && rep.err == nil {
			rep.err = err
		}
		rep.succFile.Close()
		if applied && (failures || generated) {
			p := rep.succFile.Name()
			out.Success = &p
		} else {
			os.Remove(rep.succFile.Name())
		}
		rep.succ = nil
	}
	os.Remove(rep.dir) // only when empty
	if rep.err != nil {
		return nil, fmt.Errorf("%s: %w", rep.dir, rep.err)
	}
	return out, nil
}

// abandon removes a success report of a run that ended in an error, since
// its users were not written.
func (rep *reports) abandon() {
	if rep.succ != nil {
		rep.succFile.Close()
		os.Remove(rep.succFile.Name())
		os.Remove(rep.dir)
	}
}
