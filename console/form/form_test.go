package form_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/roster-dev/roster/console/form"
)

func TestLocalPathStaysOnTheSite(t *testing.T) {
	for in, want := range map[string]string{
		"/columns": "/columns", "/setup?saved=1": "/setup?saved=1", "": "/",
		"//evil.example": "/", "/\\evil.example": "/", "https://evil.example/": "/", "javascript:alert(1)": "/",
		"/\t/evil.example": "/", "evil": "/",
	} {
		if got := form.LocalPath(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// FuzzLocalPath: whatever a request's "next" holds, the console sends the
// browser to a path of its own site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/columns", "//x", "/\\x", "http://x", "/%2F%2Fx", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p := form.LocalPath(in)
		u, err := url.Parse(p)
		if err != nil {
			// A path the URL parser refuses is not followed by browsers to
			// another site either; it must still be ours.
			if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
				t.Fatalf("%q gives %q", in, p)
			}
			return
		}
		if u.Host != "" || u.Scheme != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\t\r\n") {
			t.Fatalf("%q gives %q, which may leave the site", in, p)
		}
	})
}
