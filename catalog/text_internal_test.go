package catalog

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestBadRuneShortcuts: the blocks badRune passes without its table hold
// no character of the table; every character below U+0300 is NFC-stable,
// and a pair of stable characters is in NFC.
func TestBadRuneShortcuts(t *testing.T) {
	for r := rune(0xa0); r <= unicode.MaxRune; r++ {
		want := fine
		switch {
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
			want = invisible
		case r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe:
			want = nonCharacter
		case r == 0x2028 || r == 0x2029:
			want = lineBreak
		}
		if got := badRune(r); got != want {
			t.Fatalf("badRune(U+%04X) = %d, want %d", r, got, want)
		}
	}
	stable := func(r rune) bool { return nfcStable()[r>>6]&(1<<(r&63)) != 0 }
	for r := rune(0); r < 0x300; r++ {
		if !stable(r) {
			t.Fatalf("U+%04X is below U+0300 but not NFC-stable", r)
		}
	}
	// Pairs of stable characters of Latin, Greek and Cyrillic, the second
	// from where combining marks begin.
	var buf []byte
	for a := rune(0x20); a < 0x530; a++ {
		for b := rune(0x300); b < 0x530; b++ {
			buf = utf8.AppendRune(utf8.AppendRune(buf[:0], a), b)
			if stable(a) && stable(b) && !norm.NFC.IsNormal(buf) {
				t.Fatalf("%+q is not in NFC", buf)
			}
		}
	}
}

func BenchmarkCleanText(b *testing.B) {
	cells := []string{"Chloé", "Lefèvre", "chloe.lefevre1@example.com", "Олена", "Коваль", "María José", "Quality,Operations", "Jing", "Ελένη", "陈静"}
	for b.Loop() {
		for _, c := range cells {
			cleanText(c, true, false)
		}
	}
}

// TestTrimIsTrimSpace: trim answers as strings.TrimSpace does, at both
// ends, for ASCII, for letters and white space beyond ASCII, and for bytes
// that are not UTF-8.
func TestTrimIsTrimSpace(t *testing.T) {
	ends := []string{"", "a", "é", "ь", "陈", " ", "\t", "\u00a0", "\u0085", "\u2028", "\u3000", "\u200b", "\x7f", "\x01", "\xff", "\xc3", "\xe2\x80", "👩"}
	for _, a := range ends {
		for _, b := range ends {
			for _, mid := range []string{"", "x", " y ", "Lefèvre"} {
				s := a + mid + b
				if got, want := trim(s), strings.TrimSpace(s); got != want {
					t.Errorf("trim(%+q) = %+q, want %+q", s, got, want)
				}
			}
		}
	}
}
