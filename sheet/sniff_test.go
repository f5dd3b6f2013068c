package sheet_test

import (
	"reflect"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

func TestCSVSeparatorIsSniffedFromTheHeader(t *testing.T) {
	for _, c := range []struct {
		name, text string
		sep        rune
		want       [][]string
	}{
		{"semicolon, commas in quotes", "name;groups\nalice;\"IT,Sales\"\n", ';',
			[][]string{{"name", "groups"}, {"alice", "IT,Sales"}}},
		{"tab", "name\temail\nalice\ta@x\n", '\t', [][]string{{"name", "email"}, {"alice", "a@x"}}},
		{"pipe", "name|email\nalice|a@x\n", '|', [][]string{{"name", "email"}, {"alice", "a@x"}}},
		{"classic Mac line ends", "name;email\ralice;a@x\r", ';', [][]string{{"name", "email"}, {"alice", "a@x"}}},
		// Blank lines above the header are skipped and counted; they
		// must not hide the header from the sniffer.
		{"blank lines first", "\n\nname;email;phone\na;b;c\n", ';',
			[][]string{{"name", "email", "phone"}, {"a", "b", "c"}}},
		{"blank CRLF lines first", "\uFEFF\r\nname;email\r\na;b\r\n", ';', [][]string{{"name", "email"}, {"a", "b"}}},
		{"one column", "name\nalice\n", ',', [][]string{{"name"}, {"alice"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := sheet.Open(writeFile(t, "users.csv", []byte(c.text)), sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := drain(f)
			if err != nil {
				t.Fatal(err)
			}
			if f.Separator != c.sep {
				t.Errorf("separator %q, want %q", f.Separator, c.sep)
			}
			if got := cellsOf(rows); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestCSVSeparatorOptionWins(t *testing.T) {
	path := writeFile(t, "users.csv", []byte("a;b,c\n"))
	rows, err := readAll(t, path, sheet.Options{Separator: ','})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"a;b", "c"}}; !reflect.DeepEqual(cellsOf(rows), want) {
		t.Errorf("got %q, want %q", cellsOf(rows), want)
	}
	_, err = readAll(t, path, sheet.Options{Separator: '"'})
	wantErrorSaying(t, err, "separator")
}
