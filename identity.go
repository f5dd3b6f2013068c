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
	for i := 0; i < len(s); i++ {
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

func foldUnicode(s string) string {
	// NFKC before folding maps compatibility forms; folding can produce
	// characters that compose differently, so normalise again after.
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}
