package ods

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// The namespaces of the ODF elements the reader looks at.
const (
	officeNS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	tableNS  = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	textNS   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	drawNS   = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
)

// prefixes are the prefixes content.xml binds to the ODF namespaces.
//
// The reader takes tokens from xml.Decoder.RawToken, which leaves names as
// written, prefix and all, because Token's namespace translation costs a
// map and allocations on every element. ODF files declare their namespaces
// once, on the root element, and nearly always with the prefixes below; the
// root's declarations are read in case a producer chose others.
type prefixes struct {
	office, table, text, draw string
}

var usualPrefixes = prefixes{office: "office", table: "table", text: "text", draw: "draw"}

// content is one pass over content.xml.
type content struct {
	rc       io.ReadCloser
	in       *guard
	dec      *xml.Decoder
	ns       prefixes
	maxDepth int
	// open are the elements the last token is in, itself included: an
	// end element is removed only at the next token. RawToken does not
	// check that end tags match, so this does.
	open []xml.Name
	pop  bool
}

func openContent(f *zip.File, opt Options) (*content, error) {
	rc, err := zipguard.OpenEntry(f, opt.Limits.MaxTotal)
	if err != nil {
		return nil, fmt.Errorf("ods: %w", err)
	}
	// The longest token allowed: a cell's text written with entities
	// (&quot; is six bytes for one) or a tag with long attributes.
	in := newGuard(rc, max(16<<20, 8*opt.MaxCellBytes))
	return &content{rc: rc, in: in, dec: xml.NewDecoder(in), ns: usualPrefixes, maxDepth: opt.MaxDepth}, nil
}

// close releases content.xml. A decompression error it reports is about
// bytes the reader never needed (after the last table, or after an error
// Next already returned), so it is not the caller's concern.
func (c *content) close() error {
	c.rc.Close()
	return nil
}

// token returns the next token of content.xml, or io.EOF at its end.
func (c *content) token() (xml.Token, error) {
	if c.pop {
		c.open = c.open[:len(c.open)-1]
		c.pop = false
	}
	c.in.n = 0
	tok, err := c.dec.RawToken()
	if err == io.EOF && len(c.open) > 0 {
		return nil, c.lineError("the file ends inside <%s> (is it cut short?)", qname(c.open[len(c.open)-1]))
	}
	if err != nil {
		return nil, c.xmlError(err)
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if len(c.open) == c.maxDepth {
			return nil, c.lineError("elements nested more than %d deep", c.maxDepth)
		}
		c.open = append(c.open, t.Name)
	case xml.EndElement:
		if len(c.open) == 0 || c.open[len(c.open)-1] != t.Name {
			return nil, c.lineError("</%s> does not close the element open there", qname(t.Name))
		}
		c.pop = true
	}
	return tok, nil
}

// depth is that of the element of the last token: a start element's once
// opened, an end element's before it closes.
func (c *content) depth() int {
	return len(c.open)
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// seek reads up to the start of the wanted table: the one named name, or
// else the pos-th (1-based; 0 for none). It returns the names of the tables
// up to the one found, or of all if none is. Only the tables directly in
// office:spreadsheet are sheets.
func (c *content) seek(name string, pos int) (names []string, found bool, err error) {
	body := 0 // depth of office:spreadsheet
	for {
		tok, err := c.token()
		if err == io.EOF {
			return names, false, nil
		}
		if err != nil {
			return names, false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case c.depth() == 1:
				c.ns = declared(t)
			case is(t.Name, c.ns.office, "spreadsheet"):
				body = c.depth()
			case body > 0 && c.depth() == body+1 && is(t.Name, c.ns.table, "table"):
				n := attr(t, c.ns.table, "name")
				names = append(names, n)
				if (name != "" && n == name) || len(names) == pos {
					return names, true, nil
				}
			}
		case xml.EndElement:
			if c.depth() == body {
				body = 0
			}
		}
	}
}

// declared reads the prefixes the root element binds to the ODF namespaces.
func declared(root xml.StartElement) prefixes {
	ns := usualPrefixes
	for _, a := range root.Attr {
		if a.Name.Space != "xmlns" {
			continue
		}
		switch a.Value {
		case officeNS:
			ns.office = a.Name.Local
		case tableNS:
			ns.table = a.Name.Local
		case textNS:
			ns.text = a.Name.Local
		case drawNS:
			ns.draw = a.Name.Local
		}
	}
	return ns
}

func is(n xml.Name, space, local string) bool {
	return n.Local == local && n.Space == space
}

func attr(t xml.StartElement, space, local string) string {
	for _, a := range t.Attr {
		if is(a.Name, space, local) {
			return a.Value
		}
	}
	return ""
}

func (c *content) lineError(format string, args ...any) error {
	line, _ := c.dec.InputPos()
	return fmt.Errorf("ods: content.xml line %d: %s", line, fmt.Sprintf(format, args...))
}

func (c *content) xmlError(err error) error {
	var syntax *xml.SyntaxError
	switch {
	case err == io.EOF:
		return err
	case errors.Is(err, c.in.tooLong):
		return c.lineError("%v", err)
	case errors.As(err, &syntax):
		return fmt.Errorf("ods: content.xml line %d: %s", syntax.Line, syntax.Msg)
	case errors.Is(err, zipguard.ErrBomb):
		return fmt.Errorf("ods: %w", err) // it names content.xml
	}
	return fmt.Errorf("ods: reading content.xml: %w", err)
}

// guard hands content.xml to the XML decoder and stops a token that grows
// past max bytes. encoding/xml holds a whole token (a run of text, a tag
// with its attributes, a comment) in memory before returning it, so without
// this a few MiB of deflated text could make it buffer gigabytes at once,
// long before the length of a cell could be checked.
type guard struct {
	r       io.Reader
	buf     []byte
	next    int // index in buf of the next byte
	n       int // bytes read since the decoder last returned a token
	max     int
	err     error // of r, once it has failed
	tooLong error
}

func newGuard(r io.Reader, max int) *guard {
	return &guard{
		r:       r,
		buf:     make([]byte, 0, 64<<10),
		max:     max,
		tooLong: fmt.Errorf("more than %s of text or markup in one piece", sizeText(max)),
	}
}

// ReadByte is all xml.Decoder reads with, when its reader has it. It is
// called for every byte, so it has its own buffer rather than calling
// bufio's.
func (g *guard) ReadByte() (byte, error) {
	if g.next == len(g.buf) {
		if err := g.fill(); err != nil {
			return 0, err
		}
	}
	if g.n >= g.max {
		return 0, g.tooLong
	}
	g.n++
	g.next++
	return g.buf[g.next-1], nil
}

func (g *guard) fill() error {
	// Like bufio, give up on a reader that keeps returning nothing.
	for range 100 {
		if g.err != nil {
			return g.err
		}
		n, err := g.r.Read(g.buf[:cap(g.buf)])
		g.buf, g.next, g.err = g.buf[:n], 0, err
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// Read makes guard an io.Reader, as xml.NewDecoder wants one.
func (g *guard) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := g.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}
