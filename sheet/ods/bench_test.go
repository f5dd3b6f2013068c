package ods_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/ods"
)

// BenchmarkRead100k reads a sheet of 100,000 users in six columns, written
// the way LibreOffice writes it.
func BenchmarkRead100k(b *testing.B) {
	const rows = 100_000
	str := func(s string) string {
		return `<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>` + s + `</text:p></table:table-cell>`
	}
	var content strings.Builder
	content.WriteString(docStart + `<table:table table:name="users" table:style-name="ta1"><table:table-column table:style-name="co1" table:number-columns-repeated="6" table:default-cell-style-name="Default"/>`)
	content.WriteString(`<table:table-row table:style-name="ro1">` + str("username") + str("firstname") + str("lastname") + str("email") + str("groups") + str("mobile_phone_number") + `</table:table-row>`)
	for i := range rows - 1 {
		phone := 79160000000 + i
		fmt.Fprintf(&content, `<table:table-row table:style-name="ro1">%s%s%s%s%s<table:table-cell office:value-type="float" office:value="%d" calcext:value-type="float"><text:p>%d</text:p></table:table-cell></table:table-row>`,
			str(fmt.Sprintf("user%d", i)), str("Firstname"), str(fmt.Sprintf("Lastname%d", i%1000)), str(fmt.Sprintf("user%d@example.com", i)), str("Sales,IT"), phone, phone)
	}
	content.WriteString(`<table:table-row table:style-name="ro1" table:number-rows-repeated="948576"><table:table-cell table:number-columns-repeated="6"/></table:table-row>`)
	content.WriteString(`</table:table>` + docEnd)
	data := odsFile(b, content.String())
	b.SetBytes(int64(content.Len()))
	b.ReportAllocs()
	for b.Loop() {
		r, err := ods.NewReader(bytes.NewReader(data), int64(len(data)), ods.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, _, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != rows {
			b.Fatalf("%d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
