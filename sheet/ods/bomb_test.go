package ods_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
	"github.com/roster-dev/roster/sheet/ods"
)

// deflateBomb returns a deflate stream of prefix followed by n MiB of the
// letter a: a cell of gigabytes, in a few MiB. Once deflate's window is full
// of a, every further MiB compresses to the same bytes, so they are
// compressed once and repeated.
func deflateBomb(t *testing.T, prefix string, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	mib := bytes.Repeat([]byte("a"), 1<<20)
	var chunks [3][]byte
	for i := range chunks {
		start := buf.Len()
		if i == 0 {
			io.WriteString(w, prefix)
		}
		w.Write(mib)
		w.Flush()
		chunks[i] = bytes.Clone(buf.Bytes()[start:])
	}
	if !bytes.Equal(chunks[1], chunks[2]) {
		t.Fatal("the compressed MiB of a varies; the bomb cannot be made by repeating it")
	}
	out := append(chunks[0], bytes.Repeat(chunks[1], n-1)...)
	return append(out, 3, 0) // a last, empty block
}

func TestBombDeclared(t *testing.T) {
	// 2.5 GiB declared as such: refused before anything is inflated.
	const n = 2560
	prefix := strings.TrimSuffix(sheet(tr(cell(""))), `</text:p></table:table-cell></table:table-row></table:table>`+docEnd)
	data := rawODS(t, deflateBomb(t, prefix, n), uint64(len(prefix))+n<<20)
	t.Logf("%d KiB of ODS", len(data)>>10)
	_, err := read(data, ods.Options{})
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Errorf("got %v, want zipguard.ErrBomb", err)
	}
}

func TestBombUndeclared(t *testing.T) {
	// The same, declared as 1 MiB: refused once it inflates beyond that.
	const n = 2560
	prefix := strings.TrimSuffix(sheet(tr(cell(""))), `</text:p></table:table-cell></table:table-row></table:table>`+docEnd)
	data := rawODS(t, deflateBomb(t, prefix, n), 1<<20)
	_, err := read(data, ods.Options{})
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Errorf("got %v, want zipguard.ErrBomb", err)
	}
	wantError(t, err, "ods: content.xml: ")
}

// heapUnder fails the test if the heap holds more than max MiB.
func heapUnder(t *testing.T, max uint64) {
	t.Helper()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapAlloc > max<<20 {
		t.Errorf("the heap holds %d MiB, more than %d MiB", m.HeapAlloc>>20, max)
	}
}

func TestBombEmptyRepeats(t *testing.T) {
	// A million empty rows of 16384 empty cells, described twice over: as
	// one repeated row, and as rows repeated a thousand times.
	empty := `<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`
	thousand := `<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>`
	content := sheet(empty, tr(cell("a")), strings.Repeat(thousand, 48), tr(`<table:table-cell table:number-columns-repeated="16383"/>`, cell("b")))
	data := odsFile(t, content)
	r, err := ods.NewReader(bytes.NewReader(data), int64(len(data)), ods.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, w := range []struct {
		num  int
		last string
		len  int
	}{{1_000_001, "a", 1}, {1_048_002, "b", 16384}} {
		n, cells, err := r.Next()
		if err != nil || n != w.num || len(cells) != w.len || cells[len(cells)-1] != w.last {
			t.Fatalf("got row %d of %d cells, %v; want row %d of %d cells ending in %q", n, len(cells), err, w.num, w.len, w.last)
		}
		heapUnder(t, 100)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
}

func TestBombFullRepeats(t *testing.T) {
	for _, c := range []struct{ name, cells, last string }{
		// A full cell repeated over 16384 columns and a million rows: 16
		// billion cells.
		{"full", `<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"><text:p>1</text:p></table:table-cell>`, "1"},
		// One full cell in the last column: a million non-empty cells,
		// but as many for the caller to go through as above.
		{"wide", `<table:table-cell table:number-columns-repeated="16383"/>` + cell("x"), "x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := odsFile(t, sheet(`<table:table-row table:number-rows-repeated="1000000">`+c.cells+`</table:table-row>`))
			r, err := ods.NewReader(bytes.NewReader(data), int64(len(data)), ods.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows := 0
			for {
				_, cells, err := r.Next()
				if err != nil {
					wantError(t, err, `ods: sheet "S" row 3052: the sheet has more than 50000000 cells, too many to read`)
					break
				}
				if len(cells) != 16384 || cells[16383] != c.last {
					t.Fatalf("row %d has %d cells", rows+1, len(cells))
				}
				rows++
			}
			if rows != 50_000_000/16384 {
				t.Errorf("%d rows before the error, want %d", rows, 50_000_000/16384)
			}
			heapUnder(t, 100)
		})
	}
}

func TestBombDepth(t *testing.T) {
	content := sheet(tr(`<table:table-cell><text:p>` + strings.Repeat("<text:span>", 1_000_000) + "x" +
		strings.Repeat("</text:span>", 1_000_000) + `</text:p></table:table-cell>`))
	data, err := zipOf(mimeType, content, zip.Store) // too packed to deflate
	if err != nil {
		t.Fatal(err)
	}
	_, err = read(data, ods.Options{})
	wantError(t, err, "ods: content.xml line 2: elements nested more than 256 deep")
}

func TestBombEntities(t *testing.T) {
	// encoding/xml expands no entity a document defines: no billion laughs.
	content := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
		strings.TrimPrefix(sheet(tr(cell("&b;"))), `<?xml version="1.0" encoding="UTF-8"?>`)
	_, err := read(odsFile(t, content), ods.Options{})
	wantError(t, err, "invalid character entity &b;")
}
