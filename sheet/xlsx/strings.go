package xlsx

import (
	"bytes"
	"errors"
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
	// rest reads the table further, when it is read as far as the cells
	// need it (Options.LazyStrings); nil once it is read whole.
	rest *stringsPart
}

// bounds returns where the i-th string is in text, reading the table
// further first when it is read only in part.
func (ss *sharedStrings) bounds(i int) (start, end int, ok bool, err error) {
	if i >= len(ss.ends) && ss.rest != nil {
		if err := ss.rest.read(ss, i); err != nil {
			return 0, 0, false, err
		}
	}
	if i < 0 || i >= len(ss.ends) {
		return 0, 0, false, nil
	}
	if i > 0 {
		start = int(ss.ends[i-1])
	}
	return start, int(ss.ends[i]), true, nil
}

// close releases the part of a table read only in part.
func (ss *sharedStrings) close() error {
	if ss.rest == nil {
		return nil
	}
	err := ss.rest.closePart()
	ss.rest = nil
	return err
}

// stringsPart reads sharedStrings.xml: the text of each string item (si),
// plain or in rich-text runs (r), without its phonetic guides (rPh).
type stringsPart struct {
	name      string
	s         *xmlscan.Scanner
	closePart func() error
	text      strings.Builder
	item      []byte // the text of the open si
	inSI, inT bool
	skip      int // depth of the rPh whose text is skipped
	max       int
	// size is the part's, when it is read whole: the text's room is
	// taken at once.
	size uint64
}

// readSharedStrings reads the table of shared strings: whole, or with
// opt.LazyStrings only as the cells need it.
func (wb *workbook) readSharedStrings(name string, opt Options) error {
	s, closePart, err := wb.open(name, opt)
	if err == errNoPart {
		return nil
	}
	if err != nil {
		return err
	}
	sp := &stringsPart{name: name, s: s, closePart: closePart, max: opt.MaxSharedStrings}
	wb.strings.rest = sp
	if opt.LazyStrings {
		return nil
	}
	sp.size = wb.files[name].UncompressedSize64
	err = sp.read(&wb.strings, -1)
	return errors.Join(err, wb.strings.close())
}

// read reads items into ss until it holds the upTo-th (all of them when
// upTo < 0), and closes the part at its end.
func (sp *stringsPart) read(ss *sharedStrings, upTo int) error {
	tooMany := func() error {
		return fmt.Errorf("%s: the shared strings take more than %s of memory (a bomb?)", sp.name, xmlscan.SizeText(sp.max))
	}
	s := sp.s
	defer func() { ss.text = sp.text.String() }()
	for upTo < 0 || len(ss.ends) <= upTo {
		k, err := s.Next()
		if err == io.EOF {
			return ss.close()
		}
		if err != nil {
			return partError(sp.name, err)
		}
		switch k {
		case xmlscan.Start:
			switch n := string(local(s.Name())); {
			case n == "sst" && sp.size > 0:
				sp.text.Grow(sizeHint(sp.size, attr(s, "uniqueCount"), sp.max))
			case n == "si" && !sp.inSI:
				sp.inSI, sp.item = true, sp.item[:0]
			case n == "rPh" && sp.inSI && sp.skip == 0:
				sp.skip = s.Depth()
			case n == "t" && sp.inSI && sp.skip == 0:
				sp.inT = true
			}
		case xmlscan.End:
			switch n := string(local(s.Name())); {
			case n == "t":
				sp.inT = false
			case n == "rPh" && s.Depth() == sp.skip:
				sp.skip = 0
			case n == "si" && sp.inSI:
				sp.inSI = false
				unescape(&sp.text, sp.item)
				ss.ends = append(ss.ends, uint32(sp.text.Len()))
				if sp.text.Len()+4*len(ss.ends) > sp.max {
					return tooMany()
				}
			}
		case xmlscan.Text, xmlscan.CData:
			if !sp.inT || sp.skip != 0 {
				continue
			}
			if sp.item, err = s.AppendText(sp.item); err != nil {
				return partError(sp.name, err)
			}
			if sp.text.Len()+len(sp.item) > sp.max {
				return tooMany()
			}
		}
	}
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
