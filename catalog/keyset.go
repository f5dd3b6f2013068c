package catalog

import (
	"hash/maphash"
	"math/bits"
)

// keySet remembers the unique values of a file and the first row of each.
// A million usernames kept as Go strings would cost the garbage collector a
// scan of a million pointers at every cycle, and a Go map a second probe
// for every insertion. So values are kept as 96-bit hashes (64 + 32 bits,
// under two independent seeds) in tables of their own, which hold no
// pointers. Two different values share a hash with a probability of about
// n²/2⁹⁷: for a million rows, 10⁻¹⁷, far below the odds of a memory error.
//
// The planner claims every row's values in row order, so each claim waits
// on memory: a table of a million 16-byte entries is far larger than the
// processor's caches, and a lookup anywhere in it misses them. So the
// entries are appended in the order they are claimed (written one after
// the other), and the table searched is of 4-byte slots, each the place
// of an entry and a few more bits of its hash (the tag): for a million
// values it is 8 MiB, which the caches hold, and an entry is read only
// when its tag matches, for a duplicate or one value in two thousand.
type keySet struct {
	seeds   [2]maphash.Seed
	slots   []uint32 // 0, or the entry's index + 1 above the tag
	entries []entry  // the values, in the order they were claimed
	tagBits uint     // the bits of a slot below the entry's index
}

// entry is a value's hashes and the first row that has it.
type entry struct {
	h1  uint64
	h2  uint32
	row int32
}

func newKeySet() *keySet {
	return &keySet{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// find returns the entry of a value's hashes, or -1 and the empty slot
// where it would go. Slots are found from the low bits of h1 and tagged
// with the high bits of h2.
func (s *keySet) find(h1 uint64, h2 uint32) (int, *uint32) {
	mask := uint64(len(s.slots) - 1)
	tagMask := uint32(1)<<s.tagBits - 1
	tag := h2 >> (32 - s.tagBits)
	for i := h1 & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		switch {
		case *sl == 0:
			return -1, sl
		case *sl&tagMask == tag:
			if j := int(*sl>>s.tagBits) - 1; s.entries[j].h1 == h1 && s.entries[j].h2 == h2 {
				return j, sl
			}
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
	if 2*(len(s.entries)+1) > len(s.slots) {
		s.grow()
	}
	j, sl := s.find(h.h1, h.h2)
	if j >= 0 {
		return int(s.entries[j].row)
	}
	s.entries = append(s.entries, entry{h1: h.h1, h2: h.h2, row: int32(row)})
	*sl = s.slot(len(s.entries)-1, h.h2)
	return row
}

// slot is what the slot of entry j holds.
func (s *keySet) slot(j int, h2 uint32) uint32 {
	return uint32(j+1)<<s.tagBits | h2>>(32-s.tagBits)
}

// touch reads the slot where the search for a value starts, so that it is
// in the cache when the value is claimed.
func (s *keySet) touch(h hashed) int32 {
	if len(s.slots) == 0 {
		return 0
	}
	return int32(s.slots[h.h1&uint64(len(s.slots)-1)])
}

func (s *keySet) has(v string) bool {
	if len(s.entries) == 0 || v == "" {
		return false
	}
	h := s.hash(v)
	j, _ := s.find(h.h1, h.h2)
	return j >= 0
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
	// An entry's index + 1 is at most size/2, which takes the bits of
	// size - 1; the rest of the slot is the tag.
	s.slots, s.tagBits = make([]uint32, size), uint(32-bits.Len(uint(size-1)))
	if n > cap(s.entries) {
		grown := make([]entry, len(s.entries), n)
		copy(grown, s.entries)
		s.entries = grown
	}
	for j, e := range s.entries {
		_, sl := s.find(e.h1, e.h2)
		*sl = s.slot(j, e.h2)
	}
}
