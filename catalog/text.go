package catalog

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
)

// What a character that text may not hold is, for the message.
type badKind int

const (
	fine badKind = iota
	tab
	lineBreak
	control
	invisible
	nonCharacter
	notUTF8
)

// badRune says whether text may not hold r, and why. Refused: control
// characters (Unicode Cc, tab and line breaks included), the line and
// paragraph separators, format characters (Cf: zero-width spaces and
// joiners, direction marks and overrides, the soft hyphen, U+FEFF, tags),
// the other default-ignorable characters (Hangul fillers and the like,
// which show as nothing), and noncharacters (U+FFFE, U+FFFF, …), which XML
// files cannot hold. None of them can be seen in a cell, so two values
// that look the same would differ.
func badRune(r rune) badKind {
	switch {
	case r == '\t':
		return tab
	case r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
		return lineBreak
	case r < 0x20 || r >= 0x7f && r <= 0x9f:
		return control
	case r < 0x600 || r > 0x3164 && r < 0xfdd0:
		// Latin, Greek, Cyrillic, and the CJK and Hangul blocks: names
		// mostly, checked without a table.
		if r == 0xad || r == 0x34f {
			return invisible
		}
		return fine
	case unicode.Is(invisibleChars, r):
		return invisible
	case r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe:
		return nonCharacter
	}
	return fine
}

// invisibleChars are the format characters and the other default-ignorable
// ones, in one table.
var invisibleChars = rangetable.Merge(unicode.Cf, unicode.Other_Default_Ignorable_Code_Point)

// joiner says whether r is the zero-width joiner or non-joiner. Persian and
// Indic names need them between letters, and emoji sequences (👩‍💻) between
// pictures, so names may hold them there, and nowhere else.
func joiner(r rune) bool { return r == 0x200c || r == 0x200d }

// runeNames name the invisible characters people meet, for messages.
var runeNames = map[rune]string{
	0x00ad: "soft hyphen", 0x034f: "combining grapheme joiner", 0x061c: "Arabic letter mark",
	0x115f: "Hangul filler", 0x1160: "Hangul filler", 0x3164: "Hangul filler", 0xffa0: "Hangul filler",
	0x180e: "Mongolian vowel separator", 0x200b: "zero-width space", 0x200c: "zero-width non-joiner",
	0x200d: "zero-width joiner", 0x200e: "left-to-right mark", 0x200f: "right-to-left mark",
	0x202a: "left-to-right embedding", 0x202b: "right-to-left embedding", 0x202c: "pop directional formatting",
	0x202d: "left-to-right override", 0x202e: "right-to-left override", 0x2060: "word joiner",
	0x2066: "left-to-right isolate", 0x2067: "right-to-left isolate", 0x2068: "first strong isolate",
	0x2069: "pop directional isolate", 0xfeff: "zero-width no-break space (byte-order mark)",
	0x0085: "next line", 0x2028: "line separator", 0x2029: "paragraph separator",
}

// trim is strings.TrimSpace, answered at once for a value whose first and
// last characters are not white space, as nearly every cell's are: a check
// trims every cell. A visible ASCII byte tells it without decoding; a name
// that starts or ends with a letter such as è or ь has that one character
// decoded, where TrimSpace goes through TrimFunc and its calls of
// unicode.IsSpace through a function value (a third of its time here).
func trim(s string) string {
	if s == "" {
		return s
	}
	if b := s[0]; b-0x21 >= 0x5f && (b < utf8.RuneSelf || spaceAt(s)) {
		return strings.TrimSpace(s)
	}
	if b := s[len(s)-1]; b-0x21 >= 0x5f && (b < utf8.RuneSelf || spaceAtEnd(s)) {
		return strings.TrimSpace(s)
	}
	return s
}

// spaceAt and spaceAtEnd say whether s starts or ends with white space as
// TrimSpace sees it (unicode.IsSpace; a byte that is not UTF-8 is not).
func spaceAt(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

func spaceAtEnd(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(r)
}

// cleanText checks that a value holds only text a person can see, and
// returns it in NFC, so that a name typed with a combining accent and one
// typed without are stored alike. joiners allows the zero-width joiner and
// non-joiner between two visible characters; secret leaves the character
// and its place out of the message, which would tell something of the
// secret.
//
// ASCII, which nearly every value is, is checked byte by byte and never
// copied.
func cleanText(v string, joiners, secret bool) (string, string) {
	i := 0
	for ; i+8 <= len(v); i += 8 {
		if !plainASCII(v[i : i+8]) {
			break // the bytes are read one by one from here
		}
	}
	for ; i < len(v); i++ {
		b := v[i]
		if b >= utf8.RuneSelf {
			return cleanUnicode(v, i, joiners, secret)
		}
		if b < 0x20 || b == 0x7f {
			return "", badMessage(rune(b), badRune(rune(b)), i+1, secret)
		}
	}
	return v, ""
}

// plainASCII says whether the eight bytes of s are ASCII that text may
// hold: none is 0x80 or above, below 0x20, or 0x7f. They are read as one
// word, with the tests of "Bit Twiddling Hacks" for a byte below a value
// and a zero byte, which are exact as to whether there is one.
func plainASCII(s string) bool {
	const low, high = 0x0101010101010101, 0x8080808080808080
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	del := w ^ 0x7f*low
	return w&high == 0 && (w-0x20*low)&^w&high == 0 && (del-low)&^del&high == 0
}

// cleanUnicode is cleanText from start on, the bytes before it being ASCII
// that text may hold: a name such as Chloé is not read twice.
func cleanUnicode(v string, start int, joiners, secret bool) (string, string) {
	n := start        // the characters read
	prev := rune(-1)  // the previous character; -1 at the start
	composes := false // a character that NFC might change or compose
	if start > 0 {
		prev = rune(v[start-1])
	}
	var stable *[1 << 16 / 64]uint64 // nfcStable's table, once a character needs it
	for i, r := range v[start:] {
		i += start
		n++
		if r >= 0x300 && !composes {
			if stable == nil && r <= 0xffff {
				stable = nfcStable()
			}
			composes = r > 0xffff || stable[r>>6]&(1<<(r&63)) == 0
		}
		// A character's size is needed only to tell a byte that is not
		// UTF-8 from U+FFFD itself, and to find what follows a joiner.
		kind := badRune(r)
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(v[i:]); size == 1 {
				kind = notUTF8
			}
		case kind == invisible && joiners && joiner(r) && visible(prev) && i+utf8.RuneLen(r) < len(v):
			if next, _ := utf8.DecodeRuneInString(v[i+utf8.RuneLen(r):]); visible(next) {
				kind = fine
			}
		}
		if kind != fine {
			return "", badMessage(r, kind, n, secret)
		}
		prev = r
	}
	if !composes || norm.NFC.IsNormalString(v) {
		return v, ""
	}
	return norm.NFC.String(v), ""
}

// nfcStable marks the characters of the Basic Multilingual Plane that are
// in NFC and never combine with the character before them (every one below
// U+0300, most letters of every script, CJK ideographs, Hangul syllables):
// a value made of them only is in NFC. The table tells it faster than
// norm's own checks, which were most of the cost of checking a name. It is
// built on first use, in a few milliseconds.
var nfcStable = sync.OnceValue(func() *[1 << 16 / 64]uint64 {
	var t [1 << 16 / 64]uint64
	for r := rune(0); r < 1<<16; r++ {
		s := string(r)
		if utf8.ValidRune(r) && norm.NFC.PropertiesString(s).BoundaryBefore() && norm.NFC.IsNormalString(s) {
			t[r>>6] |= 1 << (r & 63)
		}
	}
	return &t
})

// visible says whether r shows as something: not a space, not a character
// that text refuses, not the start or end of the value (-1).
func visible(r rune) bool {
	return r >= 0 && !unicode.IsSpace(r) && badRune(r) == fine
}

var kindNames = [...]string{
	tab:          "a tab",
	lineBreak:    "a line break",
	control:      "a control character",
	invisible:    "an invisible character",
	nonCharacter: "a noncharacter",
	notUTF8:      "a byte that is not UTF-8 text",
}

func badMessage(r rune, kind badKind, at int, secret bool) string {
	what := kindNames[kind]
	if secret {
		return "contains " + what + ", which is not allowed: enter it again without it"
	}
	if kind != notUTF8 && (kind != tab && kind != lineBreak || r > 0x7f) {
		what += fmt.Sprintf(" U+%04X", r)
		if name := runeNames[r]; name != "" {
			what += " (" + name + ")"
		}
	}
	msg := fmt.Sprintf("contains %s at character %d", what, at)
	switch kind {
	case tab, lineBreak:
		return msg + ": a value must be a single line"
	case notUTF8:
		return msg
	}
	return msg + ": delete it (it cannot be seen; retyping the value removes it)"
}
