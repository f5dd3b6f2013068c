package provision

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// Preview is the head of a file as a run with some options would read it:
// its sheets, its header matched against the catalogue (with the options'
// map, set and generate), and its first rows. It is what a person needs to
// map a file's columns before anything is checked.
type Preview struct {
	File   string `json:"file"`
	Format string `json:"format"`
	// Sheets are a workbook's sheets, in order; empty for a text file.
	Sheets []string `json:"sheets"`
	// Sheet is the sheet read: the one the options name, else the first.
	Sheet     string `json:"sheet,omitempty"`
	Separator string `json:"separator,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	// HeaderRow is the row of the header: the first that is not empty.
	HeaderRow int `json:"header_row"`
	// Columns are the header's cells, in the file's order.
	Columns []PreviewColumn `json:"columns"`
	// Rows are the first rows after the header, as read; secret cells show
	// ***.
	Rows []PreviewRow `json:"rows"`
	// Missing are the required columns that nothing gives a value: not the
	// header as mapped, nor set, nor generate.
	Missing []MissingColumn `json:"missing"`
	// Problem is what keeps the header from being read with these options
	// (a column named twice, a mapping of a header the file does not
	// have); empty when it can be.
	Problem string `json:"problem,omitempty"`
}

// PreviewColumn is one cell of a file's header.
type PreviewColumn struct {
	Header string `json:"header"`
	// Letter names the column as spreadsheets do: A, B, …
	Letter string `json:"letter"`
	// Column is the catalogue column the header is read as; empty when it
	// is ignored.
	Column string `json:"column"`
	// By says why: "name" (the header is the column's name or an alias),
	// "map" (the map option), or "" (ignored: no column matches, or the
	// header is empty or an error report's errors column).
	By string `json:"by" enum:"name,map,"`
	// Hint is the nearest column's name, for an ignored header that looks
	// like a slip of the keyboard.
	Hint string `json:"hint,omitempty"`
	// Values are the column's first values, as in Rows.
	Values []string `json:"values"`
}

// PreviewRow is a row of a file, as read.
type PreviewRow struct {
	Row   int      `json:"row"`
	Cells []string `json:"cells"`
}

// MissingColumn is a required column that nothing gives.
type MissingColumn struct {
	Column  string `json:"column"`
	Message string `json:"message"`
}

// DefaultPreviewRows is how many rows a preview shows unless asked.
const DefaultPreviewRows = 5

// ReadPreview reads the head of a source: it stops after n rows below the
// header, so it takes as long for a million rows as for ten.
// tempDir is where the sheet of a ZIP is copied to be read ("": the
// system's temporary folder).
func ReadPreview(src *sheet.Source, s Settings, tempDir string, n int) (*Preview, error) {
	opt, err := s.Options()
	if err != nil {
		return nil, err
	}
	opt.Sheet.TempDir, opt.Sheet.Head = tempDir, true
	f, err := src.Open(opt.Sheet)
	if err != nil {
		return nil, Unreadable(err)
	}
	defer f.Close()
	p := &Preview{File: src.Name, Format: string(f.Format), Sheets: []string{}, Columns: []PreviewColumn{}, Rows: []PreviewRow{},
		Missing: []MissingColumn{}}
	if f.Format == sheet.CSV || f.Format == sheet.TSV {
		p.Separator, p.Encoding = string(f.Separator), f.Encoding
	}
	names, err := f.Sheets()
	if err != nil {
		return nil, Unreadable(err)
	}
	if names != nil {
		p.Sheets, p.Sheet = names, sheetName(names, opt.Sheet.Sheet)
	}
	var header []string
	for len(p.Rows) < n {
		row, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, Unreadable(err)
		}
		if header == nil {
			header, p.HeaderRow = slices.Clone(row.Cells), row.Num
			continue
		}
		p.Rows = append(p.Rows, PreviewRow{Row: row.Num, Cells: slices.Clone(row.Cells)})
	}
	p.describe(header, opt)
	return p, nil
}

// sheetName names the sheet that a sheet option reads: by name or by
// number, the first when empty.
func sheetName(names []string, want string) string {
	if want == "" {
		return names[0]
	}
	if n, err := strconv.Atoi(want); err == nil && n >= 1 && n <= len(names) {
		return names[n-1]
	}
	for _, name := range names {
		if strings.EqualFold(name, want) {
			return name
		}
	}
	return want
}

// describe matches the header as a run would, masks the secret cells of
// the rows, and lists what required columns nothing gives.
func (p *Preview) describe(header []string, opt Options) {
	if _, err := catalog.ParseHeader(header, opt.Header); err != nil {
		p.Problem = roster.ErrorMessage(err)
	}
	has := make([]bool, len(catalog.Columns))
	for i, cell := range header {
		pc := PreviewColumn{Header: cell, Letter: catalog.ColumnLetter(i), Values: []string{}}
		name := strings.TrimSpace(strings.TrimPrefix(cell, "\uFEFF"))
		c, by := headerColumn(name, opt.Header.Map)
		switch {
		case c != nil:
			pc.Column, pc.By, has[c.Index] = c.Name, by, true
		case by == "map":
			pc.By = by
		case name != "" && !catalog.SameHeader(name, catalog.ErrorsColumn):
			pc.Hint = catalog.Hint(name)
		}
		for _, r := range p.Rows {
			v := ""
			if i < len(r.Cells) {
				v = r.Cells[i]
				if c != nil && c.Secret && v != "" {
					v, r.Cells[i] = "***", "***"
				}
			}
			pc.Values = append(pc.Values, v)
		}
		p.Columns = append(p.Columns, pc)
	}
	for name, v := range opt.Header.Set {
		if c := catalog.Lookup(name); c != nil && v != "" {
			has[c.Index] = true
		}
	}
	for _, g := range []struct {
		what Generate
		col  string
	}{{GeneratePassword, "password"}, {GenerateExten, "exten"}, {GenerateUsername, "username"}} {
		if opt.Generate.Has(g.what) {
			has[catalog.Lookup(g.col).Index] = true
		}
	}
	// A column that something gives stands for a value in every row:
	// what Required says of such a row is what the file as a whole lacks.
	values := make([]string, len(catalog.Columns))
	for i, ok := range has {
		if ok {
			values[i] = "given"
		}
	}
	catalog.Required(values, nil, func(c *catalog.Column, _, message string) {
		p.Missing = append(p.Missing, MissingColumn{Column: c.Name, Message: message})
	})
}

// headerColumn finds the column a header is read as, and why: "map" (the
// map option names it; nil when it ignores it) or "name".
func headerColumn(header string, mapped map[string]string) (*catalog.Column, string) {
	for from, to := range mapped {
		if catalog.SameHeader(from, header) {
			return catalog.Lookup(to), "map"
		}
	}
	if c := catalog.Lookup(header); c != nil {
		return c, "name"
	}
	return nil, ""
}

// SecretCells tells which cells of a header hold secrets, as a run with
// the settings reads them (a header mapped to password does): their values
// are shown as ***.
func SecretCells(header []string, s Settings) []bool {
	mapped, _ := pairs("map", s.Map, strings.LastIndexByte)
	out := make([]bool, len(header))
	for i, h := range header {
		c, _ := headerColumn(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")), mapped)
		out[i] = c != nil && c.Secret
	}
	return out
}
