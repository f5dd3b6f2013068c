// Package xmlscan reads the XML of office files (XLSX worksheets and shared
// strings, ODS content) as a stream of tags and text, for the readers in
// sheet that look at a few elements among millions.
//
// encoding/xml builds a token, with its names and attributes copied, for
// every element; a million-row worksheet has tens of millions of them, and
// decoding them was most of the time spent reading a workbook. A Scanner
// hands out slices of its own buffer instead, valid until the next call,
// and decodes the text of an element or an attribute only when asked.
// The XML it reads comes from another goroutine, which inflates it from
// the ZIP while this one scans.
//
// It checks what the readers rely on, as encoding/xml does in strict mode:
// tags that nest and match, quoted attributes, the five predefined entities
// and character references (no entity a document declares is expanded, so
// no "billion laughs"), valid UTF-8 without control characters in decoded
// text. It bounds the nesting depth and the length of any one token, so
// that no input makes it hold more than that in memory. Namespaces are not
// resolved: names come as written, prefix and all.
package xmlscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Kind is the kind of a token.
type Kind uint8

// The kinds of token. Comments, processing instructions and the document
// type declaration are skipped.
const (
	Start Kind = iota + 1 // a start tag, or an empty-element tag (SelfClosing)
	End                   // an end tag, also made up for an empty-element tag
	Text                  // character data: decode it with AppendText
	CData                 // a CDATA section: AppendText gives its text too
)

// Options bound what a document may make the scanner do.
type Options struct {
	// MaxToken is the longest token in bytes: a tag with its attributes,
	// a run of text, a comment. 0 means 16 MiB.
	MaxToken int
	// MaxDepth is the deepest nesting of elements. 0 means 256.
	MaxDepth int
}

// SyntaxError is a document that is not well-formed XML, or that is beyond
// the limits.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// span is where an attribute's name and value lie, from the token's start.
type span struct{ name, nameEnd, val, valEnd int32 }

// Scanner reads one XML document.
type Scanner struct {
	pipe     *pipe
	buf      []byte
	pos      int // where the next token starts in buf
	tok      int // where the current token starts in buf
	lines    int // line breaks in the bytes dropped from buf
	maxToken int
	maxDepth int
	err      error // sticky
	srcErr   error // of the stream, once it has ended

	kind    Kind
	nameLo  int // the name of a Start or End, from tok
	nameHi  int
	textLo  int // the text of a Text or CData, from tok
	textHi  int
	attrs   []span
	self    bool // the Start is an empty-element tag, whose End is next
	tagLen  int  // of the start tag parseStart read
	pop     bool // the last token was an End: its element closes now
	scratch []byte

	// The names of the open elements, end to end, and where each ends.
	names []byte
	ends  []int
}

// New scans the XML that r yields, reading r on a goroutine of its own.
// Close stops that goroutine; only then may r be closed.
func New(r io.Reader, opt Options) *Scanner {
	if opt.MaxToken <= 0 {
		opt.MaxToken = 16 << 20
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 256
	}
	return &Scanner{pipe: newPipe(r), maxToken: opt.MaxToken, maxDepth: opt.MaxDepth}
}

// Close stops reading. It does not close the reader given to New.
func (s *Scanner) Close() {
	if s.pipe != nil {
		s.pipe.stop()
		s.pipe = nil
	}
	if s.err == nil {
		s.err = errors.New("xmlscan: the scanner is closed")
	}
}

// Drain reads the rest of the stream without scanning it and returns its
// error, if any: an archive checks an entry's checksum only at its end.
func (s *Scanner) Drain() error {
	for s.srcErr == nil && s.pipe != nil {
		b, err := s.pipe.next()
		s.pipe.release(b)
		if err != nil {
			s.srcErr = err
		}
	}
	if s.srcErr == io.EOF {
		return nil
	}
	return s.srcErr
}

// Next reads the next token. It returns io.EOF after the document's end,
// a *SyntaxError for a malformed document, or the error of the reader.
// Once it has returned an error it returns it again.
func (s *Scanner) Next() (Kind, error) {
	if s.err != nil {
		return 0, s.err
	}
	k, err := s.next()
	if err != nil {
		s.err = err
		return 0, err
	}
	s.kind = k
	return k, nil
}

// Depth is the number of open elements, counting a Start's own element
// and an End's element, which closes at the next call.
func (s *Scanner) Depth() int { return len(s.ends) }

// Name is the name of a Start or End token, as written.
func (s *Scanner) Name() []byte {
	if s.kind == End && s.self {
		return s.top()
	}
	return s.buf[s.tok+s.nameLo : s.tok+s.nameHi]
}

// SelfClosing reports whether a Start is an empty-element tag (<a/>).
func (s *Scanner) SelfClosing() bool { return s.self }

// Attrs is the number of attributes of a Start.
func (s *Scanner) Attrs() int {
	if s.kind != Start {
		return 0
	}
	return len(s.attrs)
}

// AttrName is the name of the i-th attribute of a Start, as written.
func (s *Scanner) AttrName(i int) []byte {
	a := s.attrs[i]
	return s.buf[s.tok+int(a.name) : s.tok+int(a.nameEnd)]
}

// Attr finds an attribute of a Start by its name as written, and returns
// its index, or -1.
func (s *Scanner) Attr(name string) int {
	for i := range s.Attrs() {
		if string(s.AttrName(i)) == name {
			return i
		}
	}
	return -1
}

// AttrValue is the decoded value of the i-th attribute of a Start, valid
// until the next call of a Scanner's method.
func (s *Scanner) AttrValue(i int) ([]byte, error) {
	a := s.attrs[i]
	raw := s.buf[s.tok+int(a.val) : s.tok+int(a.valEnd)]
	if plain(raw) {
		return raw, nil
	}
	var err error
	s.scratch, err = s.decode(s.scratch[:0], raw, int(a.val), false)
	return s.scratch, err
}

// AppendText appends the decoded text of a Text or CData token to dst.
func (s *Scanner) AppendText(dst []byte) ([]byte, error) {
	return s.decode(dst, s.buf[s.tok+s.textLo:s.tok+s.textHi], s.textLo, s.kind == CData)
}

// RawText is the text of a Text or CData token as written, undecoded.
func (s *Scanner) RawText() []byte { return s.buf[s.tok+s.textLo : s.tok+s.textHi] }

// plain reports whether raw is printable ASCII without entities, which is
// its own decoding.
func plain(raw []byte) bool {
	for _, c := range raw {
		if c == '&' || c >= 0x80 || c < 0x20 && c != '\t' && c != '\n' || c == '\r' {
			return false
		}
	}
	return true
}

func (s *Scanner) top() []byte {
	start := 0
	if n := len(s.ends); n > 1 {
		start = s.ends[n-2]
	}
	return s.names[start:s.ends[len(s.ends)-1]]
}

// Line is the line of the current token's start, for messages.
func (s *Scanner) Line() int { return s.lineAt(s.tok) }

func (s *Scanner) lineAt(i int) int {
	return s.lines + bytes.Count(s.buf[:min(i, len(s.buf))], []byte{'\n'}) + 1
}

// syntax is a syntax error at off bytes from the next token's start.
func (s *Scanner) syntax(off int, format string, args ...any) error {
	return &SyntaxError{Line: s.lineAt(s.pos + off), Msg: fmt.Sprintf(format, args...)}
}

// more reads the next chunk of the stream into buf, keeping the bytes from
// pos on. It returns io.EOF at the stream's end.
func (s *Scanner) more() error {
	if s.srcErr != nil {
		return s.srcErr
	}
	if len(s.buf)-s.pos >= s.maxToken {
		return s.syntax(0, "more than %s of text or markup in one piece", SizeText(s.maxToken))
	}
	if s.pos > 0 {
		s.lines += bytes.Count(s.buf[:s.pos], []byte{'\n'})
		s.buf = s.buf[:copy(s.buf, s.buf[s.pos:])]
		s.tok -= s.pos
		s.pos = 0
	}
	if s.pipe == nil {
		return io.ErrClosedPipe
	}
	b, err := s.pipe.next()
	s.buf = append(s.buf, b...)
	s.pipe.release(b)
	if err == io.ErrUnexpectedEOF {
		err = s.syntax(len(s.buf)-s.pos, "unexpected EOF")
	}
	if err != nil {
		s.srcErr = err
		if len(b) == 0 {
			return err
		}
	}
	return nil
}

// at returns the byte i bytes from the next token's start.
func (s *Scanner) at(i int) (byte, error) {
	if p := s.pos + i; p < len(s.buf) {
		return s.buf[p], nil
	}
	return s.atMore(i)
}

func (s *Scanner) atMore(i int) (byte, error) {
	for s.pos+i >= len(s.buf) {
		if err := s.more(); err != nil {
			return 0, s.eof(i, err)
		}
	}
	return s.buf[s.pos+i], nil
}

// prefixed reports whether the bytes from offset off are seq.
func (s *Scanner) prefixed(off int, seq string) (bool, error) {
	for i := range len(seq) {
		c, err := s.at(off + i)
		if err != nil || c != seq[i] {
			return false, err
		}
	}
	return true, nil
}

// eof turns the end of the stream inside a token into a syntax error.
func (s *Scanner) eof(off int, err error) error {
	if err == io.EOF {
		return s.syntax(off, "unexpected EOF")
	}
	return err
}

// index returns the offset from the next token's start of the first c at
// or after offset from.
func (s *Scanner) index(c byte, from int) (int, error) {
	for {
		if i := bytes.IndexByte(s.buf[s.pos+from:], c); i >= 0 {
			return from + i, nil
		}
		from = len(s.buf) - s.pos
		if err := s.more(); err != nil {
			return 0, err
		}
	}
}

// find returns the offset of the first seq at or after offset from.
func (s *Scanner) find(seq string, from int) (int, error) {
	for {
		if i := bytes.Index(s.buf[s.pos+from:], []byte(seq)); i >= 0 {
			return from + i, nil
		}
		from = max(from, len(s.buf)-s.pos-len(seq)+1)
		if err := s.more(); err != nil {
			return 0, s.eof(from, err)
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// endsName are the bytes that end a name.
var endsName = [256]bool{' ': true, '\n': true, '\t': true, '\r': true, '/': true, '>': true, '=': true, '<': true}

// finish makes the n bytes from the next token's start the current token.
// The limit on a token's length holds whether or not the token came in
// one read.
func (s *Scanner) finish(n int) error {
	if n > s.maxToken {
		return s.syntax(0, "more than %s of text or markup in one piece", SizeText(s.maxToken))
	}
	s.tok = s.pos
	s.pos += n
	return nil
}

func (s *Scanner) next() (Kind, error) {
	if s.pop {
		s.pop = false
		s.names = s.names[:len(s.names)-len(s.top())]
		s.ends = s.ends[:len(s.ends)-1]
	}
	if s.self && s.kind == Start {
		s.pop = true
		return End, nil
	}
	s.self = false
	for {
		if s.pos == len(s.buf) {
			if err := s.more(); err == io.EOF {
				if len(s.ends) > 0 {
					return 0, s.syntax(0, "the file ends inside <%s> (is it cut short?)", s.top())
				}
				return 0, io.EOF
			} else if err != nil {
				return 0, err
			}
		}
		if s.buf[s.pos] != '<' {
			return s.text()
		}
		c, err := s.at(1)
		if err != nil {
			return 0, err
		}
		switch c {
		case '/':
			return s.endTag()
		case '?':
			end, err := s.find("?>", 2)
			if err != nil {
				return 0, err
			}
			if err := s.finish(end + 2); err != nil {
				return 0, err
			}
		case '!':
			k, err := s.bang()
			if err != nil || k != 0 {
				return k, err
			}
		default:
			return s.startTag()
		}
	}
}

func (s *Scanner) text() (Kind, error) {
	// Most text in a sheet is a short value: look at it before calling
	// IndexByte.
	b := s.buf[s.pos:min(len(s.buf), s.pos+16)]
	for i, c := range b {
		if c == '<' {
			s.textLo, s.textHi = 0, i
			return Text, s.finish(i)
		}
	}
	end, err := s.index('<', len(b))
	if err == io.EOF {
		end = len(s.buf) - s.pos
	} else if err != nil {
		return 0, err
	}
	s.textLo, s.textHi = 0, end
	return Text, s.finish(end)
}

// bang reads what starts with <!: a comment, which it skips, a CDATA
// section, or a document type declaration, which it skips.
func (s *Scanner) bang() (Kind, error) {
	if ok, err := s.prefixed(2, "--"); err != nil || ok {
		if err != nil {
			return 0, err
		}
		end, err := s.find("-->", 4)
		if err != nil {
			return 0, err
		}
		return 0, s.finish(end + 3)
	}
	const cdata = "[CDATA["
	if ok, err := s.prefixed(2, cdata); err != nil || ok {
		if err != nil {
			return 0, err
		}
		start := 2 + len(cdata)
		end, err := s.find("]]>", start)
		if err != nil {
			return 0, err
		}
		s.textLo, s.textHi = start, end
		return CData, s.finish(end + 3)
	}
	if len(s.ends) > 0 {
		return 0, s.syntax(0, "a declaration (<!...>) inside an element")
	}
	// A declaration such as <!DOCTYPE ...>, whose internal subset may hold
	// quoted '>' and declarations of its own, which nest. It starts with a
	// keyword: '<!>' or '<!"' is no declaration, and readers disagree on
	// where such a thing ends; so they do on a comment inside a
	// declaration, which office files never have, and which is refused.
	if c, err := s.at(2); err != nil {
		return 0, err
	} else if (c|0x20) < 'a' || (c|0x20) > 'z' {
		return 0, s.syntax(0, "a declaration (<!...>) without a keyword")
	}
	depth := 0
	var quote byte
	for off := 3; ; off++ {
		c, err := s.at(off)
		if err != nil {
			return 0, err
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '<':
			if ok, err := s.prefixed(off+1, "!--"); err != nil || ok {
				if err != nil {
					return 0, err
				}
				return 0, s.syntax(0, "a comment inside a declaration (<!...>)")
			}
			depth++
		case c == '>' && depth > 0:
			depth--
		case c == '>':
			return 0, s.finish(off + 1)
		}
	}
}

// endTag reads an end tag. Like startTag, it parses what the buffer holds
// and, when the tag goes on past it, reads more and starts again: tags are
// short, so this happens about once per chunk.
func (s *Scanner) endTag() (Kind, error) {
	for {
		n, err := s.parseEnd(s.buf[s.pos:])
		if err != nil {
			return 0, err
		}
		if n > 0 {
			s.pop = true
			return End, s.finish(n)
		}
		if err := s.more(); err != nil {
			return 0, s.eof(len(s.buf)-s.pos, err)
		}
	}
}

// parseEnd parses the end tag at the start of b and returns its length, or
// 0 if b holds only part of it.
func (s *Scanner) parseEnd(b []byte) (int, error) {
	i := 2
	for i < len(b) && !endsName[b[i]] {
		i++
	}
	end := i
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return 0, nil
	}
	if b[i] != '>' {
		return 0, s.syntax(i, "invalid characters between </%s and >", b[2:end])
	}
	if len(s.ends) == 0 || !bytes.Equal(b[2:end], s.top()) {
		return 0, s.syntax(0, "</%s> does not close the element open there", b[2:end])
	}
	s.nameLo, s.nameHi = 2, end
	return i + 1, nil
}

// startTag reads a start tag or an empty-element tag.
func (s *Scanner) startTag() (Kind, error) {
	for {
		n, err := s.parseStart(s.buf[s.pos:])
		if err != nil {
			return 0, err
		}
		if n > 0 {
			break
		}
		if err := s.more(); err != nil {
			return 0, s.eof(len(s.buf)-s.pos, err)
		}
	}
	if len(s.ends) == s.maxDepth {
		return 0, s.syntax(0, "elements nested more than %d deep", s.maxDepth)
	}
	if err := s.finish(s.tagLen); err != nil {
		return 0, err
	}
	s.names = append(s.names, s.buf[s.tok+s.nameLo:s.tok+s.nameHi]...)
	s.ends = append(s.ends, len(s.names))
	return Start, nil
}

// parseStart parses the start tag at the start of b into the name, the
// attributes and tagLen, and returns its length, or 0 if b holds only part
// of it.
func (s *Scanner) parseStart(b []byte) (int, error) {
	i := 1
	for i < len(b) && !endsName[b[i]] {
		i++
	}
	if i == len(b) {
		return 0, nil
	}
	if i == 1 {
		return 0, s.syntax(1, "expected element name after <")
	}
	s.nameLo, s.nameHi = 1, i
	s.attrs, s.self = s.attrs[:0], false
	for {
		spaced := i
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, nil
		}
		switch b[i] {
		case '>':
			s.tagLen = i + 1
			return s.tagLen, nil
		case '/':
			if i+1 == len(b) {
				return 0, nil
			}
			if b[i+1] != '>' {
				return 0, s.syntax(i+1, "expected /> in element")
			}
			s.self = true
			s.tagLen = i + 2
			return s.tagLen, nil
		}
		if i == spaced {
			return 0, s.syntax(i, "expected space before an attribute of <%s>", b[1:s.nameHi])
		}
		var a span
		a.name = int32(i)
		for i < len(b) && !endsName[b[i]] {
			i++
		}
		a.nameEnd = int32(i)
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, nil
		}
		if a.nameEnd == a.name {
			return 0, s.syntax(i, "expected attribute name in element")
		}
		if b[i] != '=' {
			return 0, s.syntax(i, "attribute name without = in element")
		}
		i++
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return 0, nil
		}
		quote := b[i]
		if quote != '"' && quote != '\'' {
			return 0, s.syntax(i, "unquoted or missing attribute value in element")
		}
		i++
		// Values are short: a loop beats two calls of IndexByte.
		end := i
		for end < len(b) && b[end] != quote {
			if b[end] == '<' {
				return 0, s.syntax(end, "unescaped < inside quoted string")
			}
			end++
		}
		if end == len(b) {
			return 0, nil
		}
		a.val, a.valEnd = int32(i), int32(end)
		s.attrs = append(s.attrs, a)
		i = end + 1
	}
}

// decode appends raw, an attribute value or text off bytes from the
// current token's start, to dst with its entities and line breaks decoded.
func (s *Scanner) decode(dst, raw []byte, off int, cdata bool) ([]byte, error) {
	bad := func(i int, format string, args ...any) error {
		return &SyntaxError{Line: s.lineAt(s.tok+off) + bytes.Count(raw[:i], []byte{'\n'}), Msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i < len(raw); {
		j := i
		for j < len(raw) {
			c := raw[j]
			if c == '&' || c == '\r' || c >= 0x80 || c < 0x20 && c != '\t' && c != '\n' {
				break
			}
			j++
		}
		dst = append(dst, raw[i:j]...)
		if j == len(raw) {
			break
		}
		switch c := raw[j]; {
		case c == '&' && !cdata:
			r, n := entity(raw[j:])
			if n == 0 {
				e := raw[j:]
				if k := bytes.IndexByte(e, ';'); k >= 0 && k < 16 {
					e = e[:k+1]
				} else {
					e = e[:min(len(e), 16)]
				}
				return dst, bad(j, "invalid character entity %s", e)
			}
			dst = utf8.AppendRune(dst, r)
			i = j + n
		case c == '\r':
			dst = append(dst, '\n')
			i = j + 1
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case c < 0x80:
			if c == '&' {
				dst = append(dst, c)
				i = j + 1
				continue
			}
			return dst, bad(j, "illegal character code U+%04X", c)
		default:
			r, n := utf8.DecodeRune(raw[j:])
			if r == utf8.RuneError && n == 1 {
				return dst, bad(j, "invalid UTF-8")
			}
			if !isChar(r) {
				return dst, bad(j, "illegal character code %U", r)
			}
			dst = append(dst, raw[j:j+n]...)
			i = j + n
		}
	}
	return dst, nil
}

// entity reads the entity or character reference at the start of b and
// returns its character and length, or a length of 0.
func entity(b []byte) (rune, int) {
	end := bytes.IndexByte(b, ';')
	if end < 2 || end > 12 {
		return 0, 0
	}
	name := b[1:end]
	switch string(name) {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "apos":
		return '\'', end + 1
	case "quot":
		return '"', end + 1
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0
	}
	base, digits := 10, name[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 {
		return 0, 0
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, 0
		}
		r = r*rune(base) + d
		if r > utf8.MaxRune {
			return 0, 0
		}
	}
	if !isChar(r) {
		return 0, 0
	}
	return r, end + 1
}

// isChar reports whether r may stand in an XML document.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// SizeText writes a size in bytes as people read it: 16 MiB, 4 KiB, 1000
// bytes.
func SizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
