package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// The CSV reader is our own rather than encoding/csv: spreadsheet programs
// keep a `"` that appears inside an unquoted field, which encoding/csv only
// allows with LazyQuotes, and LazyQuotes then accepts a quoted field that
// never closes, which the spec requires us to report with the line where it
// opened. Owning the loop also lets it build one string per row.

// csvReader reads delimited text that is already UTF-8.
type csvReader struct {
	br      *bufio.Reader
	sep     byte
	eol     byte
	line    int // physical lines read so far
	row     int // records read so far
	maxCell int
	maxCols int

	long  []byte // a line longer than the buffer, assembled
	buf   []byte // the current record's cell bytes, back to back
	ends  []int  // where each cell ends in buf
	cells []string
}

func newCSV(stream io.Reader, ra io.ReaderAt, size int64, f *File, opt Options) (rowSource, error) {
	br := bufio.NewReaderSize(stream, 64<<10)
	text, enc, err := decodeText(br, ra, size, opt.Encoding)
	if err != nil {
		return nil, err
	}
	f.Encoding = enc
	r := &csvReader{
		br:      bufio.NewReaderSize(text, 64<<10),
		eol:     '\n',
		maxCell: opt.Limits.MaxCellBytes,
		maxCols: opt.Limits.MaxColumns,
	}
	sample, _ := r.br.Peek(64 << 10)
	if i := bytes.IndexByte(sample, 0); i >= 0 {
		return nil, &HintError{Err: errors.New("the file holds NUL bytes, so it is not CSV text; it may be UTF-16 without a byte-order mark"),
			Option: "encoding", Value: "utf-16le"}
	}
	if bytes.IndexByte(sample, '\r') >= 0 && bytes.IndexByte(sample, '\n') < 0 {
		r.eol = '\r' // classic Mac OS line ends
	}
	switch {
	case opt.Separator != 0:
		if opt.Separator >= utf8.RuneSelf || opt.Separator == '"' || opt.Separator == '\n' || opt.Separator == '\r' {
			return nil, fmt.Errorf("the separator must be one ASCII character other than a quote or a line break, not %q", opt.Separator)
		}
		r.sep = byte(opt.Separator)
	case f.Format == TSV && bytes.IndexByte(sample, '\t') >= 0:
		r.sep = '\t'
	default:
		r.sep = sniffSeparator(sample, r.eol)
	}
	f.Separator = rune(r.sep)
	return r, nil
}

// decodeText turns the file into UTF-8. A byte-order mark decides; else the
// file is UTF-8 if all of it is valid UTF-8, and Windows-1252 otherwise,
// which is what Excel writes on Western European Windows.
func decodeText(br *bufio.Reader, ra io.ReaderAt, size int64, label string) (io.Reader, string, error) {
	head, _ := br.Peek(3)
	var bom encoding.Encoding
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		if label == "" {
			return br, "utf-8", nil
		}
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		bom = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		bom = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	if label != "" {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, "", fmt.Errorf("unknown encoding %q (try utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-15)", label)
		}
		name, _ := htmlindex.Name(enc)
		if enc == encoding.Nop || name == "utf-8" {
			return br, "utf-8", nil
		}
		if bom != nil && strings.HasPrefix(name, "utf-16") {
			enc = bom // the mark knows the byte order better than the label
		}
		return enc.NewDecoder().Reader(br), name, nil
	}
	if bom != nil {
		name := "utf-16le"
		if head[0] == 0xFE {
			name = "utf-16be"
		}
		return bom.NewDecoder().Reader(br), name, nil
	}
	if validUTF8(ra, size) {
		return br, "utf-8", nil
	}
	return charmap.Windows1252.NewDecoder().Reader(br), "windows-1252", nil
}

// validUTF8 reads the whole file once: a Windows-1252 byte may first appear
// on the millionth line, and guessing from the first lines would turn it
// into a replacement character there.
func validUTF8(ra io.ReaderAt, size int64) bool {
	buf := make([]byte, 256<<10)
	var carry int
	for off := int64(0); off < size; {
		n, err := ra.ReadAt(buf[carry:], off)
		off += int64(n)
		chunk := buf[:carry+n]
		// Hold back a rune cut by the end of the chunk for the next one.
		keep := 0
		for i := len(chunk) - 1; off < size && i >= 0 && i >= len(chunk)-utf8.UTFMax; i-- {
			if utf8.RuneStart(chunk[i]) {
				if !utf8.FullRune(chunk[i:]) {
					keep = len(chunk) - i
				}
				break
			}
		}
		if !utf8.Valid(chunk[:len(chunk)-keep]) {
			return false
		}
		carry = copy(buf, chunk[len(chunk)-keep:])
		if err != nil {
			break
		}
	}
	return true
}

// separators are the candidates for sniffing, in order of preference.
var separators = []byte{',', ';', '\t', '|'}

// sniffSeparator picks the candidate that appears in the header line and
// splits the most of the following lines into as many fields; quoted text
// does not count.
func sniffSeparator(sample []byte, eol byte) byte {
	var lines [][]int // per line, count of each candidate
	inQuote, blank := false, true
	counts := make([]int, len(separators))
	for i := 0; i < len(sample) && len(lines) < 20; i++ {
		c := sample[i]
		switch {
		case c == '"':
			inQuote, blank = !inQuote, false
		case inQuote:
		case c == eol:
			// Blank lines, such as those above a header, tell nothing.
			if !blank {
				lines = append(lines, counts)
				counts = make([]int, len(separators))
			}
			blank = true
		default:
			blank = blank && c == '\r'
			if k := bytes.IndexByte(separators, c); k >= 0 {
				counts[k]++
			}
		}
	}
	if len(lines) < 20 && (!blank || len(lines) == 0) {
		lines = append(lines, counts)
	}
	best, bestMatch, bestCount := byte(','), -1, 0
	for k, sep := range separators {
		header := lines[0][k]
		if header == 0 {
			continue
		}
		match := 0
		for _, l := range lines[1:] {
			if l[k] == header {
				match++
			}
		}
		if match > bestMatch || match == bestMatch && header > bestCount {
			best, bestMatch, bestCount = sep, match, header
		}
	}
	return best
}

// readLine returns the next physical line without its end, and false at the
// end of the input.
func (r *csvReader) readLine() ([]byte, bool, error) {
	line, err := r.br.ReadSlice(r.eol)
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice(r.eol)
			r.long = append(r.long, line...)
			if len(r.long) > r.maxCell*4+(64<<10) {
				return nil, false, fmt.Errorf("line %d is longer than %d MiB", r.line+1, len(r.long)>>20)
			}
		}
		line = r.long
	}
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("line %d: %w", r.line+1, err)
	}
	if len(line) == 0 && err == io.EOF {
		return nil, false, nil
	}
	r.line++
	if n := len(line); n > 0 && line[n-1] == r.eol {
		line = line[:n-1]
		if r.eol == '\n' && n > 1 && line[n-2] == '\r' {
			line = line[:n-2]
		}
	}
	return line, true, nil
}

func (r *csvReader) next() (Row, error) {
	for {
		line, ok, err := r.readLine()
		if err != nil {
			return Row{}, err
		}
		if !ok {
			return Row{}, io.EOF
		}
		r.row++
		if err := r.parseRecord(line); err != nil {
			return Row{}, err
		}
		if empty(r.cells) {
			continue
		}
		return Row{Num: r.row, Cells: r.cells}, nil
	}
}

// parseRecord splits one record, reading more lines while a quoted field
// holds line breaks.
func (r *csvReader) parseRecord(line []byte) error {
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	pos := 0
	for {
		start := len(r.buf)
		if pos < len(line) && line[pos] == '"' {
			opened := r.line
			pos++
		quoted:
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					r.buf = append(r.buf, line[pos:]...)
					if len(r.buf)-start > r.maxCell {
						return fmt.Errorf("line %d: a quoted cell opened here runs past %d KiB; is its closing quote missing?", opened, r.maxCell>>10)
					}
					var ok bool
					var err error
					if line, ok, err = r.readLine(); err != nil {
						return err
					} else if !ok {
						return fmt.Errorf("line %d: a quoted cell opened here never closes", opened)
					}
					r.buf = append(r.buf, '\n')
					pos = 0
					continue
				}
				r.buf = append(r.buf, line[pos:pos+i]...)
				pos += i + 1
				switch {
				case pos < len(line) && line[pos] == '"':
					r.buf = append(r.buf, '"')
					pos++
				case pos == len(line) || line[pos] == r.sep:
					break quoted
				default:
					// A lone quote inside quotes: keep it, as spreadsheets do.
					r.buf = append(r.buf, '"')
				}
			}
		} else {
			i := bytes.IndexByte(line[pos:], r.sep)
			if i < 0 {
				i = len(line) - pos
			}
			r.buf = append(r.buf, line[pos:pos+i]...)
			pos += i
		}
		if len(r.buf)-start > r.maxCell {
			return fmt.Errorf("line %d: a cell is longer than %d KiB", r.line, r.maxCell>>10)
		}
		r.ends = append(r.ends, len(r.buf))
		if len(r.ends) > r.maxCols {
			return fmt.Errorf("line %d: more than %d cells in one row", r.line, r.maxCols)
		}
		if pos >= len(line) {
			break
		}
		pos++ // the separator
	}
	s := string(r.buf)
	r.cells = r.cells[:0]
	prev := 0
	for _, end := range r.ends {
		r.cells = append(r.cells, unescapeFormula(s[prev:end]))
		prev = end
	}
	return nil
}

// unescapeFormula undoes the quote that export puts before a cell starting
// with = + - or @, which stops spreadsheet programs running it as a formula.
func unescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

// formulaLike says whether a CSV cell gets a ' before it when written with
// EscapeFormulas: it starts with = + - or @, after any number of ' (which
// reading would otherwise take for the escape: a value '=x is written with
// a second ' before it, and reads back as '=x).
func formulaLike(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.IndexByte("=+-@", s[0]) >= 0
}

func empty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

func (r *csvReader) Close() error { return nil }
