package form_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/console/form"
	"github.com/roster-dev/roster/provision"
)

func mappingRequest(v url.Values) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "/jobs/x/map", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// A header is mapped only where the choice differs from what its name
// says; ignoring one that names a column maps it to nothing; the values
// for every row and what is generated come out sorted.
func TestMappingGivesTheSettingsOfARun(t *testing.T) {
	header := []string{"Username", "Agent Login", "Role", "Virtual Extension"}
	f := form.NewMapping(mappingRequest(url.Values{"column.0": {"username"}, "column.1": {"email"}, "column.2": {""},
		"same.role": {"agent"}, "same.context": {"default"}, "other.1.column": {"lastname"}, "other.1.value": {" Doe "},
		"generate": {"password", "exten"}, "on_existing": {"skip"}, "mode": {"partial"}}))
	s, err := f.Validate(header, provision.Settings{Separator: ";"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Map, []string{"Agent Login=email", "Role="}) || !slices.Equal(s.Set, []string{"context=default", "lastname=Doe", "role=agent"}) ||
		!slices.Equal(s.Generate, []string{"exten", "password"}) || s.OnExisting != "skip" || s.Mode != "partial" || !s.DryRun || s.Separator != ";" {
		t.Errorf("settings %+v", s)
	}
	if _, err := s.Options(); err != nil {
		t.Errorf("the settings do not make a run: %v", err)
	}
}

// FuzzMappingForm: whatever a mapping form holds, it gives settings that
// make a run, or a mistake in words.
func FuzzMappingForm(f *testing.F) {
	f.Add("Username,Email", "column.0=email&on_existing=fail&mode=atomic")
	f.Add("a=b,c", "column.0=username&column.1=&same.role=x&on_existing=skip&mode=partial&generate=password&password_digits=1")
	f.Add(",x", "column.0=email&other.2.column=tags&other.2.value=a,b&on_existing=update&mode=atomic")
	f.Fuzz(func(t *testing.T, header, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		s, err := form.NewMapping(mappingRequest(v)).Validate(strings.Split(header, ","), provision.Settings{})
		if err != nil {
			if roster.ErrorCode(err) != roster.EINVALID {
				t.Fatalf("%q %q: %v", header, query, err)
			}
			return
		}
		for _, m := range s.Map {
			if to := m[strings.LastIndexByte(m, '=')+1:]; to != "" && catalog.Lookup(to) == nil {
				t.Fatalf("%q %q: maps to %q", header, query, to)
			}
		}
		if _, err := s.Options(); err != nil && roster.ErrorCode(err) != roster.EINVALID {
			t.Fatalf("%q %q: %+v: %v", header, query, s, err)
		}
	})
}
