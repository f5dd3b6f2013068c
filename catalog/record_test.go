package catalog_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-dev/roster/catalog"
)

// TestARecordServesAnotherFile normalises rows of two files into the same
// record, as a run's batches are reused by the next run: the unique values
// of the first file's columns must not follow the record into a file that
// lacks them.
func TestARecordServesAnotherFile(t *testing.T) {
	rec := catalog.NewRecord()
	first, err := catalog.ParseHeader([]string{"username", "email", "firstname"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(first, catalog.CheckOptions{})
	if p := k.Unique(rec, k.Normalize([]string{"ann", "ann@example.com", "Ann"}, 2, rec)); len(p) > 0 {
		t.Fatalf("first file: %+v", p)
	}
	second, err := catalog.ParseHeader([]string{"firstname"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k = catalog.NewChecker(second, catalog.CheckOptions{})
	for row := 2; row < 5; row++ {
		if p := k.Unique(rec, k.Normalize([]string{"Bob"}, row, rec)); len(p) > 0 {
			t.Fatalf("second file, row %d: %+v", row, p)
		}
	}
}

// TestEveryRowNeedsAName checks rows one after the other with the same
// record, as Check does: each row without a firstname, display name or
// username fails, not only the first (the mark that the first row's
// missing firstname left in the record counted as a firstname).
func TestEveryRowNeedsAName(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"email", "line_protocol"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{})
	for row := 2; row < 5; row++ {
		_, probs := k.Check([]string{fmt.Sprintf("u%d@example.com", row), "sip"}, row)
		var columns []string
		for _, p := range probs {
			columns = append(columns, p.Column)
		}
		if !slices.Contains(columns, "firstname") || !slices.Contains(columns, "context") {
			t.Fatalf("row %d: problems %+v; want the missing name and the line's missing context", row, probs)
		}
	}
}
