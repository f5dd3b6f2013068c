package zipguard_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// file is an entry to put in an archive.
type file struct {
	name   string
	data   []byte
	method uint16
}

// archive writes files into a ZIP the way archive/zip does, sizes and
// checksums true.
func archive(t *testing.T, files ...file) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: f.method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

// lying writes an archive of one entry that holds data but declares it
// inflates to declared bytes.
func lying(t *testing.T, data []byte, declared uint64) *bytes.Reader {
	t.Helper()
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// A CRC of 0 is not checked: the lie is about the size alone.
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "sheet.xml", Method: zip.Deflate,
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

func noise(n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func open(r *bytes.Reader, lim zipguard.Limits) (*zip.Reader, error) {
	return zipguard.Open(r, r.Size(), lim)
}

func TestOpenAcceptsAnOrdinaryArchive(t *testing.T) {
	zr, err := open(archive(t,
		file{"mimetype", []byte("application/vnd.oasis.opendocument.spreadsheet"), zip.Store},
		file{"content.xml", bytes.Repeat([]byte("<row><cell>alice</cell></row>"), 1000), zip.Deflate},
	), zipguard.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 2 {
		t.Errorf("%d entries, want 2", len(zr.File))
	}
}

func TestOpenRefusesMoreThanMaxTotal(t *testing.T) {
	lim := zipguard.Limits{MaxTotal: 1 << 20}
	part := noise(400 << 10)
	two := []file{{"a", part, zip.Store}, {"b", part, zip.Store}}
	if _, err := open(archive(t, two...), lim); err != nil {
		t.Fatalf("800 KiB under a limit of 1 MiB: %v", err)
	}
	_, err := open(archive(t, append(two, file{"c", part, zip.Store})...), lim)
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Fatalf("1200 KiB over a limit of 1 MiB: got %v, want ErrBomb", err)
	}
	if !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("the error %q does not say the limit", err)
	}
}

func TestOpenRefusesAHighRatioAboveTheFloor(t *testing.T) {
	lim := zipguard.Limits{MaxRatio: 50, RatioFloor: 256 << 10}
	zeros := make([]byte, 1<<20)
	for _, c := range []struct {
		name  string
		files []file
		bomb  bool
	}{
		// 1 MiB of zeros deflates about a thousand times.
		{"zeros", []file{{"sheet.xml", zeros, zip.Deflate}}, true},
		// As much, under the floor: harmless.
		{"zeros under the floor", []file{{"sheet.xml", zeros[:256<<10], zip.Deflate}}, false},
		// As much of noise, which does not compress.
		{"noise", []file{{"sheet.xml", noise(1 << 20), zip.Deflate}}, false},
		{"noise stored", []file{{"sheet.xml", noise(1 << 20), zip.Store}}, false},
	} {
		_, err := open(archive(t, c.files...), lim)
		switch {
		case c.bomb && !errors.Is(err, zipguard.ErrBomb):
			t.Errorf("%s: got %v, want ErrBomb", c.name, err)
		case c.bomb && !strings.Contains(err.Error(), "sheet.xml"):
			t.Errorf("%s: the error %q does not name the entry", c.name, err)
		case !c.bomb && err != nil:
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// 64 MiB of zeros passes no default limit but the ratio.
	_, err := open(archive(t, file{"sheet.xml", make([]byte, 64<<20), zip.Deflate}), zipguard.DefaultLimits)
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Errorf("64 MiB of zeros: got %v, want ErrBomb", err)
	}
}

func TestOpenRefusesAnEmptyEntryThatDeclaresMegabytes(t *testing.T) {
	// The two bytes of an empty deflate stream cannot inflate to 16 MiB.
	_, err := open(lying(t, nil, 16<<20), zipguard.DefaultLimits)
	if !errors.Is(err, zipguard.ErrBomb) {
		t.Fatalf("got %v, want ErrBomb", err)
	}
}

func TestOpenRefusesWhatIsNotAZIP(t *testing.T) {
	_, err := open(bytes.NewReader([]byte("username,email\n")), zipguard.DefaultLimits)
	if err == nil || errors.Is(err, zipguard.ErrBomb) || !strings.Contains(err.Error(), "not a readable ZIP") {
		t.Fatalf("got %v, want an error saying it is not a ZIP", err)
	}
}

func TestOpenEntryRefusesADeclaredSizeOverMax(t *testing.T) {
	zr, err := open(archive(t, file{"sheet.xml", make([]byte, 4096), zip.Deflate}), zipguard.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zipguard.OpenEntry(zr.File[0], 4095); !errors.Is(err, zipguard.ErrBomb) {
		t.Fatalf("got %v, want ErrBomb before anything is inflated", err)
	}
}

func TestOpenEntryReadsAnExactSizeEntryToTheEnd(t *testing.T) {
	data := noise(4096)
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		zr, err := open(archive(t, file{"sheet.xml", data, method}), zipguard.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		// At max exactly, and with the default max.
		for _, max := range []int64{4096, 0} {
			rc, err := zipguard.OpenEntry(zr.File[0], max)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("method %d, max %d: read %d bytes, %v; want %d bytes", method, max, len(got), err, len(data))
			}
		}
	}
}

func TestOpenEntryStopsAnEntryThatInflatesBeyondWhatItDeclares(t *testing.T) {
	// 1 MiB that declares 1000 bytes passes Open, ratio and all; reading
	// must stop once it passes what it declared.
	zr, err := open(lying(t, make([]byte, 1<<20), 1000), zipguard.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	// With a max far above the declared size, and at it.
	for _, max := range []int64{0, 1000} {
		rc, err := zipguard.OpenEntry(zr.File[0], max)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if !errors.Is(err, zipguard.ErrBomb) {
			t.Errorf("max %d: got %v after %d bytes, want ErrBomb", max, err, n)
		}
		if n > 1000 {
			t.Errorf("max %d: %d bytes read, more than the 1000 declared", max, n)
		}
	}
}
