package catalog

import (
	"strconv"
	"testing"
)

// TestKeySetRemembersFirstRows claims 200,000 values into a table that
// starts empty and grows, then claims them again: each answers the row
// that had it first, whether the table was reserved or grew, and values
// never claimed are not taken.
func TestKeySetRemembersFirstRows(t *testing.T) {
	for _, reserved := range []int{0, 50_000, 200_000} {
		s := newKeySet()
		s.reserve(reserved)
		const n = 200_000
		for i := range n {
			if got := s.claim("user"+strconv.Itoa(i), i+2); got != i+2 {
				t.Fatalf("reserved %d: value %d claimed first by row %d, not its own %d", reserved, i, got, i+2)
			}
		}
		for i := range n {
			if got := s.claim("user"+strconv.Itoa(i), n+i+2); got != i+2 {
				t.Fatalf("reserved %d: value %d again: row %d, want %d", reserved, i, got, i+2)
			}
			if s.has("other" + strconv.Itoa(i)) {
				t.Fatalf("reserved %d: other%d was never claimed", reserved, i)
			}
		}
		if len(s.entries) != n || 2*n > len(s.slots) {
			t.Fatalf("reserved %d: %d entries in %d slots", reserved, len(s.entries), len(s.slots))
		}
	}
}
