package ods_test

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/ods"
)

// row is one row as Next returns it, kept.
type row struct {
	Num   int
	Cells []string
}

// read opens data and reads all its rows, returning them and the error that
// ended them (nil for io.EOF).
func read(data []byte, opt ods.Options) ([]row, error) {
	r, err := ods.NewReader(bytes.NewReader(data), int64(len(data)), opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var rows []row
	for {
		n, cells, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row{n, append([]string(nil), cells...)})
	}
}

// mustRead is read for files that must read without error.
func mustRead(t *testing.T, data []byte, opt ods.Options) []row {
	t.Helper()
	rows, err := read(data, opt)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return rows
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want compares rows with the expected ones.
func want(t *testing.T, got []row, want ...row) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing row %d %q", want[i].Num, want[i].Cells)
		case i >= len(want):
			t.Errorf("extra row %d %q", got[i].Num, got[i].Cells)
		case got[i].Num != want[i].Num || !slices.Equal(got[i].Cells, want[i].Cells):
			t.Errorf("got row %d %q\nwant row %d %q", got[i].Num, got[i].Cells, want[i].Num, want[i].Cells)
		}
	}
}

// wantError checks that err is an error whose text contains each of parts.
func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// docStart and docEnd wrap tables into a content.xml like LibreOffice's.
const (
	docStart = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3"><office:body><office:spreadsheet>`
	docEnd = `</office:spreadsheet></office:body></office:document-content>`
)

// sheet is the content.xml of a workbook of one table named "S" holding
// rows, which are XML.
func sheet(rows ...string) string {
	return docStart + `<table:table table:name="S">` + strings.Join(rows, "") + `</table:table>` + docEnd
}

// odsFile makes an ODS archive of a mimetype and a content.xml.
func odsFile(t testing.TB, contentXML string) []byte {
	t.Helper()
	b, err := zipOf(mimeType, contentXML, zip.Deflate)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const mimeType = "application/vnd.oasis.opendocument.spreadsheet"

// zipOf makes an archive of a mimetype and a content.xml compressed with
// method.
func zipOf(mime, contentXML string, method uint16) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return nil, err
	}
	io.WriteString(w, mime)
	w, err = zw.CreateHeader(&zip.FileHeader{Name: "content.xml", Method: method})
	if err != nil {
		return nil, err
	}
	io.WriteString(w, contentXML)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// rawODS makes an ODS archive whose content.xml is the deflated data
// given, declared to inflate to size bytes.
func rawODS(t testing.TB, deflated []byte, size uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, mimeType)
	w, err = zw.CreateRaw(&zip.FileHeader{
		Name:               "content.xml",
		Method:             zip.Deflate,
		CompressedSize64:   uint64(len(deflated)),
		UncompressedSize64: size,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
