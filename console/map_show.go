package console

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/console/form"
	"github.com/roster-dev/roster/provision"
)

// mappingView is what the mapping page shows: one line per header of the
// file, with its first values and the column it is read as; the values
// every row may get; what to generate; what to do with existing users.
type mappingView struct {
	Job      *roster.Job
	Preview  *provision.Preview
	Headers  []headerLine
	Columns  []string
	Lists    []listChoice
	Others   []otherSlot
	Generate map[string]bool
	Digits   bool
	// Sheet is the sheet asked for: empty for the job's.
	Sheet string
	// OnExisting and Mode are the choices made.
	OnExisting, Mode string
	Error            string
}

type headerLine struct {
	Index  int
	Header string
	Letter string
	Values []string
	// Column is the column chosen; Named is the one its name or an alias
	// gives (pre-selected).
	Column, Named, Hint string
}

type listChoice struct {
	Column, Label, Value string
	Options              []string
}

type otherSlot struct {
	N             int
	Column, Value string
}

// listLabels word the lists of "the same value for every row".
var listLabels = map[string]string{
	"role": "Role", "context": "Context of the lines", "line_protocol": "Line protocol", "language": "Language",
	"cti_profile_name": "CTI profile", "call_permissions": "Call permission",
}

// showMapping draws the mapping of a job's file, as the job read it.
func (h *handler) showMapping(w http.ResponseWriter, r *http.Request) {
	view, err := h.mappingView(r, r.PathValue("id"), r.URL.Query().Get("sheet"), nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "mapping", "Map the columns", view)
}

// mappingView reads the job, the head of its file (the sheet asked for,
// or the job's) and the reference data of its tenant through the API,
// and fills the choices: the form's when it is shown again, else the
// job's.
func (h *handler) mappingView(r *http.Request, id, sheetName string, f *form.Mapping) (*mappingView, error) {
	var j roster.Job
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", "jobs", id)}, &j); err != nil {
		return nil, err
	}
	var s provision.Settings
	if err := json.Unmarshal(j.Options, &s); err != nil {
		return nil, roster.Errorf(roster.EINTERNAL, "the options of job %s: %v", id, err)
	}
	q := url.Values{"rows": {"3"}}
	if sheetName != "" {
		q.Set("sheet", sheetName)
	}
	var p provision.Preview
	if _, err := h.fetch(r, request{path: pathOf("api", "v1", "jobs", id, "preview"), query: q}, &p); err != nil {
		return nil, err
	}
	var ref roster.Reference
	if _, err := h.fetch(r, request{path: "/api/v1/setup", header: http.Header{"Accept": {"application/json"}}}, &ref); err != nil {
		return nil, err
	}
	view := &mappingView{Job: &j, Preview: &p, Sheet: cmp.Or(sheetName, s.Sheet), Generate: map[string]bool{}, Digits: s.PasswordDigits,
		OnExisting: cmp.Or(s.OnExisting, "fail"), Mode: cmp.Or(s.Mode, "atomic")}
	for _, c := range catalog.Columns {
		view.Columns = append(view.Columns, c.Name)
	}
	for _, g := range s.Generate {
		for _, one := range strings.Split(g, ",") {
			view.Generate[strings.TrimSpace(one)] = true
		}
	}
	same := map[string]string{}
	for _, kv := range s.Set {
		k, v, _ := strings.Cut(kv, "=")
		same[k] = v
	}
	for i, c := range p.Columns {
		line := headerLine{Index: i, Header: c.Header, Letter: c.Letter, Column: c.Column, Hint: c.Hint}
		for _, v := range c.Values {
			if strings.TrimSpace(v) != "" {
				line.Values = append(line.Values, v)
			}
		}
		if named := catalog.Lookup(c.Header); named != nil {
			line.Named = named.Name
		}
		view.Headers = append(view.Headers, line)
	}
	if f != nil {
		for i := range view.Headers {
			if c, ok := f.Columns[i]; ok {
				view.Headers[i].Column = c
			}
		}
		same = map[string]string{}
		for _, kv := range f.Same {
			same[kv[0]] = kv[1]
		}
		view.Generate = map[string]bool{}
		for _, g := range f.Generate {
			view.Generate[g] = true
		}
		view.Digits, view.OnExisting, view.Mode = f.PasswordDigits, f.OnExisting, f.Mode
	}
	tenant := ref.Tenant(j.Tenant)
	for _, col := range form.ListColumns {
		lc := listChoice{Column: col, Label: listLabels[col], Value: same[col], Options: listOptions(tenant, col)}
		delete(same, col)
		view.Lists = append(view.Lists, lc)
	}
	// What is left of the values for every row goes in the free slots.
	rest := slices.Sorted(maps.Keys(same))
	for n := 1; n <= form.OtherSlots; n++ {
		slot := otherSlot{N: n}
		if n <= len(rest) {
			slot.Column, slot.Value = rest[n-1], same[rest[n-1]]
		}
		view.Others = append(view.Others, slot)
	}
	return view, nil
}

// listOptions are the values a column may take in a tenant: its reference
// objects, or the catalogue's values.
func listOptions(t *roster.Tenant, column string) []string {
	names := func(objs []roster.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.Name)
		}
		return out
	}
	if c := catalog.Lookup(column); c != nil && len(c.Values) > 0 {
		return c.Values
	}
	if t == nil {
		return nil
	}
	switch column {
	case "role":
		return names(t.Roles)
	case "cti_profile_name":
		return names(t.CTIProfiles)
	case "call_permissions":
		return names(t.CallPermissions)
	case "context":
		var out []string
		for _, c := range t.Contexts {
			if c.Kind == roster.Internal {
				out = append(out, c.Name)
			}
		}
		return out
	}
	return nil
}
