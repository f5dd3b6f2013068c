package http

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/jobs"
)

// FuzzJobOptions: any query string gives options that check, or an
// invalid-input error; what passes gives settings the engine takes or
// refuses with an error naming the option, never a panic.
func FuzzJobOptions(f *testing.F) {
	f.Add("command=update&key=email&blank=keep&dry_run=true")
	f.Add("generate=password&generate=exten,username&set=line_protocol%3Dwebrtc&map=Agent+Login%3Dusername")
	f.Add("mode=partial&max_errors=10&on_existing=skip&sheet=Staff&separator=tab&encoding=windows-1252&format=xlsx&strict")
	f.Add("filename=..%2F..%2Fetc%2Fpasswd&external_id=%00")
	f.Add("mode=atomic&mode=partial&wait=61s&colour=red")
	f.Fuzz(func(t *testing.T, query string) {
		values, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		req, err := parseJobRequest(values)
		if err != nil {
			if roster.ErrorCode(err) != roster.EINVALID {
				t.Fatalf("error %v", err)
			}
			return
		}
		if strings.ContainsAny(req.Filename, "/\\") || req.Filename == ".." || !utf8.ValidString(req.Filename) {
			t.Fatalf("file name %q", req.Filename)
		}
		if _, err := req.Settings.Options(); err != nil && roster.ErrorCode(err) != roster.EINVALID {
			t.Fatalf("settings error %v", err)
		}
	})
}

// FuzzJobMultipart: any multipart body is read without a panic; the file
// part goes to the upload and nothing else does, and fields become options.
func FuzzJobMultipart(f *testing.F) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("BOUNDARY")
	mw.WriteField("mode", "partial")
	mw.WriteField("generate", "password")
	fw, _ := mw.CreateFormFile("file", "users.csv")
	fw.Write([]byte("username,firstname\nann,Ann\n"))
	mw.Close()
	f.Add(b.Bytes())
	f.Add([]byte("--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../x\"\r\n\r\nabc\r\n--BOUNDARY--\r\n"))
	f.Add([]byte("--BOUNDARY\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--BOUNDARY--\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		values := url.Values{}
		var up bytes.Buffer
		name, err := readMultipart(bytes.NewReader(body), "BOUNDARY", values, &up)
		if err != nil {
			return
		}
		if up.Len() > len(body) || strings.ContainsAny(name, "/\\") {
			t.Fatalf("upload of %d bytes from a body of %d, name %q", up.Len(), len(body), name)
		}
		parseJobRequest(values)
	})
}

// FuzzIdempotencyKey: what passes is 1 to 255 printable ASCII characters.
func FuzzIdempotencyKey(f *testing.F) {
	f.Add("hr-2026-12-01")
	f.Add("clé")
	f.Add(strings.Repeat("k", 300))
	f.Fuzz(func(t *testing.T, h string) {
		key, err := parseIdempotencyKey(h)
		if err != nil {
			return
		}
		if key != h || len(key) > 255 {
			t.Fatalf("key %q from %q", key, h)
		}
		for i := 0; i < len(key); i++ {
			if key[i] < 0x20 || key[i] > 0x7e {
				t.Fatalf("key %q passed", key)
			}
		}
	})
}

// FuzzLastEventID: any header gives an event number, 0 or more.
func FuzzLastEventID(f *testing.F) {
	for _, s := range []string{"12", " 7 ", "-1", "x", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if n := parseEventID(h); n < 0 {
			t.Fatalf("%d from %q", n, h)
		}
	})
}

// FuzzWait: what passes is between 0 and a minute.
func FuzzWait(f *testing.F) {
	for _, s := range []string{"30s", "60", "1m", "61s", "-1s", "1h", "9999999999", "1e3s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseWait(s)
		if err != nil {
			return
		}
		if d < 0 || d > time.Minute {
			t.Fatalf("%s from %q", d, s)
		}
	})
}

// TestUploadErrorsSayWhoseFault: a body that cannot be read is the
// client's (400); a full disk is answered 507, to try again later; the
// server's other failures to keep the file are internal errors.
func TestUploadErrorsSayWhoseFault(t *testing.T) {
	if p, ok := uploadError(&jobs.WriteError{Err: &os.PathError{Op: "write", Path: "upload", Err: syscall.ENOSPC}}).(*Problem); !ok || p.Status != 507 {
		t.Errorf("a full disk: %v", p)
	}
	if err := uploadError(&jobs.WriteError{Err: os.ErrClosed}); roster.ErrorCode(err) != roster.EINTERNAL {
		t.Errorf("a failed write: %v", err)
	}
	if err := uploadError(io.ErrUnexpectedEOF); roster.ErrorCode(err) != roster.EINVALID {
		t.Errorf("a body cut short: %v", err)
	}
}
