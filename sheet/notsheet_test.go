package sheet_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

// TestAFileThatIsNoSheetIsCalledWhatItIs: a PDF, a picture, a web page or
// a word-processing document sent under a sheet's name is named for what
// it is, not read as a CSV with a strange header.
func TestAFileThatIsNoSheetIsCalledWhatItIs(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   []byte
		format sheet.Format
		want   string
	}{
		{"x.xlsx", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "", "x.xlsx looks like a PDF document, not an XLSX workbook"},
		{"x.xlsx", []byte("%PDF-1.7\n"), sheet.CSV, "x.xlsx looks like a PDF document, not an XLSX workbook"},
		{"photo.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", "photo.csv looks like a PNG picture, not a CSV file"},
		{"users", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "", "users looks like a JPEG picture, not a sheet"},
		{"users.xls", []byte("\xef\xbb\xbf\r\n<HTML><body><table><tr><td>a</td></tr></table>"), "", "users.xls looks like a web page, not an XLS workbook: open it in a spreadsheet program and save it as XLSX"},
		{"users.xml", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">`), "", "looks like an Excel 2003 XML spreadsheet"},
		{"users.xlsx", zipOf(t, map[string]string{"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}), "", "users.xlsx looks like a Word document, not an XLSX workbook"},
		{"users.ods", zipOf(t, map[string]string{"avatars/01.png": "png"}), "", "users.ods looks like a ZIP archive without a workbook, not an ODS spreadsheet"},
		{"roster.db", []byte("SQLite format 3\x00\x10\x00"), "", "roster.db looks like an SQLite database, not a sheet"},
	} {
		_, err := sheet.OpenReader(bytesAt(c.data), int64(len(c.data)), c.name, sheet.Options{Format: c.format})
		wantErrorSaying(t, err, c.want)
	}
}

// TestSheetsAreNotTakenForOtherFiles: the sheets of the fixtures, and text
// that starts like a signature but is a list, still read.
func TestSheetsAreNotTakenForOtherFiles(t *testing.T) {
	for _, name := range []string{"wazo-users.csv", "wazo-users.xlsx", "wazo-users.ods", "wazo-users.xls", "trueconf-bundle.zip"} {
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := sheet.OpenReader(bytesAt(data), int64(len(data)), name, sheet.Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		f.Close()
	}
	for _, text := range []string{"MZimmer\nBMiller\n", "GIF\n", "PDF,user\n", "html\n"} {
		f, err := sheet.OpenReader(bytesAt([]byte(text)), int64(len(text)), "list.txt", sheet.Options{})
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		f.Close()
	}
}
