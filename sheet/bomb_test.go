package sheet_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"testing"

	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// deflateRepeat returns a raw deflate stream of prefix followed by mib MiB
// of the byte c, and the length it inflates to. Once deflate's window is
// full of c, every further MiB compresses to the same bytes, so gigabytes
// are made by compressing three MiB and repeating the last one: writing
// them through the compressor would take minutes.
func deflateRepeat(t testing.TB, prefix string, c byte, mib int) ([]byte, uint64) {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	block := bytes.Repeat([]byte{c}, 1<<20)
	var chunks [3][]byte
	for i := range chunks {
		start := buf.Len()
		if i == 0 {
			io.WriteString(w, prefix)
		}
		w.Write(block)
		w.Flush()
		chunks[i] = bytes.Clone(buf.Bytes()[start:])
	}
	if !bytes.Equal(chunks[1], chunks[2]) {
		t.Fatal("a compressed MiB varies; the stream cannot be made by repeating it")
	}
	out := append(chunks[0], bytes.Repeat(chunks[1], mib-1)...)
	out = append(out, 3, 0) // a final, empty block
	return out, uint64(len(prefix)) + uint64(mib)<<20
}

// rawEntry is a ZIP entry given as its deflated bytes and the uncompressed
// size and CRC-32 its headers declare, which may be lies. A CRC of 0 tells
// archive/zip not to check it.
type rawEntry struct {
	deflated []byte
	declared uint64
	crc      uint32
}

// deflated makes an honest entry of content.
func deflated(t testing.TB, content string) rawEntry {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return rawEntry{buf.Bytes(), uint64(len(content)), crc32.ChecksumIEEE([]byte(content))}
}

// rebuildZip copies the archive src entry by entry, without inflating
// anything, replacing the entries named in replace and adding those it
// does not hold (in no particular order).
func rebuildZip(t testing.TB, src []byte, replace map[string]rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, e rawEntry) {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: e.crc,
			CompressedSize64: uint64(len(e.deflated)), UncompressedSize64: e.declared})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.deflated)
	}
	left := map[string]rawEntry{}
	for k, v := range replace {
		left[k] = v
	}
	if src != nil {
		zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if e, ok := left[f.Name]; ok {
				add(f.Name, e)
				delete(left, f.Name)
				continue
			}
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, e := range left {
		add(name, e)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const worksheetStart = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
	`<row r="1"><c r="A1" t="inlineStr"><is><t>`

// bombs are the ways an entry may inflate to far more than its archive
// weighs, for an entry whose content starts with prefix. They carry no CRC:
// the tests are about sizes, and computing the CRC of gigabytes would take
// seconds.
func bombs(t testing.TB, prefix string) map[string]rawEntry {
	small, smallSize := deflateRepeat(t, prefix, 'a', 64)
	huge, hugeSize := deflateRepeat(t, prefix, 'a', 3<<10)
	return map[string]rawEntry{
		// 64 MiB compressed about a thousand times, declared as such:
		// over the ratio limit of an entry bigger than 8 MiB.
		"ratio 64 MiB": {deflated: small, declared: smallSize},
		// 3 GiB, declared as such: over the ratio and the total.
		"declared 3 GiB": {deflated: huge, declared: hugeSize},
		// 3 GiB declared as 1 MiB, which passes every check on sizes: the
		// reading itself must stop once the entry passes what it declared.
		"undeclared 3 GiB": {deflated: huge, declared: 1 << 20},
	}
}

func TestXLSXZipBombIsRefused(t *testing.T) {
	base := write(t, sheet.XLSX, sheet.WriteOptions{}, [][]string{{"username"}, {"alice"}})
	for name, bomb := range bombs(t, worksheetStart) {
		t.Run(name, func(t *testing.T) {
			data := rebuildZip(t, base, map[string]rawEntry{"xl/worksheets/sheet1.xml": bomb})
			t.Logf("%d KiB of XLSX", len(data)>>10)
			rows, err := readData(t, data, "bomb.xlsx", sheet.Options{})
			if !errors.Is(err, zipguard.ErrBomb) {
				t.Fatalf("got %d rows and error %v, want zipguard.ErrBomb", len(rows), err)
			}
		})
	}
}

func TestBundleZipBombIsRefused(t *testing.T) {
	for name, bomb := range bombs(t, "username,email\nalice,") {
		t.Run(name, func(t *testing.T) {
			data := rebuildZip(t, nil, map[string]rawEntry{"users.csv": bomb})
			t.Logf("%d KiB of ZIP", len(data)>>10)
			rows, err := readData(t, data, "bomb.zip", sheet.Options{})
			if !errors.Is(err, zipguard.ErrBomb) {
				t.Fatalf("got %d rows and error %v, want zipguard.ErrBomb", len(rows), err)
			}
		})
	}
}

// TestLargeXLSXIsNotABomb reads a real-sized workbook whose worksheet
// inflates past the 8 MiB under which ratios are not checked: ordinary
// sheet XML compresses far less than the limit, so the guard must let it
// through.
func TestLargeXLSXIsNotABomb(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100,000-row workbook")
	}
	rows := userRows(100_000)
	data := write(t, sheet.XLSX, sheet.WriteOptions{}, rows)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			t.Logf("the worksheet inflates from %d KiB to %d MiB", f.CompressedSize64>>10, f.UncompressedSize64>>20)
			if f.UncompressedSize64 < 20<<20 {
				t.Fatalf("the worksheet is %d MiB, want at least 20 MiB to pass the ratio floor", f.UncompressedSize64>>20)
			}
		}
	}
	got, err := readData(t, data, "large.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) || got[len(got)-1].Num != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
}
