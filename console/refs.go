package console

import (
	"io"
	"net/http"
	"strings"

	"github.com/roster-dev/roster"
)

// maxPastedRefs bounds the list of users typed or pasted in a form.
const maxPastedRefs = 1 << 20

// refsBody reads the users a form names, as the API takes them: the list
// typed in its field refs (one reference per line, as Symphony's
// userIDs.csv), or else its file, streamed. The field comes before the
// file in the form, so that it is read first.
func refsBody(r *http.Request) (io.Reader, string, error) {
	mr := formParts(r)
	if mr == nil {
		return nil, "", roster.Errorf(roster.EINVALID, "Choose a file, or type the users, one per line.")
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", roster.Errorf(roster.EINVALID, "Choose a file, or type the users, one per line.")
		}
		if err != nil {
			return nil, "", roster.Errorf(roster.EINVALID, "The form could not be read: %v", err)
		}
		switch p.FormName() {
		case "refs":
			b, err := io.ReadAll(io.LimitReader(p, maxPastedRefs+1))
			if err != nil || len(b) > maxPastedRefs {
				return nil, "", roster.Errorf(roster.EINVALID, "The list is longer than 1 MiB: send it as a file.")
			}
			if text := strings.TrimSpace(string(b)); text != "" {
				return strings.NewReader(text + "\n"), "text/plain", nil
			}
		case "file":
			if p.FileName() != "" {
				return p, "application/octet-stream", nil
			}
		}
	}
}
