package provision

import (
	"context"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// Ref is a reference to a user, as a person writes it: a uuid, a username
// or an email, with the row it came from (0 for the command line).
type Ref struct {
	Row   int
	Value string
}

// ReadRefs reads user references from a file: any sheet with a uuid,
// username or email column, or a bare list with one reference per line and
// no header (the Symphony way).
func ReadRefs(path string, opt sheet.Options) ([]Ref, error) {
	f, err := sheet.Open(path, opt)
	if err != nil {
		return nil, unreadable(err)
	}
	defer f.Close()
	var refs []Ref
	cols := []int{}
	first := true
	for {
		row, err := f.Next()
		if err == io.EOF {
			return refs, nil
		}
		if err != nil {
			return nil, unreadable(err)
		}
		if first {
			first = false
			for i, cell := range row.Cells {
				if c := catalog.Lookup(cell); c != nil && (c.Name == "uuid" || c.Name == "username" || c.Name == "email") {
					cols = append(cols, i)
				}
			}
			if len(cols) > 0 {
				continue // a header
			}
		}
		var v string
		if len(cols) == 0 {
			v = firstCell(row.Cells)
		} else {
			for _, i := range cols {
				if i < len(row.Cells) && strings.TrimSpace(row.Cells[i]) != "" {
					v = row.Cells[i]
					break
				}
			}
		}
		if v = strings.TrimSpace(v); v != "" {
			refs = append(refs, Ref{Row: row.Num, Value: v})
		}
	}
}

func firstCell(cells []string) string {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return c
		}
	}
	return ""
}

// resolve finds the users that references name. A reference is tried as a
// uuid, then an email, then a username.
func resolve(ctx context.Context, tx roster.Tx, refs []Ref) (map[Ref]int64, []roster.NotFound, error) {
	var claims []roster.Claim
	for _, r := range refs {
		claims = append(claims, refClaims(r.Value)...)
	}
	owners, err := tx.Owners(ctx, claims)
	if err != nil {
		return nil, nil, err
	}
	found := map[Ref]int64{}
	var missing []roster.NotFound
	for _, r := range refs {
		ok := false
		for _, c := range refClaims(r.Value) {
			if id, has := owners[c]; has {
				found[r], ok = id, true
				break
			}
		}
		if !ok {
			missing = append(missing, roster.NotFound{Row: r.Row, Value: r.Value})
		}
	}
	return found, missing, nil
}

func refClaims(v string) []roster.Claim {
	var out []roster.Claim
	if id, err := uuid.Parse(v); err == nil {
		out = append(out, roster.Claim{Key: "uuid", Value: id.String()})
	}
	if strings.Contains(v, "@") {
		out = append(out, roster.Claim{Key: "email", Value: strings.ToLower(v)})
	}
	return append(out, roster.Claim{Key: "username", Value: strings.ToLower(v)})
}
