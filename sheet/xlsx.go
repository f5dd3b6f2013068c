package sheet

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// xlsxReader streams one worksheet with excelize. excelize applies number
// formats itself; before reading, the workbook's cell styles are rewritten
// so that every date format becomes ISO and every decorative number format
// becomes General (see cellfmt for the rules all formats share).
type xlsxReader struct {
	file  *excelize.File
	rows  *excelize.Rows
	num   int
	names []string // of the workbook's sheets
}

func (x *xlsxReader) sheetNames() ([]string, error) { return x.names, nil }

func newXLSX(r io.ReaderAt, size int64, opt Options) (src rowSource, err error) {
	zr, err := zipguard.Open(r, size, opt.Limits.zip())
	if err != nil {
		return nil, err
	}
	if err := checkEntries(zr, opt.Limits.MaxUnzipped); err != nil {
		return nil, err
	}
	defer recoverInto(&err, "xlsx")
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit:    opt.Limits.MaxUnzipped,
		UnzipXMLSizeLimit: 16 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX workbook: %w", err)
	}
	names := f.GetSheetList()
	name, err := pickSheet(names, opt.Sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := isoDates(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("reading the workbook's styles: %w", err)
	}
	rows, err := f.Rows(name)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	return &xlsxReader{file: f, rows: rows, names: names}, nil
}

// checkEntries inflates every entry once through the guard before excelize
// reads them. excelize ignores errors while it inflates an entry, so one
// that inflates beyond the size its archive declares (a bomb that lies to
// pass the checks on sizes) or that fails its checksum would otherwise read
// as a truncated sheet, without an error.
func checkEntries(zr *zip.Reader, max int64) error {
	for _, zf := range zr.File {
		rc, err := zipguard.OpenEntry(zf, max)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil && !errors.Is(err, zipguard.ErrBomb) {
			err = fmt.Errorf("%s: %w", zf.Name, err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *xlsxReader) next() (row Row, err error) {
	defer recoverInto(&err, "xlsx")
	for x.rows.Next() {
		x.num++
		cells, err := x.rows.Columns()
		if err != nil {
			return Row{}, fmt.Errorf("row %d: %w", x.num, err)
		}
		if !empty(cells) {
			return Row{Num: x.num, Cells: cells}, nil
		}
	}
	if err := x.rows.Error(); err != nil {
		return Row{}, fmt.Errorf("after row %d: %w", x.num, err)
	}
	return Row{}, io.EOF
}

func (x *xlsxReader) Close() error {
	x.rows.Close()
	return x.file.Close()
}

// isoDates points every cell style with a date, time or decorated number
// format at a format that writes the value the way cellfmt does.
func isoDates(f *excelize.File) error {
	if f.Styles == nil || f.Styles.CellXfs == nil {
		return nil
	}
	xfs := len(f.Styles.CellXfs.Xf)
	custom := map[int]string{}
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			custom[nf.NumFmtID] = nf.FormatCode
		}
	}
	target := map[cellfmt.Format]int{}
	for format, code := range map[cellfmt.Format]string{
		// Not General: excelize writes a General number of more than 11
		// digits as 4.915112346E+12, losing digits of phone numbers.
		{Kind: cellfmt.General}:             "0.##############",
		{Kind: cellfmt.Date}:                "yyyy-mm-dd",
		{Kind: cellfmt.DateTime}:            "yyyy-mm-dd hh:mm:ss",
		{Kind: cellfmt.Time}:                "hh:mm:ss",
		{Kind: cellfmt.Time, Elapsed: true}: "[h]:mm:ss",
	} {
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		target[format] = *f.Styles.CellXfs.Xf[style].NumFmtID
	}
	for i := range xfs {
		xf := &f.Styles.CellXfs.Xf[i]
		id := 0
		if xf.NumFmtID != nil {
			id = *xf.NumFmtID
		}
		format := cellfmt.Builtin(id)
		if code, ok := custom[id]; ok {
			format = cellfmt.Classify(code)
		}
		if to, ok := target[format]; ok {
			xf.NumFmtID = &to
		}
	}
	return nil
}

// pickSheet finds a sheet by name or 1-based number; empty picks the first.
func pickSheet(names []string, want string) (string, error) {
	if len(names) == 0 {
		return "", fmt.Errorf("the workbook has no sheet")
	}
	if want == "" {
		return names[0], nil
	}
	for _, n := range names {
		if n == want {
			return n, nil
		}
	}
	if i, err := strconv.Atoi(want); err == nil && i >= 1 && i <= len(names) {
		return names[i-1], nil
	}
	return "", fmt.Errorf("no sheet %q in the workbook (sheets: %s)", want, quoteList(names))
}

func quoteList(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(n)
	}
	return s
}

// recoverInto turns a panic inside a third-party parser into an error: a
// malformed file must never bring the program down.
func recoverInto(err *error, format string) {
	if p := recover(); p != nil {
		slog.Error("reader panicked", "format", format, "panic", p)
		*err = fmt.Errorf("the %s file is malformed and cannot be read", format)
	}
}
