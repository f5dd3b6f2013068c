package http

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
	"github.com/roster-dev/roster/sqlite"
)

// FuzzUserObject: any body is read as a user object or a merge patch, or
// refused, without a panic; what passes is one field per column, and the
// one-row file made of it reads back with the cells as they were, so that
// the engine checks what the client sent.
func FuzzUserObject(f *testing.F) {
	f.Add(`{"firstname": "Alice", "groups": ["IT", "Sales"], "enabled": false, "ring_seconds": 45, "mobile_phone_number": null}`)
	f.Add(`{"display_name": "=1+2", "password": " 'quoted, \"spaced\" ", "tags": []}`)
	f.Add(`{"firstname": "a\r\nb", "lastname": "@x", "username": "-u"}`)
	f.Add(`{"mail": 1, "usrname": {}, "rooms": "A", "tags": [1, 2]}`)
	f.Add(`{"firstname": "A", "firstname": "B"}`)
	f.Add(`[1, 2]`)
	f.Add(`{"a": 1} trailing`)
	f.Fuzz(func(t *testing.T, body string) {
		fields, problems, err := parseUser([]byte(body))
		if err != nil {
			if roster.ErrorCode(err) != roster.EINVALID {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		var header, cells []string
		for _, p := range problems {
			if p.Message == "" {
				t.Fatalf("%q: a problem without its message: %+v", body, p)
			}
		}
		for _, fl := range fields {
			if slices.Contains(header, fl.col.Name) {
				t.Fatalf("%q: %s twice", body, fl.col.Name)
			}
			header, cells = append(header, fl.col.Name), append(cells, fl.cell)
		}
		if len(problems) > 0 || strings.Join(cells, "") == "" {
			return // refused, or a row the reader skips as empty
		}
		src, err := rowSource(header, cells, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := src.Open(sheet.Options{Format: sheet.ZIP, Separator: ',', Encoding: "utf-8"})
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		defer s.Close()
		head, err := s.Next()
		if err != nil || !slices.Equal(head.Cells, header) {
			t.Fatalf("%q: header %q, %v", body, head.Cells, err)
		}
		row, err := s.Next()
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		// A line break inside a cell reads as \n, as in any CSV.
		want := make([]string, len(cells))
		for i, c := range cells {
			want[i] = strings.ReplaceAll(strings.ReplaceAll(c, "\r\n", "\n"), "\r", "\n")
		}
		if !slices.Equal(row.Cells, want) {
			t.Fatalf("%q: read back %q, want %q", body, row.Cells, want)
		}
	})
}

// FuzzReferenceList: any JSON body of references is read or refused
// without a panic; what passes names at least one user, each trimmed and
// numbered by its place in the list.
func FuzzReferenceList(f *testing.F) {
	f.Add(`{"users": ["alice", " bob@example.com ", ""], "dry_run": true}`)
	f.Add(`{"users": []}`)
	f.Add(`{"users": [1]}`)
	f.Add(`{"users": ["a"], "yes": true}`)
	f.Add(`{"users": ["a"]} {"users": ["b"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		refs, _, err := parseRefs([]byte(body))
		if err != nil {
			if roster.ErrorCode(err) != roster.EINVALID {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		if len(refs) == 0 {
			t.Fatalf("%q: no reference passed", body)
		}
		for i, r := range refs {
			if r.Value == "" || r.Value != strings.TrimSpace(r.Value) || r.Key != "" || r.Row < 1 || i > 0 && r.Row <= refs[i-1].Row {
				t.Fatalf("%q: %+v", body, refs)
			}
		}
	})
}

// FuzzSetName: any body is read as a group's or room's name or refused,
// without a panic; a name that passes is one non-empty item.
func FuzzSetName(f *testing.F) {
	f.Add(`{"name": " Sales "}`)
	f.Add(`{"name": "a,b"}`)
	f.Add(`{"name": "\u200b"}`)
	f.Add(`{"title": "x"}`)
	f.Fuzz(func(t *testing.T, body string) {
		name, err := parseSetName([]byte(body))
		if err != nil {
			var p *Problem
			if roster.ErrorCode(err) != roster.EINVALID && !(errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity) {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		if name == "" || strings.Contains(name, ",") || name != strings.TrimSpace(name) {
			t.Fatalf("%q: name %q", body, name)
		}
	})
}

// FuzzIfMatch: any If-Match header is read without a panic; no header and
// * match anything, a weak tag matches nothing, and a list holding the
// tag matches it.
func FuzzIfMatch(f *testing.F) {
	f.Add(`"12"`, `"12"`)
	f.Add(`W/"12", "13"`, `"13"`)
	f.Add(`*`, `"1"`)
	f.Add(``, `"1"`)
	f.Fuzz(func(t *testing.T, header, version string) {
		tag := `"` + strings.NewReplacer(`"`, "", ",", "").Replace(version) + `"`
		got := matches(header, tag)
		switch strings.TrimSpace(header) {
		case "", "*":
			if !got {
				t.Fatalf("%q does not let %s through", header, tag)
			}
		case "W/" + tag:
			if got {
				t.Fatalf("the weak %q matches %s", header, tag)
			}
		}
		if !matches(header+", "+tag, tag) || !matches(tag, tag) {
			t.Fatalf("a list holding %s does not match it", tag)
		}
	})
}

// FuzzPictureBody: any body and media type give a picture's bytes or a
// problem, without a panic; the bytes are never more than a picture may
// be, and a body sent as a picture is those bytes.
func FuzzPictureBody(f *testing.F) {
	f.Add("image/png", "\x89PNG\r\n\x1a\n")
	f.Add("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nPNG\r\n--b--\r\n")
	f.Add("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n--b--\r\n")
	f.Add("multipart/form-data", "")
	f.Add("text/plain", "x")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		b, err := pictureOf(contentType, strings.NewReader(body))
		if err != nil {
			var p *Problem
			if roster.ErrorCode(err) != roster.EINVALID && !errors.As(err, &p) {
				t.Fatalf("%q %q: %v", contentType, body, err)
			}
			return
		}
		if len(b) > catalog.MaxPictureBytes {
			t.Fatalf("%d bytes passed", len(b))
		}
		if mt := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0])); slices.Contains(pictureMedia, mt) && string(b) != body {
			t.Fatalf("%q: the body came back as %q", body, b)
		}
	})
}

// TestAConditionalWriteChecksUnderTheWriteLock: the user a write expects is
// checked again once the write lock is held, so that a write landing
// between the handler's first check and its transaction is not
// overwritten: the transaction is refused with 412, and with 404 once the
// user is in another tenant or gone.
func TestAConditionalWriteChecksUnderTheWriteLock(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	write := func(fn func(tx roster.Tx) error) {
		t.Helper()
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	u := roster.NewUser()
	u.UUID, u.Firstname, u.Username, u.Tenant, u.Role = "00000000-0000-4000-8000-000000000001", "Alice", "alice", "default", "user"
	write(func(tx roster.Tx) error { return tx.Create(ctx, []*roster.User{u}) })
	read, err := db.FindUser(ctx, "", "uuid", u.UUID, false)
	if err != nil {
		t.Fatal(err)
	}
	// Another client's write lands after the handler read the user.
	write(func(tx roster.Tx) error {
		c := read.Clone()
		c.Lastname = "Liddell"
		return tx.Update(ctx, []*roster.User{c})
	})
	status := func(v view) int {
		t.Helper()
		tx, err := v.Begin(ctx)
		if err == nil {
			tx.Rollback()
			return http.StatusOK
		}
		var p *Problem
		if !errors.As(err, &p) {
			t.Fatal(err)
		}
		return p.Status
	}
	now, err := db.FindUser(ctx, "", "uuid", u.UUID, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v    view
		want int
	}{
		{view{Directory: db, guard: &guard{uuid: u.UUID, ifMatch: etag(read)}}, http.StatusPreconditionFailed},
		{view{Directory: db, guard: &guard{uuid: u.UUID, ifMatch: etag(now)}}, http.StatusOK},
		{view{Directory: db, guard: &guard{uuid: u.UUID}}, http.StatusOK},
		{view{Directory: db, tenant: "acme", guard: &guard{uuid: u.UUID}}, http.StatusNotFound},
		{view{Directory: db, guard: &guard{uuid: "00000000-0000-4000-8000-000000000002"}}, http.StatusNotFound},
	} {
		if got := status(c.v); got != c.want {
			t.Errorf("%+v: %d, want %d", c.v.guard, got, c.want)
		}
	}
}
