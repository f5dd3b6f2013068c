package provision

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// Ref is a reference to a user, as a person writes it, with the row it came
// from (0 for the command line).
type Ref struct {
	Row int
	// Key is the column the value was under: uuid, username or email. It
	// is empty for a bare reference (one given alone, a list without a header),
	// which may be any of the three.
	Key   string
	Value string
}

// refKeys are the columns that name a user in a list, most exact first.
var refKeys = []string{"uuid", "username", "email"}

// ReadRefs reads user references from a file: any sheet with a uuid,
// username or email column, or a bare list with one reference per line and
// no header (the Symphony way). A row with several of those columns is
// named by the most exact one it fills: uuid, then username, then email.
func ReadRefs(src *sheet.Source, opt sheet.Options) ([]Ref, error) {
	f, err := src.Open(opt)
	if err != nil {
		return nil, Unreadable(err)
	}
	defer f.Close()
	var refs []Ref
	var cols []int // by refKeys; -1 when absent; nil for a bare list
	first := true
	for {
		row, err := f.Next()
		if err == io.EOF {
			return refs, nil
		}
		if err != nil {
			return nil, Unreadable(err)
		}
		if first {
			first = false
			if cols = keyColumns(row.Cells); cols != nil {
				continue // a header
			}
		}
		ref := Ref{Row: row.Num}
		if cols == nil {
			ref.Value = strings.TrimSpace(firstCell(row.Cells))
		} else {
			for k, i := range cols {
				if i >= 0 && i < len(row.Cells) && strings.TrimSpace(row.Cells[i]) != "" {
					ref.Key, ref.Value = refKeys[k], strings.TrimSpace(row.Cells[i])
					break
				}
			}
		}
		if ref.Value != "" {
			refs = append(refs, ref)
		}
	}
}

// keyColumns finds the uuid, username and email columns of a header, or
// returns nil when the row names none of them (it is then a reference).
func keyColumns(header []string) []int {
	cols := []int{-1, -1, -1}
	found := false
	for i, cell := range header {
		c := catalog.Lookup(cell)
		if c == nil {
			continue
		}
		for k, name := range refKeys {
			if c.Name == name && cols[k] < 0 {
				cols[k], found = i, true
			}
		}
	}
	if !found {
		return nil
	}
	return cols
}

func firstCell(cells []string) string {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return c
		}
	}
	return ""
}

// resolved says which user each reference names.
type resolved struct {
	ids       []int64 // by reference; 0 when it names nobody, or several users
	missing   []roster.NotFound
	ambiguous []roster.Problem // references that name two users or more
}

// resolve finds the users that references name. A reference under a key
// column is that key only; a bare one is tried as a uuid, a username and
// an email, and is ambiguous when those find different users.
func resolve(ctx context.Context, tx roster.Tx, refs []Ref) (*resolved, error) {
	var claims []roster.Claim
	for _, r := range refs {
		claims = append(claims, refClaims(r)...)
	}
	owners, err := tx.Owners(ctx, claims)
	if err != nil {
		return nil, err
	}
	res := &resolved{ids: make([]int64, len(refs))}
	type hit struct {
		key string
		id  int64
	}
	var unclear [][]hit // by reference in ambiguous
	for i, r := range refs {
		var hits []hit
		var ids []int64
		for _, c := range refClaims(r) {
			if id, ok := owners[c]; ok {
				hits = append(hits, hit{c.Key, id})
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
		switch len(ids) {
		case 0:
			res.missing = append(res.missing, roster.NotFound{Row: r.Row, Value: r.Value})
		case 1:
			res.ids[i] = ids[0]
		default:
			res.ambiguous = append(res.ambiguous, roster.Problem{Row: r.Row, Column: r.Key, Value: r.Value})
			unclear = append(unclear, hits)
		}
	}
	if len(unclear) == 0 {
		return res, nil
	}
	// Name the candidates by their uuids, which are what tells them apart.
	var need []int64
	for _, hits := range unclear {
		for _, h := range hits {
			need = append(need, h.id)
		}
	}
	users, err := tx.UserNames(ctx, need)
	if err != nil {
		return nil, err
	}
	for i, hits := range unclear {
		var ids []int64
		keys := map[int64][]string{}
		for _, h := range hits {
			if !slices.Contains(ids, h.id) {
				ids = append(ids, h.id)
			}
			keys[h.id] = append(keys[h.id], h.key)
		}
		parts := make([]string, len(ids))
		for j, id := range ids {
			parts[j] = fmt.Sprintf("the %s of %s", strings.Join(keys[id], " and "), users[id].UUID)
		}
		res.ambiguous[i].Message = fmt.Sprintf("names %d users: it is %s; nothing is changed while a reference is unclear (name the user by its uuid, or list the users under a username or email header)",
			len(ids), strings.Join(parts, ", and "))
	}
	return res, nil
}

// refClaims are the values a reference may be (see roster.RefClaims).
func refClaims(r Ref) []roster.Claim { return roster.RefClaims(r.Key, r.Value) }
