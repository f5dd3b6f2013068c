package xls_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/xls"
)

// A row is what Next returns.
type row struct {
	n     int
	cells []string
}

// readAll reads every row of r.
func readAll(r *xls.Reader) ([]row, error) {
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

func open(t *testing.T, path string, opt xls.Options) (*xls.Reader, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return xls.NewReader(bytes.NewReader(data), int64(len(data)), opt)
}

func checkRows(t *testing.T, got, want []row) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows:")
		for i := range max(len(got), len(want)) {
			var g, w row
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("  got  %d %q\n  want %d %q", g.n, g.cells, w.n, w.cells)
			}
		}
	}
}

// The files LibreOffice Calc 7.4 made from the project's CSV fixtures. What
// looked like a number became a number: the voicemail password 0042 is 42
// in the file.
func TestLibreOfficeFiles(t *testing.T) {
	tests := []struct {
		file   string
		sheets []string
		rows   []row
	}{
		{"commpeak-users.xls", []string{"commpeak-users"}, []row{
			{1, []string{"Username", "Email", "Virtual Extension", "Role", "Skill Group", "Desk"}},
			{2, []string{"agent.one", "agent.one@callcenter.example", "1101", "agent"}},
			{3, []string{"agent.two", "agent.two@callcenter.example", "1102", "agent"}},
			{4, []string{"sup.one", "sup.one@callcenter.example", "", "supervisor"}},
			{5, []string{"agent.three", "agent.three@callcenter.example", "", "agent"}},
		}},
		{"trueconf-users.xls", []string{"trueconf-users"}, []row{
			{1, []string{"display_name", "login_name", "password", "email", "groups", "avatar"}},
			{2, []string{"James Smith", "smith", "12345", "smith@company.name", "IT,Sales", "avatars/01.png"}},
			{3, []string{"Ian Taylor", "taylor", "123qwerty", "taylor@company.name", "IT", "avatars/02.png"}},
			{4, []string{"Олена Коваль", "koval", "s3cret-Pass", "olena.koval@company.name", "Sales", "avatars/03.png"}},
			{5, []string{"Søren Kierkegaard", "soren", "pa55word", "soren@company.name"}},
			{6, []string{"Zhang Wei", "zhangwei", "pa55word2", "zhang.wei@company.name", "IT,Support"}},
		}},
		{"wazo-users.xls", []string{"wazo-users"}, []row{
			{1, []string{"entity_id", "firstname", "lastname", "email", "language", "exten", "context", "line_protocol",
				"voicemail_name", "voicemail_number", "voicemail_context", "voicemail_password", "voicemail_attach_audio",
				"incall_exten", "incall_context", "incall_ring_seconds", "ring_seconds", "simultaneous_calls", "enabled",
				"call_permissions"}},
			{2, []string{"1", "John", "Doe", "john.doe@example.com", "en_US", "1000", "default", "sip",
				"Voicemail for John Doe", "1000", "default", "42", "1", "2050", "from-extern", "30", "30", "5", "1"}},
			{3, []string{"1", "George", "Clinton", "george@example.com", "en_US", "1001", "default", "sip",
				"", "", "", "", "", "", "", "", "15", "2", "1"}},
			{4, []string{"1", "Bill", "Bush", "", "fr_FR", "1002", "default", "sccp",
				"", "", "", "", "", "", "", "", "", "", "0"}},
			{5, []string{"1", "Amélie", "Poulain", "amelie@example.fr", "fr_CA", "1003", "default", "webrtc",
				"Amélie", "1003", "default", "1234#", "0", "2051", "from-extern", "", "20", "3", "1"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := open(t, filepath.Join("testdata", tt.file), xls.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := r.Sheets(); !reflect.DeepEqual(got, tt.sheets) {
				t.Errorf("Sheets() = %q, want %q", got, tt.sheets)
			}
			rows, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, tt.rows)
		})
	}
}

// Files from messytables' collection of awkward spreadsheets, made by Excel.
func TestMessytablesFiles(t *testing.T) {
	dates := []row{
		{1, []string{"date", "temperature", "place"}},
		{2, []string{"2011-01-01", "1", "Galway"}},
		{3, []string{"2011-01-02", "-1", "Galway"}},
		{4, []string{"2011-01-03", "0", "Galway"}},
		{5, []string{"2011-01-01", "6", "Berkeley"}},
		{6, []string{"2011-01-02", "8", "Berkeley"}},
		{7, []string{"2011-01-03", "5", "Berkeley"}},
	}
	tests := []struct {
		file, sheet string
		rows        []row
	}{
		// In the 1904 date system, with a long date format.
		{"simple.xls", "", dates},
		// Merged cells: the text is in the first cell of the merge only.
		{"span_rich.xls", "", []row{
			{1, []string{"I", "h", "g", "f"}},
			{2, []string{"j", "MERGE", "", "e"}},
			{3, []string{"k", "", "", "d"}},
			{4, []string{"l", "s", "r", "c"}},
			{5, []string{"m", "bold and italic", "q", "b"}},
			{6, []string{"n", "o", "p", "a"}},
		}},
		// One date in five custom formats (DD/MM/YY, QQ YY, YYYY, …).
		{"excel_properties.xls", "", []row{
			{1, []string{"bold"}}, {2, []string{"italic"}}, {3, []string{"underline"}},
			{4, []string{"black bg"}}, {5, []string{"red bg"}}, {6, []string{"green fg"}},
			{7, []string{"blue fg"}}, {8, []string{"right"}}, {9, []string{"all"}},
			{10, []string{"huge"}}, {11, []string{"tiny"}}, {12, []string{"strikeout"}},
			{14, []string{"0"}},
			{15, []string{"2014-01-01"}}, {16, []string{"2014-01-01"}}, {17, []string{"2014-01-01"}},
			{18, []string{"2014-01-01"}}, {19, []string{"2014-01-01"}},
		}},
		// A sheet name stored as Latin-1, chosen by that name.
		{"unicode_sheet_name.xls", "mês", []row{
			{1, []string{"this spreadsheet has got a unicode character in the sheet name"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := open(t, filepath.Join("testdata", "messytables", tt.file), xls.Options{Sheet: tt.sheet})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, tt.rows)
		})
	}
}

func TestEncrypted(t *testing.T) {
	_, err := open(t, "testdata/messytables/encrypted_no_password.xls", xls.Options{})
	if !errors.Is(err, xls.ErrEncrypted) {
		t.Fatalf("err = %v, want ErrEncrypted", err)
	}
}

func TestChooseSheet(t *testing.T) {
	for _, name := range []string{"", "1", "wazo-users", "WAZO-users"} {
		r, err := open(t, "testdata/wazo-users.xls", xls.Options{Sheet: name})
		if err != nil {
			t.Fatalf("sheet %q: %v", name, err)
		}
		if _, cells, err := r.Next(); err != nil || cells[0] != "entity_id" {
			t.Errorf("sheet %q: first row %q, %v", name, cells, err)
		}
	}
	for _, name := range []string{"2", "0", "users"} {
		_, err := open(t, "testdata/wazo-users.xls", xls.Options{Sheet: name})
		want := `xls: no sheet "` + name + `" in the workbook (sheets: "wazo-users")`
		if err == nil || err.Error() != want {
			t.Errorf("sheet %q: err = %v, want %s", name, err, want)
		}
	}
}

func TestNotAWorkbook(t *testing.T) {
	xlsx, err := os.ReadFile("testdata/not-xls/commpeak-users.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("testdata/not-xls/commpeak-users.csv")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		data []byte
		want string
	}{
		{xlsx, "ZIP archive"},
		{csv, "not a compound file"},
		{nil, "not a compound file"},
	}
	for _, tt := range tests {
		_, err := xls.NewReader(bytes.NewReader(tt.data), int64(len(tt.data)), xls.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want one saying %q", err, tt.want)
		}
	}
}

// The compound file's directory entry of the Workbook stream, patched.
func TestDamagedDirectory(t *testing.T) {
	orig, err := os.ReadFile("testdata/commpeak-users.xls")
	if err != nil {
		t.Fatal(err)
	}
	entry := bytes.Index(orig, []byte("W\x00o\x00r\x00k\x00b\x00o\x00o\x00k\x00"))
	if entry < 0 {
		t.Fatal("no Workbook directory entry")
	}
	tests := []struct {
		name  string
		patch func(entry []byte)
		want  string
	}{
		{"renamed", func(e []byte) { e[14] = 'x' }, "xls: the file holds no workbook (no Workbook stream)"},
		{"too large", func(e []byte) { binary.LittleEndian.PutUint32(e[120:], 300<<20) }, "more than the 268435456 this reader accepts"},
		{"larger than the file", func(e []byte) { binary.LittleEndian.PutUint32(e[120:], 1<<20) }, "more than the file's 6144"},
	}
	for _, tt := range tests {
		data := bytes.Clone(orig)
		tt.patch(data[entry : entry+128])
		_, err := xls.NewReader(bytes.NewReader(data), int64(len(data)), xls.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestNextAfterEndAndClose(t *testing.T) {
	r, err := open(t, "testdata/messytables/unicode_sheet_name.xls", xls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end: %v, want io.EOF", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v, want an error", err)
	}
}

// FuzzReader opens a file, lists its sheets and reads every row of the
// first few; it must never panic, hang or run out of memory.
func FuzzReader(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.xls")
	if err != nil {
		f.Fatal(err)
	}
	more, err := filepath.Glob("testdata/messytables/*.xls")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(seeds, more...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readSheets(t, func(opt xls.Options) (*xls.Reader, error) {
			return xls.NewReader(bytes.NewReader(data), int64(len(data)), opt)
		})
	})
}

// readSheets reads the first few sheets of a workbook that open opens,
// checking that the rows are in order and end with a non-empty cell.
func readSheets(t *testing.T, open func(xls.Options) (*xls.Reader, error)) {
	r, err := open(xls.Options{})
	if err != nil {
		return
	}
	sheets := r.Sheets()
	r.Close()
	for i := range min(len(sheets), 3) {
		r, err := open(xls.Options{Sheet: sheets[i], MaxCellBytes: 1000})
		if err != nil {
			continue
		}
		last := 0
		for {
			n, cells, err := r.Next()
			if err != nil {
				break
			}
			if n <= last || n > 65536 || len(cells) == 0 || cells[len(cells)-1] == "" {
				t.Fatalf("row %d after row %d with cells %q", n, last, cells)
			}
			last = n
		}
	}
}
