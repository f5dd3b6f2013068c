package sheet_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster/sheet"
)

// fuzzLimits are small, so that the fuzzer reaches them.
var fuzzLimits = sheet.Limits{MaxUnzipped: 64 << 20, MaxCellBytes: 4 << 10, MaxColumns: 1 << 10}

// fuzzMaxRows bounds the rows read from one input: a few bytes of ODS can
// repeat a row a million times, which is right but slow.
const fuzzMaxRows = 100_000

// addFiles seeds f with the files that match the patterns.
func addFiles(f *testing.F, patterns ...string) {
	f.Helper()
	n := 0
	for _, p := range patterns {
		paths, err := filepath.Glob(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seed in %q", patterns)
	}
}

// readChecked reads data to its end or its first error, and fails t if a
// row breaks a promise of File.Next. Errors are fine; panics and hangs are
// not.
func readChecked(t *testing.T, data []byte, name string, format sheet.Format) {
	f, err := sheet.OpenReader(bytes.NewReader(data), int64(len(data)), name, sheet.Options{Format: format, Limits: fuzzLimits})
	if err != nil {
		if err.Error() == "" {
			t.Fatal("an empty error")
		}
		return
	}
	// Close may repeat an error that ended the reading, but must not fail
	// a file read to its end, even one damaged after its last table
	// (testdata/fuzz/FuzzDetect/0fe559edc8cf0347).
	readErr := io.EOF
	defer func() {
		if err := f.Close(); err != nil && readErr == io.EOF {
			t.Errorf("Close after reading to the end: %v", err)
		}
	}()
	if format != "" && f.Format != format && format != sheet.ZIP {
		t.Errorf("read as %s, asked for %s", f.Format, format)
	}
	last := 0
	for range fuzzMaxRows {
		row, err := f.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			readErr = err
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		if row.Num <= last {
			t.Fatalf("row %d after row %d", row.Num, last)
		}
		last = row.Num
		if len(row.Cells) > fuzzLimits.MaxColumns {
			t.Fatalf("row %d: %d cells, more than the limit of %d", row.Num, len(row.Cells), fuzzLimits.MaxColumns)
		}
		if !slices.ContainsFunc(row.Cells, func(c string) bool { return c != "" }) {
			t.Fatalf("row %d is empty: %q", row.Num, row.Cells)
		}
		for _, c := range row.Cells {
			if len(c) > fuzzLimits.MaxCellBytes {
				t.Fatalf("row %d: a cell of %d bytes, more than the limit of %d", row.Num, len(c), fuzzLimits.MaxCellBytes)
			}
		}
	}
}

func FuzzCSV(f *testing.F) {
	addFiles(f,
		filepath.Join(fixtures, "*.csv"),
		filepath.Join(messytables, "*.csv"),
		filepath.Join(messytables, "*.?sv"),
		filepath.Join(conformance, "csv-spectrum", "csvs", "*.csv"),
		filepath.Join(conformance, "csv-test-data", "csv", "*.csv"),
	)
	f.Add([]byte("a,\"b\n\"\"c\"\"\",d\r\n'=1,'-x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, data, "users.csv", sheet.CSV)
	})
}

// FuzzXLSX reads each input three ways: as a whole XLSX file, and as the
// worksheet and the styles of a valid workbook, since mutating a ZIP mostly
// breaks its checksums and never reaches the XML inside.
func FuzzXLSX(f *testing.F) {
	addFiles(f, filepath.Join(fixtures, "*.xlsx"), filepath.Join(messytables, "*.xlsx"))
	base := workbook(f, func(x *excelize.File) {
		x.SetSheetRow("Sheet1", "A1", &[]any{"username", "exten", "since", "ratio", "enabled"})
		x.SetSheetRow("Sheet1", "A2", &[]any{"alice", 42, 45000, 0.5, true})
		for i, code := range []string{"0000", "dd/mm/yyyy", "0%", "[h]:mm"} {
			cell, _ := excelize.CoordinatesToCellName(i+2, 2)
			x.SetCellStyle("Sheet1", cell, cell, style(f, x, code, 0))
		}
	})
	for _, path := range []string{filepath.Join(fixtures, "wazo-users.xlsx"), filepath.Join(messytables, "sw_gen.xlsx")} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, part := range []string{"xl/worksheets/sheet1.xml", "xl/styles.xml"} {
			if xml, err := entry(data, part); err == nil {
				f.Add(xml)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, data, "users.xlsx", sheet.XLSX)
		for _, part := range []string{"xl/worksheets/sheet1.xml", "xl/styles.xml"} {
			wrapped := rebuildZip(t, base, map[string]rawEntry{part: deflated(t, string(data))})
			readChecked(t, wrapped, "users.xlsx", sheet.XLSX)
		}
	})
}

// entry returns the inflated content of the named entry of a ZIP.
func entry(data []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	rc, err := zr.Open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func FuzzBundle(f *testing.F) {
	addFiles(f, filepath.Join(fixtures, "*.zip"))
	// Bundles of each kind of sheet, as "Compress" in a file manager makes
	// them: the sheet alone, and the sheet in a folder with a picture.
	for _, name := range []string{"wazo-users.csv", "commpeak-users.ods", "trueconf-users.xls"} {
		sheetData, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			f.Fatal(err)
		}
		picture, err := os.ReadFile(filepath.Join(fixtures, "avatars", "01.png"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rebuildZip(f, nil, map[string]rawEntry{name: deflated(f, string(sheetData))}))
		f.Add(rebuildZip(f, nil, map[string]rawEntry{
			"export/" + name:        deflated(f, string(sheetData)),
			"export/avatars/01.png": deflated(f, string(picture)),
		}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, data, "users.zip", sheet.ZIP)
	})
}

// FuzzDetect reads bytes as roster does when no format is given: the
// content picks the reader, so every reader is reached.
func FuzzDetect(f *testing.F) {
	addFiles(f, filepath.Join(fixtures, "*.*"), filepath.Join(messytables, "*.*"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readChecked(t, data, "upload", "")
	})
}
