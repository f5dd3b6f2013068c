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
	read  func() (int, []string, error)
	close func() error
}

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
	return &workbook{read: x.Next, close: x.Close}, nil
}

func newODS(r io.ReaderAt, size int64, opt Options) (rowSource, error) {
	o, err := ods.NewReader(r, size, ods.Options{
		Sheet:        opt.Sheet,
		MaxCellBytes: opt.Limits.MaxCellBytes,
		Limits:       zipguard.Limits{MaxTotal: opt.Limits.MaxUnzipped, MaxRatio: opt.Limits.MaxRatio},
	})
	if err != nil {
		return nil, err
	}
	return &workbook{read: o.Next, close: o.Close}, nil
}
