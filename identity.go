package roster

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// FoldIdentity returns the form in which usernames and emails are compared
// for uniqueness, in a file and against the directory alike: Unicode
// compatibility normalisation (NFKC) and full case folding, as the
// identifier profiles of RFC 8265 compare user names. So "ΣΟΦΙΑ" and
// "σοφια", "josé" with a combining accent and without, and "ｂｏｂ" in
// full-width letters and "bob" are one identity. Values are stored as
// given (in NFC); only their folded forms must be unique.
//
// ASCII, which nearly every real identity is, takes a fast path that does
// not allocate when the value is already lower case.
func FoldIdentity(s string) string {
	upper := false
	i := 0
	// Eight bytes at a time: a check folds two identities of every row.
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&highBits != 0 {
			return foldUnicode(s)
		}
		// Adding 0x3f sets the high bit of each ASCII byte from 'A' up,
		// adding 0x25 from the byte after 'Z' up, with no carry between
		// bytes.
		upper = upper || (w+0x3f*lowBits)&^(w+0x25*lowBits)&highBits != 0
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return foldUnicode(s)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s
	}
	return strings.ToLower(s)
}

const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

func foldUnicode(s string) string {
	// NFKC before folding maps compatibility forms; folding can produce
	// characters that compose differently, so normalise again after.
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}
