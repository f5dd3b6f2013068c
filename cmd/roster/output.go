package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/scratch"
)

// output prints a command's result: one JSON object, or a summary for a
// person. A big file can have a million steps in its plan and a million
// problems, so with JSON both are spooled to temporary files as the run
// goes and spliced in at the end.
type output struct {
	a        *app
	json     bool
	withPlan bool
	plan     spool
	problems spool
	streamed bool // every problem came through problem
	steps    int
	shown    []roster.Step // for the summary, the first steps
	buf      []byte
}

// spool is a list of JSON values written to a temporary file that has no
// name, so that nothing of it outlives the process.
type spool struct {
	f   *scratch.File
	w   *bufio.Writer
	n   int
	err error
}

func (s *spool) add(value []byte) {
	if s.err != nil {
		return
	}
	if s.f == nil {
		if s.f, s.err = scratch.New("roster-output-*"); s.err != nil {
			return
		}
		// Large writes: a million-step plan is 70 MB, which 4 KiB at a
		// time took 17,000 system calls.
		s.w = bufio.NewWriterSize(s.f, 256<<10)
	}
	if s.n > 0 {
		s.w.WriteByte(',')
	}
	s.n++
	_, s.err = s.w.Write(value)
}

// copyTo writes the list's values, comma-separated, to w.
func (s *spool) copyTo(w io.Writer) error {
	if s.err != nil || s.f == nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.f)
	return err
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
	}
}

const maxShownSteps = 200

func newOutput(a *app, asJSON, withPlan bool) *output {
	return &output{a: a, json: asJSON, withPlan: withPlan}
}

func (o *output) step(s roster.Step) {
	if !o.withPlan {
		return
	}
	if !o.json {
		// A failed row's line would be empty: its problems are listed
		// with the errors.
		if s.Action != roster.Failed {
			o.steps++
			if len(o.shown) < maxShownSteps {
				o.shown = append(o.shown, s)
			}
		}
		return
	}
	o.steps++
	o.buf = s.AppendJSON(o.buf[:0])
	o.plan.add(o.buf)
}

// problem receives every problem of a run, for the JSON output: the result
// keeps only the first.
func (o *output) problem(p roster.Problem) {
	o.streamed = true
	if !o.json {
		return
	}
	b, err := json.Marshal(p.Worded(flagWords))
	if err != nil {
		o.problems.err = err
		return
	}
	o.problems.add(b)
}

func (o *output) close() {
	o.plan.close()
	o.problems.close()
}

func (o *output) result(res *roster.Result) error {
	if o.json {
		return o.writeJSON(res)
	}
	o.summary(res)
	return nil
}

// writeJSON writes the result with its errors and plan spliced in from the
// spools.
func (o *output) writeJSON(res *roster.Result) error {
	w := bufio.NewWriter(o.a.stdout)
	defer w.Flush()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// The outer errors field hides the result's, to be written after.
	if err := enc.Encode(struct {
		*roster.Result
		Errors *struct{} `json:"errors,omitempty"`
	}{Result: res}); err != nil {
		return err
	}
	body := bytes.TrimSpace(buf.Bytes())
	w.Write(body[:len(body)-1])
	w.WriteString(`,"errors":[`)
	// Should a spool have failed (a full temporary folder), the object
	// stays whole: the kept problems, no plan, and a warning.
	if o.streamed && o.problems.err == nil {
		if err := o.problems.copyTo(w); err != nil {
			return err
		}
	} else {
		if o.problems.err != nil {
			printf(o.a.stderr, "roster: warning: the JSON lists only the first %s problems: %v\n", group(len(res.Errors)), o.problems.err)
		}
		for i, p := range res.Errors {
			if i > 0 {
				w.WriteByte(',')
			}
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			w.Write(b)
		}
	}
	w.WriteByte(']')
	if o.plan.err != nil {
		printf(o.a.stderr, "roster: warning: the JSON has no plan: %v\n", o.plan.err)
	} else if o.withPlan {
		w.WriteString(`,"plan":[`)
		if err := o.plan.copyTo(w); err != nil {
			return err
		}
		w.WriteByte(']')
	}
	_, err := w.WriteString("}\n")
	return err
}

// summary prints the result for a person.
func (o *output) summary(res *roster.Result) {
	w := o.a.stdout
	what := res.File
	if res.Format != "" {
		what += " (" + res.Format + ")"
	}
	if what != "" {
		what += ": " // runs on --user references name no file
	}
	// A dry run says what would be done; a real run that wrote nothing
	// (a failed atomic run) says what was to be done, never "would be".
	did := func(verb, done string) string {
		switch {
		case res.DryRun:
			return "would be " + done
		case res.Applied:
			return done
		}
		return "to " + verb
	}
	var parts []string
	add := func(n *int, verb, done string) {
		if n != nil && *n > 0 {
			parts = append(parts, group(*n)+" "+did(verb, done))
		}
	}
	add(res.Created, "create", "created")
	add(res.Updated, "update", "updated")
	add(res.Added, "add", "added")
	add(res.Removed, "remove", "removed")
	add(res.Deleted, "delete", "deleted")
	if res.Unchanged > 0 {
		parts = append(parts, group(res.Unchanged)+" unchanged")
	}
	add(res.Skipped, "skip", "skipped")
	if res.Failed > 0 {
		parts = append(parts, group(res.Failed)+" failed")
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing to do")
	}
	printf(w, "%s%s: %s\n", what, count(res.Rows, "row"), strings.Join(parts, ", "))
	for _, ig := range res.IgnoredColumns {
		hint := ""
		if ig.Hint != "" {
			hint = " (did you mean " + ig.Hint + "?)"
		}
		printf(w, "Ignored column %q%s\n", ig.Column, hint)
	}
	if len(res.GroupsCreated) > 0 {
		printf(w, "Groups %s: %s\n", did("create", "created"), strings.Join(res.GroupsCreated, ", "))
	}
	if len(res.RoomsCreated) > 0 {
		printf(w, "Rooms %s: %s\n", did("create", "created"), strings.Join(res.RoomsCreated, ", "))
	}
	if len(o.shown) > 0 {
		printf(w, "\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ROW\tACTION\tUUID\tCHANGES")
		for _, s := range o.shown {
			var ch []string
			for _, c := range s.Changes {
				ch = append(ch, fmt.Sprintf("%s: %q → %q", c.Column, c.Old, c.New))
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Row, s.Action, s.UUID, strings.Join(ch, "; "))
		}
		tw.Flush()
		if o.steps > len(o.shown) {
			printf(w, "… and %s more (--json shows them all)\n", count(o.steps-len(o.shown), "row"))
		}
	}
	if len(res.Errors) > 0 {
		printf(w, "\n")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ROW\tCOLUMN\tVALUE\tPROBLEM")
		for _, p := range res.Errors {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rowName(p.Row), p.Column, shorten(p.Value), p.Message)
		}
		tw.Flush()
		if more := res.ErrorCount - len(res.Errors); more > 0 {
			where := "--json lists them all"
			if res.Reports != nil && res.Reports.Errors != nil {
				where = "the error report below has them all"
			}
			printf(w, "… and %s more %s (%s)\n", group(more), plural(more, "problem", "problems"), where)
		}
	}
	if res.NotFound != nil && len(*res.NotFound) > 0 {
		printf(w, "\nNot found:\n")
		for _, nf := range *res.NotFound {
			if nf.Row == 0 {
				printf(w, "  --user %s\n", nf.Value)
			} else {
				printf(w, "  row %d: %s\n", nf.Row, nf.Value)
			}
		}
	}
	if len(res.NotApplied) > 0 {
		printf(w, "\n%s after the last allowed error %s not applied.\n", count(len(res.NotApplied), "row"), plural(len(res.NotApplied), "was", "were"))
	}
	switch {
	case res.DryRun:
		printf(w, "\nDry run: nothing was written.\n")
	case !res.Applied && res.Failed > 0 && res.Mode == "atomic":
		printf(w, "\nNothing was written: fix the rows above and run again (or use --mode partial to write the rows that pass).\n")
	case !res.Applied && res.Failed == 0:
		printf(w, "\nNothing to change.\n")
	case !res.Applied:
		printf(w, "\nNothing was written.\n")
	}
	if r := res.Reports; r != nil {
		if r.Errors != nil {
			printf(w, "Failed rows: %s (fix them there and import that file)\n", *r.Errors)
		}
		if r.Success != nil {
			printf(w, "Written users and generated passwords: %s\n", *r.Success)
		}
	}
}

// rowName is a row's number, or --user for a reference given on the
// command line (row 0).
func rowName(row int) string {
	if row == 0 {
		return "--user"
	}
	return strconv.Itoa(row)
}

func shorten(s string) string {
	s = strings.ReplaceAll(s, "\n", `\n`)
	if r := []rune(s); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s
}

// group writes 1234567 as 1,234,567.
// count writes n things, as in "1 row" and "1,000 rows".
func count(n int, thing string) string {
	return group(n) + " " + plural(n, thing, thing+"s")
}

func plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// printf writes to a command's output; a failed write of a summary is not
// worth an error of its own.
func printf(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, format, args...)
}
