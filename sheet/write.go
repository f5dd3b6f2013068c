package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
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

type xlsxWriter struct {
	w   io.Writer
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
	buf []any
}

func newXLSXWriter(w io.Writer, opt WriteOptions) (*xlsxWriter, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", opt.Sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(opt.Sheet)
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{w: w, f: f, sw: sw}, nil
}

func (x *xlsxWriter) Write(cells []string) error {
	x.row++
	x.buf = x.buf[:0]
	for _, v := range cells {
		x.buf = append(x.buf, excelize.Cell{Value: v})
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, x.buf)
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
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
