package provision_test

import (
	"bytes"
	"context"

	"github.com/google/uuid"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/password"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

var (
	samplesMu sync.Mutex
	samples   = map[string]string{}
)

// sampleFile writes a generated CSV once per test process.
func sampleFile(b testing.TB, rows int, with ...string) string {
	samplesMu.Lock()
	defer samplesMu.Unlock()
	key := filepath.Join(append([]string{itoa(rows)}, with...)...)
	if p, ok := samples[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "roster-bench-")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "users.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, _ := sheet.NewWriter(f, sheet.CSV, sheet.WriteOptions{})
	if _, err := sample.Write(w, sample.Options{Rows: rows, With: with, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	w.Close()
	f.Close()
	samples[key] = path
	return path
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// BenchmarkCheck1M checks a 1,000,000-row, 6-column file, as `roster check`
// does, with the plan of every row streamed to a sink.
func BenchmarkCheck1M(b *testing.B) {
	uuid.EnableRandPool() // as the command does
	path := sampleFile(b, 1_000_000, sample.WithGroups)
	b.ResetTimer()
	for b.Loop() {
		steps := 0
		res, err := provision.Check(context.Background(), source(b, path), provision.Options{Step: func(roster.Step) { steps++ }})
		if err != nil {
			b.Fatal(err)
		}
		if res.Failed != 0 || steps != 1_000_000 {
			b.Fatalf("failed %d, steps %d", res.Failed, steps)
		}
	}
	b.ReportMetric(1_000_000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImport1M imports 1,000,000 sample users (username, names, email,
// one or two groups, mobile number; no passwords) into a new directory.
func BenchmarkImport1M(b *testing.B) {
	path := sampleFile(b, 1_000_000, sample.WithGroups)
	for b.Loop() {
		b.StopTimer()
		db := openDB(b)
		b.StartTimer()
		res, err := provision.Import(context.Background(), db, source(b, path), provision.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if *res.Created != 1_000_000 {
			b.Fatalf("created %d", *res.Created)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(1_000_000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func openDB(b testing.TB) *sqlite.DB {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "roster.db"))
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkHashPassword measures the argon2id rate of one core, the
// reference for the parallel hashing of an import.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		password.Hash("correct horse battery")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkGeneratePassword10k imports 10,000 users with generated
// passwords; hashes/s compares with BenchmarkHashPassword times the cores.
func BenchmarkGeneratePassword10k(b *testing.B) {
	path := sampleFile(b, 10_000, sample.WithGroups)
	for b.Loop() {
		b.StopTimer()
		db := openDB(b)
		b.StartTimer()
		_, err := provision.Import(context.Background(), db, source(b, path), provision.Options{Generate: provision.GeneratePassword, Reports: reportsIn(b, b.TempDir())})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(10_000*float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// splitSample writes a sample of head+tail rows and splits it into two
// files of the same header: the first head users, and the tail users after
// them, whom a directory of the first ones does not have.
func splitSample(b *testing.B, head, tail int) (first, rest string) {
	all, err := os.ReadFile(sampleFile(b, head+tail, sample.WithGroups))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.SplitAfter(all, []byte("\n"))
	dir := b.TempDir()
	first, rest = filepath.Join(dir, "first.csv"), filepath.Join(dir, "rest.csv")
	if err := os.WriteFile(first, bytes.Join(lines[:1+head], nil), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(rest, bytes.Join(append(lines[:1:1], lines[1+head:]...), nil), 0o600); err != nil {
		b.Fatal(err)
	}
	return first, rest
}

// BenchmarkImportIntoUsers imports 10,000 new users into an empty
// directory and into one of 100,000 users, and imports them again with
// --on-existing skip once they are there (issue 6's goal: at most 3 times
// the empty import). Directories are copied from ones built before.
func BenchmarkImportIntoUsers(b *testing.B) {
	first, rest := splitSample(b, 100_000, 10_000)
	full, again := filepath.Join(b.TempDir(), "full.db"), filepath.Join(b.TempDir(), "again.db")
	for _, load := range []struct{ db, file string }{{full, first}, {again, first}, {again, rest}} {
		db, err := sqlite.Open(context.Background(), load.db)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := provision.Import(context.Background(), db, source(b, load.file), provision.Options{}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	for _, bc := range []struct {
		name       string
		base, file string
		opt        provision.Options
	}{
		{"empty", "", rest, provision.Options{}},
		{"100k", full, rest, provision.Options{}},
		{"rerun-skip", again, rest, provision.Options{OnExisting: provision.OnExistingSkip}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "roster.db")
				if bc.base != "" {
					copyDB(b, bc.base, path)
				}
				db, err := sqlite.Open(context.Background(), path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := provision.Import(context.Background(), db, source(b, bc.file), bc.opt); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
		})
	}
}

// copyDB copies a closed directory's file and key.
func copyDB(b *testing.B, from, to string) {
	for _, suffix := range []string{"", ".key"} {
		data, err := os.ReadFile(from + suffix)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
}
