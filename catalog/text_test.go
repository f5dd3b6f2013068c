package catalog_test

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/catalog"
)

// TestTextIsNFCAndVisible: text values are stored in NFC, and a value with
// a control character or one that cannot be seen fails its cell with a
// message naming the character, except where a secret would be told.
func TestTextIsNFCAndVisible(t *testing.T) {
	for _, c := range []struct {
		column, cell string
		want         string // the normalised value, or a part of the message
		ok           bool
	}{
		{"firstname", "Jose\u0301", "Jos\u00e9", true},
		{"lastname", "Zoë 🌈", "Zoë 🌈", true},
		{"display_name", "مهدی\u200cزاده", "مهدی\u200cزاده", true}, // a non-joiner inside a Persian name
		{"display_name", "👩\u200d💻 Ann", "👩\u200d💻 Ann", true},     // an emoji sequence
		{"display_name", "❤\ufe0f\u200d🔥", "❤\ufe0f\u200d🔥", true},
		{"firstname", "Ann\u00a0Marie", "Ann\u00a0Marie", true},
		{"groups", "Ve\u0301lo, IT", "V\u00e9lo,IT", true},
		{"email", "jose\u0301@example.com", "jos\u00e9@example.com", true},
		{"firstname", "Ann\u200bie", "invisible character U+200B (zero-width space) at character 4", false},
		{"display_name", "Ab\u200dc", "Ab\u200dc", true}, // a joiner right after an ASCII start
		{"lastname", "Lefèvre\u200b", "U+200B (zero-width space) at character 8", false},
		{"lastname", "Lefe\u0300vre\u200b", "U+200B (zero-width space) at character 9", false},
		{"lastname", "x\u202eevil", "U+202E (right-to-left override) at character 2", false},
		{"display_name", "Bo\u00adb", "U+00AD (soft hyphen)", false},
		{"firstname", "\ufeffAnn", "U+FEFF", false},
		{"firstname", "\u3164", "U+3164 (Hangul filler)", false},
		{"firstname", "Ann\u200d", "U+200D (zero-width joiner) at character 4", false},
		{"firstname", "\u200cAnn", "U+200C", false},
		{"firstname", "A\u200d\u200dB", "U+200D", false},
		{"firstname", "A \u200dB", "U+200D", false},
		{"email", "ann\u200cie@example.com", "U+200C", false}, // no joiner in an identity
		{"email", "a\u200bb@example.com", "U+200B", false},
		{"firstname", "Ann\tMarie", "a tab at character 4: a value must be a single line", false},
		{"outgoing_caller_id", "Sales\nDesk", "a line break at character 6", false},
		{"voicemail_name", "A\u2028B", "a line break U+2028 (line separator)", false},
		{"custom_interface", "sip/\x07", "a control character U+0007 at character 5", false},
		{"firstname", "A\u0085B", "U+0085", false},
		{"tags", "vip,re\u200bmote", "U+200B", false},
		{"role", "agent\u200b", "U+200B", false},
		{"firstname", "a\uffffb", "a noncharacter U+FFFF", false},
		{"firstname", "a\xffb", "not UTF-8", false},
		{"password", "pass\u200bword", "contains an invisible character, which is not allowed", false},
		{"sip_secret", "abc\tdef", "contains a tab, which is not allowed", false},
	} {
		col := catalog.Lookup(c.column)
		v, msg := col.Normalize(c.cell)
		switch {
		case c.ok && (msg != "" || v != c.want):
			t.Errorf("%s %+q: got %+q (%s), want %+q", c.column, c.cell, v, msg, c.want)
		case !c.ok && !strings.Contains(msg, c.want):
			t.Errorf("%s %q: got %q, message %q; want a message with %q", c.column, c.cell, v, msg, c.want)
		case !c.ok && col.Secret && strings.Contains(msg, "U+"):
			t.Errorf("%s %q: the message %q tells which character the secret holds", c.column, c.cell, msg)
		}
	}
}

// TestDuplicatesInAFileAreIdentities: two rows of one file whose usernames
// or emails differ only by case (Unicode's full folding), normalisation or
// compatibility forms are duplicates.
func TestDuplicatesInAFileAreIdentities(t *testing.T) {
	h, err := catalog.ParseHeader([]string{"firstname", "username", "email"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{})
	rows := [][]string{
		{"A", "Bob", "σοφιας@x.gr"},
		{"B", "bob", "ΣΟΦΙΑΣ@x.gr"},
		{"C", "ann", "jos\u00e9@example.com"},
		{"D", "ann2", "JOSE\u0301@example.com"},
		{"E", "ann3", "bob@example.com"},
		{"F", "ann4", "ｂｏｂ@example.com"},
		{"G", "ann5", "strasse@example.com"},
		{"H", "ann6", "STRAẞE@example.com"},
	}
	var got []string
	for i, cells := range rows {
		_, probs := k.Check(cells, i+2)
		for _, p := range probs {
			got = append(got, p.Column+"@"+itoa(p.Row)+": "+p.Message)
		}
	}
	want := []string{
		"username@03: duplicate of row 2", "email@03: duplicate of row 2",
		"email@05: duplicate of row 4", "email@07: duplicate of row 6", "email@09: duplicate of row 8",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !k.Taken(catalog.KeyEmail, "JOSÉ@example.com") || !k.Taken(catalog.KeyUsername, "BOB") {
		t.Error("Taken does not compare identities")
	}
}
