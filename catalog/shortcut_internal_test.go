package catalog

import (
	"strings"
	"testing"
)

// shortcutCases are values at the edges of the shortcuts a check takes for
// plain ASCII.
var shortcutCases = []string{"", " ", "a", " a", "a ", "\ta\n", "a\u00a0", "\u00a0a", "\x7f", "!", "~x~", "é",
	"ann@example.com", "Ann.Lee@Example.COM", "a@b", "@b", "a@", "a@@b", "a@b@c", ".a@b", "a.@b", "a@.b", "a@b.", "a..b@c",
	"a@b..c", "a b@c", "a@b c", "<a@b>", "a,b@c", "\"a b\"@c.d", "a@[1.2.3.4]", "ä@b.c", "a@B.ç", "A+tag@x.io",
	"a!#$%&'*+-/=?^_`{|}~@x.y", "a(comment)@b", "a@b\t", "MiXeD@CaSe"}

// TestShortcutsAgree: trim is strings.TrimSpace, plainASCII reads eight
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
	got, ok := email(s)
	if want, wantOK := emailRules(s); got != want || ok != wantOK {
		t.Errorf("email(%q) = %q, %v; its rules say %q, %v", s, got, ok, want, wantOK)
	}
}
