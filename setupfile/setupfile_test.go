package setupfile_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/setupfile"
)

func TestWriteThenReadGivesTheSameReference(t *testing.T) {
	ref := roster.DefaultReference()
	ref.Tenants[0].CallPermissions = []roster.Object{{Name: "intl"}}
	var buf bytes.Buffer
	if err := setupfile.Write(&buf, ref); err != nil {
		t.Fatal(err)
	}
	got, err := setupfile.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ref) {
		t.Fatalf("got %+v, want %+v", got, ref)
	}
}

func TestReadRefusesUnknownKeysAndEmptyFiles(t *testing.T) {
	for _, body := range []string{"", "tenants:\n  - name: a\n    contxts: []\n", "tenants: [", strings.Repeat("x", setupfile.MaxSize+1)} {
		if _, err := setupfile.Read(strings.NewReader(body)); err == nil {
			t.Errorf("%.40q: read without an error", body)
		}
	}
}

// FuzzRead reads setup files from outside: never a panic, and what reads
// writes back and reads again the same.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	setupfile.Write(&buf, roster.DefaultReference())
	f.Add(buf.Bytes())
	f.Add([]byte("tenants:\n  - name: a\n    contexts: [{name: c, kind: internal, ranges: [\"1000-1999\"]}]\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		ref, err := setupfile.Read(bytes.NewReader(body))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := setupfile.Write(&out, ref); err != nil {
			t.Fatal(err)
		}
		first := out.String()
		again, err := setupfile.Read(&out)
		if err != nil {
			t.Fatalf("written file does not read: %v\n%s", err, first)
		}
		var second bytes.Buffer
		setupfile.Write(&second, again)
		if second.String() != first {
			t.Fatalf("round trip changed\n%s\ninto\n%s", first, second.String())
		}
	})
}
