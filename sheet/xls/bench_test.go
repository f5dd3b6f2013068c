package xls_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster/sheet/xls"
)

// benchUsers is the number of users in the workbook BenchmarkRead100k reads.
const benchUsers = 100_000

// maxSheetRows is the most rows a BIFF8 worksheet has: a row number is 16
// bits. 100,000 users do not fit in one, so the workbook has two sheets,
// as an export to .xls must split them, each with the header row.
const maxSheetRows = 1 << 16

// A benchBook is the workbook BenchmarkRead100k reads, and what it holds.
type benchBook struct {
	file         []byte
	sheets       []xlsSheet
	rows         int // in all sheets
	splitStrings int // shared strings split between two records
}

// benchWorkbook makes the workbook once per process: the test that checks
// it and each run of the benchmark share it.
var benchWorkbook = sync.OnceValue(func() benchBook {
	header := []string{"username", "firstname", "lastname", "email", "groups", "mobile_phone_number"}
	users := benchUserRows(benchUsers)
	var book benchBook
	for n := 1; len(users) > 0; n++ {
		k := min(len(users), maxSheetRows-1)
		name := "users"
		if n > 1 {
			name = fmt.Sprintf("users (%d)", n)
		}
		book.sheets = append(book.sheets, xlsSheet{name: name, rows: append([][]string{header}, users[:k]...)})
		book.rows += k + 1
		users = users[k:]
	}
	book.file, book.splitStrings = xlsFile(book.sheets...)
	return book
})

// benchUserRows returns n users: names in Latin-1 and beyond it (which
// the SST stores as one and two bytes a character), some without groups
// (an empty cell), and a mobile number of 11 digits, which a spreadsheet
// stores as a number.
func benchUserRows(n int) [][]string {
	first := []string{"Alice", "Bob", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Grégoire", "Hiroshi", "Ingrid", "José", "Kwame", "Łucja", "Mehmet", "Nadia", "Olumide", "Priya"}
	last := []string{"Martin", "Smith", "Müller", "Kowalski", "Nguyen", "García", "Rossi", "Johansson", "O'Brien", "Dubois", "Yılmaz", "Tanaka", "Novák", "Silva", "Коваль", "Papadopoulos"}
	groups := []string{"", "IT", "Sales", "IT,Sales", "Support", "Finance,HR", "Marketing"}
	domains := []string{"acme", "globex", "initech", "umbrella"}
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([][]string, n)
	for i := range rows {
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		user := fmt.Sprintf("%s.%s%d", strings.ToLower(f), strings.ToLower(strings.ReplaceAll(l, "'", "")), i)
		rows[i] = []string{
			user, f, l,
			fmt.Sprintf("%s@%s.example", user, domains[rng.IntN(len(domains))]),
			groups[rng.IntN(len(groups))],
			strconv.Itoa(33600000000 + rng.IntN(100_000_000)),
		}
	}
	return rows
}

// writeBenchWorkbook writes the workbook to a file in dir.
func writeBenchWorkbook(tb testing.TB, dir string) (string, benchBook) {
	book := benchWorkbook()
	path := filepath.Join(dir, "users.xls")
	if err := os.WriteFile(path, book.file, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path, book
}

// TestGeneratedWorkbookReads checks the workbook BenchmarkRead100k reads,
// and so the writer of xlswriter_test.go: it must read back cell for cell,
// and be as big as the benchmark says, its FAT needing DIFAT sectors and
// its shared strings running on into CONTINUE records.
func TestGeneratedWorkbookReads(t *testing.T) {
	path, book := writeBenchWorkbook(t, t.TempDir())
	if n := binary.LittleEndian.Uint32(book.file[72:]); n == 0 {
		t.Error("the compound file has no DIFAT sectors")
	}
	if book.splitStrings == 0 {
		t.Error("no shared string runs on into a CONTINUE record")
	}
	if len(book.sheets) != 2 || book.rows != benchUsers+2 {
		t.Fatalf("%d sheets of %d rows in all, want 2 of %d", len(book.sheets), book.rows, benchUsers+2)
	}
	for _, s := range book.sheets {
		r, err := open(t, path, xls.Options{Sheet: s.name})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(r.Sheets(), "|"); got != "users|users (2)" {
			t.Errorf("Sheets() = %s", got)
		}
		rows, err := readAll(r)
		r.Close()
		if err != nil {
			t.Fatalf("sheet %q: %v", s.name, err)
		}
		// Not checkRows: a broken writer would print 100,000 rows.
		if len(rows) != len(s.rows) {
			t.Errorf("sheet %q: %d rows, want %d", s.name, len(rows), len(s.rows))
		}
		bad := 0
		for i := range min(len(rows), len(s.rows)) {
			got, want := rows[i], row{i + 1, s.rows[i]}
			if got.n != want.n || strings.Join(got.cells, "\x00") != strings.Join(want.cells, "\x00") {
				if bad++; bad <= 5 {
					t.Errorf("sheet %q:\n  got  %d %q\n  want %d %q", s.name, got.n, got.cells, want.n, want.cells)
				}
			}
		}
		if bad > 5 {
			t.Errorf("sheet %q: %d rows differ", s.name, bad)
		}
	}
}

// BenchmarkRead100k reads 100,000 users of 6 columns (username, firstname,
// lastname, email, groups, mobile_phone_number) from a .xls file through
// NewReader, as roster does: text as shared strings, the mobile number as
// a number. The users fill two sheets (see maxSheetRows), each read by a
// reader of its own, so the Workbook stream and the shared strings are
// loaded twice, as they are when a user imports both sheets.
//
// Besides rows/s it reports MB-heap, the heap a reader keeps live once it
// has read its sheet, garbage collected (the larger of the two sheets'):
// an approximation of the peak, which adds the garbage the collector has
// not yet reclaimed, up to as much again at the default GOGC.
func BenchmarkRead100k(b *testing.B) {
	path, book := writeBenchWorkbook(b, b.TempDir())
	var heap float64
	for _, s := range book.sheets {
		heap = max(heap, liveHeapMB(b, path, s.name))
	}
	b.SetBytes(int64(len(book.file)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, s := range book.sheets {
			n += readSheet(b, path, s.name, nil)
		}
		if n != book.rows {
			b.Fatalf("read %d rows, want %d", n, book.rows)
		}
	}
	b.ReportMetric(float64(book.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(heap, "MB-heap")
}

// readSheet opens the file and reads every row of a sheet, returning how
// many; then, if done is not nil, it calls done with the reader still open.
func readSheet(b *testing.B, path, sheet string, done func()) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	r, err := xls.NewReader(f, st.Size(), xls.Options{Sheet: sheet})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	if done != nil {
		done()
	}
	return n
}

// liveHeapMB is the heap, in MB, that a reader of the sheet keeps live once
// it has read every row.
func liveHeapMB(b *testing.B, path, sheet string) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	readSheet(b, path, sheet, func() {
		runtime.GC()
		runtime.ReadMemStats(&after)
	})
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}
