package catalog

import (
	"strings"
	"testing"
)

func TestNormalListAgreesWithSplitList(t *testing.T) {
	for _, v := range []string{"a", "a,b", "a, b", "a,,b", "a,A", "a,b,a", " a", "a,b,", ",a", "IT,Sales,Support", "x;y"} {
		want := strings.Join(splitList(v, ","), ",")
		if got := normalList(v, ","); got != (want == v) {
			t.Errorf("%q: normalList %v, but splitList gives %q", v, got, want)
		}
	}
}
