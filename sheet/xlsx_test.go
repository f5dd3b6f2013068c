package sheet_test

import (
	"hash/crc32"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster/sheet"
)

// workbook builds an XLSX with excelize, whose first sheet is "Sheet1".
func workbook(t testing.TB, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// style returns the id of a cell style with the number format code, or the
// built-in format id when code is empty.
func style(t testing.TB, f *excelize.File, code string, builtin int) int {
	t.Helper()
	s := &excelize.Style{NumFmt: builtin}
	if code != "" {
		s = &excelize.Style{CustomNumFmt: &code}
	}
	id, err := f.NewStyle(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestXLSXCellsReadAsAPersonSeesThem(t *testing.T) {
	cases := []struct {
		name    string
		value   any
		code    string // a custom number format, which gets an id from 164 up
		builtin int    // else a built-in one (0: none)
		bold    bool
		want    string
	}{
		{name: "integer", value: 1001, want: "1001"},
		{name: "whole float", value: 1001.0, want: "1001"},
		{name: "float sum", value: 0.1 + 0.2, want: "0.3"},
		{name: "negative", value: -2.5, want: "-2.5"},
		// Any style on a number (bold here) puts it through its number
		// format; phone numbers of 12 digits and more must keep them all.
		{name: "bold 13-digit phone number", value: 4915112345678, bold: true, want: "4915112345678"},
		{name: "LibreOffice's custom General", value: 447700900123, code: "General", want: "447700900123"},
		{name: "built-in General", value: 123456789012, builtin: 1, want: "123456789012"},
		{name: "grouped decimals", value: 1234.5, code: "#,##0.00", want: "1234.5"},
		{name: "fixed decimals", value: 2.5, builtin: 2, want: "2.5"},
		{name: "scientific", value: 123456, code: "0.00E+00", want: "123456"},
		{name: "text with leading zeros", value: "0042", want: "0042"},
		{name: "zero-padded number", value: 42, code: "0000", want: "0042"},
		{name: "percent", value: 0.5, builtin: 9, want: "50%"},
		{name: "custom percent", value: 0.25, code: "0%", want: "25%"},
		// As in ODS and XLS: the value, not its decimals (excelize read
		// 50.00%).
		{name: "percent with decimals", value: 0.5, code: "0.00%", want: "50%"},
		{name: "built-in percent with decimals", value: 0.125, builtin: 10, want: "12.5%"},
		{name: "zero-padded past its width", value: 123456, code: "0000", want: "123456"},
		{name: "zero-padded, six digits", value: 42, code: "000000", want: "000042"},
		{name: "day first date", value: 45000, code: "dd/mm/yyyy", want: "2023-03-15"},
		{name: "US date", value: 45000, code: "MM/DD/YY", want: "2023-03-15"},
		{name: "locale date", value: 45000, code: "[$-409]mmmm d, yyyy", want: "2023-03-15"},
		{name: "LibreOffice date", value: 45000, code: "DD.MM.YYYY", want: "2023-03-15"},
		{name: "built-in date", value: 45000, builtin: 14, want: "2023-03-15"},
		{name: "date and time", value: 45000.75, code: "dd/mm/yyyy hh:mm", want: "2023-03-15 18:00:00"},
		{name: "built-in date and time", value: 45000.75, builtin: 22, want: "2023-03-15 18:00:00"},
		{name: "time", value: 0.75, code: "hh:mm", want: "18:00:00"},
		{name: "built-in time", value: 0.75, builtin: 20, want: "18:00:00"},
		// A duration over a day keeps its hours.
		{name: "elapsed time", value: 1.5, code: "[h]:mm:ss", want: "36:00:00"},
		{name: "elapsed hours and minutes", value: 1.5, code: "[h]:mm", want: "36:00:00"},
		{name: "true", value: true, want: "TRUE"},
		{name: "false", value: false, want: "FALSE"},
	}
	data := workbook(t, func(f *excelize.File) {
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetCellValue("Sheet1", cell, c.value); err != nil {
				t.Fatal(err)
			}
			s := 0
			switch {
			case c.bold:
				s = bold
			case c.code != "" || c.builtin != 0:
				s = style(t, f, c.code, c.builtin)
			}
			if s != 0 {
				f.SetCellStyle("Sheet1", cell, cell, s)
			}
		}
	})
	rows, err := readData(t, data, "cells.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(cases) {
		t.Fatalf("got %d rows, want %d", len(rows), len(cases))
	}
	for i, c := range cases {
		if got := rows[i].Cells; len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: %v reads as %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

// sheetXML wraps rows into a worksheet.
func sheetXML(rows ...string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		strings.Join(rows, "") + `</sheetData></worksheet>`
}

func TestXLSXFormulasReadAsTheirCachedValue(t *testing.T) {
	// excelize writes no cached value for a formula, as Excel and
	// LibreOffice do: the worksheet is written by hand, with the styles
	// of a workbook made by excelize (style 1 is a date).
	base := workbook(t, func(f *excelize.File) {
		if s := style(t, f, "dd/mm/yyyy", 0); s != 1 {
			t.Fatalf("the date style is %d, want 1", s)
		}
	})
	data := rebuildZip(t, base, map[string]rawEntry{"xl/worksheets/sheet1.xml": deflated(t, sheetXML(
		`<row r="1">`+
			`<c r="A1"><f>1+2</f><v>3</v></c>`+
			`<c r="B1" t="str"><f>CONCAT("a","b")</f><v>ab</v></c>`+
			`<c r="C1" t="b"><f>1=1</f><v>1</v></c>`+
			`<c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>`+
			`<c r="E1" s="1"><f>DATE(2023,3,15)</f><v>45000</v></c>`+
			`<c r="F1"><f>0.1+0.2</f><v>0.30000000000000004</v></c>`+
			`</row>`))})
	rows, err := readData(t, data, "formulas.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"3", "ab", "TRUE", "#DIV/0!", "2023-03-15", "0.3"}}
	if got := cellsOf(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestXLSXDatesOfThe1904System(t *testing.T) {
	data := workbook(t, func(f *excelize.File) {
		on := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &on}); err != nil {
			t.Fatal(err)
		}
		f.SetCellValue("Sheet1", "A1", 45000)
		f.SetCellStyle("Sheet1", "A1", "A1", style(t, f, "d/m/yyyy", 0))
	})
	rows, err := readData(t, data, "mac.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 1462 days after the same serial in the 1900 system, 2023-03-15.
	if want := [][]string{{"2027-03-16"}}; !reflect.DeepEqual(cellsOf(rows), want) {
		t.Errorf("got %q, want %q", cellsOf(rows), want)
	}
}

// threeSheets is a workbook whose sheets are "users", "Ünïcode sheet" and
// "1", each holding its own name in A1.
func threeSheets(t *testing.T) []byte {
	return workbook(t, func(f *excelize.File) {
		names := []string{"users", "Ünïcode sheet", "1"}
		if err := f.SetSheetName("Sheet1", names[0]); err != nil {
			t.Fatal(err)
		}
		for i, n := range names {
			if i > 0 {
				if _, err := f.NewSheet(n); err != nil {
					t.Fatal(err)
				}
			}
			f.SetCellValue(n, "A1", n)
		}
	})
}

func TestXLSXSheetByNameOrNumber(t *testing.T) {
	data := threeSheets(t)
	for _, c := range []struct{ sheet, want string }{
		{"", "users"},
		{"users", "users"},
		{"Ünïcode sheet", "Ünïcode sheet"},
		{"2", "Ünïcode sheet"},
		{"3", "1"},
		// A name wins over a number: "1" is the third sheet's name.
		{"1", "1"},
	} {
		rows, err := readData(t, data, "sheets.xlsx", sheet.Options{Sheet: c.sheet})
		if err != nil {
			t.Errorf("--sheet %q: %v", c.sheet, err)
			continue
		}
		if got := cellsOf(rows); len(got) != 1 || got[0][0] != c.want {
			t.Errorf("--sheet %q read %q, want the sheet %q", c.sheet, got, c.want)
		}
	}
}

func TestXLSXMissingSheetErrorNamesTheSheets(t *testing.T) {
	data := threeSheets(t)
	for _, missing := range []string{"Users", "0", "4", "-1"} {
		_, err := readData(t, data, "sheets.xlsx", sheet.Options{Sheet: missing})
		wantErrorSaying(t, err, "sheets.xlsx", `"`+missing+`"`, `"users", "Ünïcode sheet", "1"`)
	}
}

func TestFixtureSheetsByNameAndNumber(t *testing.T) {
	// LibreOffice names the only sheet after the file.
	for _, ext := range []string{"xlsx", "ods", "xls"} {
		path := filepath.Join(fixtures, "commpeak-users."+ext)
		first := mustRead(t, path, sheet.Options{})
		for _, s := range []string{"commpeak-users", "1"} {
			if got := mustRead(t, path, sheet.Options{Sheet: s}); !reflect.DeepEqual(got, first) {
				t.Errorf("%s --sheet %s: got %v, want %v", ext, s, got, first)
			}
		}
		_, err := readAll(t, path, sheet.Options{Sheet: "2"})
		wantErrorSaying(t, err, `"2"`, "commpeak-users")
	}
}

func TestXLSXStyledEmptyRowsAreNotRows(t *testing.T) {
	data := workbook(t, func(f *excelize.File) {
		fill, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFF00"}}})
		if err != nil {
			t.Fatal(err)
		}
		f.SetSheetRow("Sheet1", "A1", &[]any{"username", "email"})
		f.SetSheetRow("Sheet1", "A3", &[]any{"alice", "alice@example.com"})
		// Row 2 is empty, but styled; so are cells of rows 4 and 5, and
		// rows 6 to 1000 as a whole, as a person who colours a table does.
		f.SetRowStyle("Sheet1", 2, 2, fill)
		f.SetCellStyle("Sheet1", "A4", "D5", fill)
		f.SetRowStyle("Sheet1", 6, 1000, fill)
		// A cell of empty text is empty too.
		f.SetCellStr("Sheet1", "B7", "")
	})
	rows, err := readData(t, data, "styled.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := numsOf(rows), []int{1, 3}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	want := [][]string{{"username", "email"}, {"alice", "alice@example.com"}}
	if got := cellsOf(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestXLSXDamagedEntryIsAnError(t *testing.T) {
	// excelize ignores errors while it inflates an entry: a worksheet that
	// fails its checksum must not read as if nothing were wrong.
	base := workbook(t, func(f *excelize.File) {})
	content := sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>alice</t></is></c></row>`)
	good := deflated(t, content)
	bad := good
	bad.crc = crc32.ChecksumIEEE([]byte("something else"))

	rows, err := readData(t, rebuildZip(t, base, map[string]rawEntry{"xl/worksheets/sheet1.xml": good}), "good.xlsx", sheet.Options{})
	if err != nil || len(rows) != 1 || rows[0].Cells[0] != "alice" {
		t.Fatalf("the undamaged workbook reads as %v, %v", rows, err)
	}
	_, err = readData(t, rebuildZip(t, base, map[string]rawEntry{"xl/worksheets/sheet1.xml": bad}), "bad.xlsx", sheet.Options{})
	wantErrorSaying(t, err, "bad.xlsx", "xl/worksheets/sheet1.xml", "checksum")
}

func TestXLSXThatIsNotAWorkbookIsAnError(t *testing.T) {
	for name, data := range map[string][]byte{
		"text":         []byte("username,email\nalice,a@x\n"),
		"truncated":    write(t, sheet.XLSX, sheet.WriteOptions{}, [][]string{{"a"}})[:100],
		"ZIP of a CSV": rebuildZip(t, nil, map[string]rawEntry{"users.csv": deflated(t, "a,b\n")}),
	} {
		_, err := readData(t, data, "users.xlsx", sheet.Options{Format: sheet.XLSX})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "users.xlsx: ") {
			t.Errorf("%s: the error %q does not name the file", name, err)
		}
	}
}

func TestXLSXGapsKeepRowNumbersAndColumns(t *testing.T) {
	// Rows and cells a worksheet leaves out are empty: row numbers and
	// columns stay those a person sees.
	base := workbook(t, func(f *excelize.File) {})
	data := rebuildZip(t, base, map[string]rawEntry{"xl/worksheets/sheet1.xml": deflated(t, sheetXML(
		`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="C1" t="inlineStr"><is><t>c</t></is></c></row>`,
		`<row r="4"><c r="B4"><v>2</v></c></row>`,
		// Rows and cells without a reference follow the ones before.
		`<row><c t="inlineStr"><is><t>x</t></is></c><c><v>5</v></c></row>`,
	))})
	rows, err := readData(t, data, "gaps.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := numsOf(rows), []int{1, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if got, want := cellsOf(rows), [][]string{{"a", "", "c"}, {"", "2"}, {"x", "5"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestXLSXNumbersAsOtherProgramsWriteThem(t *testing.T) {
	// Writers other than Excel put numbers in the XML as their language
	// prints floats: 1001.0 from Python, exponents from others. Row 1 has
	// no style, row 2 a number format.
	base := workbook(t, func(f *excelize.File) {
		if s := style(t, f, "", 2); s != 1 {
			t.Fatalf("the number style is %d, want 1", s)
		}
	})
	values := []string{"1001.0", "1.001E3", "0.30000000000000004", "4.915112345678E12", "1E-3"}
	want := []string{"1001", "1001", "0.3", "4915112345678", "0.001"}
	var plain, styled string
	for i, v := range values {
		col := string(rune('A' + i))
		plain += `<c r="` + col + `1"><v>` + v + `</v></c>`
		styled += `<c r="` + col + `2" s="1"><v>` + v + `</v></c>`
	}
	data := rebuildZip(t, base, map[string]rawEntry{"xl/worksheets/sheet1.xml": deflated(t,
		sheetXML(`<row r="1">`+plain+`</row>`, `<row r="2">`+styled+`</row>`))})
	rows, err := readData(t, data, "numbers.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cellsOf(rows); !reflect.DeepEqual(got, [][]string{want, want}) {
		t.Errorf("got %q, want %q twice", got, want)
	}
}

// TestSheetsNamesAWorkbooksSheets: File.Sheets lists a workbook's sheets in
// order, in every workbook format, and nothing for a text file.
func TestSheetsNamesAWorkbooksSheets(t *testing.T) {
	xlsx := writeFile(t, "two.xlsx", workbook(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "Read me")
		f.NewSheet("Users")
	}))
	for _, c := range []struct {
		path string
		want []string
	}{
		{xlsx, []string{"Read me", "Users"}},
		{filepath.Join(messytables, "multilineods.ods"), []string{"Sheet1", "Sheet2", "Sheet3"}},
		{filepath.Join(fixtures, "wazo-users.xls"), []string{"wazo-users"}},
		{filepath.Join(fixtures, "wazo-users.csv"), nil},
	} {
		f, err := sheet.Open(c.path, sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Sheets()
		f.Close()
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: sheets %q (%v), want %q", filepath.Base(c.path), got, err, c.want)
		}
	}
}
