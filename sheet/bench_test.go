package sheet_test

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

// benchRows is the size of the user lists read by BenchmarkRead.
const benchRows = 100_000

// benchFormats are the formats BenchmarkRead reads. XLS is not among them:
// sheet writes no XLS, and no XLS of that size is at hand.
var benchFormats = []sheet.Format{sheet.CSV, sheet.XLSX, sheet.ODS}

// benchFiles writes the user list in each format once per process: writing
// 100,000 rows of XLSX takes seconds, which -count must not repeat.
var benchFiles = sync.OnceValues(func() (map[sheet.Format][]byte, error) {
	rows := userRows(benchRows)
	files := map[sheet.Format][]byte{}
	for _, format := range benchFormats {
		data, err := encode(format, sheet.WriteOptions{}, rows)
		if err != nil {
			return nil, err
		}
		files[format] = data
	}
	return files, nil
})

// BenchmarkRead reads 100,000 users of 6 columns (username, firstname,
// lastname, email, groups, mobile_phone_number) from a file, reporting rows
// read per second.
func BenchmarkRead(b *testing.B) {
	files, err := benchFiles()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for _, format := range benchFormats {
		data := files[format]
		path := filepath.Join(dir, "users."+string(format))
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		b.Run(string(format), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if n := readCount(b, path); n != benchRows+1 {
					b.Fatalf("read %d rows, want %d", n, benchRows+1)
				}
			}
			b.ReportMetric(float64(b.N)*(benchRows+1)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func readCount(b *testing.B, path string) int {
	f, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := 0
	for {
		_, err := f.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkWrite writes the same 100,000 users in each format that sheet
// writes (exports and error reports), reporting rows written per second.
func BenchmarkWrite(b *testing.B) {
	rows := userRows(benchRows)
	for _, format := range benchFormats {
		b.Run(string(format), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w, err := sheet.NewWriter(io.Discard, format, sheet.WriteOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range rows {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)*(benchRows+1)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
