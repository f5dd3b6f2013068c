package catalog

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster"
)

// HeaderOptions change how a header row is matched.
type HeaderOptions struct {
	// Map maps a header, as written in the file, to a column name, for
	// headers that aliases do not catch (--map 'HEADER=column'). An empty
	// column name ignores the header, even one that names a column
	// (--map 'Role='): a person mapping a file by hand may leave a column
	// out and say the same value for every row instead.
	Map map[string]string
	// Set gives a column a value for every row whose cell is empty or whose
	// column is absent (--set column=value). A value may name other columns
	// of the row in braces: --set 'display_name={username}'.
	Set map[string]string
	// Strict fails the file when a header names no known column.
	Strict bool
}

// ErrorsColumn is the last column of an error report. It holds the row's
// problems; a header of that name is skipped, so that a fixed report
// imports as it is.
const ErrorsColumn = "errors"

// LeftOut ends the note of an error report's row whose plaintext secrets
// the report left out: "…; password, sip_secret: " + LeftOut, naming the
// columns by their header. Imported again, such a row fails until the
// secrets are entered again or the note is removed, so that a user does
// not silently lose a password the first file gave.
const LeftOut = "left out of this report, enter again"

// Header is a file's header row matched against the catalogue.
type Header struct {
	// Cells are the header's cells as written.
	Cells []string
	// Ignored are the headers that name no known column.
	Ignored []roster.IgnoredColumn

	index []int    // per catalogue column: its cell in a row, or -1
	set   []string // per catalogue column: the --set value, or ""
	tmpl  [][]part // per catalogue column: the --set value when it names columns

	present  []*Column // the columns the file gives, in catalogue order
	refs     []*Column // those of them that name reference objects
	named    []bool    // per header cell: it is not empty
	secrets  bool      // some column of the file holds secrets
	errorsAt int       // the cell of an error report's errors column, or -1
}

// part is a piece of a --set value: literal text, or another column's cell.
type part struct {
	text string
	col  *Column
}

// parseTemplate splits "{firstname}.{lastname}" into parts; nil when the
// value names no column.
func parseTemplate(v string) ([]part, error) {
	if !strings.Contains(v, "{") {
		return nil, nil
	}
	var parts []part
	for v != "" {
		open := strings.IndexByte(v, '{')
		if open < 0 {
			parts = append(parts, part{text: v})
			break
		}
		end := strings.IndexByte(v[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("a { without its }")
		}
		name := v[open+1 : open+end]
		c := Lookup(name)
		if c == nil {
			return nil, fmt.Errorf("{%s} names no column%s", name, hintSuffix(name))
		}
		parts = append(parts, part{text: v[:open]}, part{col: c})
		v = v[open+end+1:]
	}
	return parts, nil
}

// ParseHeader matches a header row. Two cells meaning the same column, a
// header with no known column, or (with Strict) an unknown column fail the
// whole file.
func ParseHeader(cells []string, opt HeaderOptions) (*Header, error) {
	h := &Header{Cells: cells, index: make([]int, len(Columns)), set: make([]string, len(Columns)), tmpl: make([][]part, len(Columns))}
	for i := range h.index {
		h.index[i] = -1
	}
	mapped := map[string]*Column{}
	ignored := map[string]bool{}
	for from, to := range opt.Map {
		if strings.TrimSpace(to) == "" {
			ignored[normalize(from)] = true
			continue
		}
		c := Lookup(to)
		if c == nil {
			return nil, roster.OptionErrorf("map", "%s=%s: there is no column %q%s", from, to, to, hintSuffix(to))
		}
		mapped[normalize(from)] = c
	}
	var unknown []string
	used := map[string]bool{}
	h.named, h.errorsAt = make([]bool, len(cells)), -1
	for i, cell := range cells {
		name := strings.TrimSpace(strings.TrimPrefix(cell, "\uFEFF"))
		if name == "" {
			continue
		}
		h.named[i] = true
		if normalize(name) == ErrorsColumn {
			h.errorsAt = i // the column of an error report, ignored on re-import
			continue
		}
		if ignored[normalize(name)] {
			used[normalize(name)] = true
			h.Ignored = append(h.Ignored, roster.IgnoredColumn{Column: name})
			continue
		}
		c := mapped[normalize(name)]
		if c != nil {
			used[normalize(name)] = true
		} else {
			c = Lookup(name)
		}
		if c == nil {
			unknown = append(unknown, name)
			h.Ignored = append(h.Ignored, roster.IgnoredColumn{Column: name, Hint: Hint(name)})
			continue
		}
		if j := h.index[c.Index]; j >= 0 {
			return nil, roster.Errorf(roster.EINVALID, "the header names column %s twice: %q (column %s) and %q (column %s)",
				c.Name, cells[j], ColumnLetter(j), cell, ColumnLetter(i))
		}
		h.index[c.Index] = i
	}
	for from := range opt.Map {
		if !used[normalize(from)] {
			return nil, roster.OptionErrorf("map", "%s=%s: the file has no column %q (its header: %s)", from, opt.Map[from], from, strings.Join(quoteAll(cells, 12), ", "))
		}
	}
	for name, v := range opt.Set {
		c := Lookup(name)
		if c == nil {
			return nil, roster.OptionErrorf("set", "%s=%s: there is no column %q%s", name, v, name, hintSuffix(name))
		}
		t, err := parseTemplate(v)
		if err != nil {
			return nil, roster.OptionErrorf("set", "%s=%s: %v", name, v, err)
		}
		h.set[c.Index], h.tmpl[c.Index] = v, t
	}
	for _, c := range Columns {
		if h.Has(c) {
			h.present = append(h.present, c)
			h.secrets = h.secrets || c.Secret
			if c.Kind != "" && c.Kind != roster.KindTenant {
				h.refs = append(h.refs, c)
			}
		}
	}
	if len(h.present) == 0 {
		return nil, roster.Errorf(roster.EINVALID, "the first row names no known column, so it is not a header roster understands (it reads %s); see `roster columns`", strings.Join(quoteAll(cells, 6), ", "))
	}
	if opt.Strict && len(unknown) > 0 {
		var parts []string
		for _, ig := range h.Ignored {
			if ignored[normalize(ig.Column)] {
				continue // left out on purpose
			}
			p := fmt.Sprintf("%q", ig.Column)
			if ig.Hint != "" {
				p += fmt.Sprintf(" (did you mean %s?)", ig.Hint)
			}
			parts = append(parts, p)
		}
		return nil, roster.OptionErrorf("strict", "refuses the unknown columns %s", strings.Join(parts, ", "))
	}
	return h, nil
}

// Present lists the columns the file gives, in the header or with --set.
func (h *Header) Present() []*Column { return h.present }

// Has says whether the file gives the column, in its header or with --set.
func (h *Header) Has(c *Column) bool { return h.index[c.Index] >= 0 || h.set[c.Index] != "" }

// InFile says whether the column is in the file's header.
func (h *Header) InFile(c *Column) bool { return h.index[c.Index] >= 0 }

// Position returns the column's cell in a row, or -1.
func (h *Header) Position(c *Column) int { return h.index[c.Index] }

// Cell returns the raw cell of a column in a row, or its --set value when
// the cell is empty or absent.
func (h *Header) Cell(cells []string, c *Column) string {
	if i := h.index[c.Index]; i >= 0 && i < len(cells) && trim(cells[i]) != "" {
		return cells[i]
	}
	if t := h.tmpl[c.Index]; t != nil {
		var b strings.Builder
		for _, p := range t {
			if p.col == nil {
				b.WriteString(p.text)
			} else if i := h.index[p.col.Index]; i >= 0 && i < len(cells) {
				b.WriteString(strings.TrimSpace(cells[i]))
			}
		}
		return b.String()
	}
	return h.set[c.Index]
}

// ErrorsAt returns the position of the errors column that an error report
// adds, when the file is such a report being imported again, or -1.
func (h *Header) ErrorsAt() int { return h.errorsAt }

// Stray calls fn with the position of each non-empty cell of a row that
// stands under no header: past the header's last cell, or under an empty
// one. Nothing would read such a value, so it would be lost.
func (h *Header) Stray(cells []string, fn func(i int)) {
	for i, cell := range cells {
		if (i >= len(h.named) || !h.named[i]) && strings.TrimSpace(cell) != "" {
			fn(i)
		}
	}
}

// Hint returns the known column nearest to an unknown header when it is
// near enough to be a slip of the keyboard, or "": at most one letter
// added, left out, changed, or two next to each other swapped, in a name of
// three to seven letters; at most two such slips in a longer one. A name of
// one or two letters gets no hint: any column would be as near. The first
// letter must be the same, as it is in nearly every typo: "usrname" is
// username, not surname, and "fname" is not the display name.
func Hint(header string) string {
	n := normalize(header)
	limit := 1
	switch size := utf8.RuneCountInString(n); {
	case size < 3:
		return ""
	case size >= 8:
		limit = 2
	}
	names := make([]string, 0, len(byName))
	for k := range byName {
		names = append(names, k)
	}
	sort.Strings(names)
	best, bestDist := "", limit+1
	first, _ := utf8.DecodeRuneInString(n)
	for _, k := range names {
		if r, _ := utf8.DecodeRuneInString(k); r != first {
			continue
		}
		if d := distance(n, k); d < bestDist {
			best, bestDist = byName[k].Name, d
		}
	}
	return best
}

func hintSuffix(name string) string {
	if h := Hint(name); h != "" {
		return fmt.Sprintf(" (did you mean %s?)", h)
	}
	return ""
}

// distance is the Damerau-Levenshtein distance between two strings (its
// optimal string alignment form): how many letters must be added, removed,
// changed, or swapped with the next one, to turn a into b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1) // the row before prev, for swaps
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// SameHeader tells whether two headers name the same thing, as header
// matching compares them (case, spaces, "_", "-" and "." aside).
func SameHeader(a, b string) bool { return normalize(a) == normalize(b) }

// ColumnLetter names a 0-based column as spreadsheets do: A, B, …, AA.
func ColumnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

func quoteAll(cells []string, max int) []string {
	var out []string
	for i, c := range cells {
		if i == max {
			out = append(out, "…")
			break
		}
		out = append(out, fmt.Sprintf("%q", c))
	}
	return out
}
