package sheet

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
	"github.com/roster-dev/roster/sheet/ods"
	"github.com/roster-dev/roster/sheet/xls"
	"github.com/roster-dev/roster/sheet/xlsx"
)

// workbook adapts the XLSX, XLS and ODS readers, which live in packages of
// their own because of their bulk.
type workbook struct {
	read   func() (int, []string, error)
	close  func() error
	sheets func() ([]string, error)
}

func (w *workbook) sheetNames() ([]string, error) { return w.sheets() }

func (w *workbook) next() (row Row, err error) {
	defer recoverInto(&err, "workbook")
	num, cells, err := w.read()
	return Row{Num: num, Cells: cells}, err
}

func (w *workbook) Close() error { return w.close() }

func newXLS(r io.ReaderAt, size int64, opt Options) (rowSource, error) {
	x, err := xls.NewReader(r, size, xls.Options{Sheet: opt.Sheet, MaxCellBytes: opt.Limits.MaxCellBytes})
	if err != nil {
		return nil, err
	}
	return &workbook{read: x.Next, close: x.Close, sheets: func() ([]string, error) { return x.Sheets(), nil }}, nil
}

func newXLSX(r io.ReaderAt, size int64, opt Options) (rowSource, error) {
	x, err := xlsx.NewReader(r, size, xlsx.Options{Sheet: opt.Sheet, MaxCellBytes: opt.Limits.MaxCellBytes, Limits: opt.Limits.zip(),
		LazyStrings: opt.Head})
	if err != nil {
		return nil, err
	}
	return &workbook{read: x.Next, close: x.Close, sheets: func() ([]string, error) { return x.Sheets(), nil }}, nil
}

func newODS(r io.ReaderAt, size int64, opt Options) (rowSource, error) {
	oo := ods.Options{
		Sheet:        opt.Sheet,
		MaxCellBytes: opt.Limits.MaxCellBytes,
		Limits:       zipguard.Limits{MaxTotal: opt.Limits.MaxUnzipped, MaxRatio: opt.Limits.MaxRatio},
	}
	o, err := ods.NewReader(r, size, oo)
	if err != nil {
		return nil, err
	}
	return &workbook{read: o.Next, close: o.Close, sheets: func() ([]string, error) { return ods.SheetNames(r, size, oo) }}, nil
}

// recoverInto turns a panic inside a reader into an error: a malformed file
// must never bring the program down.
func recoverInto(err *error, format string) {
	if p := recover(); p != nil {
		slog.Error("reader panicked", "format", format, "panic", p)
		*err = fmt.Errorf("the %s file is malformed and cannot be read", format)
	}
}
