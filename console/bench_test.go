package console_test

import (
	"bytes"
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
			// A first job, not timed: the directory of a server that has
			// operators and has run jobs is in WAL mode, where the page's
			// reads never wait for the check that runs beside them. (A
			// directory whose first operator was made a moment ago may still
			// be in rollback mode until its next write.)
			a.post(a.upload("users."+string(format), file)+"/cancel", url.Values{})
			b.ReportMetric(float64(len(file))/(1<<20), "MiB")
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
