package catalog_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// FuzzCheck feeds headers and cells from outside to the catalogue: never a
// panic, every problem names a row and a message, and a normalised value
// normalises to itself.
func FuzzCheck(f *testing.F) {
	f.Add("firstname,lastname,username,email,exten,context,line_protocol,groups,mobile", "Alice,Valid,alice,a@example.com,1200,default,sip,\"IT, Sales\",+33 6 12")
	f.Add("E-Mail,Virtual Extension,ring_seconds,enabled,uuid,password_hash", "x@Y.COM,auto,15,yes,3F2B6F0E-8F5D-4C8E-9A57-1B0F2F1F2D4A,$2b$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234")
	f.Add("display_name,call_permissions,incall_exten,incall_context,voicemail_number,voicemail_context,voicemail_name", "Bob,intl;premium,2050,from-extern,1000,default,vm")
	f.Add("username,firstname,password,,errors", "a,A,,note,email: bad; password: "+catalog.LeftOut+",extra")
	f.Add("firstname,email,groups,display_name,tags", "Jose\u0301,ΣΟΦΙΑΣ@x.gr,Ve\u0301lo;a\u200bb,👩\u200d💻 مهدی\u200cزاده,x\u202e")
	f.Fuzz(func(t *testing.T, header, row string) {
		h, err := catalog.ParseHeader(strings.Split(header, ","), catalog.HeaderOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		k := catalog.NewChecker(h, catalog.CheckOptions{})
		for num := 2; num < 4; num++ {
			rec, probs := k.Check(strings.Split(row, ","), num)
			for _, p := range probs {
				if p.Row != num || p.Message == "" || p.Column == "" {
					t.Fatalf("problem %+v", p)
				}
			}
			for _, c := range h.Present() {
				v := rec.Values[c.Index]
				if v == "" || c.Type == catalog.Ref || c.Type == catalog.Path || c.Raw || v == "auto" {
					continue
				}
				if again, msg := c.Normalize(v); msg != "" || again != v {
					t.Fatalf("%s: %q normalises to %q (%s)", c.Name, v, again, msg)
				}
			}
		}
	})
}

// FuzzPicture feeds picture files from outside to the avatar check: never
// a panic, and a picture is taken only when it is small, of a known kind,
// and decodes whole to at most 4096×4096.
func FuzzPicture(f *testing.F) {
	for _, name := range []string{"01.png", "02.png", "03.png", "not-an-image.png"} {
		data, err := os.ReadFile("../testdata/fixtures/avatars/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	img := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Black, color.White})
	var b bytes.Buffer
	gif.Encode(&b, img, nil)
	f.Add(b.Bytes())
	b.Reset()
	jpeg.Encode(&b, img, nil)
	f.Add(b.Bytes())
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"))
	h, err := catalog.ParseHeader([]string{"firstname", "avatar"}, catalog.HeaderOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k := catalog.NewChecker(h, catalog.CheckOptions{Assets: fstest.MapFS{"p.png": {Data: data}}})
		rec, probs := k.Check([]string{"A", "p.png"}, 2)
		if len(probs) > 0 {
			if rec.Avatar != nil {
				t.Fatal("a refused picture is kept")
			}
			return
		}
		if rec.Avatar == nil || rec.Avatar.Type == "" || len(rec.Avatar.Data) > catalog.MaxPictureBytes {
			t.Fatalf("picture taken as %+v", rec.Avatar)
		}
		img, kind, err := image.Decode(bytes.NewReader(rec.Avatar.Data))
		if err != nil {
			t.Fatalf("a %s picture taken: %v", kind, err)
		}
		if b := img.Bounds(); kind != rec.Avatar.Type || b.Dx() > catalog.MaxPictureSide || b.Dy() > catalog.MaxPictureSide {
			t.Fatalf("a %s picture of %v taken as %s", kind, b, rec.Avatar.Type)
		}
	})
}

// FuzzAcceptedValueReadsBack: a value a column accepts, written into each
// format export writes and read again, is the same value, so that both
// round trips of the spec hold for it.
func FuzzAcceptedValueReadsBack(f *testing.F) {
	for _, v := range []string{"'=x", "Zoë 🌈", "  spaced  ", "_x0041_", "0042", `O"Brien, Jr.`, "a  b", "=1+1", "مهدی\u200cزاده"} {
		f.Add(v)
	}
	cols := []*catalog.Column{catalog.Lookup("display_name"), catalog.Lookup("tags"), catalog.Lookup("email"), catalog.Lookup("sip_secret")}
	f.Fuzz(func(t *testing.T, cell string) {
		for _, c := range cols {
			v, msg := c.Normalize(cell)
			if msg != "" || v == "" {
				continue
			}
			for _, format := range []sheet.Format{sheet.CSV, sheet.TSV, sheet.XLSX, sheet.ODS} {
				var b bytes.Buffer
				w, err := sheet.NewWriter(&b, format, sheet.WriteOptions{EscapeFormulas: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write([]string{"firstname", c.Name}); err != nil {
					t.Fatal(err)
				}
				if err := w.Write([]string{"A", v}); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				r, err := sheet.OpenReader(bytes.NewReader(b.Bytes()), int64(b.Len()), "export."+string(format), sheet.Options{})
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				r.Next()
				row, err := r.Next()
				r.Close()
				if err != nil || len(row.Cells) < 2 {
					t.Fatalf("%s %s %+q: read back %+v, %v", format, c.Name, v, row, err)
				}
				if again, msg := c.Normalize(row.Cells[1]); again != v {
					t.Fatalf("%s %s %+q: read back %+q, normalised %+q (%s)", format, c.Name, v, row.Cells[1], again, msg)
				}
			}
		}
	})
}
