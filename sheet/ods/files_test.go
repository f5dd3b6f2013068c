package ods_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"testing"

	"github.com/roster-dev/roster/sheet/ods"
)

// The fixtures were saved by LibreOffice Calc 7.4 from the .csv beside
// them; numbers became float cells.

func TestCommpeak(t *testing.T) {
	want(t, mustRead(t, testdata(t, "commpeak-users.ods"), ods.Options{}),
		row{1, []string{"Username", "Email", "Virtual Extension", "Role", "Skill Group", "Desk"}},
		row{2, []string{"agent.one", "agent.one@callcenter.example", "1101", "agent"}},
		row{3, []string{"agent.two", "agent.two@callcenter.example", "1102", "agent"}},
		row{4, []string{"sup.one", "sup.one@callcenter.example", "", "supervisor"}},
		row{5, []string{"agent.three", "agent.three@callcenter.example", "", "agent"}},
	)
}

func TestTrueconf(t *testing.T) {
	want(t, mustRead(t, testdata(t, "trueconf-users.ods"), ods.Options{}),
		row{1, []string{"display_name", "login_name", "password", "email", "groups", "avatar"}},
		row{2, []string{"James Smith", "smith", "12345", "smith@company.name", "IT,Sales", "avatars/01.png"}},
		row{3, []string{"Ian Taylor", "taylor", "123qwerty", "taylor@company.name", "IT", "avatars/02.png"}},
		row{4, []string{"Олена Коваль", "koval", "s3cret-Pass", "olena.koval@company.name", "Sales", "avatars/03.png"}},
		row{5, []string{"Søren Kierkegaard", "soren", "pa55word", "soren@company.name"}},
		row{6, []string{"Zhang Wei", "zhangwei", "pa55word2", "zhang.wei@company.name", "IT,Support"}},
	)
}

func TestWazo(t *testing.T) {
	want(t, mustRead(t, testdata(t, "wazo-users.ods"), ods.Options{}),
		row{1, []string{"entity_id", "firstname", "lastname", "email", "language", "exten", "context", "line_protocol",
			"voicemail_name", "voicemail_number", "voicemail_context", "voicemail_password", "voicemail_attach_audio",
			"incall_exten", "incall_context", "incall_ring_seconds", "ring_seconds", "simultaneous_calls", "enabled",
			"call_permissions"}},
		// The file holds the password 0042 as the number 42, shown as 42.
		row{2, []string{"1", "John", "Doe", "john.doe@example.com", "en_US", "1000", "default", "sip",
			"Voicemail for John Doe", "1000", "default", "42", "1", "2050", "from-extern", "30", "30", "5", "1"}},
		row{3, []string{"1", "George", "Clinton", "george@example.com", "en_US", "1001", "default", "sip",
			"", "", "", "", "", "", "", "", "15", "2", "1"}},
		row{4, []string{"1", "Bill", "Bush", "", "fr_FR", "1002", "default", "sccp",
			"", "", "", "", "", "", "", "", "", "", "0"}},
		row{5, []string{"1", "Amélie", "Poulain", "amelie@example.fr", "fr_CA", "1003", "default", "webrtc",
			"Amélie", "1003", "default", "1234#", "0", "2051", "from-extern", "", "20", "3", "1"}},
	)
}

// TestFixturesMatchCSV checks every fixture cell by cell against the CSV it
// was made from: the same text, less the empty cells at the ends of rows,
// except where LibreOffice turned the text into a different number.
func TestFixturesMatchCSV(t *testing.T) {
	changed := map[string]string{"wazo-users row 2 column 12": "42"} // 0042
	for _, name := range []string{"commpeak-users", "trueconf-users", "wazo-users"} {
		records, err := csv.NewReader(bytes.NewReader(testdata(t, name+".csv"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := mustRead(t, testdata(t, name+".ods"), ods.Options{})
		if len(got) != len(records) {
			t.Fatalf("%s: %d rows, the CSV has %d", name, len(got), len(records))
		}
		for i, rec := range records {
			for j := range rec {
				if w, ok := changed[fmt.Sprintf("%s row %d column %d", name, i+1, j+1)]; ok {
					rec[j] = w
				}
			}
			for len(rec) > 0 && rec[len(rec)-1] == "" {
				rec = rec[:len(rec)-1]
			}
			if got[i].Num != i+1 || !slices.Equal(got[i].Cells, rec) {
				t.Errorf("%s: row %d %q, the CSV's row %d is %q", name, got[i].Num, got[i].Cells, i+1, rec)
			}
		}
	}
}

// messytables' files were made by older LibreOffice versions, with the
// million empty rows they write at the end of a sheet.

func TestSimple(t *testing.T) {
	for _, name := range []string{"simple.ods", "loffice-4.4.1.2.ods"} {
		t.Run(name, func(t *testing.T) {
			want(t, mustRead(t, testdata(t, name), ods.Options{}),
				row{1, []string{"Name", "Age", "When"}},
				row{2, []string{"Bob", "20", "2010-10-10"}},
				row{3, []string{"Jane", "23", "2012-01-01"}},
				row{4, []string{"Ian", "34", "2015-11-11"}},
			)
		})
	}
}

func TestBlankLine(t *testing.T) {
	want(t, mustRead(t, testdata(t, "blank_line.ods"), ods.Options{}),
		row{1, []string{"Name", "Age", "When"}},
		row{2, []string{"Bob", "20", "2010-10-10"}},
		row{3, []string{"Jane", "23", "2012-01-01"}},
		row{5, []string{"Ian", "34", "2015-11-11"}},
	)
}

func TestMultilineCell(t *testing.T) {
	data := testdata(t, "multilineods.ods")
	want(t, mustRead(t, data, ods.Options{}), row{1, []string{"1\n2\n3\n4"}})
	// Its other sheets have only an empty cell.
	want(t, mustRead(t, data, ods.Options{Sheet: "Sheet2"}))
	want(t, mustRead(t, data, ods.Options{Sheet: "3"}))
}

func TestFormats(t *testing.T) {
	// The file was saved in a German locale: it displays WAHR, 11,11,
	// 200,00% and 1,00E+005; the values are read instead.
	want(t, mustRead(t, testdata(t, "ods_formats.ods"), ods.Options{}),
		row{1, []string{"Date", "Time", "Boolean", "Float", "Currency", "Percentage", "Int", "Scientific", "Fractions", "Text"}},
		row{2, []string{"2014-11-11", "11:12:12", "TRUE", "11.11", "1", "200%", "3", "100000", "1.25", "abc"}},
		row{3, []string{"2001-01-01", "00:00:12", "FALSE", "", "-10000"}},
		row{4, []string{"", "0"}},
		row{5, []string{"", "27:17:54", "", "", "", "", "11"}},
		row{6, []string{"", "Other"}},
	)
}
