package sheet_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

// cellAt names one cell of a fixture by its row number and header.
type cellAt struct {
	row    int
	column string
}

// savedDifferences are the cells that LibreOffice changed when it saved each
// fixture's CSV as XLSX, ODS and XLS, and what the spreadsheets hold
// instead. Its type detection turned the text 0042 into the number 42: that
// is what the files say, and every reader must read it as such. Every other
// cell, numbers included (1000, 30, 0, 1), must read as in the CSV.
var savedDifferences = map[string]map[cellAt]string{
	"wazo-users": {
		{2, "voicemail_password"}: "42",
	},
	"trueconf-users": {},
	"commpeak-users": {},
}

// byHeader reads a table as a map from (row, header) to cell, where a cell
// past the end of a row is empty: spreadsheet rows end at their last
// non-empty cell, CSV rows keep every field.
func byHeader(t *testing.T, rows []sheet.Row) (header []string, nums []int, cells map[cellAt]string) {
	t.Helper()
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	header = rows[0].Cells
	cells = map[cellAt]string{}
	for _, r := range rows {
		nums = append(nums, r.Num)
		if len(r.Cells) > len(header) {
			t.Errorf("row %d has %d cells, more than the %d of the header: %q", r.Num, len(r.Cells), len(header), r.Cells)
		}
		for i, col := range header {
			v := ""
			if i < len(r.Cells) {
				v = r.Cells[i]
			}
			cells[cellAt{r.Num, col}] = v
		}
	}
	return header, nums, cells
}

func TestFixturesReadTheSameInEveryFormat(t *testing.T) {
	for base, diffs := range savedDifferences {
		t.Run(base, func(t *testing.T) {
			csvHeader, csvNums, csvCells := byHeader(t, mustRead(t, filepath.Join(fixtures, base+".csv"), sheet.Options{}))
			// The differences must be differences, or they hide nothing
			// and the list is stale.
			for at, saved := range diffs {
				if csv, ok := csvCells[at]; !ok || csv == saved {
					t.Fatalf("listed difference %v: the CSV holds %q, the spreadsheets %q", at, csv, saved)
				}
			}
			for _, ext := range []string{"xlsx", "ods", "xls"} {
				t.Run(ext, func(t *testing.T) {
					f, err := sheet.Open(filepath.Join(fixtures, base+"."+ext), sheet.Options{})
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if f.Format != sheet.Format(ext) {
						t.Errorf("format %q, want %q", f.Format, ext)
					}
					rows, err := drain(f)
					if err != nil {
						t.Fatal(err)
					}
					header, nums, cells := byHeader(t, rows)
					if !slices.Equal(header, csvHeader) {
						t.Fatalf("header %q, want %q", header, csvHeader)
					}
					if !slices.Equal(nums, csvNums) {
						t.Fatalf("row numbers %v, want %v", nums, csvNums)
					}
					for _, n := range csvNums {
						for _, col := range csvHeader {
							at := cellAt{n, col}
							want, ok := diffs[at]
							if !ok {
								want = csvCells[at]
							}
							if got := cells[at]; got != want {
								t.Errorf("row %d, %s: got %q, want %q", n, col, got, want)
							}
						}
					}
				})
			}
		})
	}
}

func TestCSVVariantsReadLikeThePlainCSV(t *testing.T) {
	for _, c := range []struct {
		variant, plain, encoding string
		separator                rune
	}{
		{"wazo-users-bom.csv", "wazo-users.csv", "utf-8", ','},
		{"wazo-users-cp1252.csv", "wazo-users.csv", "windows-1252", ','},
		{"commpeak-users-semicolon.csv", "commpeak-users.csv", "utf-8", ';'},
	} {
		t.Run(c.variant, func(t *testing.T) {
			want := mustRead(t, filepath.Join(fixtures, c.plain), sheet.Options{})
			f, err := sheet.Open(filepath.Join(fixtures, c.variant), sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := drain(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%v\nwant\n%v", got, want)
			}
			if f.Format != sheet.CSV || f.Encoding != c.encoding || f.Separator != c.separator {
				t.Errorf("read as %s in %s separated by %q, want csv in %s separated by %q",
					f.Format, f.Encoding, f.Separator, c.encoding, c.separator)
			}
		})
	}
}

func TestBundleReadsLikeItsWorkbookAndHoldsItsPictures(t *testing.T) {
	want := mustRead(t, filepath.Join(fixtures, "trueconf-users.xlsx"), sheet.Options{})
	f, err := sheet.Open(filepath.Join(fixtures, "trueconf-bundle.zip"), sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Format != sheet.XLSX {
		t.Errorf("format %q, want the format of the sheet inside, xlsx", f.Format)
	}
	got, err := drain(f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
	if f.Assets == nil {
		t.Fatal("no Assets")
	}
	picture, err := fs.ReadFile(f.Assets, "avatars/01.png")
	if err != nil {
		t.Fatal(err)
	}
	if original, _ := os.ReadFile(filepath.Join(fixtures, "avatars", "01.png")); !bytes.Equal(picture, original) {
		t.Errorf("avatars/01.png in the bundle holds %q, want %q", picture, original)
	}
	if _, err := fs.Stat(f.Assets, "avatars/04.png"); err == nil {
		t.Error("avatars/04.png, which the bundle does not hold, is found")
	}
}

func TestFileAssetsAreItsFolder(t *testing.T) {
	f, err := sheet.Open(filepath.Join(fixtures, "trueconf-users.csv"), sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fs.Stat(f.Assets, "avatars/03.png"); err != nil {
		t.Error(err)
	}
}
