package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/roster-dev/roster"
)

// A workbook of two sheets asks which one holds the users; the jobs list
// says who ran what; the users are exported; a group gets members from a
// file of one reference per line, as Symphony's userIDs.csv; and users
// are deleted from a typed list, after the page has named them. Every page
// on the way passes the accessibility check.
func TestBrowserSheetJobsExportGroupsAndDelete(t *testing.T) {
	e := newEnv(t)
	e.seed("firstname,lastname,username,email,groups\nDana,Scully,dana,dana@example.com,Sales\n" +
		"Fox,Mulder,fox,fox@example.com,Sales\nWalter,Skinner,walter,walter@example.com,\n")
	tb := e.browser()
	dir := tb.downloads()
	tb.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))

	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "Read me")
	f.SetCellValue("Read me", "A1", "Fill in the second sheet")
	f.NewSheet("People")
	f.SetSheetRow("People", "A1", &[]any{"firstname", "lastname", "email"})
	f.SetSheetRow("People", "A2", &[]any{"Monica", "Reyes", "monica@example.com"})
	book := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	tb.upload(book)
	tb.says("This workbook has 2 sheets")
	tb.set("#sheet-pick", "People")
	tb.submit(`form[method=get] button[type=submit]`)
	tb.says("monica@example.com")
	tb.shot("import-map-sheet")
	tb.submit(`form.mapping button[type=submit]`)
	tb.waitFor("What the import would do")
	tb.says("Every row passes.", "To create\n1")
	tb.submit(`a[href$="/apply"]`)
	tb.submit(`form[action$="/apply"] button[type=submit]`)
	tb.waitFor("What was done")
	tb.says("Created\n1")

	tb.open("/jobs")
	tb.says("book.xlsx\timport", "book.xlsx\timport (check)", "ana")
	tb.shot("jobs")

	tb.open("/users")
	export := string(tb.download(dir, `a[href="/export?format=csv"]`, "users-"+e.clock.Now().UTC().Format("2006-01-02")+".csv"))
	for _, who := range []string{"dana@example.com", "fox", "walter", "monica@example.com"} {
		if !strings.Contains(export, who) {
			t.Errorf("the export lacks %s:\n%s", who, export)
		}
	}

	tb.open("/groups")
	tb.says("Sales\t2")
	tb.shot("groups")
	tb.submit(`main table a`)
	ids := filepath.Join(t.TempDir(), "userIDs.csv")
	if err := os.WriteFile(ids, []byte("walter\r\nmonica@example.com\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.SetUploadFiles(chromedp.CSS("#refs-file"), []string{ids}))
	tb.submit(`form[action$="/add"] button[type=submit]`)
	tb.says("2 added", "Walter", "Monica")
	tb.shot("group-members-added")

	tb.open("/delete")
	tb.shot("delete")
	tb.fill("#refs", "fox\nwalter@example.com\nnobody\n")
	tb.submit(`form[action="/delete"] button[type=submit]`)
	tb.says("These 2 users will be deleted", "Fox Mulder", "Walter Skinner", "nobody (row 3)")
	tb.shot("delete-confirm")
	tb.submit(`form[action="/delete/confirm"] button[type=submit]`)
	tb.says("2 users were deleted")
	for _, name := range []string{"fox", "walter"} {
		if _, err := e.db.FindUser(context.Background(), "", "username", name, false); roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("%s after the delete: %v", name, err)
		}
	}
	if _, err := e.db.FindUser(context.Background(), "", "username", "dana", false); err != nil {
		t.Errorf("dana after the delete: %v", err)
	}
}
