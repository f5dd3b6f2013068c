package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/sheet"
)

// BenchmarkMappingPageOfAMillionRows measures the time from the end of the
// upload of a file of 1,000,000 users to its mapping page, drawn, for a
// CSV, an XLSX as roster writes it (inline strings) and one as Excel and
// LibreOffice write it (a table of shared strings, read whole before the
// first row): the page
// reads the header and the first rows from the stored file (GET
// /api/v1/jobs/{id}/preview), while the file's first check runs beside it
// as it does after a real upload. docs/performance.md has the figures.
func BenchmarkMappingPageOfAMillionRows(b *testing.B) {
	for _, kind := range []string{"csv", "xlsx", "xlsx-shared"} {
		b.Run(kind, func(b *testing.B) {
			format := sheet.Format(strings.TrimSuffix(kind, "-shared"))
			file := millionRows(b, format)
			if kind == "xlsx-shared" {
				file = sharedStrings(b, file)
			}
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

var inlineCell = regexp.MustCompile(`t="inlineStr"><is><t>([^<]*)</t></is>`)

// sharedStrings rewrites an XLSX of roster's writer as Excel writes one:
// each text cell a number in the workbook's table of shared strings.
func sharedStrings(t testing.TB, inline []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(inline), int64(len(inline)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	index := map[string]int{}
	var table bytes.Buffer
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		switch f.Name {
		case "xl/worksheets/sheet1.xml":
			b = inlineCell.ReplaceAllFunc(b, func(m []byte) []byte {
				text := string(inlineCell.FindSubmatch(m)[1])
				i, ok := index[text]
				if !ok {
					i = len(index)
					index[text] = i
					table.WriteString("<si><t>" + text + "</t></si>")
				}
				return []byte(`t="s"><v>` + strconv.Itoa(i) + `</v>`)
			})
		case "[Content_Types].xml":
			b = bytes.Replace(b, []byte("</Types>"), []byte(`<Override PartName="/xl/sharedStrings.xml" `+
				`ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`), 1)
		case "xl/_rels/workbook.xml.rels":
			b = bytes.Replace(b, []byte("</Relationships>"), []byte(`<Relationship Id="rId9" `+
				`Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`), 1)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	w, err := zw.Create("xl/sharedStrings.xml")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="%d">`, len(index))
	w.Write(table.Bytes())
	io.WriteString(w, "</sst>")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
