package xlsx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
	"github.com/roster-dev/roster/sheet/internal/xmlscan"
)

// Reader reads the rows of one worksheet.
type Reader struct {
	wb        *workbook
	opt       Options
	name      string // the sheet's
	part      string // its worksheet part
	closePart func() error
	s         *xmlscan.Scanner
	err       error

	data   int // depth of sheetData, once in it
	inRow  bool
	inCell bool
	row    int // number of the last row started
	col    int // 0-based column of the last cell
	cell   cell
	spans  []span // the row's cells, by column, up to the last non-empty one
	text   []byte // the text of the row's cells that are not shared strings
	out    []string
}

// cell is the cell being read.
type cell struct {
	typ      string // its t attribute
	style    int
	val      []byte // the text of v, or of is
	inline   bool   // val is the text of an is
	in       int    // 0, or the depth of the v or is being read
	inT      bool
	skip     int // the depth of an rPh of an is, whose text is skipped
	hasValue bool
}

// span is where a cell's text is: in the row's text, or a shared string.
type span struct {
	shared     bool
	start, end int
}

func newSheetReader(wb *workbook, i int, opt Options) (*Reader, error) {
	r := &Reader{wb: wb, opt: opt, name: wb.names[i], part: wb.targets[i]}
	s, closePart, err := wb.open(r.part, opt)
	if err == errNoPart {
		return nil, fmt.Errorf("sheet %q: the workbook has no worksheet for it", r.name)
	}
	if err != nil {
		return nil, err
	}
	r.s, r.closePart = s, closePart
	return r, nil
}

// Sheets returns the names of the workbook's sheets, in order.
func (r *Reader) Sheets() []string { return r.wb.names }

// Close releases the worksheet.
func (r *Reader) Close() error {
	if r.s == nil {
		return nil
	}
	r.s = nil
	if r.err == nil {
		r.err = errors.New("xlsx: the reader is closed")
	}
	return errors.Join(r.closePart(), r.wb.strings.close())
}

// Next returns the next row that has at least one non-empty cell: its
// 1-based row number and its cells from column A up to the last non-empty
// one (empty cells in between are ""). It returns io.EOF after the last
// row. The cells slice may be reused by the next call.
func (r *Reader) Next() (int, []string, error) {
	if r.err != nil {
		return 0, nil, r.err
	}
	num, cells, err := r.next()
	if err != nil {
		r.err = err
		return 0, nil, err
	}
	return num, cells, nil
}

func (r *Reader) next() (int, []string, error) {
	s := r.s
	for {
		k, err := s.Next()
		if err == io.EOF {
			return 0, nil, r.end()
		}
		if err != nil {
			return 0, nil, partError(r.part, err)
		}
		switch k {
		case xmlscan.Start:
			if err := r.start(); err != nil {
				return 0, nil, err
			}
		case xmlscan.End:
			d := s.Depth()
			switch {
			case r.data == 0:
			case d == r.data+2 && r.inCell:
				r.inCell = false
				if err := r.endCell(); err != nil {
					return 0, nil, err
				}
			case d == r.data+1 && r.inRow:
				r.inRow = false
				if len(r.spans) > 0 {
					return r.row, r.cells(), nil
				}
			case d == r.data:
				return 0, nil, r.end()
			case r.cell.in == 0:
			case d == r.cell.in:
				r.cell.in = 0
			case d == r.cell.skip:
				r.cell.skip = 0
			case string(local(s.Name())) == "t":
				r.cell.inT = false
			}
		case xmlscan.Text, xmlscan.CData:
			c := &r.cell
			if c.in == 0 || c.skip != 0 || c.inline && !c.inT {
				continue
			}
			if c.val, err = s.AppendText(c.val); err != nil {
				return 0, nil, partError(r.part, err)
			}
			if len(c.val) > r.opt.MaxCellBytes {
				return 0, nil, r.cellError("cell text longer than %s", xmlscan.SizeText(r.opt.MaxCellBytes))
			}
		}
	}
}

// end is the end of the sheet's rows: the rest of the part is read, so
// that a damaged entry is an error, not a sheet cut short.
func (r *Reader) end() error {
	if err := r.s.Drain(); err != nil {
		return partError(r.part, err)
	}
	return io.EOF
}

// start handles a start tag.
func (r *Reader) start() error {
	s := r.s
	d := s.Depth()
	name := local(s.Name())
	switch {
	case r.data == 0:
		if string(name) == "sheetData" {
			r.data = d
		}
	case d == r.data+1:
		if string(name) == "row" {
			return r.startRow()
		}
	case d == r.data+2:
		if string(name) == "c" && r.inRow {
			return r.startCell()
		}
	case !r.inCell:
	case d == r.data+3:
		c := &r.cell
		switch string(name) {
		case "v":
			if !c.inline {
				c.in, c.hasValue, c.val = d, true, c.val[:0]
			}
		case "is":
			c.in, c.hasValue, c.inline, c.val = d, true, true, c.val[:0]
		}
	case r.cell.in == 0 || !r.cell.inline || r.cell.skip != 0:
	case string(name) == "rPh":
		r.cell.skip = d
	case string(name) == "t":
		r.cell.inT = true
	}
	return nil
}

func (r *Reader) startRow() error {
	s := r.s
	num := r.row + 1
	if i := s.Attr("r"); i >= 0 {
		v, err := s.AttrValue(i)
		if err != nil {
			return partError(r.part, err)
		}
		n, ok := number(v)
		if !ok || n < 1 {
			return r.rowError(num, "the row number %q is not a number from 1 up", v)
		}
		if n <= r.row {
			return r.rowError(n, "the row comes after row %d", r.row)
		}
		num = n
	}
	if num > maxRows {
		return r.rowError(num, "data below row %d, the last row a spreadsheet can have", maxRows)
	}
	r.row, r.col, r.inRow = num, -1, true
	r.spans, r.text = r.spans[:0], r.text[:0]
	return nil
}

func (r *Reader) startCell() error {
	s := r.s
	c := &r.cell
	*c = cell{val: c.val[:0]}
	col := r.col + 1
	for i := range s.Attrs() {
		name := s.AttrName(i)
		if len(name) != 1 {
			continue
		}
		v, err := s.AttrValue(i)
		if err != nil {
			return partError(r.part, err)
		}
		switch name[0] {
		case 'r':
			n := 0
			for _, b := range v {
				if b >= 'a' && b <= 'z' {
					b -= 'a' - 'A'
				}
				if b < 'A' || b > 'Z' {
					break
				}
				n = min(n*26+int(b-'A'+1), maxCols+1)
			}
			if n == 0 {
				return r.rowError(r.row, "the cell reference %q has no column", v)
			}
			col = n - 1
		case 's':
			n, ok := number(v)
			if !ok {
				return r.rowError(r.row, "the style %q of cell %s is not a number", v, cellfmt.ColumnName(col+1))
			}
			c.style = n
		case 't':
			c.typ = string(v) // short, and from a handful of constants
		}
	}
	if col >= maxCols {
		return r.rowError(r.row, "data right of column %s, the last column a spreadsheet can have", cellfmt.ColumnName(maxCols))
	}
	r.col, r.inCell = col, true
	return nil
}

// endCell adds the finished cell to the row, if it holds something.
func (r *Reader) endCell() error {
	c := &r.cell
	if !c.hasValue {
		return nil
	}
	sp, err := r.value()
	if err != nil || sp.start == sp.end {
		return err
	}
	for len(r.spans) <= r.col {
		r.spans = append(r.spans, span{})
	}
	r.spans[r.col] = sp
	return nil
}

// value writes the cell's text into the row's text, or finds it among the
// shared strings.
func (r *Reader) value() (span, error) {
	c := &r.cell
	start := len(r.text)
	switch c.typ {
	case "s":
		i, ok := number(trimSpace(c.val))
		if !ok {
			i = -1
		}
		lo, hi, found, err := r.wb.strings.bounds(i)
		if err != nil {
			return span{}, err
		}
		if !found {
			return span{}, r.cellError("the shared string %q does not exist (the workbook has %d)", c.val, len(r.wb.strings.ends))
		}
		if hi-lo > r.opt.MaxCellBytes {
			return span{}, r.cellError("cell text longer than %s", xmlscan.SizeText(r.opt.MaxCellBytes))
		}
		return span{shared: true, start: lo, end: hi}, nil
	case "inlineStr":
		if c.inline {
			var b strings.Builder
			unescape(&b, c.val)
			r.text = append(r.text, b.String()...)
		} else {
			r.text = append(r.text, c.val...)
		}
	case "str", "e":
		r.text = append(r.text, c.val...)
	case "b":
		switch string(trimSpace(c.val)) {
		case "1", "true":
			r.text = append(r.text, "TRUE"...)
		case "0", "false":
			r.text = append(r.text, "FALSE"...)
		default:
			r.text = append(r.text, c.val...)
		}
	case "d":
		if s, ok := cellfmt.ISODate(string(trimSpace(c.val))); ok {
			r.text = append(r.text, s...)
		} else {
			r.text = append(r.text, c.val...)
		}
	default:
		v := trimSpace(c.val)
		if len(v) == 0 {
			break
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			r.text = append(r.text, c.val...)
			break
		}
		var format cellfmt.Format
		if c.style >= 0 && c.style < len(r.wb.formats) {
			format = r.wb.formats[c.style]
		}
		r.text = append(r.text, format.Value(f, r.wb.date1904)...)
	}
	return span{start: start, end: len(r.text)}, nil
}

// cells makes the row's cells: one string for the text of all that are not
// shared strings, which are substrings of the shared text.
func (r *Reader) cells() []string {
	text := string(r.text)
	r.out = r.out[:0]
	for _, sp := range r.spans {
		if sp.shared {
			r.out = append(r.out, r.wb.strings.text[sp.start:sp.end])
		} else {
			r.out = append(r.out, text[sp.start:sp.end])
		}
	}
	return r.out
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// number reads a whole number of decimal digits, up to a billion.
func number(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (r *Reader) rowError(row int, format string, args ...any) error {
	return fmt.Errorf("sheet %q row %d: %s", r.name, row, fmt.Sprintf(format, args...))
}

func (r *Reader) cellError(format string, args ...any) error {
	return fmt.Errorf("sheet %q cell %s%d: %s", r.name, cellfmt.ColumnName(r.col+1), r.row, fmt.Sprintf(format, args...))
}
