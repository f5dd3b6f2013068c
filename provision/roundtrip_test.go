package provision_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// richRows is a file that gives every column of the catalogue, with values
// that export must escape (cells starting with = + - @), accents, secrets
// given and generated, and every resource.
func richRows() [][]string {
	return [][]string{
		{"uuid", "tenant", "firstname", "lastname", "display_name", "username", "email", "password", "language",
			"mobile_phone_number", "outgoing_caller_id", "enabled", "supervision_enabled", "call_transfer_enabled",
			"dtmf_hangup_enabled", "simultaneous_calls", "ring_seconds", "call_permission_password", "role", "auth_type",
			"groups", "rooms", "skill_groups", "desk", "tags", "cti_profile_enabled", "cti_profile_name",
			"line_protocol", "context", "exten", "sip_username", "sip_secret", "custom_interface", "provisioning_code",
			"incall_exten", "incall_context", "incall_ring_seconds",
			"voicemail_name", "voicemail_number", "voicemail_context", "voicemail_password", "voicemail_email",
			"voicemail_attach_audio", "voicemail_delete_messages", "voicemail_ask_password", "call_permissions"},
		{"aaaaaaaa-0000-4000-8000-000000000001", "default", "Zoë", "Ångström", "Zoë Å.", "zoe", "zoe@Example.COM", "secret-pass", "fr_FR",
			"+33 6 12 34 56 78", "=1+1", "0", "0", "1",
			"1", "3", "25", "0007", "admin", "totp",
			"Sales,IT", "Lobby", "support", "D1", "vip,remote", "1", "Agent",
			"custom", "default", "1500", "", "", "dahdi/i1/1500", "",
			"2100", "from-extern", "45",
			"Zoë VM", "1500", "default", "1#2", "vm@example.com",
			"1", "1", "0", "intl;national"},
		{"aaaaaaaa-0000-4000-8000-000000000002", "", "Max", "-Minus", "", "maxm", "max@example.com", "", "en_US",
			"", "@caller", "1", "1", "0",
			"0", "5", "30", "", "agent", "default",
			"", "", "", "", "", "", "",
			"sip", "default", "1501", "max_sip", "+secret=1", "", "123456",
			"", "", "",
			"", "", "", "", "",
			"", "", "", ""},
		{"", "", "Plain", "User", "", "", "", "", "",
			"", "", "", "", "",
			"", "", "", "", "", "",
			"", "", "", "", "", "", "",
			"webrtc", "default", "", "", "", "", "",
			"", "", "",
			"", "", "", "", "",
			"", "", "", ""},
	}
}

// populate fills a new directory for a round trip.
type populate struct {
	name string
	fill func(t *testing.T, db roster.Directory)
}

var populations = []populate{
	{"wazo", func(t *testing.T, db roster.Directory) {
		wantClean(t, importFile(t, db, fixture("wazo-users.csv"), options(t)))
	}},
	{"trueconf", func(t *testing.T, db roster.Directory) {
		wantClean(t, importFile(t, db, fixture("trueconf-users.csv"), options(t)))
	}},
	{"commpeak", func(t *testing.T, db roster.Directory) {
		wantClean(t, importFile(t, db, fixture("commpeak-users.csv"), commpeakOptions(t)))
	}},
	{"every column", func(t *testing.T, db roster.Directory) {
		setTestReference(t, db)
		wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "rich.csv", richRows()), options(t)))
	}},
}

// TestExportThenUpdateChangesNothing is the first round trip of the spec:
// an export, given back to update, leaves every user unchanged.
func TestExportThenUpdateChangesNothing(t *testing.T) {
	for _, p := range populations {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			db, path := newDB(t)
			p.fill(t, db)
			before := users(t, db)
			writes := writeCounter(t, path)
			export := filepath.Join(t.TempDir(), "users.csv")
			if err := os.WriteFile(export, exportBytes(t, db, provision.ExportOptions{Format: sheet.CSV}), 0o644); err != nil {
				t.Fatal(err)
			}
			res := updateFile(t, db, export, options(t))
			wantCounts(t, res, counts{Rows: len(before), Unchanged: len(before)})
			if res.Applied {
				t.Error("applied, want nothing written")
			}
			if n := writes(); n != 0 {
				t.Errorf("the update wrote %d users rows, want none", n)
			}
			wantSameUsers(t, before, users(t, db))
		})
	}
}

// TestExportZIPThenUpdateChangesNothing is the same round trip through a
// ZIP export, whose avatar column and pictures update nothing either.
func TestExportZIPThenUpdateChangesNothing(t *testing.T) {
	db, _ := newDB(t)
	wantClean(t, importFile(t, db, fixture("trueconf-bundle.zip"), options(t)))
	before := users(t, db)
	z := exportZIP(t, db, false)
	if len(z.entries) != 4 {
		t.Fatalf("the export ZIP holds %v, want users.csv and 3 pictures", mapKeys(z.entries))
	}
	export := filepath.Join(t.TempDir(), "export.zip")
	if err := os.WriteFile(export, exportBytes(t, db, provision.ExportOptions{Format: sheet.ZIP}), 0o644); err != nil {
		t.Fatal(err)
	}
	res := updateFile(t, db, export, options(t))
	wantCounts(t, res, counts{Rows: 5, Unchanged: 5})
	if res.Applied {
		t.Error("applied, want nothing written")
	}
	wantSameUsers(t, before, users(t, db))
}

// wantSameUsers checks that two listings of the directory are alike.
func wantSameUsers(t *testing.T, before, after []*roster.User) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%d users, then %d", len(before), len(after))
	}
	for i := range before {
		if d := diffUsers(before[i], after[i]); d != "" {
			t.Errorf("user %s changed: %s", before[i].UUID, d)
		}
	}
}

// TestExportWithSecretsImportsIntoANewDirectoryIdentically is the second
// round trip of the spec: export with secrets, import into a new directory,
// export again: the two files are the same bytes.
func TestExportWithSecretsImportsIntoANewDirectoryIdentically(t *testing.T) {
	for _, p := range populations {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			src, _ := newDB(t)
			p.fill(t, src)
			first := exportBytes(t, src, provision.ExportOptions{Format: sheet.CSV, Secrets: true})
			exp := readTable(t, first, "first.csv")
			for _, col := range []string{"uuid", "password_hash", "sip_secret", "provisioning_code"} {
				if _, ok := exp.rows[0][col]; !ok {
					t.Fatalf("the export with secrets has no %s column (header %q)", col, exp.header)
				}
			}
			path := filepath.Join(t.TempDir(), "first.csv")
			if err := os.WriteFile(path, first, 0o644); err != nil {
				t.Fatal(err)
			}
			dst, _ := newDB(t)
			if p.name == "every column" {
				setTestReference(t, dst)
			}
			res := importFile(t, dst, path, options(t))
			wantClean(t, res)
			wantCounts(t, res, counts{Rows: len(exp.rows), Created: len(exp.rows)})
			second := exportBytes(t, dst, provision.ExportOptions{Format: sheet.CSV, Secrets: true})
			if !bytes.Equal(first, second) {
				t.Errorf("the second export differs from the first:\nfirst:\n%s\nsecond:\n%s", first, second)
			}
		})
	}
}

// TestExportZIPWithSecretsImportsIntoANewDirectoryIdentically makes the
// same round trip with pictures, through ZIP exports.
func TestExportZIPWithSecretsImportsIntoANewDirectoryIdentically(t *testing.T) {
	src, _ := newDB(t)
	wantClean(t, importFile(t, src, fixture("trueconf-bundle.zip"), options(t)))
	first := exportZIP(t, src, true)
	path := filepath.Join(t.TempDir(), "first.zip")
	if err := os.WriteFile(path, exportBytes(t, src, provision.ExportOptions{Format: sheet.ZIP, Secrets: true}), 0o644); err != nil {
		t.Fatal(err)
	}
	dst, _ := newDB(t)
	wantClean(t, importFile(t, dst, path, options(t)))
	second := exportZIP(t, dst, true)
	if !bytes.Equal(first.users, second.users) {
		t.Errorf("users.csv differs:\nfirst:\n%s\nsecond:\n%s", first.users, second.users)
	}
	if len(first.entries) != len(second.entries) {
		t.Errorf("the ZIPs hold %v and %v", mapKeys(first.entries), mapKeys(second.entries))
	}
	for name, b := range first.entries {
		if !bytes.Equal(b, second.entries[name]) {
			t.Errorf("%s differs", name)
		}
	}
}

// TestExportColumnsOrderAndEscapes: the export has uuid first, the
// catalogue's order, provisioning_code last, no password ever, secrets only
// when asked; users sorted by tenant, lastname, firstname, uuid; cells
// starting with = + - @ escaped with a quote.
func TestExportColumnsOrderAndEscapes(t *testing.T) {
	db, _ := newDB(t)
	setTestReference(t, db)
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "rich.csv", richRows()), options(t)))
	wantClean(t, importFile(t, db, writeCSV(t, t.TempDir(), "more.csv", [][]string{
		{"uuid", "firstname", "lastname"},
		{"00000000-0000-4000-8000-000000000009", "Same", "Name"},
		{"00000000-0000-4000-8000-000000000008", "Same", "Name"},
		{"", "Another", "Name"},
	}), options(t)))
	var all []string
	for _, c := range catalog.Columns {
		all = append(all, c.Name)
	}
	secrets := map[string]bool{"password_hash": true, "call_permission_password": true, "sip_secret": true, "voicemail_password": true}
	for _, withSecrets := range []bool{false, true} {
		raw := exportBytes(t, db, provision.ExportOptions{Format: sheet.CSV, Secrets: withSecrets})
		exp := readTable(t, raw, "export.csv")
		var want []string
		for _, name := range all {
			if name == "password" || name == "avatar" || name == "provisioning_code" || secrets[name] && !withSecrets {
				continue
			}
			want = append(want, name)
		}
		want = append(want, "provisioning_code")
		if !slices.Equal(exp.header, want) {
			t.Errorf("secrets %v: header %q, want %q", withSecrets, exp.header, want)
		}
		var order []string
		for _, r := range exp.rows {
			order = append(order, r["lastname"]+","+r["firstname"]+","+r["uuid"][:8])
		}
		wantOrder := []string{"-Minus,Max,aaaaaaaa", "Name,Another,", "Name,Same,00000000", "Name,Same,00000000", "User,Plain,", "Ångström,Zoë,aaaaaaaa"}
		for i := range order {
			if i < len(wantOrder) && !strings.HasPrefix(order[i], wantOrder[i]) {
				t.Errorf("secrets %v: export order %q, want %q", withSecrets, order, wantOrder)
				break
			}
		}
		if exp.rows[2]["uuid"] > exp.rows[3]["uuid"] {
			t.Errorf("users of the same name are not sorted by uuid: %s, %s", exp.rows[2]["uuid"], exp.rows[3]["uuid"])
		}
		for _, cell := range []string{"'=1+1", "'-Minus", "'@caller", "'+33612345678"} {
			if !bytes.Contains(raw, []byte(","+cell+",")) {
				t.Errorf("secrets %v: the export does not hold the escaped cell %s", withSecrets, cell)
			}
		}
		if withSecrets && !bytes.Contains(raw, []byte(",'+secret=1,")) {
			t.Error("the secret sip_secret +secret=1 is not escaped")
		}
		if bytes.Contains(raw, []byte("secret-pass")) {
			t.Error("the export holds a plaintext password")
		}
	}
}
