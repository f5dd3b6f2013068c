package xls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Record types this reader acts on ([MS-XLS] 2.3).
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recDateMode   = 0x0022
	recFilePass   = 0x002F
	recContinue   = 0x003C
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recMulBlank   = 0x00BE
	recRString    = 0x00D6
	recXF         = 0x00E0
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recBlank      = 0x0201
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recFormat     = 0x041E
	recBOF        = 0x0809
)

// errTruncated is what the decoders below say when a record ends too soon;
// the caller names the record.
var errTruncated = errors.New("truncated")

// A record is one BIFF record of the Workbook stream.
type record struct {
	typ  uint16
	off  int // of its header in the stream
	data []byte
}

func (rec record) err(msg string) error {
	return fmt.Errorf("record 0x%04X at offset %d: %s", rec.typ, rec.off, msg)
}

// readRecord reads the record at off and returns it and the offset of the
// one after it.
func readRecord(wb []byte, off int) (record, int, error) {
	if len(wb)-off < 4 {
		return record{}, 0, fmt.Errorf("record at offset %d: truncated header", off)
	}
	typ := binary.LittleEndian.Uint16(wb[off:])
	n := int(binary.LittleEndian.Uint16(wb[off+2:]))
	rec := record{typ: typ, off: off}
	if len(wb)-off-4 < n {
		return rec, 0, rec.err(errTruncated.Error())
	}
	rec.data = wb[off+4 : off+4+n]
	return rec, off + 4 + n, nil
}

// continued returns the bodies of rec and of the CONTINUE records after it,
// which hold the rest of a record too long for one, and the offset of the
// record after them.
func continued(wb []byte, rec record, next int) ([][]byte, int, error) {
	segs := [][]byte{rec.data}
	for next < len(wb) {
		c, after, err := readRecord(wb, next)
		if err != nil {
			return nil, 0, err
		}
		if c.typ != recContinue {
			break
		}
		segs = append(segs, c.data)
		next = after
	}
	return segs, next, nil
}

// A contReader reads a record's body and the CONTINUE bodies after it as
// one, except for the characters of a string: where those run on into the
// next CONTINUE, it starts with a fresh option byte saying whether the rest
// is stored one byte or two per character.
type contReader struct {
	segs  [][]byte
	seg   int // index of the body being read
	pos   int // in segs[seg]
	units []uint16
}

func newContReader(segs ...[]byte) *contReader {
	return &contReader{segs: segs}
}

func (c *contReader) done() bool {
	for c.seg+1 < len(c.segs) && c.pos == len(c.segs[c.seg]) {
		c.seg, c.pos = c.seg+1, 0
	}
	return c.pos == len(c.segs[c.seg])
}

func (c *contReader) byte() (byte, error) {
	if c.done() {
		return 0, errTruncated
	}
	b := c.segs[c.seg][c.pos]
	c.pos++
	return b, nil
}

// uint reads an n-byte little-endian unsigned integer.
func (c *contReader) uint(n int) (uint32, error) {
	var v uint32
	for i := range n {
		b, err := c.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(b) << (8 * i)
	}
	return v, nil
}

func (c *contReader) skip(n int) error {
	for {
		avail := len(c.segs[c.seg]) - c.pos
		if n <= avail {
			c.pos += n
			return nil
		}
		if c.seg+1 == len(c.segs) {
			return errTruncated
		}
		n -= avail
		c.seg, c.pos = c.seg+1, 0
	}
}

// text reads n characters, compressed (the low bytes of UTF-16 code units,
// which makes them Latin-1 whatever the workbook's code page) unless wide.
func (c *contReader) text(n int, wide bool) (string, error) {
	c.units = c.units[:0]
	for n > 0 {
		size := 1
		if wide {
			size = 2
		}
		rest := c.segs[c.seg][c.pos:]
		k := min(n, len(rest)/size)
		if k == 0 {
			if c.seg+1 == len(c.segs) || len(c.segs[c.seg+1]) == 0 {
				return "", errTruncated
			}
			c.seg, c.pos = c.seg+1, 1
			wide = c.segs[c.seg][0]&1 != 0
			continue
		}
		for i := range k {
			if wide {
				c.units = append(c.units, binary.LittleEndian.Uint16(rest[2*i:]))
			} else {
				c.units = append(c.units, uint16(rest[i]))
			}
		}
		c.pos += k * size
		n -= k
	}
	return strings.ReplaceAll(string(utf16.Decode(c.units)), "\r\n", "\n"), nil
}

// unicodeString reads an XLUnicodeString, or a ShortXLUnicodeString when
// lenBytes is 1: a character count, an option byte and the characters.
func (c *contReader) unicodeString(lenBytes int) (string, error) {
	n, err := c.uint(lenBytes)
	if err != nil {
		return "", err
	}
	flags, err := c.byte()
	if err != nil {
		return "", err
	}
	return c.text(int(n), flags&1 != 0)
}

// richString reads an XLUnicodeRichExtendedString, the shared strings'
// form, skipping its formatting runs and phonetic data.
func (c *contReader) richString() (string, error) {
	n, err := c.uint(2)
	if err != nil {
		return "", err
	}
	flags, err := c.byte()
	if err != nil {
		return "", err
	}
	var runs, ext uint32
	if flags&0x08 != 0 {
		if runs, err = c.uint(2); err != nil {
			return "", err
		}
	}
	if flags&0x04 != 0 {
		if ext, err = c.uint(4); err != nil {
			return "", err
		}
	}
	s, err := c.text(int(n), flags&1 != 0)
	if err != nil {
		return "", err
	}
	if err := c.skip(4*int(runs) + int(ext)); err != nil {
		return "", err
	}
	return s, nil
}
