package provision

import (
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// ReportSink receives the report files of a run. The engine does not know
// where they go: the command line keeps them in a new folder per run (see
// Folder), a server keeps them with its jobs.
type ReportSink interface {
	// Create makes a new, empty report file of that name (errors.csv,
	// errors.xlsx, success.csv). It never replaces an existing file.
	Create(name string) (ReportFile, error)
}

// ReportFile is a report being written.
type ReportFile interface {
	io.Writer
	// Save makes what was written durable (the file's name included) and
	// closes the file; it returns the name the result gives the file.
	Save() (string, error)
	// Discard closes the file, if open, and removes it, saved or not.
	Discard() error
}

// KeptProblems is how many problems a result holds. A file can have
// millions of failed rows: the rest are counted, and given to
// Options.Problem and the error report, but not kept.
const KeptProblems = 1000

// reports writes errors.<ext> and success.csv as the run goes, and keeps
// those the outcome calls for.
type reports struct {
	sink   ReportSink
	log    *slog.Logger
	format sheet.Format
	sep    rune
	bom    bool
	header []string
	// note is the position of the errors column: the header's own when
	// the input is an error report again, else one past the header.
	note  int
	width int // of the input's header
	guard *guard
	// whole is set for an atomic run: once a row fails, nothing will be
	// written, and the error report holds every row of the input (the good
	// ones with an empty errors cell), so that importing it once fixed
	// gives everyone. The rows that passed before the first failure are
	// counted (early), then read again from src when it comes.
	whole    bool
	early    int
	src      *sheet.Source
	sheetOpt sheet.Options

	errFile  ReportFile
	errs     sheet.Writer
	succFile ReportFile
	succ     *csv.Writer
	err      error
	final    bool // the outcome is decided: files kept stay
}

func newReports(r *run, sink ReportSink) *reports {
	f, h := r.file, r.header
	rep := &reports{sink: sink, log: r.log, header: h.Cells, note: h.ErrorsAt(), width: len(h.Cells), guard: r.guard,
		sep: f.Separator, bom: f.Encoding != "" && f.Encoding != "utf-8",
		whole: r.opt.Mode == Atomic, src: r.src, sheetOpt: r.opt.Sheet}
	if rep.note < 0 {
		rep.header = append(slices.Clone(h.Cells), catalog.ErrorsColumn)
		rep.note = len(h.Cells)
	}
	switch f.Format {
	case sheet.CSV, sheet.TSV:
		rep.format = f.Format
	default:
		rep.format = sheet.XLSX
	}
	return rep
}

// failure adds a row that failed (or, with a note, was not applied),
// exactly as it was, with its problems in the errors column.
func (rep *reports) failure(it *item, note string) {
	if rep.err != nil {
		return
	}
	if rep.errs == nil {
		if rep.err = rep.openErrors(); rep.err != nil {
			return
		}
	}
	if note == "" {
		var parts []string
		for _, p := range it.problems {
			if p.Column == "" {
				parts = append(parts, p.Message)
			} else {
				parts = append(parts, p.Column+": "+p.Message)
			}
		}
		note = strings.Join(parts, "; ")
	}
	rep.write(it.cells, true, note)
}

// passed adds a row that passed, when the error report holds every row.
func (rep *reports) passed(it *item) {
	switch {
	case !rep.whole || rep.err != nil:
	case rep.errs == nil:
		rep.early++
	default:
		rep.write(it.cells, false, "")
	}
}

// openErrors creates the error report and, when it holds every row,
// writes the rows that passed before the first failure, read again.
func (rep *reports) openErrors() error {
	var err error
	if rep.errFile, err = rep.sink.Create("errors." + string(rep.format)); err != nil {
		return err
	}
	rep.errs, err = sheet.NewWriter(rep.errFile, rep.format, sheet.WriteOptions{Separator: rep.sep, BOM: rep.bom, Sheet: "errors"})
	if err != nil {
		return err
	}
	if err := rep.errs.Write(rep.header); err != nil {
		return err
	}
	if rep.early == 0 {
		return nil
	}
	f, err := rep.src.Open(rep.sheetOpt)
	if err != nil {
		return fmt.Errorf("reading the file again for the error report: %w", err)
	}
	defer f.Close()
	for n := 0; n <= rep.early; n++ { // the header, then the rows
		row, err := f.Next()
		if err != nil {
			return fmt.Errorf("reading the file again for the error report: %w", err)
		}
		if n > 0 {
			rep.write(row.Cells, false, "")
		}
	}
	return rep.err
}

// write adds a row to the error report. Cells that may hold a plaintext
// secret are left empty, and the note says which to enter again: no
// plaintext password is ever written to disk but the generated ones of
// success.csv.
func (rep *reports) write(cells []string, failed bool, note string) {
	if rep.err != nil {
		return
	}
	// The note goes under the errors column; cells past the input's
	// header (themselves an error) stay after it, so nothing is lost.
	out := make([]string, len(rep.header), len(rep.header)+max(0, len(cells)-rep.width))
	copy(out, cells[:min(rep.width, len(cells))])
	if len(cells) > rep.width {
		out = append(out, cells[rep.width:]...)
	}
	var named []string
	stray := false
	for _, i := range rep.guard.suspects(cells, failed) {
		if i < rep.width {
			out[i] = ""
			named = append(named, rep.header[i])
		} else {
			out[len(rep.header)+i-rep.width] = ""
			stray = true
		}
	}
	var parts []string
	if note != "" {
		parts = append(parts, note)
	}
	if stray {
		parts = append(parts, "cells under no header left out of this report (they may hold a secret pushed out of its column)")
	}
	if len(named) > 0 {
		// Last, where catalog reads it back: see catalog.LeftOut.
		parts = append(parts, strings.Join(named, ", ")+": "+catalog.LeftOut)
	}
	out[rep.note] = strings.Join(parts, "; ")
	rep.err = rep.errs.Write(out)
}

// success adds a written user; the password only when it was generated.
func (rep *reports) success(it *item) {
	if rep.err != nil {
		return
	}
	if rep.succ == nil {
		if rep.succFile, rep.err = rep.sink.Create("success.csv"); rep.err != nil {
			return
		}
		rep.succ = csv.NewWriter(rep.succFile)
		rep.err = rep.succ.Write([]string{"row", "uuid", "username", "email", "exten", "password"})
	}
	u := it.user
	exten := ""
	if u.Line != nil {
		exten = u.Line.Exten
	}
	if rep.err == nil {
		rep.err = rep.succ.Write([]string{strconv.Itoa(it.row), u.UUID, u.Username, u.Email, exten, it.password})
	}
}

// save finishes the files, before the directory's commit: the error report
// is kept when rows failed, the success report when keepSuccess. Kept files
// are synced; when one cannot be written, every file is removed and the
// run must write nothing.
func (rep *reports) save(failures, keepSuccess bool) (*roster.Reports, error) {
	out := &roster.Reports{}
	if rep.errs != nil {
		if err := rep.errs.Close(); err != nil && rep.err == nil {
			rep.err = err
		}
	}
	if rep.succ != nil {
		rep.succ.Flush()
		if err := rep.succ.Error(); err != nil && rep.err == nil {
			rep.err = err
		}
	}
	keep := func(f *ReportFile, want bool) *string {
		switch {
		case *f == nil || rep.err != nil:
		case !want:
			if err := (*f).Discard(); err != nil {
				rep.log.Warn("removing a report", "err", err)
			}
			*f = nil
		default:
			p, err := (*f).Save()
			if err != nil {
				rep.err = err
				return nil
			}
			return &p
		}
		return nil
	}
	out.Errors = keep(&rep.errFile, failures)
	out.Success = keep(&rep.succFile, keepSuccess)
	if rep.err != nil {
		rep.abandon()
		return nil, rep.err
	}
	rep.final = true
	return out, nil
}

// abandon removes the files of a run that ended in an error (or whose
// commit failed): they describe a run that wrote nothing.
func (rep *reports) abandon() {
	for _, f := range []*ReportFile{&rep.errFile, &rep.succFile} {
		if *f != nil {
			if err := (*f).Discard(); err != nil {
				rep.log.Warn("removing a report", "err", err)
			}
			*f = nil
		}
	}
}

// close ends the run's use of the reports: unless the outcome kept them,
// they are removed.
func (rep *reports) close() {
	if !rep.final {
		rep.abandon()
	}
}

// problems adds a failed row's problems to the result, the stream and the
// count; the result keeps only the first KeptProblems.
func (r *run) problems(it *item) {
	sus := r.guard.suspects(it.cells, true)
	for _, p := range it.problems {
		r.guard.mask(&p, sus)
		r.res.ErrorCount++
		if len(r.res.Errors) < KeptProblems {
			p.Value = strings.Clone(p.Value) // not the whole row's memory
			r.res.Errors = append(r.res.Errors, p)
		}
		if r.opt.Problem != nil {
			r.opt.Problem(p)
		}
	}
}

// guard finds the cells of a row that may hold a plaintext secret: those
// of the secret columns and, in a failed row, cells that a separator left
// unquoted (or left out) may have pushed a secret into. A value under no
// header is the usual sign: "Smith, Jr" unquoted in a CSV moves every
// later cell one column right, the password into the next column.
type guard struct {
	h      *catalog.Header
	secret []int // positions of the plaintext secret columns
	// text: CSV and TSV rows keep every field, so a row shorter than the
	// header lost a separator, which moves later cells left.
	text bool
	buf  []int
}

func newGuard(h *catalog.Header, format sheet.Format) *guard {
	g := &guard{h: h, text: format == sheet.CSV || format == sheet.TSV}
	for _, c := range h.Present() {
		if i := h.Position(c); i >= 0 && c.Secret && c.Type != catalog.Hash {
			g.secret = append(g.secret, i)
		}
	}
	return g
}

// suspects returns the positions of a row's non-empty cells that may hold
// a plaintext secret; the slice is reused by the next call.
func (g *guard) suspects(cells []string, failed bool) []int {
	g.buf = g.buf[:0]
	if len(g.secret) == 0 {
		return g.buf
	}
	add := func(i int) {
		if i >= 0 && i < len(cells) && i != g.h.ErrorsAt() && strings.TrimSpace(cells[i]) != "" && !slices.Contains(g.buf, i) {
			g.buf = append(g.buf, i)
		}
	}
	for _, p := range g.secret {
		add(p)
	}
	if !failed {
		return g.buf
	}
	g.h.Stray(cells, add)
	// A CSV row keeps every field, and a spreadsheet row ends at its last
	// non-empty cell: either way, cells past the header's width are extra
	// ones, even empty (a row that ended in an empty cell before the shift).
	width := len(g.h.Cells)
	for _, p := range g.secret {
		for k := 1; k <= len(cells)-width; k++ {
			add(p + k) // moved right by extra separators
		}
		for k := 1; g.text && k <= width-len(cells); k++ {
			add(p - k) // moved left by missing ones
		}
	}
	return g.buf
}

// mask hides the value of a problem whose cell may hold a secret.
func (g *guard) mask(p *roster.Problem, suspects []int) {
	if p.Value == "" || p.Value == "***" || len(suspects) == 0 {
		return
	}
	if c := catalog.Lookup(p.Column); c != nil && slices.Contains(suspects, g.h.Position(c)) {
		p.Value = "***"
	}
}
