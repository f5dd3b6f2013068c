package roster_test

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/roster-dev/roster"
)

func TestFoldIdentity(t *testing.T) {
	same := [][2]string{
		{"Bob@Example.com", "bob@example.com"},
		{"ΣΟΦΙΑ@x.gr", "σοφια@x.gr"},
		{"σοφιας", "ΣΟΦΙΑΣ"}, // final sigma folds like the others
		{"jose\u0301", "jos\u00e9"},
		{"ｂｏｂ", "bob"},
		{"Straße", "strasse"},
		{"ﬁona", "fiona"},
	}
	for _, p := range same {
		if a, b := roster.FoldIdentity(p[0]), roster.FoldIdentity(p[1]); a != b {
			t.Errorf("FoldIdentity(%q) = %q, FoldIdentity(%q) = %q: want them equal", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"bob", "bob1"},
		{"jose", "josé"},
		{"ivan", "іvan"}, // Cyrillic і is another letter, not a form of i
	}
	for _, p := range differ {
		if roster.FoldIdentity(p[0]) == roster.FoldIdentity(p[1]) {
			t.Errorf("FoldIdentity(%q) == FoldIdentity(%q): want them distinct", p[0], p[1])
		}
	}
}

func BenchmarkFoldIdentityASCII(b *testing.B) {
	for b.Loop() {
		roster.FoldIdentity("jane.doe@example.com")
	}
}

// FuzzFoldIdentity holds FoldIdentity, which reads ASCII eight bytes at a
// time, to its definition: NFKC and full case folding, twice over.
func FuzzFoldIdentity(f *testing.F) {
	for _, s := range []string{"", "a", "Bob@Example.com", "jane.doe@example.com", "ABCDEFGHIJKLMNOPQRSTUVWXYZ@[]^_`{|}~",
		"@@@@@@@@[[[[[[[[", "abcdefgZ", "abcdefghZ", "abcdefgh\u00e9", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "ΣΟΦΙΑΣ", "ｂｏｂ12345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
		if got := roster.FoldIdentity(s); got != want && utf8.ValidString(s) {
			t.Fatalf("FoldIdentity(%q) = %q, want %q", s, got, want)
		}
	})
}
