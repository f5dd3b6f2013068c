package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
	"github.com/roster-dev/roster/sheet/xlsx"
)

// row is one row as Next returns it, kept.
type row struct {
	Num   int
	Cells []string
}

// read opens data and reads all its rows, returning them and the error that
// ended them (nil for io.EOF).
func read(data []byte, opt xlsx.Options) ([]row, error) {
	r, err := xlsx.NewReader(bytes.NewReader(data), int64(len(data)), opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rows []row
	for {
		n, cells, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row{n, slices.Clone(cells)})
	}
}

func want(t *testing.T, got []row, want ...row) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing row %d %q", want[i].Num, want[i].Cells)
		case i >= len(want):
			t.Errorf("extra row %d %q", got[i].Num, got[i].Cells)
		case got[i].Num != want[i].Num || !slices.Equal(got[i].Cells, want[i].Cells):
			t.Errorf("got row %d %q\nwant row %d %q", got[i].Num, got[i].Cells, want[i].Num, want[i].Cells)
		}
	}
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

const (
	ns       = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	relsPart = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`
	workbookPart = `<workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`
	// Style 1 is a date, 2 is General, 3 a percentage with decimals.
	stylesPart = `<styleSheet ` + ns + `><numFmts><numFmt numFmtId="164" formatCode="DD.MM.YYYY"/><numFmt numFmtId="165" formatCode="0.00%"/></numFmts>` +
		`<cellStyleXfs><xf numFmtId="164"/></cellStyleXfs>` +
		`<cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="0"/><xf numFmtId="165"/></cellXfs></styleSheet>`
)

// workbook makes an XLSX of one sheet, "S", from its parts: the worksheet's
// rows and the shared string items. Its entries are stored.
func workbook(t testing.TB, rows string, sst ...string) []byte {
	t.Helper()
	data, err := zipOf(map[string]string{
		"xl/workbook.xml":            workbookPart,
		"xl/_rels/workbook.xml.rels": relsPart,
		"xl/styles.xml":              stylesPart,
		"xl/worksheets/sheet1.xml":   `<worksheet ` + ns + `><sheetData>` + rows + `</sheetData></worksheet>`,
		"xl/sharedStrings.xml":       `<sst ` + ns + `>` + strings.Join(sst, "") + `</sst>`,
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// zipOf makes a ZIP of the parts, stored rather than deflated when the
// test needs no compression: deflating MiBs takes a second.
func zipOf(parts map[string]string, stored ...bool) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	method := zip.Deflate
	if len(stored) > 0 {
		method = zip.Store
	}
	for name, content := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, content); err != nil {
			return nil, err
		}
	}
	err := zw.Close()
	return buf.Bytes(), err
}

func TestStringsPlainRichAndEscaped(t *testing.T) {
	data := workbook(t,
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v> 2 </v></c><c r="D1" t="s"><v>3</v></c></row>`+
			`<row r="2"><c r="A2" t="inlineStr"><is><t>in</t><rPh><t>x</t></rPh></is></c>`+
			`<c r="B2" t="inlineStr"><is><r><rPr><b/></rPr><t>ri</t></r><r><t xml:space="preserve">ch </t></r></is></c>`+
			`<c r="C2" t="str"><f>A1</f><v>formula</v></c><c r="D2" t="inlineStr"><is><t>a_x000D_b</t></is></c></row>`,
		`<si><t>plain &amp; simple</t></si>`,
		`<si><r><rPr><b/></rPr><t>bold</t></r><r><t xml:space="preserve"> and not</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si>`,
		`<si><t>_x005F_x000D_ stays, _x000A_ breaks, _xD83D__xDE00_ smiles, _xZZZZ_ is text</t></si>`,
		`<si><t/></si>`,
	)
	rows, err := read(data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows,
		row{1, []string{"plain & simple", "bold and not", "_x000D_ stays, \n breaks, 😀 smiles, _xZZZZ_ is text"}},
		row{2, []string{"in", "rich ", "formula", "a\rb"}},
	)
}

func TestValues(t *testing.T) {
	data := workbook(t,
		`<row r="1"><c t="b"><v>1</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c><c t="d"><v>2024-02-29T13:05:09</v></c>`+
			`<c t="d"><v>2024-02-29</v></c><c s="1"><v>45000</v></c><c s="2"><v>4915112345678</v></c><c s="3"><v>0.5</v></c>`+
			`<c><v>1001.0</v></c><c><v>not a number</v></c><c s="99"><v>7</v></c></row>`)
	rows, err := read(data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Style 99 does not exist: the number reads as General. A percentage
	// reads as in every format, without its decimals (cellfmt).
	want(t, rows, row{1, []string{"TRUE", "FALSE", "#N/A", "2024-02-29 13:05:09", "2024-02-29", "2023-03-15",
		"4915112345678", "50%", "1001", "not a number", "7"}})
}

func TestPrefixedElements(t *testing.T) {
	data, err := zipOf(map[string]string{
		"xl/workbook.xml":            `<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:workbookPr date1904="1"/><x:sheets><x:sheet name="P" r:id="rId1"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": relsPart,
		"xl/styles.xml":              strings.ReplaceAll(strings.ReplaceAll(stylesPart, "<", "<x:"), "<x:/", "</x:"),
		"xl/worksheets/sheet1.xml":   `<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="3"><x:c r="b3" t="s"><x:v>0</x:v></x:c><x:c s="1"><x:v>45000</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
		"xl/sharedStrings.xml":       `<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>p</x:t></x:si></x:sst>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := read(data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows, row{3, []string{"", "p", "2027-03-16"}})
}

func TestErrorsNameThePlace(t *testing.T) {
	for _, c := range []struct {
		name, rows string
		want       []string
	}{
		{"missing string", `<row r="4"><c r="C4" t="s"><v>7</v></c></row>`, []string{`sheet "S" cell C4: the shared string "7" does not exist (the workbook has 1)`}},
		{"rows backwards", `<row r="5"><c><v>1</v></c></row><row r="3"><c><v>1</v></c></row>`, []string{`sheet "S" row 3: the row comes after row 5`}},
		{"bad row number", `<row r="x"/>`, []string{`sheet "S" row 1: the row number "x" is not a number from 1 up`}},
		{"too far down", `<row r="1048577"><c><v>1</v></c></row>`, []string{"row 1048577: data below row 1048576"}},
		{"too far right", `<row><c r="XFE1"><v>1</v></c></row>`, []string{"row 1: data right of column XFD"}},
		{"no column", `<row><c r="12"><v>1</v></c></row>`, []string{`the cell reference "12" has no column`}},
		{"long cell", `<row><c r="B1" t="inlineStr"><is><t>` + strings.Repeat("x", 2000) + `</t></is></c></row>`, []string{`sheet "S" cell B1: cell text longer than 1 KiB`}},
		{"syntax", "<row>\n<c></row>", []string{"xl/worksheets/sheet1.xml line 2: </row> does not close the element open there"}},
		{"entity", `<row><c t="inlineStr"><is><t>&nbsp;</t></is></c></row>`, []string{"xl/worksheets/sheet1.xml line 1: invalid character entity &nbsp;"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := read(workbook(t, c.rows, `<si><t>a</t></si>`), xlsx.Options{MaxCellBytes: 1 << 10})
			wantError(t, err, c.want...)
		})
	}
}

// TestSharedStringsBomb: a table of strings that would take more memory
// than allowed is refused before the sheet is read.
func TestSharedStringsBomb(t *testing.T) {
	item := `<si><t>` + strings.Repeat("x", 1000) + `</t></si>`
	data := workbook(t, `<row><c t="s"><v>0</v></c></row>`, strings.Repeat(item, 2000))
	_, err := read(data, xlsx.Options{MaxSharedStrings: 1 << 20})
	wantError(t, err, "xl/sharedStrings.xml: the shared strings take more than 1 MiB of memory")
	// Empty strings cost their offset.
	data = workbook(t, `<row><c t="s"><v>0</v></c></row>`, strings.Repeat(`<si/>`, 300_000))
	_, err = read(data, xlsx.Options{MaxSharedStrings: 1 << 20})
	wantError(t, err, "more than 1 MiB")
	rows, err := read(data, xlsx.Options{})
	if err != nil || len(rows) != 0 {
		t.Errorf("within the default limit: %v, %v", rows, err)
	}
}

// TestLazyStrings: read for a preview, the table of shared strings is read
// only as far as the rows read need it: the first rows come from a table
// whose tail is broken, which a whole read refuses before the first row;
// a cell further on reads it further, wherever its string is; and the rows
// are those of a whole read.
func TestLazyStrings(t *testing.T) {
	items := []string{`<si><t>name</t></si>`, `<si><t>Ann</t></si>`, `<si><r><t>B</t></r><r><t>ob</t></r></si>`}
	sheetRows := `<row r="1"><c t="s"><v>0</v></c></row><row r="2"><c t="s"><v>2</v></c></row><row r="3"><c t="s"><v>1</v></c></row>`
	data := workbook(t, sheetRows, items...)
	whole, err := read(data, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := read(data, xlsx.Options{LazyStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	want(t, lazy, whole...)
	want(t, lazy, row{1, []string{"name"}}, row{2, []string{"Bob"}}, row{3, []string{"Ann"}})

	broken := workbook(t, sheetRows+`<row r="4"><c t="s"><v>3</v></c></row>`, append(items, `<si><t>x</si>`)...)
	if _, err := read(broken, xlsx.Options{}); err == nil || !strings.Contains(err.Error(), "xl/sharedStrings.xml") {
		t.Fatalf("a whole read of the broken table: %v", err)
	}
	rows, err := read(broken, xlsx.Options{LazyStrings: true})
	want(t, rows, whole...)
	wantError(t, err, "xl/sharedStrings.xml")
}

// TestNothingSpillsToDisk: excelize wrote shared strings past 16 MiB to a
// temporary file, every cell's text (passwords too) in it. The reader
// keeps them in memory and writes no file.
func TestNothingSpillsToDisk(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// Random passwords, which compress as real ones do.
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]string, 170_001)
	for i := range items {
		pw := make([]byte, 100)
		for j := range pw {
			pw[j] = byte('!' + rng.IntN(90))
		}
		items[i] = `<si><t>secret-` + html.EscapeString(string(pw)) + `</t></si>`
	}
	data := workbook(t, `<row><c t="s"><v>170000</v></c></row>`, items...)
	rows, err := read(data, xlsx.Options{})
	if err != nil || len(rows) != 1 || !strings.HasPrefix(rows[0].Cells[0], "secret-") {
		t.Fatalf("got %v, %v", rows, err)
	}
	if files, _ := os.ReadDir(tmp); len(files) > 0 {
		t.Errorf("the reader left %d files in TMPDIR: %v", len(files), files[0].Name())
	}
}

func TestBombEntry(t *testing.T) {
	data := workbook(t, `<row><c t="inlineStr"><is><t>`+strings.Repeat("a", 1<<20)+`</t></is></c></row>`)
	_, err := read(data, xlsx.Options{Limits: zipguard.Limits{MaxTotal: 1 << 19}})
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Errorf("got %v, want zipguard.ErrBomb", err)
	}
}

// fixtures are the real workbooks in testdata: LibreOffice's, and
// messytables' collection.
func fixtures(t testing.TB) map[string][]byte {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.xlsx"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

func TestFixtures(t *testing.T) {
	files := fixtures(t)
	rows, err := read(files["commpeak-users.xlsx"], xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, rows,
		row{1, []string{"Username", "Email", "Virtual Extension", "Role", "Skill Group", "Desk"}},
		row{2, []string{"agent.one", "agent.one@callcenter.example", "1101", "agent"}},
		row{3, []string{"agent.two", "agent.two@callcenter.example", "1102", "agent"}},
		row{4, []string{"sup.one", "sup.one@callcenter.example", "", "supervisor"}},
		row{5, []string{"agent.three", "agent.three@callcenter.example", "", "agent"}},
	)
	for name, data := range files {
		if _, err := read(data, xlsx.Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// entry is the inflated content of a ZIP's entry, or "".
func entry(data []byte, name string) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	rc, err := zr.Open(name)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// FuzzWorksheet reads a worksheet and a table of shared strings, put
// into a workbook whose other parts are valid, so that the fuzzer works on
// the XML rather than on a ZIP's checksums. It checks the promises of Next.
func FuzzWorksheet(f *testing.F) {
	for _, data := range fixtures(f) {
		f.Add(entry(data, "xl/worksheets/sheet1.xml"), entry(data, "xl/sharedStrings.xml"))
	}
	f.Fuzz(func(t *testing.T, sheetXML, sst string) {
		data, err := zipOf(map[string]string{
			"xl/workbook.xml":            workbookPart,
			"xl/_rels/workbook.xml.rels": relsPart,
			"xl/styles.xml":              stylesPart,
			"xl/worksheets/sheet1.xml":   sheetXML,
			"xl/sharedStrings.xml":       sst,
		})
		if err != nil {
			t.Fatal(err)
		}
		opt := xlsx.Options{MaxCellBytes: 1 << 10, MaxSharedStrings: 1 << 20}
		// Read as a preview reads it, with the table of strings read as
		// the cells need it, a workbook read whole gives the same rows.
		if whole, err := read(data, opt); err == nil {
			lazy := opt
			lazy.LazyStrings = true
			rows, err := read(data, lazy)
			if err != nil {
				t.Fatalf("read whole, then with lazy strings: %v", err)
			}
			want(t, rows, whole...)
		}
		r, err := xlsx.NewReader(bytes.NewReader(data), int64(len(data)), opt)
		if err != nil {
			return
		}
		defer r.Close()
		last := 0
		for {
			n, cells, err := r.Next()
			if err != nil {
				if _, _, again := r.Next(); again != err {
					t.Errorf("Next after %v: %v", err, again)
				}
				return
			}
			if n <= last || n > 1<<20 {
				t.Fatalf("row %d after row %d", n, last)
			}
			if len(cells) == 0 || len(cells) > 1<<14 || cells[len(cells)-1] == "" {
				t.Fatalf("row %d: %d cells %q", n, len(cells), cells)
			}
			for _, c := range cells {
				if len(c) > opt.MaxCellBytes {
					t.Fatalf("row %d: a cell of %d bytes", n, len(c))
				}
			}
			last = n
		}
	})
}
