package ods_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
	"github.com/roster-dev/roster/sheet/ods"
)

// cell is a string cell of one paragraph.
func cell(s string) string {
	return `<table:table-cell office:value-type="string"><text:p>` + s + `</text:p></table:table-cell>`
}

func tr(cells ...string) string {
	return `<table:table-row>` + strings.Join(cells, "") + `</table:table-row>`
}

func TestParagraphText(t *testing.T) {
	content := sheet(tr(
		`<table:table-cell><text:p> a<text:s/>b<text:s text:c="3"/>c<text:tab/>d<text:line-break/>e </text:p></table:table-cell>`,
		`<table:table-cell><text:p><text:span text:style-name="T1">bold</text:span> and <text:a xlink:href="http://x">link</text:a></text:p></table:table-cell>`,
		`<table:table-cell><text:p>one</text:p><text:p/><text:p>three</text:p></table:table-cell>`,
		`<table:table-cell><office:annotation><dc:creator>me</dc:creator><text:p>a comment</text:p></office:annotation><text:p>shown</text:p></table:table-cell>`,
		`<table:table-cell><text:p>x<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>note</text:p></text:note-body></text:note>y</text:p></table:table-cell>`,
		`<table:table-cell><draw:frame><draw:text-box><text:p>shape</text:p></draw:text-box></draw:frame><text:p>z</text:p></table:table-cell>`,
		`<table:table-cell><text:list><text:list-item><text:p>i1</text:p></text:list-item><text:list-item><text:p>i2</text:p></text:list-item></text:list></table:table-cell>`,
		`<table:table-cell><text:h>title</text:h><text:p>&lt;&amp;&gt;<![CDATA[<cdata>]]></text:p></table:table-cell>`,
	))
	want(t, mustRead(t, odsFile(t, content), ods.Options{}), row{1, []string{
		" a b   c\td\ne ", "bold and link", "one\n\nthree", "shown", "xy", "z", "i1\ni2", "title\n<&><cdata>",
	}})
}

func TestValues(t *testing.T) {
	c := func(attrs, shown string) string {
		return `<table:table-cell ` + attrs + `><text:p>` + shown + `</text:p></table:table-cell>`
	}
	content := sheet(
		tr(c(`office:value-type="float" office:value="1001"`, "1,001.00"),
			c(`office:value-type="float" office:value="42"`, "0042"),
			c(`office:value-type="float" office:value="0"`, "000"),
			c(`office:value-type="float" office:value="42"`, "42.0"),
			c(`office:value-type="float" office:value="-3.5e-2"`, "-0.04"),
			c(`office:value-type="float" office:value="12345678901234567"`, "1.2E+16"),
			c(`office:value-type="currency" office:currency="EUR" office:value="1234.5"`, "1 234,50 €"),
			c(`office:value-type="percentage" office:value="0.125"`, "13%"),
		),
		tr(c(`office:value-type="date" office:date-value="2024-02-29"`, "29/02/24"),
			c(`office:value-type="date" office:date-value="2024-02-29T00:00:00"`, "29/02/24"),
			c(`office:value-type="date" office:date-value="2024-02-29T13:05:09"`, "29/02/24 13:05"),
			c(`office:value-type="date" office:date-value="2024-02-29T23:59:59.7"`, "29/02/24 23:59"),
			c(`office:value-type="date" office:date-value="2024-02-29T08:00:00+02:00"`, "29/02/24 08:00"),
			c(`office:value-type="time" office:time-value="PT10H30M00S"`, "10:30 AM"),
			c(`office:value-type="time" office:time-value="P1DT2H0M0.6S"`, "26:00:01"),
			c(`office:value-type="boolean" office:boolean-value="true"`, "VRAI"),
			c(`office:value-type="boolean" office:boolean-value="0"`, "FAUX"),
		),
		// Malformed values: the displayed text.
		tr(c(`office:value-type="float" office:value="1,5"`, "1,5"),
			c(`office:value-type="float"`, "shown"),
			c(`office:value-type="float" office:value="NaN"`, "nan"),
			c(`office:value-type="percentage" office:value="x"`, "x%"),
			c(`office:value-type="date" office:date-value="29.02.2024"`, "29.02.2024"),
			c(`office:value-type="date" office:date-value="2023-02-29"`, "bad day"),
			c(`office:value-type="time" office:time-value="P1M"`, "one month"),
			c(`office:value-type="time" office:time-value="PT"`, "nothing"),
			c(`office:value-type="boolean" office:boolean-value="yes"`, "yes"),
			c(`office:value-type="void"`, "odd"),
			c(``, "plain"),
		),
		// A value with nothing displayed is still a value.
		tr(`<table:table-cell office:value-type="float" office:value="7"/>`),
	)
	want(t, mustRead(t, odsFile(t, content), ods.Options{}),
		row{1, []string{"1001", "0042", "000", "42", "-0.035", "12345678901234600", "1234.5", "12.5%"}},
		row{2, []string{"2024-02-29", "2024-02-29", "2024-02-29 13:05:09", "2024-03-01", "2024-02-29 08:00:00",
			"10:30:00", "26:00:01", "TRUE", "FALSE"}},
		row{3, []string{"1,5", "shown", "nan", "x%", "29.02.2024", "bad day", "one month", "nothing", "yes", "odd", "plain"}},
		row{4, []string{"7"}},
	)
}

func TestRepeats(t *testing.T) {
	content := sheet(
		`<table:table-column table:number-columns-repeated="16384"/>`,
		tr(cell("a"), `<table:table-cell table:number-columns-repeated="3"/>`, cell("b"), `<table:table-cell table:number-columns-repeated="16379"/>`),
		`<table:table-row table:number-rows-repeated="5"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`,
		`<table:table-row table:number-rows-repeated="3"><table:table-cell/>`+
			`<table:table-cell office:value-type="string" table:number-columns-repeated="2"><text:p>r</text:p></table:table-cell></table:table-row>`,
		// Headers, groups and merged cells.
		`<table:table-header-rows>`+tr(cell("h"))+`</table:table-header-rows>`,
		`<table:table-row-group><table:table-row-group>`+tr(cell("g"))+`</table:table-row-group>`+
			`<table:table-rows>`+tr(`<table:table-cell table:number-columns-spanned="2">`+`<text:p>m</text:p></table:table-cell>`,
			`<table:covered-table-cell/>`, cell("after"))+`</table:table-rows></table:table-row-group>`,
		tr(`<table:covered-table-cell office:value-type="string"><text:p>covered</text:p></table:covered-table-cell>`),
		`<table:table-row table:number-rows-repeated="1048550"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`,
	)
	want(t, mustRead(t, odsFile(t, content), ods.Options{}),
		row{1, []string{"a", "", "", "", "b"}},
		row{7, []string{"", "r", "r"}},
		row{8, []string{"", "r", "r"}},
		row{9, []string{"", "r", "r"}},
		row{10, []string{"h"}},
		row{11, []string{"g"}},
		row{12, []string{"m", "", "after"}},
		row{13, []string{"covered"}},
	)
}

func TestCellsCanBeEdited(t *testing.T) {
	content := sheet(`<table:table-row table:number-rows-repeated="2">` + cell("x") + `</table:table-row>`)
	data := odsFile(t, content)
	r, err := ods.NewReader(bytes.NewReader(data), int64(len(data)), ods.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, cells, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	cells[0] = "edited"
	if n, cells, err := r.Next(); err != nil || n != 2 || cells[0] != "x" {
		t.Errorf("second repeat: %d %q %v, want 2 [x]", n, cells, err)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last row: %v, want io.EOF", err)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("after io.EOF: %v, want io.EOF again", err)
	}
}

func TestSheetChoice(t *testing.T) {
	table := func(name, text string) string {
		return `<table:table table:name="` + name + `">` + tr(cell(text)) + `</table:table>`
	}
	data := odsFile(t, docStart+table("Summary", "s")+table("Пользователи", "u")+table("1", "one")+table("", "nameless")+docEnd)
	for _, c := range []struct{ sheet, text string }{
		{"", "s"},
		{"Summary", "s"},
		{"Пользователи", "u"},
		{"2", "u"},
		{"1", "one"}, // the name wins over the position
		{"3", "one"},
		{"4", "nameless"},
	} {
		rows, err := read(data, ods.Options{Sheet: c.sheet})
		if err != nil || len(rows) != 1 || rows[0].Cells[0] != c.text {
			t.Errorf("Sheet %q: %v %v, want %q", c.sheet, rows, err, c.text)
		}
	}
	for _, s := range []string{"summary", "5", "0", "+2", "Sheet1"} {
		_, err := read(data, ods.Options{Sheet: s})
		wantError(t, err, `ods: no sheet "`+s+`" in the workbook (sheets: "Summary", "Пользователи", "1", "")`)
	}
	_, err := read(odsFile(t, docStart+docEnd), ods.Options{})
	wantError(t, err, "the workbook has no sheets")
	// A table in a text document, or inside a cell, is not a sheet.
	_, err = read(odsFile(t, docStart+`</office:spreadsheet><office:text>`+table("T", "x")+`</office:text><office:spreadsheet>`+docEnd), ods.Options{})
	wantError(t, err, "no sheets")
}

// TestOtherPrefixes reads a file that binds the ODF namespaces to prefixes
// of its own.
func TestOtherPrefixes(t *testing.T) {
	content := `<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:x="urn:oasis:names:tc:opendocument:xmlns:text:1.0">` +
		`<o:body><o:spreadsheet><t:table t:name="T"><t:table-row t:number-rows-repeated="2"><t:table-cell/></t:table-row>` +
		`<t:table-row><t:table-cell o:value-type="float" o:value="5"><x:p>5.0</x:p></t:table-cell><t:table-cell><x:p>a<x:s x:c="2"/>b</x:p></t:table-cell></t:table-row>` +
		`</t:table></o:spreadsheet></o:body></o:document-content>`
	want(t, mustRead(t, odsFile(t, content), ods.Options{Sheet: "T"}), row{3, []string{"5", "a  b"}})
}

func TestLimits(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	for _, c := range []struct {
		name    string
		content string
		opt     ods.Options
		err     []string
	}{
		{"cell text", sheet(tr(cell("a"), cell(long+"y"))), ods.Options{}, []string{`ods: sheet "S" row 1 column B: cell text longer than 1 MiB`}},
		{"spaces", sheet(tr(`<table:table-cell><text:p>a<text:s text:c="99999999999"/></text:p></table:table-cell>`)), ods.Options{MaxCellBytes: 1000}, []string{`ods: sheet "S" row 1 column A: cell text longer than 1000 bytes`}},
		{"paragraphs", sheet(tr(`<table:table-cell>` + strings.Repeat(`<text:p/>`, 2000) + `</table:table-cell>`)), ods.Options{MaxCellBytes: 1 << 10}, []string{"column A: cell text longer than 1 KiB"}},
		{"columns", sheet(tr(`<table:table-cell table:number-columns-repeated="16383"/>`, `<table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell>`)), ods.Options{}, []string{`ods: sheet "S" row 1: data right of column XFD`}},
		{"rows", sheet(`<table:table-row table:number-rows-repeated="1048575"><table:table-cell/></table:table-row>`, `<table:table-row table:number-rows-repeated="2">`+cell("x")+`</table:table-row>`), ods.Options{}, []string{`ods: sheet "S": data below row 1048576`}},
		{"cells", sheet(tr(cell("a"), cell("b")), tr(cell("c"), cell("d"))), ods.Options{MaxCells: 3}, []string{`ods: sheet "S" row 2 column B: the sheet has more than 3 cells, too many to read`}},
		{"empty cells", sheet(tr(cell("a"), `<table:table-cell table:number-columns-repeated="3"/>`, cell("b"))), ods.Options{MaxCells: 4}, []string{`ods: sheet "S" row 1 column E: the sheet has more than 4 cells`}},
		{"repeated cells", sheet(`<table:table-row table:number-rows-repeated="3">` + cell("a") + `</table:table-row>`), ods.Options{MaxCells: 2}, []string{`ods: sheet "S" row 3: the sheet has more than 2 cells`}},
		{"depth", sheet(tr(`<table:table-cell><text:p>` + strings.Repeat("<text:span>", 300) + strings.Repeat("</text:span>", 300) + `</text:p></table:table-cell>`)), ods.Options{}, []string{"ods: content.xml line 2: elements nested more than 256 deep"}},
		{"depth option", sheet(tr(cell("a"))), ods.Options{MaxDepth: 6}, []string{"nested more than 6 deep"}},
		{"token", sheet(tr(cell(strings.Repeat("&quot;", 3<<20)))), ods.Options{}, []string{"ods: content.xml line 2: more than 16 MiB of text or markup in one piece"}},
		{"attribute", sheet(`<table:table-row table:style-name="` + strings.Repeat("a", 17<<20) + `"/>`), ods.Options{MaxCellBytes: 1}, []string{"more than 16 MiB"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Stored, as deflate packs some of these beyond zipguard's ratio.
			data, err := zipOf(mimeType, c.content, zip.Store)
			if err != nil {
				t.Fatal(err)
			}
			_, err = read(data, c.opt)
			wantError(t, err, c.err...)
		})
	}
}

func TestBrokenFiles(t *testing.T) {
	good := odsFile(t, sheet(tr(cell("a"))))
	withMime := func(mime string) []byte {
		b, err := zipOf(mime, sheet(tr(cell("a"))), zip.Deflate)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
		err  []string
	}{
		{"not a zip", []byte("Name,Email\nbob,bob@example.com\n"), []string{"ods: not a readable ZIP archive"}},
		{"empty", nil, []string{"ods: not a readable ZIP archive"}},
		{"text document", withMime("application/vnd.oasis.opendocument.text"), []string{`not an OpenDocument spreadsheet: the archive says it is "application/vnd.oasis.opendocument.text`}},
		{"no content", bytes.Replace(good, []byte("content.xml"), []byte("contents.xm"), -1), []string{"ods: not an OpenDocument spreadsheet: the archive has no content.xml"}},
		{"syntax", odsFile(t, sheet(tr(cell("a")), "\n\n<table:table-row table:style-name=ro1>")), []string{"ods: content.xml line 4: unquoted or missing attribute value in element"}},
		{"tags", odsFile(t, sheet(tr(cell("a")), "\n<table:table-row><b></table:table-row>")), []string{"ods: content.xml line 3: </table:table-row> does not close the element open there"}},
		{"entity", odsFile(t, sheet(tr(cell("&nbsp;")))), []string{"ods: content.xml line 2: invalid character entity &nbsp;"}},
		{"cut short", odsFile(t, strings.TrimSuffix(sheet(tr(cell("a"), cell("b"))), `</table:table>`+docEnd)), []string{`ods: content.xml line 2: the file ends inside <table:table> (is it cut short?)`}},
		{"cut in a tag", odsFile(t, sheet(tr(cell("a")))[:400]), []string{"ods: content.xml line 2: unexpected EOF"}},
		{"rows repeated", odsFile(t, sheet(`<table:table-row table:number-rows-repeated="-1"/>`)), []string{`ods: content.xml line 2: table:number-rows-repeated is "-1", not a whole number from 1 up`}},
		{"columns repeated", odsFile(t, sheet(tr(`<table:table-cell table:number-columns-repeated="0"/>`))), []string{`table:number-columns-repeated is "0"`}},
		{"damaged", rawODS(t, []byte("this is not deflated data"), 1000), []string{"ods: reading content.xml: flate: corrupt input"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := read(c.data, ods.Options{})
			wantError(t, err, c.err...)
		})
	}
}

// TestNoMimetype reads an archive without the optional mimetype entry.
func TestNoMimetype(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("content.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, sheet(tr(cell("a"))))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	want(t, mustRead(t, buf.Bytes(), ods.Options{}), row{1, []string{"a"}})
}

func TestLimitsOption(t *testing.T) {
	data := odsFile(t, sheet(tr(cell(strings.Repeat("abc", 1000)))))
	_, err := read(data, ods.Options{Limits: zipguard.Limits{MaxTotal: 1000}})
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Errorf("got %v, want zipguard.ErrBomb", err)
	}
}
