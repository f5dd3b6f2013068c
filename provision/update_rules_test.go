package provision_test

import (
	"testing"

	"github.com/roster-dev/roster/provision"
)

// TestUpdateReportsEveryProblemOfARowWithABadCell: a row with a bad cell
// is still checked against the user it updates, so that one pass reports
// the bad email, the emptied required name and the changed line protocol
// together, as import reports every problem of a row.
func TestUpdateReportsEveryProblemOfARowWithABadCell(t *testing.T) {
	before, db, _ := updateDir(t)
	res := update(t, db, options(t),
		[]string{"uuid", "firstname", "display_name", "username", "email", "line_protocol"},
		[]string{john, "", "", "", "john@", "webrtc"})
	wantCounts(t, res, counts{Rows: 1, Failed: 1})
	wantProblems(t, res, "2:email", "2:firstname", "2:line_protocol")
	wantUser(t, db, before)
}

// TestImportOnExistingUpdateReportsEveryProblem: the same holds for the
// rows of an import that update existing users, and for the required
// columns of the rows it would create (when their keys are sound).
func TestImportOnExistingUpdateReportsEveryProblem(t *testing.T) {
	before, db, _ := updateDir(t)
	opt := options(t)
	opt.OnExisting = provision.OnExistingUpdate
	res := importFile(t, db, writeCSV(t, t.TempDir(), "users.csv", [][]string{
		{"uuid", "firstname", "email", "line_protocol", "language"},
		{john, "John", "john@", "webrtc", ""},
		{"33333333-3333-4333-8333-333333333333", "", "new@example.com", "", "Klingon"},
	}), opt)
	wantCounts(t, res, counts{Rows: 2, Failed: 2})
	wantProblems(t, res, "2:email", "2:line_protocol", "3:language", "3:firstname")
	wantUser(t, db, before)
}
