package provision_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/provision"
)

// TestEveryNamelessRowFails checks a file of 30,000 rows that give an
// email and no name: every row fails, also those checked in batches of
// rows that the run had used before (from about row 6,000, the rows
// passed: a batch kept the mark of its last rows' missing firstname).
func TestEveryNamelessRowFails(t *testing.T) {
	var b strings.Builder
	b.WriteString("email\n")
	for i := range 30_000 {
		fmt.Fprintf(&b, "user%d@example.com\n", i)
	}
	path := filepath.Join(t.TempDir(), "nameless.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := provision.Check(context.Background(), source(t, path), provision.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 30_000 || res.Failed != 30_000 || *res.Created != 0 {
		t.Fatalf("%d rows: %d failed, %d would be created; every row lacks a name", res.Rows, res.Failed, *res.Created)
	}
}
