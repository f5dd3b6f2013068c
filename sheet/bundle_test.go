package sheet_test

import (
	"bytes"
	"io/fs"
	"reflect"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

// zipOf makes a ZIP of the named contents.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	entries := map[string]rawEntry{}
	for name, content := range files {
		entries[name] = deflated(t, content)
	}
	return rebuildZip(t, nil, entries)
}

func TestBundleFindsTheSheetAtTheTopOrInItsOneFolder(t *testing.T) {
	csv := "username,avatar\nalice,avatars/a.png\n"
	want := [][]string{{"username", "avatar"}, {"alice", "avatars/a.png"}}
	for name, files := range map[string]map[string]string{
		"top level": {"users.csv": csv, "avatars/a.png": "png"},
		"one folder": {"export/users.csv": csv, "export/avatars/a.png": "png",
			"__MACOSX/export/._users.csv": "AppleDouble"},
		"text file":  {"users.txt": csv, "avatars/a.png": "png"},
		"dot files":  {"users.csv": csv, ".users.csv": "x,y\n", "avatars/a.png": "png"},
		"upper case": {"USERS.CSV": csv, "avatars/a.png": "png"},
	} {
		t.Run(name, func(t *testing.T) {
			data := zipOf(t, files)
			f, err := sheet.OpenReader(bytes.NewReader(data), int64(len(data)), "bundle.zip", sheet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := drain(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cellsOf(rows), want) {
				t.Errorf("got %q, want %q", cellsOf(rows), want)
			}
			if b, err := fs.ReadFile(f.Assets, "avatars/a.png"); err != nil || string(b) != "png" {
				t.Errorf("avatars/a.png: %q, %v", b, err)
			}
		})
	}
}

func TestBundleWithoutExactlyOneSheetIsAnError(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		says  string
	}{
		"none":          {map[string]string{"avatars/a.png": "png", "readme.md": "hi"}, "no sheet file"},
		"two":           {map[string]string{"a.csv": "x\n", "b.xlsx": "y"}, "several sheet files"},
		"only in depth": {map[string]string{"a/users.csv": "x\n", "b/c.png": "png"}, "no sheet file"},
	} {
		_, err := readData(t, zipOf(t, c.files), "bundle.zip", sheet.Options{})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		wantErrorSaying(t, err, "bundle.zip", c.says)
	}
}

func TestBundleInsideABundleIsAnError(t *testing.T) {
	// A sheet file that is itself a ZIP bundle would be opened as one, and
	// so on for as many levels as the file holds (a ZIP quine holds
	// itself, for ever).
	inner := zipOf(t, map[string]string{"users.csv": "username\nalice\n"})
	outer := zipOf(t, map[string]string{"users.csv": string(inner)})
	rows, err := readData(t, outer, "bundle.zip", sheet.Options{})
	if err == nil {
		t.Fatalf("read %v, want an error", cellsOf(rows))
	}
	wantErrorSaying(t, err, "bundle.zip", "users.csv")
}
