package ods_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/sheet/ods"
)

// FuzzReader reads content.xml files wrapped into an ODS, checking that
// whatever is read keeps the promises of Next.
func FuzzReader(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.ods"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			f.Fatal(err)
		}
		rc, err := zr.Open("content.xml")
		if err != nil {
			f.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(content)
	}
	f.Fuzz(func(t *testing.T, content []byte) {
		data, err := zipOf(mimeType, string(content), zip.Store)
		if err != nil {
			t.Fatal(err)
		}
		names, err := ods.SheetNames(bytes.NewReader(data), int64(len(data)), ods.Options{})
		if err == nil && len(names) > 1<<20 {
			t.Errorf("%d sheet names", len(names))
		}
		for _, sheet := range []string{"", "2"} {
			opt := ods.Options{Sheet: sheet, MaxCellBytes: 1 << 10, MaxCells: 100_000}
			r, err := ods.NewReader(bytes.NewReader(data), int64(len(data)), opt)
			if err != nil {
				continue
			}
			last, cellsRead := 0, 0
			for {
				n, cells, err := r.Next()
				if err != nil {
					if _, _, again := r.Next(); again != err {
						t.Errorf("Next after %v: %v", err, again)
					}
					break
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
					if c != "" {
						cellsRead++
					}
				}
				last = n
			}
			if cellsRead > int(opt.MaxCells) {
				t.Errorf("%d cells read, more than MaxCells", cellsRead)
			}
			if err := r.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
}
