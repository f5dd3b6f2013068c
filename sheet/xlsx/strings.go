package xlsx

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/roster-dev/roster/sheet/internal/xmlscan"
)

// sharedStrings is the workbook's table of strings, which cells refer to by
// index: all their text in one string, and where each one ends. A cell's
// text is a substring of it, so that reading a cell copies nothing.
type sharedStrings struct {
	text string
	ends []uint32
}

// bounds returns where the i-th string is in text.
func (ss *sharedStrings) bounds(i int) (start, end int, ok bool) {
	if i < 0 || i >= len(ss.ends) {
		return 0, 0, false
	}
	if i > 0 {
		start = int(ss.ends[i-1])
	}
	return start, int(ss.ends[i]), true
}

// readSharedStrings reads sharedStrings.xml: the text of each string item
// (si), plain or in rich-text runs (r), without its phonetic guides (rPh).
func (wb *workbook) readSharedStrings(name string, opt Options) error {
	s, closePart, err := wb.open(name, opt)
	if err == errNoPart {
		return nil
	}
	if err != nil {
		return err
	}
	defer closePart()
	size := wb.files[name].UncompressedSize64
	var (
		text      strings.Builder
		ends      []uint32
		item      []byte // the text of the open si
		inSI, inT bool
		skip      int // depth of the rPh whose text is skipped
		max       = opt.MaxSharedStrings
	)
	tooMany := func() error {
		return fmt.Errorf("%s: the shared strings take more than %s of memory (a bomb?)", name, xmlscan.SizeText(max))
	}
	for {
		k, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return partError(name, err)
		}
		switch k {
		case xmlscan.Start:
			switch n := string(local(s.Name())); {
			case n == "sst":
				text.Grow(sizeHint(size, attr(s, "uniqueCount"), max))
			case n == "si" && !inSI:
				inSI, item = true, item[:0]
			case n == "rPh" && inSI && skip == 0:
				skip = s.Depth()
			case n == "t" && inSI && skip == 0:
				inT = true
			}
		case xmlscan.End:
			switch n := string(local(s.Name())); {
			case n == "t":
				inT = false
			case n == "rPh" && s.Depth() == skip:
				skip = 0
			case n == "si" && inSI:
				inSI = false
				unescape(&text, item)
				ends = append(ends, uint32(text.Len()))
				if text.Len()+4*len(ends) > max {
					return tooMany()
				}
			}
		case xmlscan.Text, xmlscan.CData:
			if !inT || skip != 0 {
				continue
			}
			if item, err = s.AppendText(item); err != nil {
				return partError(name, err)
			}
			if text.Len()+len(item) > max {
				return tooMany()
			}
		}
	}
	wb.strings = sharedStrings{text: text.String(), ends: ends}
	return nil
}

// sizeHint guesses the length of the text of the shared strings from the
// size of their part and their count, each item taking at least the 16
// bytes of <si><t></t></si> of markup.
func sizeHint(size uint64, count string, max int) int {
	n, _ := strconv.ParseUint(count, 10, 32)
	if size <= 16*n {
		return 0
	}
	return int(min(size-16*n, uint64(max)))
}

// unescape appends s to b, turning the escapes _xHHHH_ with which Office
// writes characters that XML cannot hold (_x000D_ for a carriage return,
// _x005F_ for an underscore) back into those characters.
func unescape(b *strings.Builder, s []byte) {
	for {
		i := bytes.Index(s, []byte("_x"))
		if i < 0 || len(s)-i < 7 {
			b.Write(s)
			return
		}
		u, ok := escaped(s[i:])
		if !ok {
			b.Write(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.Write(s[:i])
		s = s[i+7:]
		r := rune(u)
		if utf16.IsSurrogate(r) {
			if low, ok := escaped(s); ok && len(s) >= 7 {
				if d := utf16.DecodeRune(r, rune(low)); d != utf8.RuneError {
					r, s = d, s[7:]
				}
			}
		}
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
}

// escaped reads an escape _xHHHH_ at the start of s.
func escaped(s []byte) (uint16, bool) {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return 0, false
	}
	u, err := strconv.ParseUint(string(s[2:6]), 16, 16)
	return uint16(u), err == nil
}
