package sheet_test

import (
	"reflect"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

// FuzzWriteXLSX writes any two cells with the XLSX writer and reads them
// back: every value must come back as it was (each byte that is not UTF-8
// as U+FFFD, since XML holds only text).
func FuzzWriteXLSX(f *testing.F) {
	for _, row := range awkwardRows {
		f.Add(row[1], row[2])
	}
	f.Add("a\x01b\x00", "_x0041_ _x005F_x0041_ _X00e9_")
	f.Add("one\r\ntwo\r", "\uFFFE\uFFFF\xff")
	f.Fuzz(func(t *testing.T, a, b string) {
		rows := [][]string{{"h1", "h2", "h3"}, {"x", a, b}}
		data := write(t, sheet.XLSX, sheet.WriteOptions{}, rows)
		got, err := readData(t, data, "x.xlsx", sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := trimmed([][]string{rows[0], {"x", string([]rune(a)), string([]rune(b))}})
		if !reflect.DeepEqual(cellsOf(got), want) {
			t.Fatalf("read back %q, want %q", cellsOf(got), want)
		}
	})
}
