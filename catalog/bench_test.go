package catalog_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
)

// sampleRows returns the header and rows of a generated user file (names
// from many scripts, usernames, emails, phones, groups), read as text.
func sampleRows(b *testing.B, n int) ([]string, [][]string) {
	var buf bytes.Buffer
	w, err := sheet.NewWriter(&buf, sheet.CSV, sheet.WriteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := sample.Write(w, sample.Options{Rows: n, With: []string{sample.WithGroups}, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	w.Close()
	f, err := sheet.OpenReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "users.csv", sheet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var header []string
	var rows [][]string
	for {
		row, err := f.Next()
		if err == io.EOF {
			return header, rows
		}
		if err != nil {
			b.Fatal(err)
		}
		if header == nil {
			header = append([]string(nil), row.Cells...)
			continue
		}
		rows = append(rows, append([]string(nil), row.Cells...))
	}
}

// BenchmarkCheck normalises 100,000 sample rows and checks their unique
// values as the planner does (a batch prefetched, then claimed in row
// order): the catalogue's share of a check, without reading or planning.
func BenchmarkCheck(b *testing.B) {
	header, rows := sampleRows(b, 100_000)
	h, err := catalog.ParseHeader(header, catalog.HeaderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]*catalog.Record, 512)
	for i := range recs {
		recs[i] = catalog.NewRecord()
	}
	b.ResetTimer()
	for b.Loop() {
		k := catalog.NewChecker(h, catalog.CheckOptions{})
		k.Reserve(len(rows))
		for start := 0; start < len(rows); start += len(recs) {
			batch := rows[start:min(start+len(recs), len(rows))]
			for i, cells := range batch {
				if probs := k.Normalize(cells, start+i+2, recs[i]); len(probs) > 0 {
					b.Fatalf("row %d: %+v", start+i+2, probs)
				}
			}
			for i := range batch {
				k.Prefetch(recs[i])
			}
			for i := range batch {
				if probs := k.Unique(recs[i], nil); len(probs) > 0 {
					b.Fatalf("row %d: %+v", start+i+2, probs)
				}
			}
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkNormalize normalises 100,000 sample rows, without the unique
// keys' claims: the per-row work a check spreads over the cores.
func BenchmarkNormalize(b *testing.B) {
	header, rows := sampleRows(b, 100_000)
	h, err := catalog.ParseHeader(header, catalog.HeaderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{})
	rec := catalog.NewRecord()
	b.ResetTimer()
	for b.Loop() {
		for i, cells := range rows {
			if probs := k.Normalize(cells, i+2, rec); len(probs) > 0 {
				b.Fatalf("row %d: %+v", i+2, probs)
			}
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
