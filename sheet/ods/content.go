package ods

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"

	"github.com/roster-dev/roster/sheet/internal/xmlscan"
	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// The namespaces of the ODF elements the reader looks at.
const (
	officeNS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
	tableNS  = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
	textNS   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	drawNS   = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
)

// names are the names of the elements and attributes the reader looks at,
// as content.xml writes them.
//
// The scanner leaves names as written, prefix and all, rather than
// resolving namespaces on every element. ODF files declare their
// namespaces once, on the root element, and nearly always with the
// prefixes office, table, text and draw; the root's declarations are read
// in case a producer chose others.
type names struct {
	spreadsheet, table, tableName                  string
	row, cell, covered, headerRows, rowGroup, rows string
	rowsRepeated, colsRepeated                     string
	annotation, note, draw, text                   string
	p, h, s, c, tab, lineBreak                     string
	valueType, value, dateValue, timeValue         string
	booleanValue                                   string
}

func namesOf(office, table, text, draw string) names {
	return names{
		spreadsheet: office + ":spreadsheet", table: table + ":table", tableName: table + ":name",
		row: table + ":table-row", cell: table + ":table-cell", covered: table + ":covered-table-cell",
		headerRows: table + ":table-header-rows", rowGroup: table + ":table-row-group", rows: table + ":table-rows",
		rowsRepeated: table + ":number-rows-repeated", colsRepeated: table + ":number-columns-repeated",
		annotation: office + ":annotation", note: text + ":note", draw: draw + ":", text: text + ":",
		p: text + ":p", h: text + ":h", s: text + ":s", c: text + ":c", tab: text + ":tab", lineBreak: text + ":line-break",
		valueType: office + ":value-type", value: office + ":value", dateValue: office + ":date-value",
		timeValue: office + ":time-value", booleanValue: office + ":boolean-value",
	}
}

var usualNames = namesOf("office", "table", "text", "draw")

// content is one pass over content.xml.
type content struct {
	rc io.ReadCloser
	s  *xmlscan.Scanner
	ns names
}

func openContent(f *zip.File, opt Options) (*content, error) {
	rc, err := zipguard.OpenEntry(f, opt.Limits.MaxTotal)
	if err != nil {
		return nil, fmt.Errorf("ods: %w", err)
	}
	// The longest token allowed: a cell's text written with entities
	// (&quot; is six bytes for one) or a tag with long attributes.
	s := xmlscan.New(rc, xmlscan.Options{MaxToken: max(16<<20, 8*opt.MaxCellBytes), MaxDepth: opt.MaxDepth})
	return &content{rc: rc, s: s, ns: usualNames}, nil
}

// close releases content.xml. A decompression error it reports is about
// bytes the reader never needed (after the last table, or after an error
// Next already returned), so it is not the caller's concern.
func (c *content) close() error {
	c.s.Close()
	c.rc.Close()
	return nil
}

// token reads the next token of content.xml; io.EOF at its end.
func (c *content) token() (xmlscan.Kind, error) {
	k, err := c.s.Next()
	if err != nil {
		return 0, c.xmlError(err)
	}
	return k, nil
}

// depth is that of the element of the last token: a start element's once
// opened, an end element's before it closes.
func (c *content) depth() int { return c.s.Depth() }

// attr is the value of the last start element's attribute of that name,
// or "".
func (c *content) attr(name string) (string, error) {
	i := c.s.Attr(name)
	if i < 0 {
		return "", nil
	}
	v, err := c.s.AttrValue(i)
	if err != nil {
		return "", c.xmlError(err)
	}
	return string(v), nil
}

// seek reads up to the start of the wanted table: the one named name, or
// else the pos-th (1-based; 0 for none). It returns the names of the tables
// up to the one found, or of all if none is. Only the tables directly in
// office:spreadsheet are sheets.
func (c *content) seek(name string, pos int) (tables []string, found bool, err error) {
	body := 0 // depth of office:spreadsheet
	for {
		k, err := c.token()
		if err == io.EOF {
			return tables, false, nil
		}
		if err != nil {
			return tables, false, err
		}
		switch k {
		case xmlscan.Start:
			switch n := c.s.Name(); {
			case c.depth() == 1:
				c.declared()
			case string(n) == c.ns.spreadsheet:
				body = c.depth()
			case body > 0 && c.depth() == body+1 && string(n) == c.ns.table:
				t, err := c.attr(c.ns.tableName)
				if err != nil {
					return tables, false, err
				}
				tables = append(tables, t)
				if (name != "" && t == name) || len(tables) == pos {
					return tables, true, nil
				}
			}
		case xmlscan.End:
			if c.depth() == body {
				body = 0
			}
		}
	}
}

// declared reads the prefixes the root element binds to the ODF namespaces.
func (c *content) declared() {
	office, table, text, draw := "office", "table", "text", "draw"
	for i := range c.s.Attrs() {
		n := string(c.s.AttrName(i))
		prefix, ok := cutPrefix(n, "xmlns:")
		if !ok {
			continue
		}
		v, err := c.s.AttrValue(i)
		if err != nil {
			continue
		}
		switch string(v) {
		case officeNS:
			office = prefix
		case tableNS:
			table = prefix
		case textNS:
			text = prefix
		case drawNS:
			draw = prefix
		}
	}
	c.ns = namesOf(office, table, text, draw)
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return s, false
	}
	return s[len(prefix):], true
}

func (c *content) lineError(format string, args ...any) error {
	return fmt.Errorf("ods: content.xml line %d: %s", c.s.Line(), fmt.Sprintf(format, args...))
}

func (c *content) xmlError(err error) error {
	var syntax *xmlscan.SyntaxError
	switch {
	case err == io.EOF:
		return err
	case errors.As(err, &syntax):
		return fmt.Errorf("ods: content.xml %w", err)
	case errors.Is(err, zipguard.ErrBomb):
		return fmt.Errorf("ods: %w", err) // it names content.xml
	}
	return fmt.Errorf("ods: reading content.xml: %w", err)
}
