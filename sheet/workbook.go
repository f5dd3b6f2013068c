package sheet

import (
	"io"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
	"github.com/roster-dev/roster/sheet/ods"
	"github.com/roster-dev/roster/sheet/xls"
)

// workbook adapts the XLS and ODS readers, which live in packages of their
// own because of their bulk.
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
