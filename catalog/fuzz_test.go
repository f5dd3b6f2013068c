package catalog_test

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/catalog"
)

// FuzzCheck feeds headers and cells from outside to the catalogue: never a
// panic, every problem names a row and a message, and a normalised value
// normalises to itself.
func FuzzCheck(f *testing.F) {
	f.Add("firstname,lastname,username,email,exten,context,line_protocol,groups,mobile", "Alice,Valid,alice,a@example.com,1200,default,sip,\"IT, Sales\",+33 6 12")
	f.Add("E-Mail,Virtual Extension,ring_seconds,enabled,uuid,password_hash", "x@Y.COM,auto,15,yes,3F2B6F0E-8F5D-4C8E-9A57-1B0F2F1F2D4A,$2b$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234")
	f.Add("display_name,call_permissions,incall_exten,incall_context,voicemail_number,voicemail_context,voicemail_name", "Bob,intl;premium,2050,from-extern,1000,default,vm")
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
