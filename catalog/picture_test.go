package catalog_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/roster-dev/roster/catalog"
)

// checkPicture checks a row whose avatar is the given file's bytes, and
// returns the avatar's problem ("" when the picture is taken).
func checkPicture(t *testing.T, data []byte) (*catalog.Record, string) {
	t.Helper()
	h, err := catalog.ParseHeader([]string{"firstname", "avatar"}, catalog.HeaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := catalog.NewChecker(h, catalog.CheckOptions{Assets: fstest.MapFS{"p": {Data: data}}})
	rec, probs := k.Check([]string{"Ann", "p"}, 2)
	if len(probs) == 0 {
		return rec, ""
	}
	if len(probs) != 1 || probs[0].Column != "avatar" {
		t.Fatalf("problems %+v", probs)
	}
	return rec, probs[0].Message
}

// pngChunk is one chunk of a PNG file, with its CRC.
func pngChunk(kind string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(append(b, kind...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

// pngDeclaring is a PNG whose header declares w×h grey pixels and whose
// data is a zlib stream of n zero bytes.
func pngDeclaring(w, h uint32, n int) []byte {
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit greyscale
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, n))
	zw.Close()
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", z.Bytes())...)
	return append(b, pngChunk("IEND", nil)...)
}

// TestPicturesAreDecoded: a picture is taken only when it decodes whole, in
// one of the formats of the spec, within the limits; a header followed by
// anything else fails its cell.
func TestPicturesAreDecoded(t *testing.T) {
	img := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Black, color.White})
	var pngData, gifData, jpegData bytes.Buffer
	png.Encode(&pngData, img)
	gif.Encode(&gifData, img, nil)
	jpeg.Encode(&jpegData, img, nil)
	webpData := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	text, err := os.ReadFile("../testdata/fixtures/avatars/not-an-image.png")
	if err != nil {
		t.Fatal(err)
	}
	valid := pngData.Bytes()
	const ihdrEnd = 8 + 25 // the signature and the header chunk
	for _, c := range []struct {
		name, want string // want: "" when taken, else a part of the message
		kind       string
		data       []byte
	}{
		{"png", "", "png", valid},
		{"gif", "", "gif", gifData.Bytes()},
		{"jpeg", "", "jpeg", jpegData.Bytes()},
		{"webp", "", "webp", webpData},
		{"a PNG header and garbage", "damaged", "", append(valid[:ihdrEnd:ihdrEnd], bytes.Repeat([]byte("garbage!"), 64)...)},
		{"a PNG cut short", "damaged", "", valid[:len(valid)-20]},
		{"a PNG whose data is too short for its size", "damaged", "", pngDeclaring(300, 300, 10)},
		{"a JPEG cut short", "damaged", "", jpegData.Bytes()[:jpegData.Len()/2]},
		{"a GIF cut short", "damaged", "", gifData.Bytes()[:gifData.Len()-4]},
		{"a WebP cut short", "damaged", "", webpData[:len(webpData)-3]},
		{"text", "not a PNG, JPEG, GIF or WebP picture", "", text},
		{"a BMP", "not a PNG, JPEG, GIF or WebP picture", "", append([]byte("BM"), make([]byte, 60)...)},
		{"too wide", "the picture is 5000×1", "", pngDeclaring(5000, 1, 5001)},
	} {
		rec, msg := checkPicture(t, c.data)
		switch {
		case c.want == "" && (msg != "" || rec.Avatar == nil || rec.Avatar.Type != c.kind || !bytes.Equal(rec.Avatar.Data, c.data)):
			t.Errorf("%s: %q, avatar %v; want it taken as %s", c.name, msg, rec.Avatar != nil, c.kind)
		case c.want != "" && (!strings.Contains(msg, c.want) || rec.Avatar != nil):
			t.Errorf("%s: %q; want a message with %q", c.name, msg, c.want)
		}
	}
}

// TestAPictureBombIsNotAllocated: a small PNG that declares 60,000×60,000
// pixels (3.6 GB) fails on its header, before anything of its size is
// allocated.
func TestAPictureBombIsNotAllocated(t *testing.T) {
	bomb := pngDeclaring(60000, 60000, 1<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, msg := checkPicture(t, bomb)
	runtime.ReadMemStats(&after)
	if !strings.Contains(msg, "60000×60000") {
		t.Errorf("the bomb: %q", msg)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("checking the bomb allocated %d MB", n>>20)
	}
}
