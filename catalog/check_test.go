package catalog_test

import (
	"encoding/json"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// checkFile checks every row of a file against the default reference data.
func checkFile(t *testing.T, path string, hopt catalog.HeaderOptions) (*catalog.Header, []roster.Problem, []int) {
	t.Helper()
	f, err := sheet.Open(path, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head, err := f.Next()
	if err != nil {
		t.Fatal(err)
	}
	h, err := catalog.ParseHeader(head.Cells, hopt)
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{Assets: f.Assets})
	var all []roster.Problem
	var valid []int
	for {
		row, err := f.Next()
		if err == io.EOF {
			return h, all, valid
		}
		if err != nil {
			t.Fatal(err)
		}
		_, probs := k.Check(row.Cells, row.Num)
		if len(probs) == 0 {
			valid = append(valid, row.Num)
		}
		all = append(all, probs...)
	}
}

func TestMistakes(t *testing.T) {
	var want struct {
		ValidRows []int `json:"valid_rows"`
		Errors    []struct {
			Row    int    `json:"row"`
			Column string `json:"column"`
		} `json:"errors"`
	}
	b, err := os.ReadFile("../testdata/fixtures/mistakes.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	_, probs, valid := checkFile(t, "../testdata/fixtures/mistakes.csv", catalog.HeaderOptions{})
	if !reflect.DeepEqual(valid, want.ValidRows) {
		t.Errorf("valid rows %v, want %v", valid, want.ValidRows)
	}
	var got, exp []string
	for _, p := range probs {
		got = append(got, p.Column+"@"+itoa(p.Row))
		if p.Message == "" {
			t.Errorf("row %d %s: no message", p.Row, p.Column)
		}
	}
	for _, e := range want.Errors {
		exp = append(exp, e.Column+"@"+itoa(e.Row))
	}
	sort.Strings(got)
	sort.Strings(exp)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("errors:\n got %v\nwant %v", got, exp)
		for _, p := range probs {
			t.Logf("%+v", p)
		}
	}
}

func itoa(i int) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+i/10)) + string(rune('0'+i%10)))
}

func TestMapNamesAHeaderOfTheFile(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"Agent Login", "Mail"}, catalog.HeaderOptions{Map: map[string]string{"agent login": "username"}})
	if err != nil || h.Position(catalog.Lookup("username")) != 0 || h.Position(catalog.Lookup("email")) != 1 {
		t.Fatalf("mapping: %v", err)
	}
	if _, err := catalog.ParseHeader([]string{"Login", "Mail"}, catalog.HeaderOptions{Map: map[string]string{"Agent Login": "username"}}); err == nil || !strings.Contains(err.Error(), "Agent Login") {
		t.Fatalf("a --map of a header the file lacks: %v", err)
	}
	if _, err := catalog.ParseHeader([]string{"Login"}, catalog.HeaderOptions{Map: map[string]string{"Login": "usernam"}}); err == nil || !strings.Contains(err.Error(), "username") {
		t.Fatalf("a --map to an unknown column should hint at username: %v", err)
	}
}

// TestNormalizeReadsCellsAsCell: Normalize reads most cells straight from
// the row; what it finds must be what Header.Cell gives, for a blank cell
// with and without a --set value, a template, a password's spaces, a row
// shorter than the header, and a cell with spaces around a value.
func TestNormalizeReadsCellsAsCell(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"username", "firstname", "lastname", "password", "email", "mobile_phone_number"},
		catalog.HeaderOptions{Set: map[string]string{"lastname": "Doe", "display_name": "{firstname} {lastname}"}})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{})
	for _, cells := range [][]string{
		{"ann", "Ann", "  ", " pass word ", " ann@example.com ", "+33 6 12"},
		{"bob", " \u00a0", "", "\tsecret", "bob@example.com"},
		{"cy", "Cy"},
		{" d.e ", "Dé ", " Lefèvre", "    ", "", "  "},
	} {
		rec := catalog.NewRecord()
		k.Normalize(cells, 2, rec)
		for _, c := range h.Present() {
			want, msg := c.Normalize(h.Cell(cells, c))
			if msg != "" {
				want = ""
			}
			if got := rec.Value(c); got != want || rec.Failed[c.Index] != (msg != "") {
				t.Errorf("%q, column %s: %q (failed %v), want %q (%q)", cells, c.Name, got, rec.Failed[c.Index], want, msg)
			}
		}
	}
}
