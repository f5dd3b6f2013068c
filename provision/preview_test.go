package provision_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// A header may hold "=": a mapping is cut at its last "=", since a
// column's name holds none.
func TestAHeaderWithAnEqualsSignCanBeMapped(t *testing.T) {
	body := "Login=Name,E-Post\nann,ann@example.com\n"
	src := sheet.NewSource("people.csv", strings.NewReader(body), int64(len(body)), nil)
	p, err := provision.ReadPreview(src, provision.Settings{Map: []string{"Login=Name=username", "E-Post=email"}}, t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Problem != "" || p.Columns[0].Column != "username" || p.Columns[0].By != "map" || p.Columns[1].Column != "email" {
		t.Errorf("preview %+v", p)
	}
	res, err := provision.Check(t.Context(), src, mustOptions(t, provision.Settings{Map: []string{"Login=Name=username", "E-Post=email"}}))
	if err != nil || res.Failed != 0 || res.Rows != 1 {
		t.Errorf("check: %+v, %v", res, err)
	}
}

func mustOptions(t *testing.T, s provision.Settings) provision.Options {
	t.Helper()
	opt, err := s.Options()
	if err != nil {
		t.Fatal(err)
	}
	return opt
}

// A preview reads a workbook's table of shared strings only as far as its
// rows need: it reads the head of a workbook whose table breaks after its
// first strings, which a run, reading the table whole, refuses.
func TestPreviewReadsOnlyTheStringsOfItsRows(t *testing.T) {
	var sst, rows strings.Builder
	sst.WriteString(`<si><t>username</t></si><si><t>email</t></si>`)
	rows.WriteString(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`)
	for i := range 20 {
		fmt.Fprintf(&sst, `<si><t>user%d</t></si><si><t>user%d@example.com</t></si>`, i, i)
		fmt.Fprintf(&rows, `<row r="%d"><c t="s"><v>%d</v></c><c t="s"><v>%d</v></c></row>`, i+2, 2*i+2, 2*i+3)
	}
	sst.WriteString(`<si><t>broken</si>`)
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, part := range map[string]string{
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"xl/workbook.xml": `<workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="users" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
			`</Relationships>`,
		"xl/worksheets/sheet1.xml": `<worksheet ` + ns + `><sheetData>` + rows.String() + `</sheetData></worksheet>`,
		"xl/sharedStrings.xml":     `<sst ` + ns + `>` + sst.String() + `</sst>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(part))
	}
	zw.Close()
	src := sheet.NewSource("users.xlsx", bytes.NewReader(b.Bytes()), int64(b.Len()), nil)
	p, err := provision.ReadPreview(src, provision.Settings{}, t.TempDir(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 5 || p.Columns[1].Column != "email" || p.Rows[4].Cells[1] != "user4@example.com" {
		t.Errorf("preview %+v", p)
	}
	if _, err := provision.Check(t.Context(), src, mustOptions(t, provision.Settings{})); err == nil {
		t.Error("a check read the broken table")
	}
}
