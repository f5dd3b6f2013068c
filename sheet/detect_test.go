package sheet_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

func TestDetectTrustsContentOverName(t *testing.T) {
	for file, want := range map[string]sheet.Format{
		"wazo-users.csv":      sheet.CSV,
		"wazo-users.xlsx":     sheet.XLSX,
		"wazo-users.ods":      sheet.ODS,
		"wazo-users.xls":      sheet.XLS,
		"trueconf-bundle.zip": sheet.ZIP,
	} {
		data, err := os.ReadFile(filepath.Join(fixtures, file))
		if err != nil {
			t.Fatal(err)
		}
		// Under its own name, under a wrong one, and under none.
		for _, name := range []string{file, "users.csv", "users.xlsx", "users"} {
			if got := sheet.Detect(bytesAt(data), int64(len(data)), name); got != want {
				t.Errorf("%s named %s: detected %s, want %s", file, name, got, want)
			}
		}
	}
}

func TestDetectTellsTextByName(t *testing.T) {
	data := []byte("a\tb\n")
	for name, want := range map[string]sheet.Format{
		"users.tsv": sheet.TSV,
		"users.TAB": sheet.TSV,
		"users.csv": sheet.CSV,
		"users.txt": sheet.CSV,
		"users":     sheet.CSV,
	} {
		if got := sheet.Detect(bytesAt(data), int64(len(data)), name); got != want {
			t.Errorf("%s: detected %s, want %s", name, got, want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]sheet.Format{"csv": sheet.CSV, ".XLSX": sheet.XLSX, "Ods": sheet.ODS, "zip": sheet.ZIP} {
		if got, err := sheet.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := sheet.ParseFormat("pdf")
	wantErrorSaying(t, err, `"pdf"`, "csv, tsv, xlsx, xls, ods, zip")
}
