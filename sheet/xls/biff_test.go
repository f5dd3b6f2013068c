package xls_test

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/roster-dev/roster/sheet/xls"
)

// The tests here build Workbook streams record by record, for what the
// real files do not show.

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func u16(v int) []byte    { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func f64(v float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
}

// rec is a BIFF record.
func rec(typ int, body ...[]byte) []byte {
	b := cat(body...)
	return cat(u16(typ), u16(len(b)), b)
}

// latin1 is s compressed, one byte per character.
func latin1(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

// wide is s in UTF-16LE.
func wide(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// str is an XLUnicodeString, compressed if it can be.
func str(s string) []byte {
	n := len(utf16.Encode([]rune(s)))
	for _, r := range s {
		if r > 0xFF {
			return cat(u16(n), []byte{1}, wide(s))
		}
	}
	return cat(u16(n), []byte{0}, latin1(s))
}

// at is the start of a cell record: row, column and style, 0-based.
func at(row, col, xf int) []byte { return cat(u16(row), u16(col), u16(xf)) }

// The cell styles that styles defines, by XF index.
const (
	xfGeneral = iota
	xfDate    // built-in format 14
	xfPad     // custom format "0000"
	xfPercent // built-in format 9
	xfTime    // built-in format 21
)

func styles() [][]byte {
	xf := func(format int) []byte { return rec(0x00E0, u16(0), u16(format), make([]byte, 16)) }
	return [][]byte{rec(0x041E, u16(164), str("0000")), xf(0), xf(14), xf(164), xf(9), xf(21)}
}

type sheetDef struct {
	name string
	kind byte // 0 a worksheet, 2 a chart sheet
	recs [][]byte
}

// workbook builds a Workbook stream: the globals records given, then one
// BOUNDSHEET for each sheet, and each sheet's substream.
func workbook(globals [][]byte, sheets ...sheetDef) []byte {
	bof := func(kind int) []byte { return rec(0x0809, u16(0x0600), u16(kind), make([]byte, 12)) }
	eof := rec(0x000A)
	boundSheet := func(s sheetDef, off int) []byte {
		name := str(s.name) // as a ShortXLUnicodeString, with an 8-bit count
		return rec(0x0085, u32(uint32(off)), []byte{0, s.kind}, name[:1], name[2:])
	}
	head := cat(bof(5), cat(globals...))
	off := len(head) + len(eof)
	for _, s := range sheets {
		off += len(boundSheet(s, 0))
	}
	var bounds, bodies []byte
	for _, s := range sheets {
		body := cat(bof(0x10), cat(s.recs...), eof)
		bounds = append(bounds, boundSheet(s, off)...)
		bodies = append(bodies, body...)
		off += len(body)
	}
	return cat(head, bounds, eof, bodies)
}

// oneSheet is a workbook with the standard styles, the globals given and
// one sheet, "S", of the records given.
func oneSheet(globals [][]byte, recs ...[]byte) []byte {
	return workbook(append(styles(), globals...), sheetDef{name: "S", recs: recs})
}

func readStream(t *testing.T, wb []byte, opt xls.Options) ([]row, error) {
	t.Helper()
	r, err := xls.NewWorkbookReader(wb, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAll(r)
}

func number(row, col, xf int, v float64) []byte { return rec(0x0203, at(row, col, xf), f64(v)) }
func label(row, col int, s string) []byte       { return rec(0x0204, at(row, col, xfGeneral), str(s)) }
func rkRec(row, col, xf int, v uint32) []byte   { return rec(0x027E, at(row, col, xf), u32(v)) }
func boolErr(row, col int, v, isErr byte) []byte {
	return rec(0x0205, at(row, col, xfGeneral), []byte{v, isErr})
}

// formula is a FORMULA record with the cached value given.
func formula(row, col, xf int, value []byte) []byte {
	return rec(0x0006, at(row, col, xf), value, u16(0), u32(0), u16(0))
}

// special is a formula's cached value that is not a number.
func special(kind, v byte) []byte { return []byte{kind, 0, v, 0, 0, 0, 0xFF, 0xFF} }

// The four RK encodings: an integer or the high bits of a float, each
// divided by 100 or not.
var (
	rkInt      = uint32(1001<<2 | 2)
	rkIntCent  = uint32(12345<<2 | 3)
	rkNegative = uint32(0xFFFFFFE6) // -7
	rkFloat    = uint32(math.Float64bits(0.5) >> 32)
	rkFloatC   = uint32(math.Float64bits(1234)>>32) | 1
)

func TestCells(t *testing.T) {
	tests := []struct {
		name    string
		globals [][]byte
		recs    [][]byte
		want    []row
	}{
		{"numbers and their formats", nil, [][]byte{
			number(0, 0, xfGeneral, 1001),
			number(0, 1, xfGeneral, 3.25),
			number(0, 2, xfPad, 42),
			number(0, 3, xfPercent, 0.5),
			number(0, 4, xfDate, 45000),
			number(0, 5, xfTime, 0.75),
			number(0, 6, 99, 7), // a style the workbook lacks reads as General
		}, []row{{1, []string{"1001", "3.25", "0042", "50%", "2023-03-15", "18:00:00", "7"}}}},
		{"1904 date system", [][]byte{rec(0x0022, u16(1))}, [][]byte{
			number(0, 0, xfDate, 0),
		}, []row{{1, []string{"1904-01-01"}}}},
		{"RK encodings", nil, [][]byte{
			rkRec(0, 0, xfGeneral, rkInt),
			rkRec(0, 1, xfGeneral, rkIntCent),
			rkRec(0, 2, xfGeneral, rkNegative),
			rkRec(0, 3, xfGeneral, rkFloat),
			rkRec(0, 4, xfGeneral, rkFloatC),
			rkRec(0, 5, xfPad, 7<<2|2),
		}, []row{{1, []string{"1001", "123.45", "-7", "0.5", "12.34", "0007"}}}},
		{"MULRK", nil, [][]byte{
			rec(0x00BD, u16(2), u16(1),
				u16(xfGeneral), u32(rkInt), u16(xfGeneral), u32(rkIntCent),
				u16(xfPercent), u32(rkFloat), u16(xfGeneral), u32(rkFloatC), u16(4)),
		}, []row{{3, []string{"", "1001", "123.45", "50%", "12.34"}}}},
		{"text", nil, [][]byte{
			label(0, 0, "Zoë"),
			label(0, 1, "Олена"),
			label(0, 2, "two\r\nlines"),
			label(0, 3, "  spaced  "),
			rec(0x00D6, at(0, 4, xfGeneral), str("rich"), u16(0)),
		}, []row{{1, []string{"Zoë", "Олена", "two\nlines", "  spaced  ", "rich"}}}},
		{"booleans and errors", nil, [][]byte{
			boolErr(0, 0, 1, 0),
			boolErr(0, 1, 0, 0),
			boolErr(1, 0, 0x00, 1), boolErr(1, 1, 0x07, 1), boolErr(1, 2, 0x0F, 1), boolErr(1, 3, 0x17, 1),
			boolErr(1, 4, 0x1D, 1), boolErr(1, 5, 0x24, 1), boolErr(1, 6, 0x2A, 1),
		}, []row{
			{1, []string{"TRUE", "FALSE"}},
			{2, []string{"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}},
		}},
		{"formulas", nil, [][]byte{
			formula(0, 0, xfGeneral, f64(2.5)),
			formula(0, 1, xfPercent, f64(0.25)),
			formula(0, 2, xfGeneral, special(0, 0)),
			rec(0x04BC, make([]byte, 10)), // SHRFMLA may come between
			rec(0x0207, str("text")),
			formula(0, 3, xfGeneral, special(1, 1)),
			formula(0, 4, xfGeneral, special(2, 0x07)),
			formula(0, 5, xfGeneral, special(3, 0)), // empty text
			formula(0, 6, xfGeneral, special(0, 0)),
			// A long result runs on into a CONTINUE, which starts with its own option byte.
			rec(0x0207, u16(5), []byte{0}, latin1("abc")),
			rec(0x003C, []byte{1}, wide("δε")),
			rec(0x0207, str("a STRING after no formula is ignored")),
		}, []row{{1, []string{"2.5", "25%", "text", "TRUE", "#DIV/0!", "", "abcδε"}}}},
		{"empty cells and rows", nil, [][]byte{
			rec(0x0201, at(0, 0, xfGeneral)),
			rec(0x00BE, u16(1), u16(0), u16(0), u16(0), u16(1)),
			label(1, 3, ""),
			label(2, 2, "c3"),
			rec(0x0201, at(2, 5, xfGeneral)),
			label(4, 0, "a5"),
			label(4, 0, "a5 again"),
			label(65535, 255, "last"),
		}, []row{
			{3, []string{"", "", "c3"}},
			{5, []string{"a5 again"}},
			{65536, append(make([]string, 255), "last")},
		}},
		{"a chart in the sheet", nil, [][]byte{
			label(0, 0, "before"),
			rec(0x0809, u16(0x0600), u16(0x20), make([]byte, 12)),
			number(5, 5, xfGeneral, 99),
			rec(0x000A),
			label(1, 0, "after"),
		}, []row{{1, []string{"before"}}, {2, []string{"after"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := readStream(t, oneSheet(tt.globals, tt.recs...), xls.Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, tt.want)
		})
	}
}

// A sheet that ends without its EOF record is read as far as it goes.
func TestMissingEOF(t *testing.T) {
	wb := oneSheet(nil, label(0, 0, "x"))
	rows, err := readStream(t, wb[:len(wb)-4], xls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []row{{1, []string{"x"}}})
}

// A shared string can be split across CONTINUE records anywhere: where its
// characters run on, the CONTINUE starts with an option byte that may
// switch between one and two bytes a character; its formatting runs and
// phonetic data run on as they are.
func TestSSTContinue(t *testing.T) {
	rows, err := readStream(t, sstContinued(), xls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []row{{1, []string{"Søren Олена", "bold", "日本é", "line1\nline2", "last", "next"}}})
}

// sstContinued is a workbook whose shared strings are split across
// CONTINUE records in each way they can be, and a sheet of them.
func sstContinued() []byte {
	runs := make([]byte, 8)
	ext := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	sst := cat(
		rec(0x00FC, u32(12), u32(6),
			u16(11), []byte{0}, latin1("Sør")),
		rec(0x003C, []byte{1}, wide("en Олена"),
			u16(4), []byte{0x08}, u16(2), latin1("bold"), runs[:3]),
		rec(0x003C, runs[3:],
			u16(3), []byte{0x05}, u32(uint32(len(ext))), wide("日本")),
		rec(0x003C, []byte{0}, latin1("é"), ext[:4]),
		rec(0x003C, ext[4:],
			str("line1\r\nline2"),
			u16(4), []byte{0}), // the characters start in the next record
		rec(0x003C, []byte{1}, wide("last")),
		rec(0x003C, str("next")), // a string that starts a record has no extra byte
	)
	var recs [][]byte
	for i := range 6 {
		recs = append(recs, rec(0x00FD, at(0, i, xfGeneral), u32(uint32(i))))
	}
	return oneSheet([][]byte{sst}, recs...)
}

func TestSheets(t *testing.T) {
	wb := workbook(styles(),
		sheetDef{name: "Chart", kind: 2},
		sheetDef{name: "Пользователи", recs: [][]byte{label(0, 0, "first")}},
		sheetDef{name: "Users", recs: [][]byte{label(0, 0, "second")}},
	)
	r, err := xls.NewWorkbookReader(wb, xls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Sheets(), "|"); got != "Пользователи|Users" {
		t.Errorf("Sheets() = %s", got)
	}
	for sheet, want := range map[string]string{"": "first", "Пользователи": "first", "2": "second", "users": "second"} {
		rows, err := readStream(t, wb, xls.Options{Sheet: sheet})
		if err != nil || len(rows) != 1 || rows[0].cells[0] != want {
			t.Errorf("sheet %q: %v, %v; want %q", sheet, rows, err, want)
		}
	}
	_, err = xls.NewWorkbookReader(wb, xls.Options{Sheet: "Chart"})
	if want := `xls: no sheet "Chart" in the workbook (sheets: "Пользователи", "Users")`; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// Damaged or hostile workbooks fail with an error that says where.
func TestErrors(t *testing.T) {
	sstOf := func(s ...string) []byte {
		body := cat(u32(uint32(len(s))), u32(100)) // claims more strings than it has
		for _, s := range s {
			body = append(body, str(s)...)
		}
		return rec(0x00FC, body)
	}
	good := oneSheet(nil, label(0, 0, "x"))
	// The sheet's BOF, one LABEL and EOF are the last 38 bytes; blank its BOF.
	misplaced := cat(good)
	copy(misplaced[len(good)-38:], make([]byte, 20))
	tests := []struct {
		name string
		wb   []byte
		opt  xls.Options
		want string
	}{
		{"cells out of order",
			oneSheet(nil, label(5, 0, "a"), label(2, 1, "b")),
			xls.Options{}, `xls: sheet "S" row 3 column B: the cell comes after cells of row 6`},
		{"text too long",
			oneSheet(nil, label(0, 0, "abc"), label(11, 27, "abcd")),
			xls.Options{MaxCellBytes: 3}, `xls: sheet "S" row 12 column AB: the text is longer than 3 bytes`},
		{"column too far",
			oneSheet(nil, label(0, 16384, "x")),
			xls.Options{}, `xls: sheet "S" row 1 column XFE: the column is past the last one`},
		{"shared string missing",
			oneSheet([][]byte{sstOf("only")}, rec(0x00FD, at(0, 0, 0), u32(0)), rec(0x00FD, at(0, 1, 0), u32(1))),
			xls.Options{}, `xls: sheet "S" row 1 column B: string 1 is not in the shared string table, which has 1`},
		{"truncated cell",
			oneSheet(nil, rec(0x0203, at(0, 0, 0), make([]byte, 4))),
			xls.Options{}, `xls: sheet "S": record 0x0203 at offset `},
		{"truncated shared string",
			oneSheet([][]byte{rec(0x00FC, u32(1), u32(1), u16(5), []byte{0}, latin1("ab"))}),
			xls.Options{}, `xls: record 0x00FC at offset `},
		{"truncated stream", good[:len(good)-7], xls.Options{}, `xls: sheet "S": record 0x0204 at offset`},
		{"sheet not where it should be", misplaced, xls.Options{}, `xls: sheet "S" is not where the workbook says`},
		{"BIFF5", cat(rec(0x0809, u16(0x0500), u16(5)), rec(0x000A)), xls.Options{}, "Excel 5.0/95"},
		{"not BIFF", []byte("hello, world"), xls.Options{}, "does not start with a BIFF8 BOF record"},
		{"no worksheets", workbook(nil), xls.Options{}, "xls: the workbook has no worksheets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readStream(t, tt.wb, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %s", err, tt.want)
			}
		})
	}
}

// FuzzWorkbook reads Workbook streams, which reach the records more often
// than whole files do.
func FuzzWorkbook(f *testing.F) {
	f.Add(sstContinued())
	f.Add(oneSheet([][]byte{rec(0x0022, u16(1))},
		number(0, 0, xfDate, 45000),
		rec(0x00BD, u16(0), u16(1), u16(xfPad), u32(rkInt), u16(xfPercent), u32(rkFloat), u16(2)),
		formula(1, 0, xfGeneral, special(0, 0)),
		rec(0x0207, u16(5), []byte{0}, latin1("abc")),
		rec(0x003C, []byte{1}, wide("δε")),
		boolErr(1, 1, 0x07, 1),
		label(2, 3, "Zoë\r\n"),
	))
	f.Fuzz(func(t *testing.T, wb []byte) {
		readSheets(t, func(opt xls.Options) (*xls.Reader, error) {
			return xls.NewWorkbookReader(wb, opt)
		})
	})
}
