package catalog

import (
	"regexp"
	"strings"
	"testing"
)

// shortcutCases are values at the edges of the shortcuts a check takes for
// plain ASCII.
var shortcutCases = []string{"", " ", "a", " a", "a ", "\ta\n", "a\u00a0", "\u00a0a", "\x7f", "!", "~x~", "é",
	"ann@example.com", "Ann.Lee@Example.COM", "a@b", "@b", "a@", "a@@b", "a@b@c", ".a@b", "a.@b", "a@.b", "a@b.", "a..b@c",
	"a@b..c", "a b@c", "a@b c", "<a@b>", "a,b@c", "\"a b\"@c.d", "a@[1.2.3.4]", "ä@b.c", "a@B.ç", "A+tag@x.io",
	"a!#$%&'*+-/=?^_`{|}~@x.y", "a(comment)@b", "a@b\t", "MiXeD@CaSe",
	"+33 6 28 76 15 70", "+", "++1", "1+2", "+(33) 6-28.76", "*31#", "0\u00a06", "0\xc2", "0\xc2 6", "-", " +1", "12345678901234567890123456789012345", "ab", "a", "a_b.c@d+e-f", "a/b", "a b", "ü.x", "a\x00b",
	strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 240) + "@example.com", strings.Repeat("a", 243) + "@example.com",
	"Ünïcode@example.com", "a@b\u00e9.fr", "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3"}

// TestShortcutsAgree: every column normalises a value as it does without
// the shortcuts for plain usernames and addresses, trim is
// strings.TrimSpace, usernameChars is its pattern, phoneNumber's one pass
// answers as the separate cleaning and check it replaced, plainASCII reads eight
// bytes as the byte-by-byte test would, and email's one pass over a plain
// address answers as its full rules do.
func TestShortcutsAgree(t *testing.T) {
	for _, s := range shortcutCases {
		checkShortcuts(t, s)
	}
}

func FuzzShortcutsAgree(f *testing.F) {
	for _, s := range shortcutCases {
		f.Add(s)
	}
	f.Fuzz(checkShortcuts)
}

func checkShortcuts(t *testing.T, s string) {
	if got, want := trim(s), strings.TrimSpace(s); got != want {
		t.Errorf("trim(%q) = %q, TrimSpace %q", s, got, want)
	}
	if len(s) >= 8 {
		want := true
		for i := range 8 {
			want = want && s[i] >= 0x20 && s[i] < 0x7f
		}
		if got := plainASCII(s[:8]); got != want {
			t.Errorf("plainASCII(%q) = %v", s[:8], got)
		}
	}
	if got, ok := phoneNumber(s); got != phoneDigits(s) && ok || ok != phone(phoneDigits(s)) {
		t.Errorf("phoneNumber(%q) = %q, %v; its two passes say %q, %v", s, got, ok, phoneDigits(s), phone(phoneDigits(s)))
	}
	if got, want := usernameChars(s), usernamePattern.MatchString(s); got != want {
		t.Errorf("usernameChars(%q) = %v, the pattern says %v", s, got, want)
	}
	for _, c := range Columns {
		got, msg := c.normalize(s, true)
		if want, wantMsg := c.normalize(s, false); got != want || msg != wantMsg {
			t.Errorf("%s: Normalize(%q) = %q, %q; without its shortcuts %q, %q", c.Name, s, got, msg, want, wantMsg)
		}
	}
	got, ok := email(s)
	if want, wantOK := emailRules(s); got != want || ok != wantOK {
		t.Errorf("email(%q) = %q, %v; its rules say %q, %v", s, got, ok, want, wantOK)
	}
}

// usernamePattern is what usernameChars checks, as the columns' table says it.
var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9._@+-]{2,64}$`)

// phoneDigits and phone are the two passes phoneNumber replaced, kept as
// its reference: the separators removed, then what is left checked.
func phoneDigits(v string) string {
	var b []byte
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ' ', '-', '.', '(', ')':
		default:
			if c == 0xC2 && i+1 < len(v) && v[i+1] == 0xA0 {
				i++
				continue
			}
			b = append(b, c)
		}
	}
	return string(b)
}

func phone(p string) bool {
	p = strings.TrimPrefix(p, "+")
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		if (p[i] < '0' || p[i] > '9') && p[i] != '*' && p[i] != '#' {
			return false
		}
	}
	return true
}
