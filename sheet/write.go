package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Writer writes rows of cell text to a file. Every cell is written as text,
// so that 0042 stays 0042 when the file is opened again.
type Writer interface {
	Write(cells []string) error
	// Close finishes the file; it does not close the underlying io.Writer.
	Close() error
}

// WriteOptions shape a written file.
type WriteOptions struct {
	// Separator of CSV; default ',' (TAB for TSV).
	Separator rune
	// BOM starts a CSV with a UTF-8 byte-order mark, which Excel needs to
	// read accents right.
	BOM bool
	// EscapeFormulas writes a CSV cell starting with = + - or @ after a
	// "'", so that a spreadsheet program shows it instead of running it (and
	// one starting with "'" then one of those, so that reading gives it
	// back as it was).
	EscapeFormulas bool
	// Sheet names the sheet of an XLSX or ODS file.
	Sheet string
}

// NewWriter returns a writer of the format onto w.
func NewWriter(w io.Writer, format Format, opt WriteOptions) (Writer, error) {
	if opt.Sheet == "" {
		opt.Sheet = "users"
	}
	switch format {
	case CSV, TSV:
		return newCSVWriter(w, format, opt), nil
	case XLSX:
		return newXLSXWriter(w, opt)
	case ODS:
		return newODSWriter(w, opt)
	}
	return nil, fmt.Errorf("cannot write %s files", format)
}

type csvWriter struct {
	cw     *csv.Writer
	escape bool
	buf    []string
}

func newCSVWriter(w io.Writer, format Format, opt WriteOptions) *csvWriter {
	if opt.BOM {
		io.WriteString(w, "\uFEFF")
	}
	cw := csv.NewWriter(w)
	switch {
	case opt.Separator != 0:
		cw.Comma = opt.Separator
	case format == TSV:
		cw.Comma = '\t'
	}
	return &csvWriter{cw: cw, escape: opt.EscapeFormulas}
}

func (c *csvWriter) Write(cells []string) error {
	if !c.escape {
		return c.cw.Write(cells)
	}
	c.buf = c.buf[:0]
	for _, v := range cells {
		if formulaLike(v) {
			v = "'" + v
		}
		c.buf = append(c.buf, v)
	}
	return c.cw.Write(c.buf)
}

func (c *csvWriter) Close() error {
	c.cw.Flush()
	return c.cw.Error()
}

// xlsxWriter streams a workbook of one sheet straight into its ZIP entry,
// every cell an inline string: no shared-string table grows with the rows,
// and nothing is written anywhere but to w. (excelize's StreamWriter spills
// a sheet of more than 16 MiB to a temporary file, which a killed process
// leaves behind with every password of an export or a report in it.)
type xlsxWriter struct {
	z    *zip.Writer
	bw   *bufio.Writer
	row  int
	cols []string // column letters, grown as rows need them
	num  []byte
}

// The parts of a workbook around its one sheet. Style 1 is the text format
// "@", given to every cell and column, so that a person fixing a report in
// a spreadsheet program keeps the 0 of 0042 they type.
const (
	xlsxContentTypes = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	xlsxRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	xlsxWorkbookRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`
	xlsxStyles = xml.Header + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
	xlsxSheetStart = xml.Header + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<cols><col min="1" max="16384" width="16" style="1"/></cols><sheetData>`
	xlsxSheetEnd = `</sheetData></worksheet>`
)

func newXLSXWriter(w io.Writer, opt WriteOptions) (*xlsxWriter, error) {
	z := zip.NewWriter(w)
	// Deflate's fastest level: half the time of the default for a file 16 %
	// larger, and compressing is most of the time spent writing.
	z.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	var name bytes.Buffer
	xml.EscapeText(&name, []byte(opt.Sheet))
	for _, part := range []struct{ name, body string }{
		{"[Content_Types].xml", xlsxContentTypes},
		{"_rels/.rels", xlsxRels},
		{"xl/workbook.xml", xml.Header + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="` + name.String() + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xlsxWorkbookRels},
		{"xl/styles.xml", xlsxStyles},
	} {
		pw, err := z.Create(part.name)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(pw, part.body); err != nil {
			return nil, err
		}
	}
	// The sheet is the last entry: a ZIP is written one entry at a time.
	sw, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(sw, 64<<10)
	bw.WriteString(xlsxSheetStart)
	return &xlsxWriter{z: z, bw: bw}, nil
}

func (x *xlsxWriter) Write(cells []string) error {
	x.row++
	x.num = strconv.AppendInt(x.num[:0], int64(x.row), 10)
	bw := x.bw
	bw.WriteString(`<row r="`)
	bw.Write(x.num)
	bw.WriteString(`">`)
	for i, v := range cells {
		if v == "" {
			continue
		}
		for len(x.cols) <= i {
			x.cols = append(x.cols, columnName(len(x.cols)))
		}
		bw.WriteString(`<c r="`)
		bw.WriteString(x.cols[i])
		bw.Write(x.num)
		bw.WriteString(`" s="1" t="inlineStr"><is><t`)
		if strings.TrimSpace(v) != v || strings.ContainsAny(v, "\t\n\r") {
			bw.WriteString(` xml:space="preserve"`)
		}
		bw.WriteByte('>')
		writeXLSXText(bw, v)
		bw.WriteString(`</t></is></c>`)
	}
	_, err := bw.WriteString(`</row>`)
	return err
}

// columnName returns the letters of the i-th column (0 is A).
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

// writeXLSXText writes cell text as OOXML wants it: XML's markup escaped, a
// carriage return as a reference (XML would read it as a line feed), and
// characters that XML 1.0 cannot hold as _xHHHH_, the format's own escape,
// whose underscore is itself escaped where the text could read as one: any
// "_xHHHH", since the next character may be an escape's own underscore
// ("_x0041" then U+0003 would otherwise read back as "A" and "x0003_").
func writeXLSXText(w *bufio.Writer, s string) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				w.WriteString(s[start:i])
				if r == utf8.RuneError {
					w.WriteString("\uFFFD") // a byte that is not UTF-8
				} else {
					fmt.Fprintf(w, "_x%04X_", r)
				}
				start = i + n
			}
			i += n
			continue
		}
		var esc string
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '\r':
			esc = "&#13;"
		case c < 0x20 && c != '\t' && c != '\n':
			esc = fmt.Sprintf("_x%04X_", c)
		case c == '_' && startsLikeXLSXEscape(s[i:]):
			esc = "_x005F_"
		default:
			i++
			continue
		}
		w.WriteString(s[start:i])
		w.WriteString(esc)
		i++
		start = i
	}
	w.WriteString(s[start:])
}

// startsLikeXLSXEscape says whether s starts with _xHHHH.
func startsLikeXLSXEscape(s string) bool {
	if len(s) < 6 || s[1] != 'x' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func (x *xlsxWriter) Close() error {
	x.bw.WriteString(xlsxSheetEnd)
	if err := x.bw.Flush(); err != nil {
		return err
	}
	return x.z.Close()
}

// odsWriter streams an OpenDocument spreadsheet: there is no library for
// it, and the format is a ZIP of a few small XML files.
type odsWriter struct {
	z  *zip.Writer
	bw *bufio.Writer
}

const odsMimetype = "application/vnd.oasis.opendocument.spreadsheet"

func newODSWriter(w io.Writer, opt WriteOptions) (*odsWriter, error) {
	z := zip.NewWriter(w)
	// The mimetype comes first and uncompressed, as ODF requires.
	m, err := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return nil, err
	}
	io.WriteString(m, odsMimetype)
	mf, err := z.Create("META-INF/manifest.xml")
	if err != nil {
		return nil, err
	}
	io.WriteString(mf, `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="`+odsMimetype+`"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
`)
	c, err := z.Create("content.xml")
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(c)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="`)
	xml.EscapeText(bw, []byte(opt.Sheet))
	bw.WriteString(`">`)
	return &odsWriter{z: z, bw: bw}, nil
}

func (o *odsWriter) Write(cells []string) error {
	o.bw.WriteString("<table:table-row>")
	for _, v := range cells {
		if v == "" {
			o.bw.WriteString("<table:table-cell/>")
			continue
		}
		o.bw.WriteString(`<table:table-cell office:value-type="string">`)
		for _, para := range strings.Split(v, "\n") {
			o.bw.WriteString("<text:p>")
			writeODFText(o.bw, para)
			o.bw.WriteString("</text:p>")
		}
		o.bw.WriteString("</table:table-cell>")
	}
	_, err := o.bw.WriteString("</table:table-row>\n")
	return err
}

// writeODFText writes a paragraph's text; ODF collapses white space, so
// tabs and runs of spaces need elements of their own.
func writeODFText(w *bufio.Writer, s string) {
	spaces := 0
	flush := func(leading bool) {
		switch {
		case spaces == 0:
		case spaces == 1 && !leading:
			w.WriteByte(' ')
		default:
			if !leading {
				w.WriteByte(' ')
				spaces--
			}
			fmt.Fprintf(w, `<text:s text:c="%d"/>`, spaces)
		}
		spaces = 0
	}
	start := true
	for _, r := range s {
		switch r {
		case ' ':
			spaces++
			continue
		case '\t':
			flush(start)
			w.WriteString("<text:tab/>")
		default:
			flush(start)
			xml.EscapeText(w, []byte(string(r)))
		}
		start = false
	}
	flush(true) // trailing spaces, like leading ones, would be dropped
}

func (o *odsWriter) Close() error {
	o.bw.WriteString("</table:table></office:spreadsheet></office:body></office:document-content>\n")
	if err := o.bw.Flush(); err != nil {
		return err
	}
	return o.z.Close()
}
