package dirrow

import (
	"testing"

	"github.com/roster-dev/roster"
)

// TestNamesFold checks that remembered foldings are FoldIdentity's, and
// that a name folded before costs no allocation (folding one that is not
// ASCII afresh allocates).
func TestNamesFold(t *testing.T) {
	names := []string{"", "emile", "Emile", "Émile", "E\u0301mile", "ΣΟΦΙΑ", "σοφια", "ｂｏｂ", "Straße", "ǅemal", "İlker"}
	var n Names
	var none *Names
	for range 2 {
		for _, s := range names {
			want := roster.FoldIdentity(s)
			if got := n.Fold(s); got != want {
				t.Errorf("Fold(%q) = %q, want %q", s, got, want)
			}
			if got := none.Fold(s); got != want {
				t.Errorf("nil Fold(%q) = %q, want %q", s, got, want)
			}
		}
	}
	if a := testing.AllocsPerRun(100, func() { n.Fold("Émile") }); a != 0 {
		t.Errorf("folding a remembered name allocates %v times", a)
	}
}
