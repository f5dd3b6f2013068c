package sheet_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet"
)

const fixtures = "../testdata/fixtures"

// bytesAt reads data as a file: a ReaderAt.
func bytesAt(data []byte) *bytes.Reader { return bytes.NewReader(data) }

// readData reads every row of a file held in memory, as OpenReader sees it.
func readData(t testing.TB, data []byte, name string, opt sheet.Options) ([]sheet.Row, error) {
	t.Helper()
	f, err := sheet.OpenReader(bytes.NewReader(data), int64(len(data)), name, opt)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return drain(f)
}

// drain reads the rest of f, copying each row since Next may reuse it.
func drain(f *sheet.File) ([]sheet.Row, error) {
	var rows []sheet.Row
	for {
		r, err := f.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, sheet.Row{Num: r.Num, Cells: append([]string(nil), r.Cells...)})
	}
}

// mustRead reads a file that must read without error.
func mustRead(t testing.TB, path string, opt sheet.Options) []sheet.Row {
	t.Helper()
	rows, err := readAll(t, path, opt)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// numsOf lists the row numbers of rows.
func numsOf(rows []sheet.Row) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = r.Num
	}
	return out
}

// wantErrorSaying fails unless err is an error whose text holds each part.
func wantErrorSaying(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}

// write writes rows with sheet.NewWriter and returns the file's bytes.
func write(t testing.TB, format sheet.Format, opt sheet.WriteOptions, rows [][]string) []byte {
	t.Helper()
	data, err := encode(format, opt, rows)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func encode(format sheet.Format, opt sheet.WriteOptions, rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, format, opt)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeFile writes data to a file of the given name in a new temporary
// folder and returns its path.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// userHeader and userRows make a user list like the ones roster imports:
// varied enough that it compresses as real lists do, and the same on every
// run.
var userHeader = []string{"username", "firstname", "lastname", "email", "groups", "mobile_phone_number"}

func userRows(n int) [][]string {
	first := []string{"Alice", "Bob", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Grégoire", "Hiroshi", "Ingrid", "José", "Kwame", "Łucja", "Mehmet", "Nadia", "Olumide", "Priya"}
	last := []string{"Martin", "Smith", "Müller", "Kowalski", "Nguyen", "García", "Rossi", "Johansson", "O'Brien", "Dubois", "Yılmaz", "Tanaka", "Novák", "Silva", "Коваль", "Papadopoulos"}
	groups := []string{"", "IT", "Sales", "IT,Sales", "Support", "Finance,HR", "Marketing"}
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([][]string, 0, n+1)
	rows = append(rows, userHeader)
	for i := range n {
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		user := fmt.Sprintf("%s.%s%d", strings.ToLower(f), strings.ToLower(strings.ReplaceAll(l, "'", "")), i)
		rows = append(rows, []string{
			user, f, l,
			fmt.Sprintf("%s@%s.example", user, []string{"acme", "globex", "initech", "umbrella"}[rng.IntN(4)]),
			groups[rng.IntN(len(groups))],
			fmt.Sprintf("+33 6 %02d %02d %02d %02d", rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100)),
		})
	}
	return rows
}
