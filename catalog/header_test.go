package catalog_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roster-dev/roster/catalog"
)

// TestHintsOnlyWhenClose: an unknown header gets a "did you mean" only when
// it is a likely typo of a column, never a far one.
func TestHintsOnlyWhenClose(t *testing.T) {
	for header, want := range map[string]string{
		"emial": "email", "usrname": "username", "frist_name": "firstname", "Lastnam": "lastname",
		"dispaly name": "display_name", "groupes": "groups", "roomz": "rooms", "langauge": "language",
		"extention": "exten", "tga": "tags", "photos": "avatar", "contex": "context",
		"foo": "", "fone": "", "fname": "", "id": "", "department": "", "title": "", "notes": "",
		"manager": "", "location": "", "employee_id": "", "phone number": "", "status": "", "ext": "",
	} {
		if got := catalog.Hint(header); got != want {
			t.Errorf("Hint(%q) = %q, want %q", header, got, want)
		}
	}
	h, err := catalog.ParseHeader([]string{"foo", "firstname"}, catalog.HeaderOptions{})
	if err != nil || len(h.Ignored) != 1 || h.Ignored[0].Hint != "" {
		t.Errorf("the header foo: %+v, %v; want it ignored without a hint", h.Ignored, err)
	}
}

// TestPhoneAliases: phone, cell and cellphone name the mobile phone number.
func TestPhoneAliases(t *testing.T) {
	for _, header := range []string{"phone", "Phone", "cell", "Cell Phone", "cellphone", "mobile"} {
		h, err := catalog.ParseHeader([]string{header, "firstname"}, catalog.HeaderOptions{})
		if err != nil || len(h.Ignored) != 0 || h.Position(catalog.Lookup("mobile_phone_number")) != 0 {
			t.Errorf("header %q: ignored %+v, %v; want mobile_phone_number", header, h.Ignored, err)
		}
	}
}

// TestANameOrAUsernameSuffices: a row needs a firstname, a display name or
// a username; with none of them, firstname is the missing column.
func TestANameOrAUsernameSuffices(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"firstname", "display_name", "username", "email"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{})
	for i, c := range []struct {
		cells []string
		ok    bool
	}{
		{[]string{"Ann", "", "", ""}, true},
		{[]string{"", "Ann Lee", "", ""}, true},
		{[]string{"", "", "agent.one", "agent.one@example.com"}, true},
		{[]string{"", "", "", "nobody@example.com"}, false},
	} {
		_, probs := k.Check(c.cells, i+2)
		if ok := len(probs) == 0; ok != c.ok || !ok && (len(probs) != 1 || probs[0].Column != "firstname") {
			t.Errorf("row %q: problems %+v, want ok %v", c.cells, probs, c.ok)
		}
	}
}

// TestDefaultDisplayNameFitsItsColumn: the default display name is
// "firstname lastname", else the username, cut to 256 characters between
// two characters, without a space or a joiner left at its end, so that the
// column takes it back.
func TestDefaultDisplayNameFitsItsColumn(t *testing.T) {
	col := catalog.Lookup("display_name")
	long := strings.Repeat("é", 128)
	for _, c := range []struct {
		first, last, username, want string
	}{
		{"Ann", "Lee", "ann", "Ann Lee"},
		{"", "Lee", "ann", "Lee"},
		{"", "", "agent.one", "agent.one"},
		{long, long, "", long + " " + strings.Repeat("é", 127)},
		{strings.Repeat("a", 255), "b", "", strings.Repeat("a", 255)},
		{strings.Repeat("a", 254), "👩\u200d💻", "", strings.Repeat("a", 254) + " 👩"},
		{strings.Repeat("😀", 200), strings.Repeat("😀", 100), "", strings.Repeat("😀", 200) + " " + strings.Repeat("😀", 55)},
	} {
		got := catalog.DisplayName(c.first, c.last, c.username)
		if got != c.want {
			t.Errorf("DisplayName(%d, %d characters, %q) = %q (%d characters), want %d characters", utf8.RuneCountInString(c.first),
				utf8.RuneCountInString(c.last), c.username, got, utf8.RuneCountInString(got), utf8.RuneCountInString(c.want))
		}
		if v, msg := col.Normalize(got); msg != "" || v != got {
			t.Errorf("display_name refuses the default %q: %s", got, msg)
		}
	}
}

// TestMapToNothingIgnoresAHeader: --map 'Role=' leaves a header out, even
// one that names a column, so that a person mapping a file by hand can give
// every row the same value instead; strict does not count it as unknown.
func TestMapToNothingIgnoresAHeader(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"Username", "Role"}, catalog.HeaderOptions{Map: map[string]string{"role": ""}, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if h.InFile(catalog.Lookup("role")) || len(h.Ignored) != 1 || h.Ignored[0].Column != "Role" {
		t.Errorf("role in the file: %v; ignored %+v", h.InFile(catalog.Lookup("role")), h.Ignored)
	}
	h, err = catalog.ParseHeader([]string{"Username", "Role"}, catalog.HeaderOptions{Map: map[string]string{"role": ""},
		Set: map[string]string{"role": "agent"}})
	if err != nil || h.Cell([]string{"ann", "supervisor"}, catalog.Lookup("role")) != "agent" {
		t.Errorf("role with --set after --map Role=: %v", err)
	}
	if _, err := catalog.ParseHeader([]string{"Username"}, catalog.HeaderOptions{Map: map[string]string{"Role": ""}}); err == nil {
		t.Error("ignoring a header the file does not have is accepted")
	}
}
