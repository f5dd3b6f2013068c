package form

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// OtherSlots is how many columns of the mapping form may be given the same
// value for every row besides those with a list.
const OtherSlots = 3

// Mapping is the mapping form of an import: which column each header of
// the file is read as, the values every row gets, what is generated, and
// what to do with existing users.
type Mapping struct {
	Sheet string
	// Columns are the column chosen for each header, by its position;
	// "" ignores the header.
	Columns map[int]string
	// Same are the values every row gets where its cell is empty, by
	// column, in the order given.
	Same           [][2]string
	Generate       []string
	PasswordDigits bool
	OnExisting     string
	Mode           string
}

// NewMapping reads the mapping form: column.N for the header at N,
// same.COLUMN for a column with a list, other.N.column and other.N.value
// for the others.
func NewMapping(r *http.Request) *Mapping {
	r.ParseForm()
	f := r.PostForm
	m := &Mapping{Sheet: f.Get("sheet"), Columns: map[int]string{}, Generate: f["generate"], PasswordDigits: f.Get("password_digits") != "",
		OnExisting: f.Get("on_existing"), Mode: f.Get("mode")}
	for key, vs := range f {
		if n, ok := strings.CutPrefix(key, "column."); ok {
			if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < sheet.DefaultLimits.MaxColumns {
				m.Columns[i] = vs[0]
			}
		}
	}
	for _, c := range ListColumns {
		if v := strings.TrimSpace(f.Get("same." + c)); v != "" {
			m.Same = append(m.Same, [2]string{c, v})
		}
	}
	for i := 1; i <= OtherSlots; i++ {
		c, v := f.Get(fmt.Sprintf("other.%d.column", i)), strings.TrimSpace(f.Get(fmt.Sprintf("other.%d.value", i)))
		if c != "" || v != "" {
			m.Same = append(m.Same, [2]string{c, v})
		}
	}
	return m
}

// ListColumns are the columns whose value for every row is picked from a
// list: the reference data's, or the catalogue's values.
var ListColumns = []string{"role", "context", "line_protocol", "language", "cti_profile_name", "call_permissions"}

// Validate checks the form against the file's header, and returns the
// settings of a run that reads the file so: a header is mapped only where
// the choice is not what its name already says.
func (m *Mapping) Validate(header []string, base provision.Settings) (provision.Settings, error) {
	s := provision.Settings{DryRun: true, Separator: base.Separator, Encoding: base.Encoding, Format: base.Format,
		Strict: base.Strict, MaxErrors: base.MaxErrors, Sheet: m.Sheet, PasswordDigits: m.PasswordDigits}
	switch m.OnExisting {
	case "fail", "skip", "update":
		s.OnExisting = m.OnExisting
	default:
		return s, roster.Errorf(roster.EINVALID, "Choose what to do with users that exist already: fail, skip or update.")
	}
	switch m.Mode {
	case "atomic", "partial":
		s.Mode = m.Mode
	default:
		return s, roster.Errorf(roster.EINVALID, "Choose all or nothing, or the rows that pass.")
	}
	for _, g := range m.Generate {
		if g != "password" && g != "exten" && g != "username" {
			return s, roster.Errorf(roster.EINVALID, "There is nothing to generate called %q.", g)
		}
		if !slices.Contains(s.Generate, g) {
			s.Generate = append(s.Generate, g)
		}
	}
	if s.PasswordDigits && !slices.Contains(s.Generate, "password") {
		return s, roster.Errorf(roster.EINVALID, "Digits only is for generated passwords: tick Generate passwords too.")
	}
	for i := range m.Columns {
		if i >= len(header) {
			return s, roster.Errorf(roster.EINVALID, "The file has no column %s; reload the page.", catalog.ColumnLetter(i))
		}
	}
	// Every header is read as chosen, or, when the form leaves it out, as
	// its name says.
	readAs := map[string]string{}
	for i, cell := range header {
		name := strings.TrimSpace(strings.TrimPrefix(cell, "\uFEFF"))
		byName := catalog.Lookup(name)
		c := byName
		if choice, ok := m.Columns[i]; ok {
			c = nil
			if choice != "" {
				if c = catalog.Lookup(choice); c == nil || c.Name != choice {
					return s, roster.Errorf(roster.EINVALID, "There is no column %q.", choice)
				}
			}
		}
		if name == "" {
			if c != nil {
				return s, roster.Errorf(roster.EINVALID, "Column %s has no header, so it cannot be read as %s: give it one in the file.", catalog.ColumnLetter(i), c.Name)
			}
			continue
		}
		if c != nil {
			if other, ok := readAs[c.Name]; ok {
				return s, roster.Errorf(roster.EINVALID, "The headers %q and %q are both read as %s: a column is read from one header.", other, name, c.Name)
			}
			readAs[c.Name] = name
		}
		if c != byName {
			s.Map = append(s.Map, name+"="+columnName(c))
		}
	}
	given := map[string]bool{}
	for _, kv := range m.Same {
		col, v := kv[0], kv[1]
		c := catalog.Lookup(col)
		switch {
		case col == "":
			return s, roster.Errorf(roster.EINVALID, "Choose the column that gets the value %q.", v)
		case c == nil || c.Name != col:
			return s, roster.Errorf(roster.EINVALID, "There is no column %q.", col)
		case c.Secret:
			return s, roster.Errorf(roster.EINVALID, "%s is a secret: it cannot be the same for every row.", col)
		case v == "":
			return s, roster.Errorf(roster.EINVALID, "Give the value of %s for every row, or leave its column empty.", col)
		case given[col]:
			return s, roster.Errorf(roster.EINVALID, "%s is given two values for every row.", col)
		case strings.IndexFunc(v, unicode.IsControl) >= 0 || len(v) > 1024:
			return s, roster.Errorf(roster.EINVALID, "The value of %s holds a control character or is longer than 1,024 bytes.", col)
		}
		given[col] = true
		s.Set = append(s.Set, col+"="+v)
	}
	slices.Sort(s.Map)
	slices.Sort(s.Set)
	slices.Sort(s.Generate)
	return s, nil
}

func columnName(c *catalog.Column) string {
	if c == nil {
		return ""
	}
	return c.Name
}
