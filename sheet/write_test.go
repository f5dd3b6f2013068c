package sheet_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

// awkwardRows are cells that a writer must keep exactly: each row's first
// cell says what the row holds. No row ends in an empty cell, since
// spreadsheet rows end at their last non-empty cell.
var awkwardRows = [][]string{
	{"what", "value", "more"},
	{"leading zeros", "0042", "007"},
	{"spaces", " leading", "trailing  "},
	{"runs of spaces", "a  b   c", "   "},
	{"one space", " ", "x"},
	{"tabs", "a\tb", "\tleading and trailing\t"},
	{"line breaks", "line 1\nline 2", "\nblank first line\n\nand last\n"},
	{"quotes", `say "hi"`, `"`},
	{"separators", "a,b", "a;b|c"},
	{"empty cell inside", "", "after an empty cell"},
	{"markup", "<b>&amp;</b>", `a < b > c & "d" 'e'`},
	{"unicode", "Олена Коваль", "Søren, 中文, שלום, 😀, e\u0301"},
	{"numbers as text", "1001", "1.50"},
	{"dates as text", "2024-02-29", "29/02/2024"},
	{"booleans as text", "TRUE", "false"},
	{"formula-like", "=1+2", "+33 6 12 34 56 78"},
	{"more formula-like", "-5", "@x"},
	{"apostrophe", "'quoted'", "it's"},
}

// trimmed is rows as a spreadsheet reads them back: each ends at its
// last non-empty cell.
func trimmed(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		out[i] = r[:n]
	}
	return out
}

func TestWrittenFilesReadBackIdentically(t *testing.T) {
	for _, c := range []struct {
		name   string
		format sheet.Format
		opt    sheet.WriteOptions
	}{
		{"csv", sheet.CSV, sheet.WriteOptions{}},
		{"csv with BOM and semicolons", sheet.CSV, sheet.WriteOptions{BOM: true, Separator: ';'}},
		{"csv with escaped formulas", sheet.CSV, sheet.WriteOptions{EscapeFormulas: true}},
		{"tsv", sheet.TSV, sheet.WriteOptions{}},
		{"xlsx", sheet.XLSX, sheet.WriteOptions{}},
		{"ods", sheet.ODS, sheet.WriteOptions{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := write(t, c.format, c.opt, awkwardRows)
			// Read it as a person would: by the file's name and content.
			path := writeFile(t, "users."+string(c.format), data)
			f, err := sheet.Open(path, sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := drain(f)
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != c.format {
				t.Errorf("read as %s", f.Format)
			}
			got := cellsOf(rows)
			for i, want := range awkwardRows {
				if i >= len(got) {
					t.Fatalf("only %d rows read, want %d", len(got), len(awkwardRows))
				}
				if !slices.Equal(got[i], want) {
					t.Errorf("%s:\n got %q\nwant %q", want[0], got[i], want)
				}
			}
			if len(got) != len(awkwardRows) {
				t.Errorf("%d rows read, want %d", len(got), len(awkwardRows))
			}
			if want := len(awkwardRows); rows[len(rows)-1].Num != want {
				t.Errorf("the last row is row %d, want %d", rows[len(rows)-1].Num, want)
			}
		})
	}
}

func TestCSVWriterEscapesFormulas(t *testing.T) {
	rows := [][]string{{"=1+2", "+33 6", "-5", "@x", "a=b", "", "-", "'=x", "''@y", "'x", "'"}}
	escaped := string(write(t, sheet.CSV, sheet.WriteOptions{EscapeFormulas: true}, rows))
	// A cell that starts with = + - or @ is written after a ', which
	// spreadsheet programs show instead of running; so is one that starts
	// with ' and then one of those, which reading would otherwise take for
	// an escape. Others are left alone.
	if want := "'=1+2,'+33 6,'-5,'@x,a=b,,'-,''=x,'''@y,'x,'\n"; escaped != want {
		t.Errorf("wrote %q, want %q", escaped, want)
	}
	plain := string(write(t, sheet.CSV, sheet.WriteOptions{}, rows))
	if want := "=1+2,+33 6,-5,@x,a=b,,-,'=x,''@y,'x,'\n"; plain != want {
		t.Errorf("without EscapeFormulas, wrote %q, want %q", plain, want)
	}
	// Reading undoes the escape (a cell '=x written by hand still reads
	// =x, as the spec says): every value reads back as it was.
	got, err := readData(t, []byte(escaped), "export.csv", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cellsOf(got), rows) {
		t.Errorf("read back %q, want %q", cellsOf(got), rows)
	}
}

func TestCSVWriterOptions(t *testing.T) {
	rows := [][]string{{"name", "groups"}, {"Amélie", "IT,Sales"}}
	for _, c := range []struct {
		name   string
		format sheet.Format
		opt    sheet.WriteOptions
		want   string
	}{
		{"csv", sheet.CSV, sheet.WriteOptions{}, "name,groups\nAmélie,\"IT,Sales\"\n"},
		{"bom", sheet.CSV, sheet.WriteOptions{BOM: true}, "\uFEFFname,groups\nAmélie,\"IT,Sales\"\n"},
		{"semicolon", sheet.CSV, sheet.WriteOptions{Separator: ';'}, "name;groups\nAmélie;IT,Sales\n"},
		{"tsv", sheet.TSV, sheet.WriteOptions{}, "name\tgroups\nAmélie\tIT,Sales\n"},
	} {
		if got := string(write(t, c.format, c.opt, rows)); got != c.want {
			t.Errorf("%s: wrote %q, want %q", c.name, got, c.want)
		}
	}
}

func TestWriterCRLFInCells(t *testing.T) {
	// A CRLF in a cell reads back as LF from CSV and TSV, as the spec says
	// of every line break in a quoted cell; spreadsheets keep it as it is.
	rows := [][]string{{"a\r\nb"}}
	for format, want := range map[sheet.Format]string{
		sheet.CSV:  "a\nb",
		sheet.TSV:  "a\nb",
		sheet.XLSX: "a\r\nb",
		sheet.ODS:  "a\r\nb",
	} {
		got, err := readData(t, write(t, format, sheet.WriteOptions{}, rows), "x."+string(format), sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if w := [][]string{{want}}; !reflect.DeepEqual(cellsOf(got), w) {
			t.Errorf("%s: read back %q, want %q", format, cellsOf(got), w)
		}
	}
}

func TestWriterEmptyRowsAndTrailingCells(t *testing.T) {
	rows := [][]string{{"a", "b", ""}, {"", ""}, {"c", "", "d"}}
	for _, format := range []sheet.Format{sheet.CSV, sheet.TSV, sheet.XLSX, sheet.ODS} {
		got, err := readData(t, write(t, format, sheet.WriteOptions{}, rows), "x."+string(format), sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The empty row is skipped and counted.
		if nums := numsOf(got); !slices.Equal(nums, []int{1, 3}) {
			t.Errorf("%s: rows %v, want [1 3]", format, nums)
		}
		// CSV keeps every field; spreadsheet rows end at their last
		// non-empty cell.
		want := [][]string{{"a", "b", ""}, {"c", "", "d"}}
		if format == sheet.XLSX || format == sheet.ODS {
			want = trimmed(want)
		}
		if !reflect.DeepEqual(cellsOf(got), want) {
			t.Errorf("%s: read back %q, want %q", format, cellsOf(got), want)
		}
	}
}

func TestWriterSheetName(t *testing.T) {
	for _, format := range []sheet.Format{sheet.XLSX, sheet.ODS} {
		for _, name := range []string{"", "Export & <1>"} {
			data := write(t, format, sheet.WriteOptions{Sheet: name}, [][]string{{"x"}})
			want := name
			if want == "" {
				want = "users" // the default
			}
			if _, err := readData(t, data, "x."+string(format), sheet.Options{Sheet: want}); err != nil {
				t.Errorf("%s: %v", format, err)
			}
			_, err := readData(t, data, "x."+string(format), sheet.Options{Sheet: "Sheet1"})
			wantErrorSaying(t, err, `"`+want+`"`)
		}
	}
}

func TestWriterRefusesFormatsItCannotWrite(t *testing.T) {
	for _, format := range []sheet.Format{sheet.XLS, sheet.ZIP, "pdf"} {
		if _, err := sheet.NewWriter(&bytes.Buffer{}, format, sheet.WriteOptions{}); err == nil {
			t.Errorf("%s: no error", format)
		}
	}
}

func TestWrittenFixturesReadBackLikeTheFixtures(t *testing.T) {
	// Exporting what was imported, in any format, gives the same table.
	for _, base := range []string{"wazo-users", "trueconf-users", "commpeak-users"} {
		want := cellsOf(mustRead(t, filepath.Join(fixtures, base+".csv"), sheet.Options{}))
		for _, format := range []sheet.Format{sheet.CSV, sheet.TSV, sheet.XLSX, sheet.ODS} {
			got, err := readData(t, write(t, format, sheet.WriteOptions{EscapeFormulas: true}, want), base+"."+string(format), sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if format == sheet.XLSX || format == sheet.ODS {
				w = trimmed(want)
			}
			if !reflect.DeepEqual(cellsOf(got), w) {
				t.Errorf("%s as %s: read back\n%q\nwant\n%q", base, format, cellsOf(got), w)
			}
		}
	}
}

func TestWrittenCSVIsValidUTF8WithoutBOMByDefault(t *testing.T) {
	data := write(t, sheet.CSV, sheet.WriteOptions{}, [][]string{{"Amélie"}})
	if bytes.HasPrefix(data, []byte("\uFEFF")) || !strings.Contains(string(data), "Amélie") {
		t.Errorf("wrote %q", data)
	}
}

func TestLimitsHoldInEveryFormat(t *testing.T) {
	long := strings.Repeat("x", 5000)
	wide := slices.Repeat([]string{"x"}, 20)
	for _, format := range []sheet.Format{sheet.CSV, sheet.XLSX, sheet.ODS} {
		for name, c := range map[string]struct {
			row  []string
			lim  sheet.Limits
			says string
		}{
			"long cell": {[]string{"a", long}, sheet.Limits{MaxCellBytes: 4096}, "4 KiB"},
			"wide row":  {wide, sheet.Limits{MaxColumns: 10}, "10"},
		} {
			data := write(t, format, sheet.WriteOptions{}, [][]string{{"header"}, c.row})
			rows, err := readData(t, data, "big."+string(format), sheet.Options{Limits: c.lim})
			if err == nil {
				t.Errorf("%s, %s: read %d rows without an error", format, name, len(rows))
				continue
			}
			wantErrorSaying(t, err, "big."+string(format), c.says)
		}
	}
}

// TestXLSXWriterKeepsWhatXMLCannotHold: control characters, which XML 1.0
// cannot hold, are written as OOXML's _xHHHH_ escapes, text that looks
// like such an escape has its underscore escaped, and a carriage return
// survives XML's line-end handling: each reads back as it was.
func TestXLSXWriterKeepsWhatXMLCannotHold(t *testing.T) {
	rows := [][]string{
		{"what", "value"},
		{"controls", "a\x01b\x1fc\x00d"},
		{"escape-like text", "_x0041_ and _x005F_ and _x12_ and _xZZZZ_"},
		{"carriage return", "one\r\ntwo\rthree"},
		{"noncharacters", "a\uFFFEb\uFFFFc"},
	}
	data := write(t, sheet.XLSX, sheet.WriteOptions{}, rows)
	got, err := readData(t, data, "x.xlsx", sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cellsOf(got), rows) {
		t.Errorf("read back %q, want %q", cellsOf(got), rows)
	}
}

// TestWritersLeaveNoTemporaryFile writes a sheet far larger than the 16 MiB
// after which excelize's StreamWriter spilled to a temporary file: while it
// is being written (when a kill would leave it behind), nothing is in the
// temporary folder, since an export with secrets or an error report would
// leave its passwords there.
func TestWritersLeaveNoTemporaryFile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	secret := "Secret-" + strings.Repeat("x", 40)
	row := make([]string, 12)
	for i := range row {
		row[i] = secret
	}
	for _, format := range []sheet.Format{sheet.XLSX, sheet.ODS, sheet.CSV} {
		w, err := sheet.NewWriter(io.Discard, format, sheet.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for range 20_000 { // about 20 MiB of sheet XML
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("%s: while writing, the temporary folder holds %s", format, left[0].Name())
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
