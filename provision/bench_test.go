package provision_test

import (
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
		res, err := provision.Check(context.Background(), path, provision.Options{Step: func(roster.Step) { steps++ }})
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
		res, err := provision.Import(context.Background(), db, path, provision.Options{})
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
		_, err := provision.Import(context.Background(), db, path, provision.Options{GeneratePassword: true, ReportDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(10_000*float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}
