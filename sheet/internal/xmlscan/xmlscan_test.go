package xmlscan_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/roster-dev/roster/sheet/internal/xmlscan"
)

// scan renders every token of doc as a line, text decoded, adjacent text
// and CDATA joined as one.
func scan(doc io.Reader, opt xmlscan.Options) ([]string, error) {
	s := xmlscan.New(doc, opt)
	defer s.Close()
	var out []string
	var text []byte
	flush := func() {
		if len(text) > 0 {
			out = append(out, "T "+string(text))
			text = text[:0]
		}
	}
	for {
		k, err := s.Next()
		if err == io.EOF {
			flush()
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch k {
		case xmlscan.Start:
			flush()
			line := fmt.Sprintf("S%d %s", s.Depth(), s.Name())
			for i := range s.Attrs() {
				v, err := s.AttrValue(i)
				if err != nil {
					return out, err
				}
				line += fmt.Sprintf(" %s=%q", s.AttrName(i), v)
			}
			out = append(out, line)
		case xmlscan.End:
			flush()
			out = append(out, fmt.Sprintf("E%d %s", s.Depth(), s.Name()))
		case xmlscan.Text, xmlscan.CData:
			if text, err = s.AppendText(text); err != nil {
				return out, err
			}
		}
	}
}

// reference renders doc as scan does, through encoding/xml's RawToken,
// which leaves names as written.
func reference(doc []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out []string
	var text []byte
	depth := 0
	flush := func() {
		if len(text) > 0 {
			out = append(out, "T "+string(text))
			text = text[:0]
		}
	}
	name := func(n xml.Name) string {
		if n.Space != "" {
			return n.Space + ":" + n.Local
		}
		return n.Local
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			flush()
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			flush()
			depth++
			line := fmt.Sprintf("S%d %s", depth, name(t.Name))
			for _, a := range t.Attr {
				line += fmt.Sprintf(" %s=%q", name(a.Name), a.Value)
			}
			out = append(out, line)
		case xml.EndElement:
			flush()
			out = append(out, fmt.Sprintf("E%d %s", depth, name(t.Name)))
			depth--
		case xml.CharData:
			text = append(text, t...)
		}
	}
}

func TestTokens(t *testing.T) {
	doc := "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY a \"x>y\">]><!-- a > comment -->" +
		"<t:a x='1' t:y = \"&lt;&#65;&#x42;&amp;\r\n\">te&quot;xt<![CDATA[<&>]]>\r\nmore<b/><c ></c ><?pi ?></t:a>\n"
	got, err := scan(strings.NewReader(doc), xmlscan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"T \n",
		`S1 t:a x="1" t:y="<AB&\n"`,
		"T te\"xt<&>\nmore",
		"S2 b", "E2 b", "S2 c", "E2 c", "E1 t:a",
		"T \n",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	ref, err := reference([]byte(doc))
	if err != nil || !slices.Equal(ref, got) {
		t.Errorf("encoding/xml reads\n%q (%v)", ref, err)
	}
}

// TestChunkBoundaries reads a document one byte at a time from its source,
// so that every token is cut across the scanner's reads somewhere.
func TestChunkBoundaries(t *testing.T) {
	doc := seeds(t)[0]
	want, err := scan(bytes.NewReader(doc), xmlscan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scan(iotest.OneByteReader(bytes.NewReader(doc)), xmlscan.Options{})
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("one byte at a time: %d tokens (%v), want %d", len(got), err, len(want))
	}
}

func TestErrors(t *testing.T) {
	long := strings.Repeat("x", 2000)
	for _, c := range []struct {
		doc  string
		opt  xmlscan.Options
		want string
	}{
		{"<a>\n<b></a>", xmlscan.Options{}, "line 2: </a> does not close the element open there"},
		{"<a>\n\n<b>", xmlscan.Options{}, "line 3: the file ends inside <b> (is it cut short?)"},
		{"<a b=1>", xmlscan.Options{}, "line 1: unquoted or missing attribute value in element"},
		{"<a b='1'c='2'>", xmlscan.Options{}, "expected space before an attribute of <a>"},
		{"<a b>", xmlscan.Options{}, "attribute name without = in element"},
		{"<a b='<'>", xmlscan.Options{}, "unescaped < inside quoted string"},
		{"<a>&nbsp;</a>", xmlscan.Options{}, "line 1: invalid character entity &nbsp;"},
		{"<a>&#0;</a>", xmlscan.Options{}, "invalid character entity &#0;"},
		{"<a>\x01</a>", xmlscan.Options{}, "illegal character code U+0001"},
		{"<a>\xff</a>", xmlscan.Options{}, "invalid UTF-8"},
		{"<a x='\xef\xbf\xbe'/>", xmlscan.Options{}, "illegal character code U+FFFE"},
		{"<a><b", xmlscan.Options{}, "unexpected EOF"},
		{"<a><!-- x", xmlscan.Options{}, "unexpected EOF"},
		{"<a/ >", xmlscan.Options{}, "expected /> in element"},
		{"<>", xmlscan.Options{}, "expected element name after <"},
		{"<a><!DOCTYPE x></a>", xmlscan.Options{}, "a declaration (<!...>) inside an element"},
		{"<!>><a/>", xmlscan.Options{}, "a declaration (<!...>) without a keyword"},
		{"<!DOCTYPE a [<!-- > -->]><a/>", xmlscan.Options{}, "a comment inside a declaration"},
		{"<!DOCTYPE a [<!ENTITY b 'c'>]", xmlscan.Options{}, "unexpected EOF"},
		{"<a><a><a></a></a></a>", xmlscan.Options{MaxDepth: 2}, "line 1: elements nested more than 2 deep"},
		{"<a>" + long + "</a>", xmlscan.Options{MaxToken: 1000}, "more than 1000 bytes of text or markup in one piece"},
		{"<a b='" + long + "'/>", xmlscan.Options{MaxToken: 1 << 10}, "more than 1 KiB of text or markup in one piece"},
	} {
		_, err := scan(strings.NewReader(c.doc), c.opt)
		var syntax *xmlscan.SyntaxError
		if !errors.As(err, &syntax) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.40q: got %v, want a syntax error saying %q", c.doc, err, c.want)
		}
	}
}

func TestReaderErrorsPassThrough(t *testing.T) {
	broken := errors.New("broken")
	_, err := scan(io.MultiReader(strings.NewReader("<a>text"), iotest.ErrReader(broken)), xmlscan.Options{})
	if err != broken {
		t.Errorf("got %v, want the reader's error", err)
	}
}

func TestDrain(t *testing.T) {
	broken := errors.New("broken")
	s := xmlscan.New(io.MultiReader(strings.NewReader("<a/>"+strings.Repeat(" ", 1<<20)), iotest.ErrReader(broken)), xmlscan.Options{})
	defer s.Close()
	for range 2 {
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Drain(); err != broken {
		t.Errorf("Drain: %v, want the reader's error", err)
	}
}

// seeds are the XML parts of real LibreOffice files.
func seeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, name := range []string{"wazo-users.xlsx", "commpeak-users.ods"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".xml") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func TestRealFilesReadAsEncodingXMLReadsThem(t *testing.T) {
	for i, doc := range seeds(t) {
		got, err := scan(bytes.NewReader(doc), xmlscan.Options{})
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		want, err := reference(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("part %d: %d tokens, encoding/xml reads %d", i, len(got), len(want))
		}
	}
}

// FuzzScanner checks the scanner against encoding/xml: whatever both read
// without error, they must read the same. The scanner may refuse more
// (it checks that tags match), never read differently.
func FuzzScanner(f *testing.F) {
	for _, doc := range seeds(f) {
		f.Add(doc)
	}
	f.Add([]byte(`<a x="&amp;&#x41;"><![CDATA[]]>&lt;<b/>` + "\r\n" + `</a>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		opt := xmlscan.Options{MaxToken: 1 << 10, MaxDepth: 32}
		got, err := scan(iotest.HalfReader(bytes.NewReader(doc)), opt)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		want, err := reference(doc)
		if err != nil {
			return
		}
		if !slices.Equal(got, want) {
			t.Errorf("the scanner reads\n%q\nencoding/xml reads\n%q", got, want)
		}
	})
}
