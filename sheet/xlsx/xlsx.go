// Package xlsx reads the rows of one worksheet of an Office Open XML
// workbook (.xlsx), each cell as the text a person sees in it.
//
// It reads only what that takes: the workbook's list of sheets and its
// relationships, the number formats of its cell styles, the shared strings
// and the worksheet itself, each through sheet/internal/xmlscan while
// another goroutine inflates it. The shared strings are held in memory as
// one string and the offsets into it, never in a temporary file: a sheet's
// cells may hold passwords. Everything a file may make the reader hold is
// bounded (the shared strings, the styles, the length of a cell, the size
// of a sheet), with an error naming the place that went beyond.
package xlsx

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/sheet/internal/cellfmt"
	"github.com/roster-dev/roster/sheet/internal/xmlscan"
	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// The size of the largest sheet Excel and LibreOffice can hold.
const (
	maxRows = 1 << 20
	maxCols = 1 << 14 // A to XFD
)

// maxStyles bounds the cell styles and number formats of a workbook, and
// its sheets: Excel allows 64,000 styles.
const maxStyles = 1 << 16

// Options choose the sheet and bound what a file may make the reader do.
type Options struct {
	// Sheet is a sheet's name, or its 1-based number as decimal text; ""
	// is the first sheet. A name wins over a number.
	Sheet string
	// MaxCellBytes is the largest text of one cell in bytes; 0 = 1 << 20.
	MaxCellBytes int
	// MaxSharedStrings bounds the memory the shared strings take, their
	// text and 4 bytes each; 0 = 256 MiB, room for several million rows.
	MaxSharedStrings int
	// Limits bound what the archive may inflate to; the zero value is
	// zipguard.DefaultLimits.
	Limits zipguard.Limits
	// LazyStrings reads the table of shared strings only as far as the
	// cells read need it, not whole before the first row: the first rows
	// of a million come at once. Excel numbers the strings as it meets
	// them, so the first rows need the first strings; a cell further on
	// reads the table further.
	LazyStrings bool
}

func (o Options) withDefaults() Options {
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = 1 << 20
	}
	if o.MaxSharedStrings <= 0 {
		o.MaxSharedStrings = 256 << 20
	}
	if o.Limits.MaxTotal <= 0 {
		o.Limits.MaxTotal = zipguard.DefaultLimits.MaxTotal
	}
	return o
}

// workbook is what the worksheet's cells need from the rest of the file.
type workbook struct {
	files    map[string]*zip.File
	names    []string // of the sheets, in order
	targets  []string // the worksheet part of each sheet
	date1904 bool
	formats  []cellfmt.Format // of each cell style, by index
	strings  sharedStrings
}

// NewReader opens the workbook in r, of size bytes, and finds the sheet
// that opt names.
func NewReader(r io.ReaderAt, size int64, opt Options) (*Reader, error) {
	opt = opt.withDefaults()
	zr, err := zipguard.Open(r, size, opt.Limits)
	if err != nil {
		return nil, err
	}
	wb := &workbook{files: map[string]*zip.File{}}
	for _, f := range zr.File {
		wb.files[f.Name] = f
	}
	parts, err := wb.readWorkbook(opt)
	if err != nil {
		return nil, err
	}
	i, err := pick(wb.names, opt.Sheet)
	if err != nil {
		return nil, err
	}
	if p := parts.styles; p != "" {
		if err := wb.readStyles(p, opt); err != nil {
			return nil, err
		}
	}
	if p := parts.sharedStrings; p != "" {
		if err := wb.readSharedStrings(p, opt); err != nil {
			return nil, err
		}
	}
	sr, err := newSheetReader(wb, i, opt)
	if err != nil {
		wb.strings.close()
		return nil, err
	}
	return sr, nil
}

// parts are the workbook's parts besides its sheets.
type parts struct{ styles, sharedStrings string }

// readWorkbook reads xl/workbook.xml and its relationships: the sheets'
// names and parts, and the date system.
func (wb *workbook) readWorkbook(opt Options) (parts, error) {
	rels := map[string]string{}
	var p parts
	const relsName = "xl/_rels/workbook.xml.rels"
	err := wb.scan(relsName, opt, func(s *xmlscan.Scanner) error {
		if string(local(s.Name())) != "Relationship" {
			return nil
		}
		id, typ, target := attr(s, "Id"), attr(s, "Type"), attr(s, "Target")
		if strings.EqualFold(attr(s, "TargetMode"), "External") {
			return nil
		}
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Join("xl", target)
		}
		switch {
		case strings.HasSuffix(typ, "/styles"):
			p.styles = target
		case strings.HasSuffix(typ, "/sharedStrings"):
			p.sharedStrings = target
		}
		rels[id] = target
		return nil
	})
	if err != nil && !errors.Is(err, errNoPart) {
		return p, err
	}
	err = wb.scan("xl/workbook.xml", opt, func(s *xmlscan.Scanner) error {
		switch string(local(s.Name())) {
		case "sheet":
			if len(wb.names) == maxStyles {
				return errors.New("more than 65536 sheets")
			}
			id := ""
			for i := range s.Attrs() {
				if n := s.AttrName(i); string(local(n)) == "id" && len(local(n)) < len(n) {
					v, err := s.AttrValue(i)
					if err != nil {
						return err
					}
					id = string(v)
				}
			}
			wb.names = append(wb.names, attr(s, "name"))
			wb.targets = append(wb.targets, rels[id])
		case "workbookPr":
			v := attr(s, "date1904")
			wb.date1904 = v == "1" || v == "true"
		}
		return nil
	})
	if err == errNoPart {
		return p, errors.New("not a readable XLSX workbook: it has no xl/workbook.xml")
	}
	// Parts at their usual places, for workbooks whose relationships are
	// missing.
	for _, def := range []struct {
		p    *string
		name string
	}{{&p.styles, "xl/styles.xml"}, {&p.sharedStrings, "xl/sharedStrings.xml"}} {
		if _, ok := wb.files[def.name]; ok && *def.p == "" {
			*def.p = def.name
		}
	}
	return p, err
}

// readStyles reads the number format of each cell style from styles.xml.
func (wb *workbook) readStyles(name string, opt Options) error {
	custom := map[int]string{}
	inCellXfs := false
	err := wb.scan(name, opt, func(s *xmlscan.Scanner) error {
		switch string(local(s.Name())) {
		case "numFmt":
			if len(custom) == maxStyles {
				return errors.New("more than 65536 number formats")
			}
			id, _ := strconv.Atoi(attr(s, "numFmtId"))
			custom[id] = attr(s, "formatCode")
		case "cellXfs":
			inCellXfs = !s.SelfClosing()
		case "xf":
			if !inCellXfs {
				return nil
			}
			if len(wb.formats) == maxStyles {
				return errors.New("more than 65536 cell styles")
			}
			id, _ := strconv.Atoi(attr(s, "numFmtId"))
			f := cellfmt.Builtin(id)
			if code, ok := custom[id]; ok {
				f = cellfmt.Classify(code)
			}
			wb.formats = append(wb.formats, f)
		}
		return nil
	}, "cellXfs")
	if err == errNoPart {
		return nil
	}
	return err
}

// errNoPart is a part that the archive does not hold.
var errNoPart = errors.New("no such part")

// scan calls start for each start tag of a small part, and stops at the
// end of an element named in stopAfter's first element, if given.
func (wb *workbook) scan(name string, opt Options, start func(*xmlscan.Scanner) error, stopAfter ...string) error {
	s, closePart, err := wb.open(name, opt)
	if err != nil {
		return err
	}
	defer closePart()
	for {
		k, err := s.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return partError(name, err)
		}
		switch k {
		case xmlscan.Start:
			if err := start(s); err != nil {
				return partError(name, err)
			}
		case xmlscan.End:
			if len(stopAfter) > 0 && string(local(s.Name())) == stopAfter[0] {
				return nil
			}
		}
	}
}

// open starts scanning a part, or returns errNoPart. The function it
// returns releases the part.
func (wb *workbook) open(name string, opt Options) (*xmlscan.Scanner, func() error, error) {
	f := wb.files[name]
	if f == nil {
		return nil, nil, errNoPart
	}
	rc, err := zipguard.OpenEntry(f, opt.Limits.MaxTotal)
	if err != nil {
		return nil, nil, err
	}
	// The longest token allowed: a cell's text written with entities
	// (&quot; is six bytes for one) or a tag with long attributes.
	s := xmlscan.New(rc, xmlscan.Options{MaxToken: max(16<<20, 8*opt.MaxCellBytes)})
	return s, func() error {
		s.Close()
		return rc.Close()
	}, nil
}

// partError names the part an error comes from, unless it already does.
func partError(name string, err error) error {
	var syntax *xmlscan.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("%s %w", name, err)
	case errors.Is(err, zipguard.ErrBomb):
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// local is a name without its prefix.
func local(name []byte) []byte {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == ':' {
			return name[i+1:]
		}
	}
	return name
}

// attr is the value of an attribute of a small part, or "" when it is
// absent or cannot be decoded.
func attr(s *xmlscan.Scanner, name string) string {
	i := s.Attr(name)
	if i < 0 {
		return ""
	}
	v, err := s.AttrValue(i)
	if err != nil {
		return ""
	}
	return string(v)
}

// pick finds a sheet by name or 1-based number; empty picks the first.
func pick(names []string, want string) (int, error) {
	if len(names) == 0 {
		return 0, errors.New("the workbook has no sheet")
	}
	if want == "" {
		return 0, nil
	}
	for i, n := range names {
		if n == want {
			return i, nil
		}
	}
	if i, err := strconv.Atoi(want); err == nil && i >= 1 && i <= len(names) {
		return i - 1, nil
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return 0, fmt.Errorf("no sheet %q in the workbook (sheets: %s)", want, strings.Join(q, ", "))
}
