package xls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
	"github.com/roster-dev/roster/sheet/internal/cellfmt"
)

// maxStream is the largest Workbook stream read into memory; real
// workbooks are a few tens of megabytes at most.
const maxStream = 256 << 20

// maxXF is the number of cell styles a cell can refer to: its style index
// is 16 bits.
const maxXF = 1 << 16

var errBIFF5 = errors.New("xls: the workbook is in the Excel 5.0/95 format, which is not supported; save it as Excel 97–2003 (.xls) or as .xlsx and try again")

// workbookStream returns the Workbook stream of the compound file in ra.
func workbookStream(ra io.ReaderAt, size int64) ([]byte, error) {
	file := io.NewSectionReader(ra, 0, size)
	var sig [8]byte
	if _, err := file.ReadAt(sig[:], 0); err != nil || string(sig[:]) != "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" {
		if string(sig[:4]) == "PK\x03\x04" {
			return nil, errors.New("xls: the file is a ZIP archive (perhaps an .xlsx or .ods workbook), not an Excel 97–2003 workbook")
		}
		return nil, errors.New("xls: the file is not an Excel 97–2003 workbook (it is not a compound file)")
	}
	doc, err := mscfb.New(file)
	if err != nil {
		return nil, fmt.Errorf("xls: the file is damaged: %v", err)
	}
	var book *mscfb.File
	for f, err := doc.Next(); err == nil; f, err = doc.Next() {
		if len(f.Path) > 0 || f.FileInfo().IsDir() {
			continue
		}
		// "Book" is the name Excel 5.0/95 gave it; the BOF record tells.
		if strings.EqualFold(f.Name, "Workbook") || (strings.EqualFold(f.Name, "Book") && book == nil) {
			book = f
		}
	}
	switch {
	case book == nil:
		return nil, errors.New("xls: the file holds no workbook (no Workbook stream); it may be another kind of Office document")
	case book.Size > maxStream:
		return nil, fmt.Errorf("xls: the workbook stream is %d bytes, more than the %d this reader accepts", book.Size, maxStream)
	case book.Size > size:
		return nil, fmt.Errorf("xls: the file is damaged: its workbook stream claims %d bytes, more than the file's %d", book.Size, size)
	}
	// Read in chunks: mscfb merges the sectors of one read in time that
	// grows with the square of their number, and a 20 MB stream has tens
	// of thousands of 512-byte sectors.
	wb := make([]byte, book.Size)
	for off := 0; off < len(wb); {
		n, err := io.ReadFull(book, wb[off:min(off+64<<10, len(wb))])
		off += n
		if err != nil {
			return nil, fmt.Errorf("xls: the file is damaged: reading the workbook stream: %v", err)
		}
	}
	return wb, nil
}

// A sheet is a worksheet listed in the workbook globals.
type sheet struct {
	name string
	off  int // of its BOF record in the Workbook stream
}

// globals is what the workbook globals substream says that the cells need.
type globals struct {
	sheets   []sheet
	sst      []string
	formats  []cellfmt.Format // by cell style (XF) index
	date1904 bool
}

// readGlobals reads the workbook globals, the substream that starts the
// Workbook stream.
func readGlobals(wb []byte) (*globals, error) {
	bof, next, err := readRecord(wb, 0)
	if err != nil || bof.typ != recBOF || len(bof.data) < 4 {
		return nil, errors.New("xls: the workbook stream does not start with a BIFF8 BOF record; the file is damaged or not an Excel 97–2003 workbook")
	}
	if binary.LittleEndian.Uint16(bof.data) == 0x0500 {
		return nil, errBIFF5
	}
	g := &globals{}
	codes := map[uint16]string{}
	var xfs []uint16
	for next < len(wb) {
		var rec record
		if rec, next, err = readRecord(wb, next); err != nil {
			return nil, fmt.Errorf("xls: %w", err)
		}
		switch rec.typ {
		case recEOF:
			next = len(wb)
		case recFilePass:
			return nil, fmt.Errorf("xls: %w", ErrEncrypted)
		case recDateMode:
			if len(rec.data) < 2 {
				return nil, fmt.Errorf("xls: %w", rec.err("truncated"))
			}
			g.date1904 = rec.data[0] == 1
		case recFormat:
			if len(rec.data) < 2 {
				return nil, fmt.Errorf("xls: %w", rec.err("truncated"))
			}
			code, err := newContReader(rec.data[2:]).unicodeString(2)
			if err != nil {
				return nil, fmt.Errorf("xls: %w", rec.err(err.Error()))
			}
			codes[binary.LittleEndian.Uint16(rec.data)] = code
		case recXF:
			if len(rec.data) < 4 {
				return nil, fmt.Errorf("xls: %w", rec.err("truncated"))
			}
			if len(xfs) < maxXF {
				xfs = append(xfs, binary.LittleEndian.Uint16(rec.data[2:]))
			}
		case recBoundSheet:
			if len(rec.data) < 6 {
				return nil, fmt.Errorf("xls: %w", rec.err("truncated"))
			}
			name, err := newContReader(rec.data[6:]).unicodeString(1)
			if err != nil {
				return nil, fmt.Errorf("xls: %w", rec.err(err.Error()))
			}
			if rec.data[5] == 0 { // a worksheet, not a chart or macro sheet
				g.sheets = append(g.sheets, sheet{name: name, off: int(binary.LittleEndian.Uint32(rec.data))})
			}
		case recSST:
			var segs [][]byte
			if segs, next, err = continued(wb, rec, next); err != nil {
				return nil, fmt.Errorf("xls: %w", err)
			}
			if g.sst, err = readSST(segs); err != nil {
				return nil, fmt.Errorf("xls: %w", rec.err(err.Error()))
			}
		}
	}
	g.formats = make([]cellfmt.Format, len(xfs))
	for i, id := range xfs {
		if code, ok := codes[id]; ok {
			g.formats[i] = cellfmt.Classify(code)
		} else {
			g.formats[i] = cellfmt.Builtin(int(id))
		}
	}
	return g, nil
}

// readSST reads the shared string table, which the SST record and its
// CONTINUE records hold.
func readSST(segs [][]byte) ([]string, error) {
	c := newContReader(segs...)
	if err := c.skip(4); err != nil { // the count of uses
		return nil, err
	}
	n, err := c.uint(4)
	if err != nil {
		return nil, err
	}
	// The count is only a claim: each string takes at least 3 bytes.
	var size int
	for _, s := range segs {
		size += len(s)
	}
	sst := make([]string, 0, min(int(n), size/3))
	for range n {
		if c.done() {
			break // fewer strings than claimed: cells that use the rest will say so
		}
		s, err := c.richString()
		if err != nil {
			return nil, fmt.Errorf("shared string %d: %w", len(sst), err)
		}
		sst = append(sst, s)
	}
	return sst, nil
}
