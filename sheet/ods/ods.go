// Package ods reads OpenDocument spreadsheets (.ods): the rows of one sheet,
// each cell as the text a person sees in it.
//
// content.xml is streamed through sheet/internal/xmlscan, which hands out
// tags and text without a token object per element or attribute, while
// another goroutine inflates it: memory does not grow with the number of
// rows, and the repeats that spreadsheets use to describe empty space (a
// million blank rows, sixteen thousand blank columns) cost nothing.
package ods

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
	"github.com/roster-dev/roster/sheet/internal/xmlscan"
	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// The size of the largest sheet LibreOffice and Excel can hold.
const (
	maxRows = 1 << 20
	maxCols = 1 << 14 // A to XFD
)

const mimeType = "application/vnd.oasis.opendocument.spreadsheet"

// Options choose the sheet and bound what a file may make the reader do.
type Options struct {
	// Sheet is a table name, or 1-based table number as decimal text; ""
	// is the first table. A name wins over a position: of the sheets
	// "Summary", "1" and "2", "1" is the second. (A number that is no
	// sheet's name costs one more pass over the file to find that out.)
	Sheet string
	// MaxCellBytes is the largest text of one cell in bytes; 0 = 1 << 20.
	MaxCellBytes int
	// MaxDepth is the deepest XML nesting accepted; 0 = 256.
	MaxDepth int
	// MaxCells is the most cells yielded in all, counting expanded
	// repeats and the empty cells up to the last non-empty one of each row
	// (these cost the caller as much to go through); 0 = 50_000_000.
	MaxCells int64
	// Limits bound what the archive may inflate to; the zero value is
	// zipguard.DefaultLimits.
	Limits zipguard.Limits
}

func (o Options) withDefaults() Options {
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = 1 << 20
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 256
	}
	if o.MaxCells <= 0 {
		o.MaxCells = 50_000_000
	}
	return o
}

// Reader reads the rows of one sheet.
type Reader struct {
	opt  Options
	xml  *content
	name string // the sheet's

	// The depth in content.xml of the open table, row, cell and paragraph
	// (0 when not in one), and of the element whose content is skipped.
	table, row, cell, para, skip int

	rowNum    int // number of the row being read, or of the next one
	rowRepeat int
	col       int      // 0-based index of the next cell in the row
	spans     []span   // where the row's cells are in rowText
	rowText   []byte   // the text of the row's cells
	cells     []string // the finished row up to its last non-empty cell
	c         cellAttrs
	text      []byte // the cell's displayed text

	yieldNum  int // number of the next yield of the finished row
	yieldLeft int // times the finished row is still to be yielded
	cellsLeft int64
	out       []string
	err       error
}

// span is where a cell's text lies in the row's text.
type span struct{ start, end int }

// cellAttrs are the attributes of a cell that decide its text.
type cellAttrs struct {
	valueType, value, date, time, boolean string
	repeat                                int
	paras                                 int // text:p seen
}

var errClosed = errors.New("ods: the reader is closed")

// NewReader opens the spreadsheet in r, of size bytes, and finds the sheet
// that opt names.
func NewReader(r io.ReaderAt, size int64, opt Options) (*Reader, error) {
	opt = opt.withDefaults()
	f, err := contentOf(r, size, opt)
	if err != nil {
		return nil, err
	}
	rd := &Reader{opt: opt, rowNum: 1, cellsLeft: opt.MaxCells}
	pos := 1
	if opt.Sheet != "" {
		// By name first; a number falls back to a position only when no
		// table has it as its name, which takes a second pass.
		pos = position(opt.Sheet)
		if rd.xml, err = openContent(f, opt); err != nil {
			return nil, err
		}
		names, ok, err := rd.xml.seek(opt.Sheet, 0)
		if err != nil || ok || pos == 0 || pos > len(names) {
			return rd.found(names, ok, err)
		}
		rd.xml.close()
	}
	if rd.xml, err = openContent(f, opt); err != nil {
		return nil, err
	}
	names, ok, err := rd.xml.seek("", pos)
	return rd.found(names, ok, err)
}

// SheetNames returns the names of the workbook's sheets, in order. It reads
// the whole of content.xml, so it is for when a person needs them, such as
// after a wrong guess of the sheet, not for every read.
func SheetNames(r io.ReaderAt, size int64, opt Options) ([]string, error) {
	opt = opt.withDefaults()
	f, err := contentOf(r, size, opt)
	if err != nil {
		return nil, err
	}
	c, err := openContent(f, opt)
	if err != nil {
		return nil, err
	}
	defer c.close()
	names, _, err := c.seek("", 0) // no table has no name and position 0: every table is passed
	return names, err
}

// found finishes NewReader once the seek for the sheet has ended, with the
// names of the tables it passed, the last being the sheet's if ok.
func (r *Reader) found(names []string, ok bool, err error) (*Reader, error) {
	if err == nil && !ok {
		switch {
		case len(names) == 0:
			err = errors.New("ods: the workbook has no sheets")
		default:
			q := make([]string, len(names))
			for i, n := range names {
				q[i] = strconv.Quote(n)
			}
			err = fmt.Errorf("ods: no sheet %q in the workbook (sheets: %s)", r.opt.Sheet, strings.Join(q, ", "))
		}
	}
	if err != nil {
		r.xml.close()
		return nil, err
	}
	r.name = names[len(names)-1]
	r.table = r.xml.depth()
	return r, nil
}

// contentOf opens the archive in r, within the limits, and finds its
// content.xml.
func contentOf(r io.ReaderAt, size int64, opt Options) (*zip.File, error) {
	zr, err := zipguard.Open(r, size, opt.Limits)
	if err != nil {
		return nil, fmt.Errorf("ods: %w", err)
	}
	return contentFile(zr)
}

// contentFile finds content.xml, having checked that the archive does not
// say it is some other kind of document.
func contentFile(zr *zip.Reader) (*zip.File, error) {
	var content *zip.File
	for _, f := range zr.File {
		switch {
		case f.Name == "mimetype":
			rc, err := zipguard.OpenEntry(f, 0)
			if err != nil {
				return nil, fmt.Errorf("ods: reading the archive's mimetype: %w", err)
			}
			b, err := io.ReadAll(io.LimitReader(rc, 256))
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("ods: reading the archive's mimetype: %w", err)
			}
			if m := strings.TrimSpace(string(b)); m != mimeType {
				return nil, fmt.Errorf("ods: not an OpenDocument spreadsheet: the archive says it is %q", m)
			}
		case f.Name == "content.xml" && content == nil:
			content = f
		}
	}
	if content == nil {
		return nil, errors.New("ods: not an OpenDocument spreadsheet: the archive has no content.xml")
	}
	return content, nil
}

// position reads a 1-based table number, or returns 0.
func position(s string) int {
	if strings.Trim(s, "0123456789") != "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// Next returns the next row that has at least one non-empty cell: its
// 1-based spreadsheet row number and its cells from column A up to the last
// non-empty cell (empty cells in between are ""). It returns io.EOF after
// the last row of the sheet. The cells slice may be reused by the next call.
func (r *Reader) Next() (row int, cells []string, err error) {
	if r.err == nil && r.yieldLeft == 0 {
		r.err = r.readRow()
	}
	if r.err == nil {
		switch {
		case r.yieldNum > maxRows:
			r.err = fmt.Errorf("ods: sheet %q: data below row %d, the last row a spreadsheet can have", r.name, maxRows)
		case int64(len(r.cells)) > r.cellsLeft:
			r.err = r.rowError(r.yieldNum, "the sheet has more than %d cells, too many to read", r.opt.MaxCells)
		}
	}
	if r.err != nil {
		return 0, nil, r.err
	}
	r.cellsLeft -= int64(len(r.cells))
	row = r.yieldNum
	r.yieldNum++
	r.yieldLeft--
	// A copy, so that a caller who edits the cells does not change the
	// repeats of a repeated row.
	r.out = append(r.out[:0], r.cells...)
	return row, r.out, nil
}

// Close releases content.xml.
func (r *Reader) Close() error {
	if r.err == errClosed {
		return nil
	}
	r.err = errClosed
	return r.xml.close()
}

// readRow reads content.xml up to the end of the next row that has a
// non-empty cell, or of the table.
func (r *Reader) readRow() error {
	for {
		k, err := r.xml.token()
		if err != nil {
			return err
		}
		switch k {
		case xmlscan.Start:
			if err := r.start(); err != nil {
				return err
			}
		case xmlscan.End:
			switch r.xml.depth() {
			case r.skip:
				r.skip = 0
			case r.para:
				r.para = 0
			case r.cell:
				if err := r.endCell(); err != nil {
					return err
				}
			case r.row:
				if r.endRow() {
					return nil
				}
			case r.table:
				return io.EOF
			}
		case xmlscan.Text, xmlscan.CData:
			if r.para > 0 && r.skip == 0 {
				if r.text, err = r.xml.s.AppendText(r.text); err != nil {
					return r.xml.xmlError(err)
				}
				if len(r.text) > r.opt.MaxCellBytes {
					return r.tooLong()
				}
			}
		}
	}
}

// start handles the start of an element inside the table. Everything but
// rows, cells and their text is skipped whole.
func (r *Reader) start() error {
	if r.skip > 0 {
		return nil
	}
	ns := &r.xml.ns
	switch n := r.xml.s.Name(); {
	case r.cell > 0:
		return r.startInCell(n)
	case r.row > 0:
		if string(n) == ns.cell || string(n) == ns.covered {
			return r.startCell()
		}
	case string(n) == ns.row:
		return r.startRow()
	case string(n) == ns.headerRows, string(n) == ns.rowGroup, string(n) == ns.rows:
		return nil // their rows are read as if they stood in the table
	}
	r.skip = r.xml.depth()
	return nil
}

func (r *Reader) startRow() error {
	n, err := r.repeat(r.xml.ns.rowsRepeated, maxRows+1)
	if err != nil {
		return err
	}
	r.row, r.rowRepeat = r.xml.depth(), n
	r.col, r.spans, r.rowText = 0, r.spans[:0], r.rowText[:0]
	return nil
}

// endRow finishes a row and reports whether it is to be yielded.
func (r *Reader) endRow() bool {
	r.row = 0
	first := r.rowNum
	// Beyond the last row, the count only needs to stay there.
	r.rowNum = min(r.rowNum+r.rowRepeat, maxRows+1)
	if len(r.spans) == 0 {
		return false
	}
	// One string for the whole row, of which each cell is a part.
	text := string(r.rowText)
	r.cells = r.cells[:0]
	for _, sp := range r.spans {
		r.cells = append(r.cells, text[sp.start:sp.end])
	}
	r.yieldNum, r.yieldLeft = first, r.rowRepeat
	return true
}

func (r *Reader) startCell() error {
	n, err := r.repeat(r.xml.ns.colsRepeated, maxCols+1)
	if err != nil {
		return err
	}
	ns := &r.xml.ns
	s := r.xml.s
	r.c = cellAttrs{repeat: n}
	for i := range s.Attrs() {
		name := s.AttrName(i)
		var to *string
		switch string(name) {
		case ns.valueType:
			to = &r.c.valueType
		case ns.value:
			to = &r.c.value
		case ns.dateValue:
			to = &r.c.date
		case ns.timeValue:
			to = &r.c.time
		case ns.booleanValue:
			to = &r.c.boolean
		default:
			continue
		}
		v, err := s.AttrValue(i)
		if err != nil {
			return r.xml.xmlError(err)
		}
		*to = text(v)
	}
	r.cell = r.xml.depth()
	r.text = r.text[:0]
	return nil
}

// text is v as a string, without an allocation for the values of
// office:value-type, which every cell has.
func text(v []byte) string {
	switch string(v) {
	case "string":
		return "string"
	case "float":
		return "float"
	case "percentage":
		return "percentage"
	case "currency":
		return "currency"
	case "date":
		return "date"
	case "time":
		return "time"
	case "boolean":
		return "boolean"
	}
	return string(v)
}

// startInCell handles the elements of a cell's content: paragraphs and
// the spaces, tabs and line breaks written as elements inside them.
// Comments, notes and drawings anchored to the cell are not its text.
func (r *Reader) startInCell(n []byte) error {
	ns := &r.xml.ns
	switch {
	case string(n) == ns.annotation, string(n) == ns.note, hasPrefix(n, ns.draw):
		r.skip = r.xml.depth()
	case !hasPrefix(n, ns.text):
	case string(n) == ns.p, string(n) == ns.h:
		if r.para > 0 {
			return nil
		}
		r.para = r.xml.depth()
		r.c.paras++
		if r.c.paras > 1 {
			return r.addText('\n', 1)
		}
	case r.para == 0:
	case string(n) == ns.s:
		c, err := r.xml.attr(ns.c)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			n = 1
		}
		return r.addText(' ', n)
	case string(n) == ns.tab:
		return r.addText('\t', 1)
	case string(n) == ns.lineBreak:
		return r.addText('\n', 1)
	}
	return nil
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// addText adds n times the character c to the cell's text.
func (r *Reader) addText(c byte, n int) error {
	if n > r.opt.MaxCellBytes-len(r.text) {
		return r.tooLong()
	}
	for range n {
		r.text = append(r.text, c)
	}
	return nil
}

func (r *Reader) tooLong() error {
	return r.cellError("cell text longer than %s", xmlscan.SizeText(r.opt.MaxCellBytes))
}

// endCell adds the finished cell to the row. Empty cells only move the
// column, so that runs of thousands of them cost nothing unless a
// non-empty cell follows.
func (r *Reader) endCell() error {
	r.cell = 0
	n := r.c.repeat
	start := len(r.rowText)
	if v, ok := cellValue(&r.c, r.text); ok {
		r.rowText = append(r.rowText, v...)
	} else {
		r.rowText = append(r.rowText, r.text...)
	}
	if len(r.rowText) == start {
		r.col = min(r.col+n, maxCols+1)
		return nil
	}
	if r.col+n > maxCols {
		return r.rowError(r.rowNum, "data right of column %s, the last column a spreadsheet can have", cellfmt.ColumnName(maxCols))
	}
	if int64(r.col+n) > r.cellsLeft {
		return r.cellError("the sheet has more than %d cells, too many to read", r.opt.MaxCells)
	}
	for len(r.spans) < r.col {
		r.spans = append(r.spans, span{})
	}
	for range n {
		r.spans = append(r.spans, span{start, len(r.rowText)})
	}
	r.col += n
	return nil
}

// repeat reads a table:number-*-repeated attribute, which is 1 when
// absent. Counts beyond limit all mean the same, so they read as limit.
func (r *Reader) repeat(name string, limit int) (int, error) {
	s, err := r.xml.attr(name)
	if err != nil || s == "" {
		return 1, err
	}
	if strings.Trim(s, "0123456789") != "" || strings.Trim(s, "0") == "" {
		return 0, r.xml.lineError("%s is %q, not a whole number from 1 up", name, s)
	}
	if n, err := strconv.Atoi(s); err == nil && n < limit {
		return n, nil
	}
	return limit, nil
}

func (r *Reader) rowError(row int, format string, args ...any) error {
	return fmt.Errorf("ods: sheet %q row %d: %s", r.name, row, fmt.Sprintf(format, args...))
}

func (r *Reader) cellError(format string, args ...any) error {
	return fmt.Errorf("ods: sheet %q row %d column %s: %s", r.name, r.rowNum, cellfmt.ColumnName(r.col+1), fmt.Sprintf(format, args...))
}
