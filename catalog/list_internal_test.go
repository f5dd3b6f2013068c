package catalog

import (
	"fmt"
	"strings"
	"testing"
)

func TestNormalListAgreesWithSplitList(t *testing.T) {
	var long []string
	for i := range 40 {
		long = append(long, fmt.Sprintf("Item%d", i))
	}
	many := strings.Join(long, ",")
	for _, v := range []string{"a", "a,b", "a, b", "a,,b", "a,A", "a,b,a", " a", "a,b,", ",a", "IT,Sales,Support", "x;y",
		many, many + ",item3", many + ",ITEM39", many + ",item40", many + ",Kelvin,kelvin", many + ",σ,ς,Σ"} {
		want := strings.Join(splitList(v, ","), ",")
		if got := normalList(v, ","); got != (want == v) {
			t.Errorf("%q: normalList %v, but splitList gives %q", v, got, want)
		}
	}
}

// TestFoldKeyIsEqualFold: two strings have the same foldKey exactly when
// strings.EqualFold says they are equal.
func TestFoldKeyIsEqualFold(t *testing.T) {
	words := []string{"a", "A", "k", "K", "\u212a", "σ", "ς", "Σ", "ß", "ẞ", "ss", "İ", "i", "ı", "I", "é", "É", "e\u0301"}
	for _, a := range words {
		for _, b := range words {
			if (foldKey(a) == foldKey(b)) != strings.EqualFold(a, b) {
				t.Errorf("%q, %q: same foldKey %v, EqualFold %v", a, b, foldKey(a) == foldKey(b), strings.EqualFold(a, b))
			}
		}
	}
}
