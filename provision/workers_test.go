package provision_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster/provision"
)

// TestRunsShareOneBudget: runs that share a Workers value draw their
// batches of rows from one pool, so that runs at once hold no more rows in
// memory than the budget allows, and every run ends, whether it succeeds,
// fails its rows, cannot read its file or is cancelled, with its batches
// back in the pool for the next.
func TestRunsShareOneBudget(t *testing.T) {
	w := provision.NewWorkers(2)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("username,firstname,email\n")
	for i := range 20_000 {
		fmt.Fprintf(&b, "user%d,User,user%d@example.com\n", i, i)
	}
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.csv", b.String())
	bad := write("bad.csv", strings.Replace(b.String(), "user19999@example.com", "user19999@", 1))
	broken := write("broken.csv", b.String()+"\"never closed\n")

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			db, _ := newDB(t)
			opt := options(t)
			opt.Workers = w
			ctx := t.Context()
			file := good
			switch i % 4 {
			case 1:
				file = bad
			case 2:
				file = broken
			case 3:
				c, cancel := context.WithCancel(ctx)
				ctx = c
				opt.Progress = func(p provision.Progress) {
					if p.Rows >= 8192 {
						cancel()
					}
				}
			}
			res, err := provision.Import(ctx, db, source(t, file), opt)
			switch i % 4 {
			case 0:
				if err != nil || res.Failed != 0 || *res.Created != 20_000 {
					t.Errorf("run %d: %v, %+v", i, err, res)
				}
			case 1:
				if err != nil || res.Failed != 1 || res.Applied {
					t.Errorf("run %d: %v, %+v; want one failed row and nothing written", i, err, res)
				}
			default:
				if err == nil {
					t.Errorf("run %d: no error", i)
				}
			}
		})
	}
	wg.Wait()
	made, free, max := provision.Batches(w)
	if made > max {
		t.Errorf("%d batches made, more than the %d allowed", made, max)
	}
	if free != made {
		t.Errorf("%d of %d batches back in the pool after the runs", free, made)
	}
}

// TestABatchKeepsNothingOfAnotherRun: runs that share a budget reuse each
// other's batches of rows; a run whose file has other columns must see
// nothing of the rows before (their values, their failed cells).
func TestABatchKeepsNothingOfAnotherRun(t *testing.T) {
	w := provision.NewWorkers(1)
	dir := t.TempDir()
	first := writeCSV(t, dir, "first.csv", [][]string{
		{"username", "firstname", "email", "avatar"},
		{"ann", "Ann", "ann@", "avatars/01.png"},
		{"bob", "Bob", "bob@", "avatars/02.png"},
	})
	second := writeCSV(t, dir, "second.csv", [][]string{{"username", "firstname"}, {"cid", "Cid"}, {"dan", "Dan"}})
	db, _ := newDB(t)
	opt := options(t)
	opt.Workers = w
	if res := importFile(t, db, first, opt); res.Failed != 2 {
		t.Fatalf("the first file: %d failed, want 2", res.Failed)
	}
	opt = options(t)
	opt.Workers = w
	wantClean(t, importFile(t, db, second, opt))
	if u := userBy(t, db, byUsername, "cid"); u.Email != "" || u.Avatar != nil {
		t.Errorf("cid has the first file's email %q or picture", u.Email)
	}
}
