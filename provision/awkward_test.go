package provision_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// awkwardRows are values that import accepts and that a sheet format or a
// spreadsheet program could easily change: names at their length limits,
// the scripts of the world and emoji, quotes, separators, leading zeros,
// cells that look like formulas, numbers, dates or booleans, spaces
// inside values and around secrets, Excel's _x0041_ escapes, text in NFD.
func awkwardRows() [][]string {
	long := strings.Repeat("Å", 127) + "b"
	return [][]string{
		{"uuid", "firstname", "lastname", "display_name", "username", "email", "password", "mobile_phone_number",
			"outgoing_caller_id", "call_permission_password", "groups", "rooms", "tags", "avatar",
			"line_protocol", "context", "exten", "sip_username", "sip_secret", "custom_interface", "provisioning_code",
			"voicemail_name", "voicemail_number", "voicemail_context", "voicemail_password", "voicemail_email", "call_permissions"},
		{"", long, long, "", "long.names", "long@example.com", "", "",
			"", "", "", "", "", "",
			"", "", "", "", "", "", "",
			"", "", "", "", "", ""},
		{"", "Zoë 🌈", `O"Brien, Jr.`, "'=quoted", "-dash", "+tag@example.com", "pass word", "0612 34 56 78",
			"=1+1", "0007", "Vélo,Café ☕,=sum", "Lobby,@home", "00123,1e5,TRUE,2024-01-01", "avatars/01.png",
			"sip", "default", "1007", "-sip", "  spaced secret  ", "", "012345",
			"@voicemail", "0042", "default", "0042#", "vm.zoe@example.com", "intl;national"},
		{"", "Ελένη", "Παπαδοπούλου", "'+plus", "@at", "=x@example.com", "", "",
			"'quoted'", "", "", "", "_x0041_,x_x000D_y", "",
			"custom", "default", "1008", "", "", "sip/_x0009_/=host", "",
			"", "", "", "", "", ""},
		{"", "Олена", "Коваль", "陈静 محمد שרה", "olena", "olena@exämple.com", "", "",
			"", "", "", "", "", "",
			"webrtc", "default", "", "", "", "", "",
			"", "", "", "", "", ""},
		{"", "प्रिया", "مهدی\u200cزاده", "👩\u200d💻 Jean  Pierre", "", "", "", "",
			"Jean\u00a0Pierre", "", "", "", "", "",
			"", "", "", "", "", "", "",
			"", "", "", "", "", ""},
		{"", "Jose\u0301", "NULL", "#N/A", "", "", "", "",
			"", "", "", "", "", "",
			"", "", "", "", "", "", "",
			"", "", "", "", "", ""},
	}
}

// TestAwkwardValuesSurviveEveryRoundTrip makes both round trips of the
// spec, in every export format, with awkwardRows: an export given back to
// update changes nothing, and an export with secrets imported into a new
// directory exports again the same.
func TestAwkwardValuesSurviveEveryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	copyAvatars(t, dir)
	src, _ := newDB(t)
	setTestReference(t, src)
	// From a workbook, whose cells hold "'=quoted" as it is: a CSV cell
	// "'=…" is export's escape of "=…".
	wantClean(t, importFile(t, src, writeSheet(t, filepath.Join(dir, "awkward.xlsx"), sheet.XLSX, awkwardRows()), options(t)))
	before := users(t, src)
	if len(before) != len(awkwardRows())-1 {
		t.Fatalf("%d users", len(before))
	}
	for _, u := range before {
		if n := utf8.RuneCountInString(u.DisplayName); n > 256 {
			t.Errorf("user %s: a display name of %d characters", u.Username, n)
		}
		if u.Firstname == "Jose\u0301" {
			t.Errorf("user %s: the firstname is stored in NFD", u.Username)
		}
	}
	for _, format := range []sheet.Format{sheet.CSV, sheet.TSV, sheet.XLSX, sheet.ODS, sheet.ZIP} {
		t.Run(string(format), func(t *testing.T) {
			ext := "." + string(format)
			export := filepath.Join(t.TempDir(), "users"+ext)
			if err := os.WriteFile(export, exportBytes(t, src, provision.ExportOptions{Format: format}), 0o644); err != nil {
				t.Fatal(err)
			}
			res := updateFile(t, src, export, options(t))
			wantCounts(t, res, counts{Rows: len(before), Unchanged: len(before)})
			wantSameUsers(t, before, users(t, src))

			first := exportBytes(t, src, provision.ExportOptions{Format: format, Secrets: true})
			path := filepath.Join(t.TempDir(), "first"+ext)
			if err := os.WriteFile(path, first, 0o644); err != nil {
				t.Fatal(err)
			}
			dst, _ := newDB(t)
			setTestReference(t, dst)
			wantClean(t, importFile(t, dst, path, options(t)))
			second := exportBytes(t, dst, provision.ExportOptions{Format: format, Secrets: true})
			switch format {
			case sheet.CSV, sheet.TSV:
				if !bytes.Equal(first, second) {
					t.Errorf("the second export differs from the first:\n%s\n%s", first, second)
				}
			case sheet.ZIP:
				a, b := zipEntries(t, first), zipEntries(t, second)
				if len(a) != len(b) || !bytes.Equal(a["users.csv"], b["users.csv"]) {
					t.Errorf("the second export differs from the first:\n%s\n%s", a["users.csv"], b["users.csv"])
				}
			default: // a workbook's bytes hold the time it was written: compare its cells
				a, b := readTable(t, first, "first"+ext), readTable(t, second, "second"+ext)
				if !sameTables(a, b) {
					t.Errorf("the second export differs from the first:\n%q\n%q", a.rows, b.rows)
				}
			}
			for _, want := range awkwardCells() {
				if !strings.Contains(string(textOf(t, first, "first"+ext)), want) {
					t.Errorf("the export has no cell %q", want)
				}
			}
		})
	}
}

// awkwardCells are values of awkwardRows that the export must hold as they
// were imported (or as import normalised them).
func awkwardCells() []string {
	return []string{"'=quoted", "=1+1", "0007", "00123", "_x0041_", "sip/_x0009_/=host", "  spaced secret  ",
		"👩\u200d💻 Jean  Pierre", "Jos\u00e9", "0042#", "012345", "O\"Brien, Jr."}
}

// textOf returns every cell of an export, one per line.
func textOf(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	if strings.HasSuffix(name, ".zip") {
		data, name = zipEntries(t, data)["users.csv"], "users.csv"
	}
	var b bytes.Buffer
	for _, r := range readTable(t, data, name).rows {
		for _, v := range r {
			b.WriteString(v + "\n")
		}
	}
	return b.Bytes()
}

func sameTables(a, b *table) bool {
	if strings.Join(a.header, ",") != strings.Join(b.header, ",") || len(a.rows) != len(b.rows) {
		return false
	}
	for i := range a.rows {
		for _, h := range a.header {
			if a.rows[i][h] != b.rows[i][h] {
				return false
			}
		}
	}
	return true
}

// TestAnEmptiedDisplayNameTakesItsDefault: an update that empties the
// display name gives the user its default again, so that the user exports
// and imports into a new directory as it is.
func TestAnEmptiedDisplayNameTakesItsDefault(t *testing.T) {
	dir := t.TempDir()
	src, _ := newDB(t)
	wantClean(t, importFile(t, src, writeCSV(t, dir, "users.csv", [][]string{
		{"uuid", "firstname", "lastname", "display_name", "username"},
		{"00000000-0000-4000-8000-000000000001", "Ann", "Lee", "The Boss", "ann"},
		{"00000000-0000-4000-8000-000000000002", "", "", "Agent", "agent.one"},
	}), options(t)))
	res := updateFile(t, src, writeCSV(t, dir, "update.csv", [][]string{
		{"uuid", "display_name"},
		{"00000000-0000-4000-8000-000000000001", ""},
		{"00000000-0000-4000-8000-000000000002", ""},
	}), options(t))
	wantCounts(t, res, counts{Rows: 2, Updated: 2})
	if a, b := userBy(t, src, byUsername, "ann").DisplayName, userBy(t, src, byUsername, "agent.one").DisplayName; a != "Ann Lee" || b != "agent.one" {
		t.Errorf("display names %q and %q, want Ann Lee and agent.one", a, b)
	}
	first := exportBytes(t, src, provision.ExportOptions{Format: sheet.CSV, Secrets: true})
	path := filepath.Join(dir, "first.csv")
	if err := os.WriteFile(path, first, 0o644); err != nil {
		t.Fatal(err)
	}
	dst, _ := newDB(t)
	wantClean(t, importFile(t, dst, path, options(t)))
	if second := exportBytes(t, dst, provision.ExportOptions{Format: sheet.CSV, Secrets: true}); !bytes.Equal(first, second) {
		t.Errorf("the second export differs from the first:\n%s\n%s", first, second)
	}
}
