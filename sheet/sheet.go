// Package sheet reads tabular files as people make them (CSV and TSV in any
// common separator and encoding, XLSX, XLS, ODS, and a ZIP holding one of
// those with pictures) and yields their rows as cell text, one row at a time.
//
// It knows nothing about users or columns: it answers "what does this file
// say, and in which spreadsheet row". Every format reads the same way:
// numbers as a person sees them (1001, not 1001.0), dates as YYYY-MM-DD,
// booleans as TRUE/FALSE, formulas as their cached value, and rows that are
// entirely empty skipped while still counted, so that row numbers are the
// ones a person sees in a spreadsheet program.
//
// Readers stream: memory does not grow with the number of rows, and limits
// on inflated size, XML depth and cell size make hostile files fail with a
// clear error instead of exhausting the machine.
package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// Format names a file format.
type Format string

// The formats sheet reads.
const (
	CSV  Format = "csv"
	TSV  Format = "tsv"
	XLSX Format = "xlsx"
	XLS  Format = "xls"
	ODS  Format = "ods"
	ZIP  Format = "zip"
)

// Formats lists the formats that --format accepts.
var Formats = []Format{CSV, TSV, XLSX, XLS, ODS, ZIP}

// ParseFormat checks a format name given by a person.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimPrefix(s, ".")))
	for _, known := range Formats {
		if f == known {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (known: csv, tsv, xlsx, xls, ods, zip)", s)
}

// ParseSeparator reads a separator as a person gives it: one character,
// or "tab" (or \t).
func ParseSeparator(s string) (rune, error) {
	switch {
	case s == "":
		return 0, nil
	case strings.EqualFold(s, "tab") || s == `\t`:
		return '\t', nil
	case utf8.RuneCountInString(s) == 1:
		r, _ := utf8.DecodeRuneInString(s)
		return r, nil
	}
	return 0, fmt.Errorf("must be one character (or tab), not %q", s)
}

// HintError is a file that a reader's option would read: the file holds
// NUL bytes and no byte-order mark, which UTF-16 without one does.
type HintError struct {
	Err error
	// Option names the option (encoding), Value what to give it.
	Option, Value string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// Options change how a file is read. The zero value detects everything.
type Options struct {
	// Format overrides the format told by the file's content and name.
	Format Format
	// Sheet selects a sheet of a workbook by name or 1-based number;
	// empty means the first sheet.
	Sheet string
	// Separator overrides the sniffed CSV separator.
	Separator rune
	// Encoding overrides the detected CSV encoding (a WHATWG label such as
	// "utf-8", "utf-16le", "windows-1252", "iso-8859-15").
	Encoding string
	// Limits bound what a file may cost to read; zero fields take defaults.
	Limits Limits
	// TempDir is the folder of the temporary copies made to read a file
	// (the sheet of a ZIP bundle, which the readers need to seek in);
	// empty: the system's temporary folder. They never have a name there.
	TempDir string
	// Head says that only the first rows will be read, as a preview does:
	// an XLSX's table of shared strings is then read only as far as they
	// need, not whole before the first row.
	Head bool
}

// Limits make hostile files harmless.
type Limits struct {
	// MaxUnzipped bounds the inflated size of a ZIP-based file in bytes.
	MaxUnzipped int64
	// MaxRatio bounds the compression ratio of a large ZIP entry.
	MaxRatio int64
	// MaxCellBytes bounds the text of one cell.
	MaxCellBytes int
	// MaxColumns bounds the number of cells in one row.
	MaxColumns int
}

// DefaultLimits hold for any real user list.
var DefaultLimits = Limits{
	MaxUnzipped:  zipguard.DefaultLimits.MaxTotal,
	MaxRatio:     zipguard.DefaultLimits.MaxRatio,
	MaxCellBytes: 1 << 20,
	MaxColumns:   16384,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxUnzipped > 0 {
		d.MaxUnzipped = l.MaxUnzipped
	}
	if l.MaxRatio > 0 {
		d.MaxRatio = l.MaxRatio
	}
	if l.MaxCellBytes > 0 {
		d.MaxCellBytes = l.MaxCellBytes
	}
	if l.MaxColumns > 0 {
		d.MaxColumns = l.MaxColumns
	}
	return d
}

// check holds a row of any format to the limits, whether its reader checks
// them as it reads or not: the workbook readers bound a row by the width of
// a spreadsheet, which may be more than MaxColumns.
func (l Limits) check(row Row) error {
	if len(row.Cells) > l.MaxColumns {
		return fmt.Errorf("row %d: more than %d cells in one row", row.Num, l.MaxColumns)
	}
	for _, c := range row.Cells {
		if len(c) > l.MaxCellBytes {
			return fmt.Errorf("row %d: a cell is longer than %d KiB", row.Num, l.MaxCellBytes>>10)
		}
	}
	return nil
}

func (l Limits) zip() zipguard.Limits {
	return zipguard.Limits{MaxTotal: l.MaxUnzipped, MaxRatio: l.MaxRatio}
}

// Row is one row of a sheet that has at least one non-empty cell.
type Row struct {
	// Num is the spreadsheet row number: the first row of the file is 1.
	Num int
	// Cells hold the text of each cell, from the first column up to the
	// last one read. Cells in a spreadsheet row end at the last non-empty
	// cell; CSV rows keep every field.
	Cells []string
}

// rowSource is what each format provides.
type rowSource interface {
	next() (Row, error)
	Close() error
}

// A sheetLister is a rowSource of a workbook, which can name its sheets.
type sheetLister interface {
	sheetNames() ([]string, error)
}

// File is an open tabular file. Call Next until it returns io.EOF, then
// Close.
type File struct {
	// Name is the file's name as given.
	Name string
	// Format is the format that was read.
	Format Format
	// Separator is the separator of a CSV or TSV file.
	Separator rune
	// Encoding is the detected or given text encoding of a CSV or TSV file.
	Encoding string
	// Assets holds the files that cells may refer to (pictures): the folder
	// of the file, or the ZIP it came in. Nil when there is none.
	Assets fs.FS

	src     rowSource
	closers []io.Closer
	size    int64
	read    *countingReader // bytes consumed, for text files
	limits  Limits
}

// Progress returns how many bytes of the file have been read and its size,
// for a progress bar; done is -1 when the format does not tell (workbooks
// are read from their parts, not front to back).
func (f *File) Progress() (done, size int64) {
	if f.read == nil {
		return -1, f.size
	}
	return f.read.n.Load(), f.size
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Next returns the next row with at least one non-empty cell, or io.EOF.
// Row.Cells may be reused by the following call.
func (f *File) Next() (Row, error) {
	row, err := f.src.next()
	if err == nil {
		err = f.limits.check(row)
	}
	if err != nil && err != io.EOF {
		return row, fmt.Errorf("%s: %w", filepath.Base(f.Name), err)
	}
	return row, err
}

// Sheets returns the names of a workbook's sheets, in order, or nil for a
// text file. For ODS it reads the whole workbook again.
func (f *File) Sheets() ([]string, error) {
	if l, ok := f.src.(sheetLister); ok {
		return l.sheetNames()
	}
	return nil, nil
}

// Close releases the file and any temporary copy made to read it.
func (f *File) Close() error {
	var errs []error
	if f.src != nil {
		errs = append(errs, f.src.Close())
	}
	for i := len(f.closers) - 1; i >= 0; i-- {
		errs = append(errs, f.closers[i].Close())
	}
	return errors.Join(errs...)
}

// Open opens the file at path. Pictures it refers to are looked up in its
// folder.
func Open(path string, opt Options) (*File, error) {
	src, err := OpenSource(path)
	if err != nil {
		return nil, err
	}
	f, err := src.Open(opt)
	if err != nil {
		src.Close()
		return nil, err
	}
	f.closers = append(f.closers, src)
	return f, nil
}

// OpenReader reads a file of size bytes from r; name is used to tell the
// format when the content does not, and in messages.
func OpenReader(r io.ReaderAt, size int64, name string, opt Options) (*File, error) {
	opt.Limits = opt.Limits.withDefaults()
	format, what := opt.Format, ""
	if format == "" {
		format, what = detect(r, size, name)
	} else {
		what = sniff(head(r))
	}
	if what != "" {
		// No reader can make sense of it: say what it is instead of
		// reading a PDF as a CSV with a strange header.
		msg := fmt.Sprintf("%s looks like %s, not %s", filepath.Base(name), what, expected(name, opt.Format))
		if what == webPage || what == xmlSpreadsheet {
			msg += ": open it in a spreadsheet program and save it as XLSX"
		}
		return nil, errors.New(msg)
	}
	f := &File{Name: name, Format: format, size: size, limits: opt.Limits}
	var err error
	switch format {
	case CSV, TSV:
		f.read = &countingReader{r: io.NewSectionReader(r, 0, size)}
		f.src, err = newCSV(f.read, r, size, f, opt)
	case XLSX:
		f.src, err = newXLSX(r, size, opt)
	case XLS:
		f.src, err = newXLS(r, size, opt)
	case ODS:
		f.src, err = newODS(r, size, opt)
	case ZIP:
		err = openBundle(f, r, size, opt)
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	return f, nil
}

var (
	magicZIP = []byte("PK\x03\x04")
	magicCFB = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Detect tells a file's format by its first bytes, then by its name's
// extension. Text that is neither a ZIP nor a compound file is CSV.
func Detect(r io.ReaderAt, size int64, name string) Format {
	f, _ := detect(r, size, name)
	if f == "" {
		return CSV
	}
	return f
}

// detect tells a file's format, or says what the file is when its content
// shows it is no sheet at all (then the format is empty).
func detect(r io.ReaderAt, size int64, name string) (Format, string) {
	b := head(r)
	if what := sniff(b); what != "" {
		return "", what
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	switch {
	case bytes.HasPrefix(b, magicCFB):
		return XLS, ""
	case bytes.HasPrefix(b, magicZIP):
		return zipKind(r, size, ext)
	case ext == "tsv" || ext == "tab":
		return TSV, ""
	}
	return CSV, ""
}

// head returns the first bytes of a file, enough to tell what it is.
func head(r io.ReaderAt) []byte {
	b := make([]byte, 2048)
	n, _ := r.ReadAt(b, 0)
	return b[:n]
}

// notSheets are the signatures of files people send instead of a sheet.
// Each is long or binary enough that no text sheet starts with it.
var notSheets = []struct {
	magic, what string
}{
	{"%PDF-", "a PDF document"},
	{"\x89PNG\r\n\x1a\n", "a PNG picture"},
	{"\xff\xd8\xff", "a JPEG picture"},
	{"GIF87a", "a GIF picture"},
	{"GIF89a", "a GIF picture"},
	{"II*\x00", "a TIFF picture"},
	{"MM\x00*", "a TIFF picture"},
	{"\x1f\x8b", "a gzip archive"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
	{"Rar!\x1a\x07", "a RAR archive"},
	{"SQLite format 3\x00", "an SQLite database"},
	{"{\\rtf", "an RTF document"},
	{"\x7fELF", "a program"},
}

// What markup files are: spreadsheet programs open them.
const (
	webPage        = "a web page"
	xmlSpreadsheet = "an Excel 2003 XML spreadsheet"
)

// sniff names what a file is when its first bytes show that it is no
// sheet: a PDF, a picture, a web page, another archive. Otherwise it
// returns "".
func sniff(b []byte) string {
	for _, n := range notSheets {
		if bytes.HasPrefix(b, []byte(n.magic)) {
			return n.what
		}
	}
	if bytes.HasPrefix(b, []byte("RIFF")) && len(b) >= 12 && string(b[8:12]) == "WEBP" {
		return "a WebP picture"
	}
	// Markup, as HR systems export "Excel" files: a web page, or Excel
	// 2003's XML. Spreadsheet programs open both and can save them as XLSX.
	text := bytes.ToLower(bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n"))
	switch {
	case bytes.HasPrefix(text, []byte("<?xml")) && bytes.Contains(text, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return xmlSpreadsheet
	case bytes.HasPrefix(text, []byte("<?xml")):
		return "an XML document"
	}
	for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<table"} {
		if bytes.HasPrefix(text, []byte(tag)) {
			return webPage
		}
	}
	return ""
}

// expected names what a file should have been: what its extension says,
// else the format it was read as, else any sheet.
func expected(name string, forced Format) string {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	if f, err := ParseFormat(ext); err == nil {
		forced = f
	} else if ext == "tab" {
		forced = TSV
	}
	switch forced {
	case XLSX:
		return "an XLSX workbook"
	case XLS:
		return "an XLS workbook"
	case ODS:
		return "an ODS spreadsheet"
	case CSV:
		return "a CSV file"
	case TSV:
		return "a TSV file"
	case ZIP:
		return "a ZIP of a sheet and its pictures"
	}
	return "a sheet (CSV, TSV, XLSX, XLS, ODS, or a ZIP of one with its pictures)"
}

// zipKind tells XLSX, ODS and a bundle apart by what the archive holds,
// and names the office documents that are ZIPs too but hold no sheet.
func zipKind(r io.ReaderAt, size int64, ext string) (Format, string) {
	zr, err := zipguard.Open(r, size, zipguard.DefaultLimits)
	if err != nil {
		if ext == "xlsx" || ext == "ods" {
			return Format(ext), ""
		}
		return ZIP, ""
	}
	sheets := false
	for _, zf := range zr.File {
		switch zf.Name {
		case "xl/workbook.xml":
			return XLSX, ""
		case "word/document.xml":
			return "", "a Word document"
		case "ppt/presentation.xml":
			return "", "a PowerPoint presentation"
		case "mimetype":
			rc, err := zipguard.OpenEntry(zf, 256)
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			switch m := string(b); {
			case strings.HasPrefix(m, "application/vnd.oasis.opendocument.spreadsheet"):
				return ODS, ""
			case strings.HasPrefix(m, "application/vnd.oasis.opendocument.text"):
				return "", "an OpenDocument text"
			case strings.HasPrefix(m, "application/vnd.oasis.opendocument.presentation"):
				return "", "an OpenDocument presentation"
			}
		case "content.xml":
			return ODS, ""
		}
		sheets = sheets || sheetExts[strings.ToLower(path.Ext(zf.Name))]
	}
	if !sheets && (ext == "xlsx" || ext == "ods" || ext == "xls") {
		return "", "a ZIP archive without a workbook"
	}
	return ZIP, ""
}
