package xls_test

import (
	"encoding/binary"
	"strconv"
)

// A writer of whole .xls files, for tests that need a file bigger than any
// fixture: the Workbook stream laid out as Excel and LibreOffice lay it out
// (shared strings run on in CONTINUE records, cells in blocks of 32 rows
// with their ROW and DBCELL records), in a compound file of 512-byte
// sectors whose FAT is long enough to need DIFAT sectors. It builds on the
// record helpers of biff_test.go.
//
// It leaves out what no reader of these tests looks at: the INDEX and
// EXTSST records (lookup aids holding absolute stream offsets), fonts,
// and the summary-information streams.

// An xlsSheet is a worksheet's name and its rows from row 1, column A.
// Cells whose text is an integer are stored as numbers, as a spreadsheet
// types them on entry; the other non-empty cells as shared strings.
type xlsSheet struct {
	name string
	rows [][]string
}

// xlsFile returns a .xls file of the sheets given, and the number of
// shared strings whose characters run on into a CONTINUE record.
func xlsFile(sheets ...xlsSheet) (file []byte, splitStrings int) {
	stream, splits := biffStream(sheets...)
	return compoundFile(stream), splits
}

// biffStream returns the Workbook stream of the sheets.
func biffStream(sheets ...xlsSheet) (stream []byte, splitStrings int) {
	var sst sstTable
	defs := make([]sheetDef, len(sheets))
	for i, s := range sheets {
		defs[i] = sheetDef{name: s.name, recs: [][]byte{sheetCells(s.rows, &sst)}}
	}
	sstRecs, splits := sst.records()
	globals := append([][]byte{rec(0x0042, u16(1200))}, styles()...) // CODEPAGE: UTF-16
	globals = append(globals, sstRecs)
	return workbook(globals, defs...), splits
}

// sheetCells returns a worksheet's records between its BOF and EOF.
func sheetCells(rows [][]string, sst *sstTable) []byte {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	b := rec(0x0200, u32(0), u32(uint32(len(rows))), u16(0), u16(cols), u16(0)) // DIMENSIONS
	for start := 0; start < len(rows); start += 32 {
		block := rows[start:min(start+32, len(rows))]
		// A block's ROW records, then its cells, then a DBCELL that points
		// back at both.
		first := len(b)
		for i, r := range block {
			// Default height (255 twips); the 0x100 flags bit must be set.
			b = append(b, rec(0x0208, u16(start+i), u16(0), u16(len(r)), u16(0xFF), u16(0), u16(0), u32(0x100))...)
		}
		var firstCells []int
		for i, r := range block {
			firstCells = append(firstCells, len(b))
			for col, text := range r {
				b = append(b, cellRec(start+i, col, text, sst)...)
			}
		}
		// The offset back to the first ROW; then that of each row's first
		// cell, from the end of the first ROW, then from the row before's.
		dbcell := u32(uint32(len(b) - first))
		prev := first + 20
		for _, off := range firstCells {
			dbcell = append(dbcell, u16(off-prev)...)
			prev = off
		}
		b = append(b, rec(0x00D7, dbcell)...)
	}
	window2 := rec(0x023E, u16(0x06B6), u16(0), u16(0), u16(0x40), u16(0), u16(0), u16(0), u16(0), u16(0))
	return append(b, window2...)
}

// cellRec is the record of one cell: nothing for empty text, a NUMBER for
// an integer (Excel would use an RK where one holds the value; a phone
// number needs the full 8 bytes), a LABELSST otherwise.
func cellRec(row, col int, text string, sst *sstTable) []byte {
	if text == "" {
		return nil
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil && strconv.FormatInt(n, 10) == text && n < 1<<53 && n > -1<<53 {
		return number(row, col, xfGeneral, float64(n))
	}
	return rec(0x00FD, at(row, col, xfGeneral), u32(sst.ref(text)))
}

// An sstTable is the workbook's shared strings, in order of first use,
// as Excel keeps them.
type sstTable struct {
	index map[string]uint32
	strs  []string
	uses  int
}

// ref returns the index of s, adding it if it is new.
func (t *sstTable) ref(s string) uint32 {
	t.uses++
	if i, ok := t.index[s]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i := uint32(len(t.strs))
	t.index[s] = i
	t.strs = append(t.strs, s)
	return i
}

// maxRecord is the most data one BIFF8 record holds.
const maxRecord = 8224

// records returns the SST record and the CONTINUE records its strings run
// on into, and how many strings were split between two records. As Excel
// does, a string's header is never split: the string starts in the next
// record if its header and first character do not fit. Its characters may
// be; the rest then starts the next CONTINUE after an option byte of its own.
func (t *sstTable) records() (recs []byte, splitStrings int) {
	var bodies [][]byte
	body := cat(u32(uint32(t.uses)), u32(uint32(len(t.strs))))
	for _, s := range t.strs {
		enc := str(s) // count, option byte, characters: an XLUnicodeRichExtendedString with no runs
		head, chars := enc[:3], enc[3:]
		width := 1 + int(head[2]&1)
		if maxRecord-len(body) < len(head)+width {
			bodies, body = append(bodies, body), nil
		}
		body = append(body, head...)
		for {
			k := min(len(chars), (maxRecord-len(body))/width*width)
			body, chars = append(body, chars[:k]...), chars[k:]
			if len(chars) == 0 {
				break
			}
			bodies, body = append(bodies, body), []byte{head[2] & 1}
			splitStrings++
		}
	}
	bodies = append(bodies, body)
	recs = rec(0x00FC, bodies[0])
	for _, b := range bodies[1:] {
		recs = append(recs, rec(0x003C, b)...)
	}
	return recs, splitStrings
}

// The compound file's layout ([MS-CFB]): version 3, which Excel and
// LibreOffice write.
const (
	sectorSize   = 512
	fatPerSector = sectorSize / 4 // sector numbers in a FAT or DIFAT sector
	headerFATs   = 109            // FAT sectors the header lists; DIFAT sectors list the rest

	freeSect   = 0xFFFFFFFF
	endOfChain = 0xFFFFFFFE
	fatSect    = 0xFFFFFFFD
	difatSect  = 0xFFFFFFFC
	noStream   = 0xFFFFFFFF
)

// compoundFile returns a compound file holding stream as its Workbook
// stream. Its sectors are the stream's, one of directory, the FAT's, then
// the DIFAT's. A stream under 4096 bytes would belong in the mini stream,
// which this does not write.
func compoundFile(stream []byte) []byte {
	if len(stream) < 4096 {
		panic("compoundFile: a stream under 4096 bytes goes in the mini stream, which is not written")
	}
	data := (len(stream) + sectorSize - 1) / sectorSize
	// The FAT maps every sector, its own and the DIFAT's included, so grow
	// them until they cover themselves.
	var fats, difats int
	for {
		f := (data + 1 + fats + difats + fatPerSector - 1) / fatPerSector
		d := 0
		if f > headerFATs {
			d = (f - headerFATs + fatPerSector - 2) / (fatPerSector - 1) // the last entry links to the next
		}
		if f == fats && d == difats {
			break
		}
		fats, difats = f, d
	}
	dir, fat0, difat0 := data, data+1, data+1+fats

	fat := make([]uint32, fats*fatPerSector)
	for i := range fat {
		switch {
		case i < data-1:
			fat[i] = uint32(i + 1) // the stream's sectors, in a row
		case i == data-1, i == dir:
			fat[i] = endOfChain
		case i >= fat0 && i < difat0:
			fat[i] = fatSect
		case i >= difat0 && i < difat0+difats:
			fat[i] = difatSect
		default:
			fat[i] = freeSect
		}
	}
	// The FAT sectors' numbers: 109 in the header, the rest in DIFAT
	// sectors of 127 and a link to the next.
	fatSectors := make([]uint32, headerFATs+difats*(fatPerSector-1))
	for i := range fatSectors {
		fatSectors[i] = freeSect
		if i < fats {
			fatSectors[i] = uint32(fat0 + i)
		}
	}
	firstDIFAT := uint32(endOfChain)
	if difats > 0 {
		firstDIFAT = uint32(difat0)
	}

	out := make([]byte, 0, (1+difat0+difats)*sectorSize)
	out = append(out, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)
	out = append(out, make([]byte, 16)...)                     // class ID
	out = append(out, cat(u16(0x3E), u16(3), u16(0xFFFE))...)  // versions, little-endian
	out = append(out, cat(u16(9), u16(6), make([]byte, 6))...) // 512-byte sectors, 64-byte mini sectors
	out = append(out, cat(u32(0), u32(uint32(fats)), u32(uint32(dir)), u32(0), u32(4096))...)
	out = append(out, cat(u32(endOfChain), u32(0), u32(firstDIFAT), u32(uint32(difats)))...) // no mini FAT
	out = appendU32s(out, fatSectors[:headerFATs])

	out = append(out, stream...)
	out = append(out, make([]byte, data*sectorSize-len(stream))...)

	out = append(out, dirEntry("Root Entry", 5, 1, endOfChain, 0)...)
	out = append(out, dirEntry("Workbook", 2, noStream, 0, len(stream))...)
	for range sectorSize/128 - 2 {
		out = append(out, dirEntry("", 0, noStream, 0, 0)...)
	}

	out = appendU32s(out, fat)
	for i := range difats {
		next := uint32(endOfChain)
		if i+1 < difats {
			next = uint32(difat0 + i + 1)
		}
		from := headerFATs + i*(fatPerSector-1)
		out = appendU32s(out, fatSectors[from:from+fatPerSector-1])
		out = binary.LittleEndian.AppendUint32(out, next)
	}
	return out
}

// dirEntry is a 128-byte directory entry: the root storage (type 5), a
// stream (2) or an unused entry (0, all zeros but its links).
func dirEntry(name string, typ byte, child, start uint32, size int) []byte {
	e := make([]byte, 0, 128)
	if name != "" {
		e = append(e, wide(name)...)
	}
	nameLen := 0
	if name != "" {
		nameLen = len(e) + 2 // with the terminating NUL
	}
	e = append(e, make([]byte, 64-len(e))...)
	color := byte(1) // black: a tree of one is trivially balanced
	if typ == 0 {
		color = 0
	}
	e = append(e, cat(u16(nameLen), []byte{typ, color}, u32(noStream), u32(noStream), u32(child))...)
	e = append(e, make([]byte, 16+4+8+8)...) // class ID, state bits, times
	return append(e, cat(u32(start), u32(uint32(size)), u32(0))...)
}

func appendU32s(b []byte, vs []uint32) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}
