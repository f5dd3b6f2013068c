// Package xls reads Excel 97–2003 workbooks (.xls: BIFF8 records in a
// compound file) as rows of cell text, the text a person sees in each cell.
//
// We have our own because the Go XLS libraries misread the files that
// LibreOffice writes. This one reads only what roster needs — cell values,
// the number formats that turn numbers into dates, times, percentages and
// zero-padded codes, and the shared strings — and distrusts every count and
// length in the file, which comes from outside.
//
// The whole Workbook stream is read into memory (it is capped), as is the
// shared string table; the cells of a sheet are read one row at a time.
package xls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
)

// ErrEncrypted is the error, wrapped, for a workbook saved with a password.
var ErrEncrypted = errors.New("the workbook is encrypted (password-protected); save it without a password and try again")

var errClosed = errors.New("xls: the reader is closed")

// maxColumns is one past the last column read: BIFF8 has 256 columns, but
// a writer may go as far as a newer Excel's 16384.
const maxColumns = 16384

// Options says what to read.
type Options struct {
	Sheet        string // sheet name, or 1-based sheet number as decimal text; "" = the first worksheet
	MaxCellBytes int    // largest text of one cell in bytes; 0 = 1 << 20
}

// A Reader reads the rows of one worksheet.
type Reader struct {
	wb      []byte
	g       *globals
	sheet   string
	maxCell int

	next  int  // offset of the next record of the sheet
	depth int  // of nested BOF…EOF substreams, such as charts in the sheet
	end   bool // the sheet's last record has been read
	row   int  // 0-based row of the cells in cur; -1 before the first
	cur   []string
	spare []string // the buffer Next returned last, to fill next

	// A formula whose text is in the STRING record to come.
	formulaRow, formulaCol int
	formulaPending         bool

	err error // sticky
}

// NewReader reads the workbook globals of the .xls file in r, size bytes
// long, and readies the sheet opt names for Next.
func NewReader(r io.ReaderAt, size int64, opt Options) (*Reader, error) {
	wb, err := workbookStream(r, size)
	if err != nil {
		return nil, err
	}
	return newReader(wb, opt)
}

// newReader is NewReader over a Workbook stream.
func newReader(wb []byte, opt Options) (*Reader, error) {
	g, err := readGlobals(wb)
	if err != nil {
		return nil, err
	}
	sh, err := g.find(opt.Sheet)
	if err != nil {
		return nil, err
	}
	if bof, _, err := readRecord(wb, sh.off); err != nil || bof.typ != recBOF {
		return nil, fmt.Errorf("xls: sheet %q is not where the workbook says (offset %d); the file is damaged", sh.name, sh.off)
	}
	r := &Reader{wb: wb, g: g, sheet: sh.name, maxCell: opt.MaxCellBytes, next: sh.off, row: -1}
	if r.maxCell <= 0 {
		r.maxCell = 1 << 20
	}
	return r, nil
}

// find returns the worksheet that name names.
func (g *globals) find(name string) (sheet, error) {
	if len(g.sheets) == 0 {
		return sheet{}, errors.New("xls: the workbook has no worksheets")
	}
	if name == "" {
		return g.sheets[0], nil
	}
	for _, s := range g.sheets {
		if s.name == name {
			return s, nil
		}
	}
	// Excel treats sheet names without regard to case.
	for _, s := range g.sheets {
		if strings.EqualFold(s.name, name) {
			return s, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 1 && n <= len(g.sheets) {
		return g.sheets[n-1], nil
	}
	names := make([]string, len(g.sheets))
	for i, s := range g.sheets {
		names[i] = strconv.Quote(s.name)
	}
	return sheet{}, fmt.Errorf("xls: no sheet %q in the workbook (sheets: %s)", name, strings.Join(names, ", "))
}

// Sheets returns the names of the workbook's worksheets, in order.
func (r *Reader) Sheets() []string {
	names := make([]string, len(r.g.sheets))
	for i, s := range r.g.sheets {
		names[i] = s.name
	}
	return names
}

// Next returns the next row that has at least one non-empty cell: its
// 1-based spreadsheet row number and its cells from column A up to the
// last non-empty cell (empty cells in between are ""). It returns io.EOF
// after the last row. The cells slice may be reused by the next call.
func (r *Reader) Next() (row int, cells []string, err error) {
	for r.err == nil && !r.end {
		if row, cells, r.err = r.record(); cells != nil {
			return row, cells, nil
		}
	}
	if r.err != nil {
		return 0, nil, r.err
	}
	if row, cells = r.take(); cells != nil {
		return row, cells, nil
	}
	r.err = io.EOF
	return 0, nil, r.err
}

// Close releases the workbook.
func (r *Reader) Close() error {
	r.wb, r.cur, r.spare, r.err = nil, nil, nil, errClosed
	return nil
}

// record reads the sheet's next record and returns the row before it, if
// the record starts a new row and the one before had a non-empty cell.
func (r *Reader) record() (int, []string, error) {
	if r.next >= len(r.wb) {
		r.end = true // no EOF record: take the sheet as it is
		return 0, nil, nil
	}
	rec, next, err := readRecord(r.wb, r.next)
	if err != nil {
		return 0, nil, fmt.Errorf("xls: sheet %q: %w", r.sheet, err)
	}
	r.next = next
	switch rec.typ {
	case recBOF:
		r.depth++
		return 0, nil, nil
	case recEOF:
		r.depth--
		r.end = r.depth <= 0
		return 0, nil, nil
	}
	if r.depth != 1 {
		return 0, nil, nil
	}
	switch rec.typ {
	case recString:
		return r.formulaString(rec)
	case recLabelSST, recLabel, recRString, recNumber, recRK, recMulRK, recBoolErr, recFormula, recBlank, recMulBlank:
		r.formulaPending = false
		row, cells, err := r.cell(rec)
		if errors.Is(err, errTruncated) {
			err = fmt.Errorf("xls: sheet %q: %w", r.sheet, rec.err(err.Error()))
		}
		return row, cells, err
	}
	return 0, nil, nil
}

// cell reads a cell record.
func (r *Reader) cell(rec record) (int, []string, error) {
	d := rec.data
	if len(d) < 6 {
		return 0, nil, errTruncated
	}
	row := int(binary.LittleEndian.Uint16(d))
	col := int(binary.LittleEndian.Uint16(d[2:]))
	xf := int(binary.LittleEndian.Uint16(d[4:]))
	switch rec.typ {
	case recLabelSST:
		if len(d) < 10 {
			return 0, nil, errTruncated
		}
		i := binary.LittleEndian.Uint32(d[6:])
		if i >= uint32(len(r.g.sst)) {
			return 0, nil, r.cellErr(row, col, fmt.Sprintf("string %d is not in the shared string table, which has %d", i, len(r.g.sst)))
		}
		return r.put(row, col, r.g.sst[i])
	case recLabel, recRString:
		s, err := newContReader(d[6:]).unicodeString(2)
		if err != nil {
			return 0, nil, err
		}
		return r.put(row, col, s)
	case recNumber:
		if len(d) < 14 {
			return 0, nil, errTruncated
		}
		return r.put(row, col, r.number(xf, math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))))
	case recRK:
		if len(d) < 10 {
			return 0, nil, errTruncated
		}
		return r.put(row, col, r.number(xf, rk(binary.LittleEndian.Uint32(d[6:]))))
	case recMulRK:
		// Style and RK value for each column from col on, then the last column.
		n := (len(d) - 6) / 6
		if n < 1 {
			return 0, nil, errTruncated
		}
		var doneRow int
		var done []string
		for i := range n {
			e := d[4+6*i:]
			v := r.number(int(binary.LittleEndian.Uint16(e)), rk(binary.LittleEndian.Uint32(e[2:])))
			nr, cells, err := r.put(row, col+i, v)
			if err != nil {
				return 0, nil, err
			}
			if cells != nil {
				doneRow, done = nr, cells
			}
		}
		return doneRow, done, nil
	case recBoolErr:
		if len(d) < 8 {
			return 0, nil, errTruncated
		}
		if d[7] == 0 {
			return r.put(row, col, boolText(d[6]))
		}
		return r.put(row, col, errorText(d[6]))
	case recFormula:
		if len(d) < 14 {
			return 0, nil, errTruncated
		}
		// The cached value: a number, or, when its last two bytes are
		// 0xFFFF, a type in its first byte and a boolean or error in its third.
		v := d[6:14]
		if v[6] != 0xFF || v[7] != 0xFF {
			return r.put(row, col, r.number(xf, math.Float64frombits(binary.LittleEndian.Uint64(v))))
		}
		switch v[0] {
		case 0: // text, in the STRING record to come
			r.formulaRow, r.formulaCol, r.formulaPending = row, col, true
		case 1:
			return r.put(row, col, boolText(v[2]))
		case 2:
			return r.put(row, col, errorText(v[2]))
		}
	}
	return 0, nil, nil // BLANK, MULBLANK, or a formula with empty text
}

// formulaString reads the text of the formula before it.
func (r *Reader) formulaString(rec record) (int, []string, error) {
	segs, next, err := continued(r.wb, rec, r.next)
	if err != nil {
		return 0, nil, fmt.Errorf("xls: sheet %q: %w", r.sheet, err)
	}
	r.next = next
	if !r.formulaPending {
		return 0, nil, nil
	}
	r.formulaPending = false
	s, err := newContReader(segs...).unicodeString(2)
	if err != nil {
		return 0, nil, fmt.Errorf("xls: sheet %q: %w", r.sheet, rec.err(err.Error()))
	}
	return r.put(r.formulaRow, r.formulaCol, s)
}

// put places a cell's text in the row being read. When the cell starts a
// new row, it returns the row before it, if that has a non-empty cell.
func (r *Reader) put(row, col int, text string) (int, []string, error) {
	if text == "" {
		return 0, nil, nil
	}
	switch {
	case col >= maxColumns:
		return 0, nil, r.cellErr(row, col, "the column is past the last one a worksheet can have")
	case len(text) > r.maxCell:
		return 0, nil, r.cellErr(row, col, fmt.Sprintf("the text is longer than %d bytes", r.maxCell))
	case row < r.row:
		// Writers put cells in row order; holding the sheet to sort it would
		// cost memory in proportion to it.
		return 0, nil, r.cellErr(row, col, fmt.Sprintf("the cell comes after cells of row %d; the workbook stores its cells out of order (open it and save it again)", r.row+1))
	}
	var doneRow int
	var done []string
	if row > r.row {
		doneRow, done = r.take()
		r.row = row
	}
	for len(r.cur) <= col {
		r.cur = append(r.cur, "")
	}
	r.cur[col] = text
	return doneRow, done, nil
}

// take returns the row read so far, if it has a cell, and starts the next.
func (r *Reader) take() (int, []string) {
	if len(r.cur) == 0 {
		return 0, nil
	}
	done := r.cur
	r.cur, r.spare = r.spare[:0], done
	return r.row + 1, done
}

func (r *Reader) cellErr(row, col int, msg string) error {
	return fmt.Errorf("xls: sheet %q row %d column %s: %s", r.sheet, row+1, cellfmt.ColumnName(col+1), msg)
}

// number writes v as the cell style xf shows it.
func (r *Reader) number(xf int, v float64) string {
	var f cellfmt.Format // General, for a style the workbook lacks
	if xf < len(r.g.formats) {
		f = r.g.formats[xf]
	}
	return f.Value(v, r.g.date1904)
}

// rk decodes an RK value: a 30-bit integer or the high 30 bits of a
// float64, either of them divided by 100 if the lowest bit says so.
func rk(v uint32) float64 {
	var f float64
	if v&2 != 0 {
		f = float64(int32(v) >> 2)
	} else {
		f = math.Float64frombits(uint64(v&^3) << 32)
	}
	if v&1 != 0 {
		f /= 100
	}
	return f
}

func boolText(b byte) string {
	if b != 0 {
		return "TRUE"
	}
	return "FALSE"
}

// errorText writes a cell error code as Excel shows it.
func errorText(code byte) string {
	switch code {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	}
	return "#N/A" // 0x2A, and the codes BIFF8 does not define
}
