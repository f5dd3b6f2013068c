package catalog

import "hash/maphash"

// keySet remembers the unique values of a file and the first row of each.
// A million usernames kept as Go strings would cost the garbage collector a
// scan of a million pointers at every cycle, and a Go map a second probe
// for every insertion. So values are kept as 96-bit hashes (64 + 32 bits,
// under two independent seeds) in an open-addressing table of its own,
// which holds no pointers and claims a value with one probe. Two different
// values share a hash with a probability of about n²/2⁹⁷: for a million
// rows, 10⁻¹⁷, far below the odds of a memory error.
type keySet struct {
	seeds [2]maphash.Seed
	slots []slot
	n     int
}

// slot is one entry; row 0 marks an empty slot (data rows start at 2).
type slot struct {
	h1  uint64
	h2  uint32
	row int32
}

func newKeySet() *keySet {
	return &keySet{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// find returns the slot of a value's hashes: its own, or the empty one
// where it would go.
func (s *keySet) find(h1 uint64, h2 uint32) *slot {
	mask := uint64(len(s.slots) - 1)
	for i := h1 & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if sl.row == 0 || sl.h1 == h1 && sl.h2 == h2 {
			return sl
		}
	}
}

// A hashed value is the two hashes of a value; the zero one stands for no
// value. Hashing needs only the seeds, which never change, so it can be
// done on any goroutine, ahead of the claims.
type hashed struct {
	h1 uint64
	h2 uint32
	ok bool
}

func (s *keySet) hash(v string) hashed {
	if v == "" {
		return hashed{}
	}
	return hashed{maphash.String(s.seeds[0], v), uint32(maphash.String(s.seeds[1], v)), true}
}

// claim records the value for the row unless an earlier row has it, and
// returns the row that has it first. No value is no claim.
func (s *keySet) claim(v string, row int) int { return s.claimHashed(s.hash(v), row) }

func (s *keySet) claimHashed(h hashed, row int) int {
	if !h.ok {
		return row
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	sl := s.find(h.h1, h.h2)
	if sl.row != 0 {
		return int(sl.row)
	}
	*sl = slot{h1: h.h1, h2: h.h2, row: int32(row)}
	s.n++
	return row
}

// touch reads the slot where the search for a value starts, so that it is
// in the cache when the value is claimed.
func (s *keySet) touch(h hashed) int32 {
	if len(s.slots) == 0 {
		return 0
	}
	return s.slots[h.h1&uint64(len(s.slots)-1)].row
}

func (s *keySet) has(v string) bool {
	if s.n == 0 || v == "" {
		return false
	}
	h := s.hash(v)
	return s.find(h.h1, h.h2).row != 0
}

// grow doubles the table, keeping it at most half full.
func (s *keySet) grow() { s.reserve(max(512, len(s.slots))) }

// reserve makes room for n values, so that a big file's table is not
// rebuilt over and over as it fills.
func (s *keySet) reserve(n int) {
	size := 1024
	for size < 2*n {
		size *= 2
	}
	if size <= len(s.slots) {
		return
	}
	old := s.slots
	s.slots = make([]slot, size)
	for _, sl := range old {
		if sl.row != 0 {
			*s.find(sl.h1, sl.h2) = sl
		}
	}
}
