package console_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
)

// BenchmarkMappingPageOfAMillionRows measures the time from the end of the
// upload of a file of 1,000,000 users to its mapping page, drawn: the page
// reads the header and the first rows from the stored file (GET
// /api/v1/jobs/{id}/preview), while the file's first check runs beside it
// as it does after a real upload. docs/performance.md has the figures.
func BenchmarkMappingPageOfAMillionRows(b *testing.B) {
	for _, format := range []sheet.Format{sheet.CSV, sheet.XLSX} {
		b.Run(string(format), func(b *testing.B) {
			file := millionRows(b, format)
			e := newEnv(b)
			a := e.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
			// The directory in WAL mode, as a served one is: the operator
			// was made by another process (roster operators create), whose
			// close left it so. Here it was made in this one, which keeps
			// a rollback journal until its next write; there, the page's
			// reads would wait for the check that runs beside them.
			tx, err := e.db.Begin(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			tx.Rollback()
			if mode, err := e.db.JournalMode(context.Background()); mode != "wal" {
				b.Fatalf("journal mode %s, %v", mode, err)
			}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				job := a.upload("users."+string(format), file)
				b.StartTimer()
				res, page := a.get(job + "/map")
				b.StopTimer()
				expect(b, res, page, 200, "Columns of the file", "mobile_phone_number")
				a.post(job+"/cancel", url.Values{})
				b.StartTimer()
			}
			b.ReportMetric(float64(len(file))/(1<<20), "MiB")
		})
	}
}

// millionRows are the benchmark's files, written once for every -count.
var millionRows = func() func(testing.TB, sheet.Format) []byte {
	files := map[sheet.Format][]byte{}
	return func(t testing.TB, format sheet.Format) []byte {
		if f, ok := files[format]; ok {
			return f
		}
		var file bytes.Buffer
		w, err := sheet.NewWriter(&file, format, sheet.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sample.Write(w, sample.Options{Rows: 1_000_000, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		files[format] = file.Bytes()
		return files[format]
	}
}()
