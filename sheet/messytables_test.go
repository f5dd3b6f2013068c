package sheet_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

var messytables = filepath.Join(conformance, "messytables")

// refusedMessytables are the messytables files that cannot be read, and
// what their error must say. Every other file must read to its end.
var refusedMessytables = map[string]string{
	"encrypted_no_password.xls": "encrypted",
}

// TestMessytablesReadToTheEndOrRefuseClearly reads every awkward file of
// messytables: a reader must get through it, or refuse it with a message a
// person can act on; a panic fails the test binary and a hang its timeout.
func TestMessytablesReadToTheEndOrRefuseClearly(t *testing.T) {
	entries, err := os.ReadDir(messytables)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 25 {
		t.Fatalf("found %d files, want at least 25", len(entries))
	}
	for _, e := range entries {
		name := e.Name()
		if name == "SOURCE.txt" { // where the files come from, not a test case
			continue
		}
		t.Run(name, func(t *testing.T) {
			rows, err := readAll(t, filepath.Join(messytables, name), sheet.Options{})
			if want, refused := refusedMessytables[name]; refused {
				wantErrorSaying(t, err, name, want)
				return
			}
			if err != nil {
				t.Fatalf("after %d rows: %v", len(rows), err)
			}
			last := 0
			for _, r := range rows {
				if r.Num <= last {
					t.Fatalf("row %d after row %d", r.Num, last)
				}
				if !slices.ContainsFunc(r.Cells, func(c string) bool { return c != "" }) {
					t.Errorf("row %d is empty, and should have been skipped", r.Num)
				}
				last = r.Num
			}
		})
	}
}

// simpleRows is the table that simple.csv holds, and that simple.xls and
// simple.xlsx hold as dates, numbers and text.
var simpleRows = [][]string{
	{"date", "temperature", "place"},
	{"2011-01-01", "1", "Galway"},
	{"2011-01-02", "-1", "Galway"},
	{"2011-01-03", "0", "Galway"},
	{"2011-01-01", "6", "Berkeley"},
	{"2011-01-02", "8", "Berkeley"},
	{"2011-01-03", "5", "Berkeley"},
}

func TestMessytablesSimpleReadsAlikeInEveryFormat(t *testing.T) {
	// simple.xlsx and simple.xls hold the dates as serials with built-in
	// date formats, the temperatures as numbers.
	for _, name := range []string{"simple.csv", "simple.ssv", "simple.xls", "simple.xlsx"} {
		rows := mustRead(t, filepath.Join(messytables, name), sheet.Options{})
		if got := cellsOf(rows); !reflect.DeepEqual(got, simpleRows) {
			t.Errorf("%s: got %q, want %q", name, got, simpleRows)
		}
		if got, want := numsOf(rows), []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
			t.Errorf("%s: row numbers %v, want %v", name, got, want)
		}
	}
}

func TestMessytablesSpotChecks(t *testing.T) {
	for _, c := range []struct {
		file string
		num  int // the row to check, by spreadsheet number
		want []string
	}{
		// Written by ScraperWiki's own XLSX writer: inline strings, numbers
		// without a style, no styles.xml at all. Long ids are text and stay
		// whole.
		{"sw_gen.xlsx", 2, []string{"474939423470395392", "https://twitter.com/frabcus/status/474939423470395392",
			"2014-06-06 15:42:37+00:00",
			`@kellyfincham @Topsy @ScraperWiki by "pretty sure" I mean it should be that, and I checked the code and it seems right`,
			"en", "0", "0", "frabcus", "kellyfincham", "474917338639507456", "", "", "", "",
			"@kellyfincham @Topsy @ScraperWiki", "", "scraperwiki"}},
		// UTF-16 LE with a byte-order mark, Excel's "Unicode text".
		{"utf-16le_encoded.csv", 1, []string{"Organisation_code", "Organisation_name", "Organisation_classification",
			"Reporting_period", "Part_II_patients", "Court_and_prison_disposal_patients", "Previous_legislation_and_other_acts",
			"Total_formal_admissions_excluding_place_of_safety_detentions", "Total_informal_admissions",
			"Place_of_safety_patients", "All_admissions_including_place_of_safety_detentions", "Total_changes_in_legal_status",
			"Detained_under_MHA_31st_March", "Informal_patients_male_31st_March", "Total_patients_31st_march",
			"Total_number_of_SCTs", "SCT_recalls_to_hospital", "Revocations_of_SCT", "Discharges_from_SCT"}},
		{"utf-16le_encoded.csv", 2, []string{"5C1", "Enfield PCT", "NHS Facilities" + strings.Repeat(" ", 36), "2010-11",
			"2", "1", "0", "3", "2", "0", "5", "7", "7", "3", "10", "1", "0", "0", "1"}},
		// Cells are read as written: spaces around them are kept.
		{"complex.csv", 1, []string{"date", " another date", " temperature", " place"}},
		{"skip_initials.csv", 2, []string{"hello", "    goodbye"}},
		{"null.csv", 3, []string{"3", "null", "", ""}},
		// Dates, times (one of them an elapsed 27 hours), booleans,
		// percentages and scientific numbers in ODS.
		{"ods_formats.ods", 2, []string{"2014-11-11", "11:12:12", "TRUE", "11.11", "1", "200%", "3", "100000", "1.25", "abc"}},
		{"ods_formats.ods", 5, []string{"", "27:17:54", "", "", "", "", "11"}},
		{"blank_line.ods", 5, []string{"Ian", "34", "2015-11-11"}},
		{"multilineods.ods", 1, []string{"1\n2\n3\n4"}},
		{"excel_properties.xls", 15, []string{"2014-01-01"}},
		{"span_rich.xls", 2, []string{"j", "MERGE", "", "e"}},
		{"unicode_sheet_name.xls", 1, []string{"this spreadsheet has got a unicode character in the sheet name"}},
	} {
		rows := mustRead(t, filepath.Join(messytables, c.file), sheet.Options{})
		i := slices.IndexFunc(rows, func(r sheet.Row) bool { return r.Num == c.num })
		if i < 0 {
			t.Errorf("%s: no row %d in %v", c.file, c.num, numsOf(rows))
			continue
		}
		if got := rows[i].Cells; !slices.Equal(got, c.want) {
			t.Errorf("%s row %d:\n got %q\nwant %q", c.file, c.num, got, c.want)
		}
	}
}

func TestMessytablesRowNumbersCountSkippedRows(t *testing.T) {
	for _, c := range []struct {
		file string
		want []int // the first row numbers
	}{
		// Two blank lines before the title, and a line holding only ""
		// (one empty cell) at line 10: skipped, and counted.
		{"weird_head_padding.csv", []int{3, 4, 5, 6, 7, 8, 9, 11, 12}},
		// An empty row 4 in a LibreOffice sheet.
		{"blank_line.ods", []int{1, 2, 3, 5}},
		// A blank line 3 under a two-line title.
		{"excel_pasting.csv", []int{1, 2, 4, 5}},
		// Row 13 is empty in Excel.
		{"excel_properties.xls", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14}},
	} {
		rows := mustRead(t, filepath.Join(messytables, c.file), sheet.Options{})
		got := numsOf(rows)
		if len(got) > len(c.want) {
			got = got[:len(c.want)]
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: row numbers start %v, want %v", c.file, got, c.want)
		}
	}
}

// TestMessytablesLibreOfficeXLSXIsEmpty reads the one XLSX of messytables
// that LibreOffice wrote: it holds a single row with no cell, so it has no
// row to read, and that is not an error.
func TestMessytablesLibreOfficeXLSXIsEmpty(t *testing.T) {
	rows := mustRead(t, filepath.Join(messytables, "libreoffice.xlsx"), sheet.Options{})
	if len(rows) != 0 {
		t.Errorf("got %v, want no row", rows)
	}
}
