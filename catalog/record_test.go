package catalog_test

import (
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
