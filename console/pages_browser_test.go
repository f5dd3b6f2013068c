package console_test

import (
	"context"
	"fmt"
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
	tb.check()
	tb.says("Every row passes.", "To create\n1")
	tb.importChecked()
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
	tb.accessible("delete-done")
	for _, name := range []string{"fox", "walter"} {
		if _, err := e.db.FindUser(context.Background(), "", "username", name, false); roster.ErrorCode(err) != roster.ENOTFOUND {
			t.Errorf("%s after the delete: %v", name, err)
		}
	}
	if _, err := e.db.FindUser(context.Background(), "", "username", "dana", false); err != nil {
		t.Errorf("dana after the delete: %v", err)
	}
}

// A file that updates existing users: checked with "updates the user",
// its plan filtered to the updates shows each change old → new, and the
// creates come a page of 50 at a time; then applied.
func TestBrowserUpdatePlanFilteredAndPaged(t *testing.T) {
	e := newEnv(t)
	var seed, file strings.Builder
	seed.WriteString("username,lastname\n")
	file.WriteString("username,lastname\n")
	for i := range 55 {
		fmt.Fprintf(&seed, "u%02d,Old\n", i)
		last := "Old"
		if i < 10 {
			last = "New"
		}
		fmt.Fprintf(&file, "u%02d,%s\n", i, last)
	}
	for i := range 60 {
		fmt.Fprintf(&file, "n%02d,Newcomer\n", i)
	}
	e.seed(seed.String())
	path := filepath.Join(t.TempDir(), "changes.csv")
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	tb := e.browser()
	tb.signIn("ana", e.operator("ana", roster.RoleOperator, "default"))
	tb.upload(path)
	tb.do(chromedp.Click(chromedp.CSS("#existing-update")))
	tb.check()
	tb.says("Every row passes.", "To create\n60", "To update\n10", "Unchanged\n45")

	tb.submit(`dl a[href$="plan?action=update"]`)
	tb.says("rows 1 to 10 of the plan that update", "lastname: Old → New")
	if n := tb.eval(`String(document.querySelectorAll("main tbody tr").length)`); n != "10" {
		t.Errorf("%s updates listed", n)
	}
	tb.shot("import-plan-update")
	tb.submit(`a[href$="action=create"]`)
	tb.says("rows 1 to 50 of the plan that create")
	tb.submit(`a[href*="page=2"]`)
	tb.says("Page 2: rows 51 to 60 of the plan that create", "Previous page")
	if n := tb.eval(`String(document.querySelectorAll('a[href*="page=3"]').length)`); n != "0" {
		t.Error("a third page of 10 creates is offered")
	}

	tb.open(strings.TrimSuffix(tb.eval(`location.pathname`), "/plan"))
	tb.submit(`a[href$="/apply"]`)
	tb.says("create 60 users", "update 10, leave 45 unchanged")
	tb.submit(`form[action$="/apply"] button[type=submit]`)
	tb.waitFor("What was done")
	tb.accessible("import-result-update")
	u, err := e.db.FindUser(context.Background(), "", "username", "u03", false)
	if err != nil || u.Lastname != "New" {
		t.Errorf("u03 after the import: %+v, %v", u, err)
	}
}
