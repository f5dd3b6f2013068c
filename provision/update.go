package provision

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/password"
)

// merge applies a row to the existing user it updates, with Wazo's
// semantics: columns absent from the header are left alone; an empty cell
// clears (unless blank cells mean keep); a resource whose columns in the
// header are all empty is removed; a line's protocol never changes.
func (r *run) merge(it *item) {
	old := it.old
	u := old.Clone()
	keep := r.opt.Blank == BlankKeep || !r.update // an import updates as with blank keep
	h := r.header
	for _, c := range catalog.Columns {
		if !h.Has(c) || it.failed[c.Index] {
			continue // a bad cell changes nothing; its problem is reported
		}
		v := it.values[c.Index]
		if v == "" && keep {
			continue
		}
		switch c.Name {
		case "uuid":
			if v != old.UUID {
				it.fail(c.Name, v, "a user's uuid cannot change")
			}
			continue
		case "password":
			if v != "" && it.samePass {
				continue
			}
			u.Password = v
			if v == "" {
				u.PasswordHash = ""
			}
			continue
		case "avatar":
			u.Avatar = it.avatar
			continue
		case "line_protocol":
			if old.Line != nil && v != "" && v != old.Line.Protocol {
				it.fail(c.Name, v, fmt.Sprintf("a line's protocol cannot change (it is %s)", old.Line.Protocol))
				continue
			}
		}
		if c.Resource == catalog.Incall && len(old.Incalls) > 1 {
			it.fail(c.Name, v, fmt.Sprintf("the user has %d incoming numbers; an update can only change a user's only one", len(old.Incalls)))
			continue
		}
		c.Set(u, v)
	}
	if !keep {
		removeEmptyResources(h, it.values, it.failed, u)
	}
	if u.Tenant == "" {
		u.Tenant = r.ref.Tenant("").Name
	}
	values := make([]string, len(catalog.Columns))
	for _, c := range catalog.Columns {
		values[c.Index] = c.Get(u)
	}
	catalog.Required(values, nil, func(c *catalog.Column, value, message string) {
		if h.Has(c) || resourceTouched(h, c.Resource) {
			it.fail(c.Name, value, message)
		}
	})
	if !it.ok() {
		return
	}
	if u.DisplayName == "" {
		// Emptied, it takes its default again, as a new user's would: the
		// export of an empty one would import as the default.
		u.DisplayName = catalog.DisplayName(u.Firstname, u.Lastname, u.Username)
	}
	it.user = u
	it.changes = changes(h, old, u)
	if len(it.changes) == 0 {
		it.action = roster.Unchanged
	}
}

// looksUp says whether identify finds the user of a row: every row that
// passed its own checks and, in runs that may update users, a row with bad
// cells too (in an update, not its key), so that the rules of the user it
// updates are checked in the same pass (see recheck).
func (r *run) looksUp(it *item) bool {
	switch {
	case it.ok():
		return true
	case it.skipped:
		return false
	case r.update:
		return !it.failed[catalog.Lookup(string(r.opt.Key)).Index]
	}
	return r.opt.OnExisting == OnExistingUpdate
}

// recheck adds to the problems of a row that failed its own checks those
// it has with the user it updates (an emptied required value, a changed
// protocol) or, in an import that may update, the required columns of the
// user it would create, when none of its keys was bad (a bad key may have
// hidden the user it updates): every problem of a row in one pass.
func (r *run) recheck(it *item) {
	switch {
	case !r.looksUp(it):
	case it.old != nil:
		r.merge(it)
	case it.action == roster.Create && r.opt.OnExisting == OnExistingUpdate:
		for _, k := range identityColumns {
			if it.failed[k.Index] {
				return
			}
		}
		r.requireNew(it)
	}
}

// requireNew checks the required columns of a row that creates a user in
// an import that may update: they were left to be checked once the row was
// known not to update anyone.
func (r *run) requireNew(it *item) {
	catalog.Required(it.values, it.failed, func(c *catalog.Column, value, message string) {
		it.fail(c.Name, value, message)
	})
}

// comparePasswords tells, for each row of b that updates a user and gives
// a password, whether it is the password the user has. Verifying a hash
// costs as much as making one, so the rows are compared on all cores.
func (r *run) comparePasswords(b *batch) {
	col := catalog.Lookup("password")
	if !r.header.Has(col) {
		return
	}
	var wg sync.WaitGroup
	for _, it := range b.items {
		if !it.ok() || it.action != roster.Update || it.values[col.Index] == "" {
			continue
		}
		if take(r.ctx, r.workers.hashes) != nil {
			break // cancelled: the run writes nothing, so compares nothing
		}
		wg.Go(func() {
			it.samePass = password.Matches(it.old.PasswordHash, it.values[col.Index])
			if r.opt.hashed != nil {
				r.opt.hashed()
			}
			release(r.workers.hashes)
		})
	}
	wg.Wait()
}

// resourceTouched says whether the header has a column of the resource.
func resourceTouched(h *catalog.Header, resource string) bool {
	for _, c := range catalog.Columns {
		if c.Resource == resource && h.Has(c) {
			return true
		}
	}
	return false
}

// removeEmptyResources drops each resource whose columns in the header are
// all empty in the row (a bad cell is not empty).
func removeEmptyResources(h *catalog.Header, values []string, failed []bool, u *roster.User) {
	for _, res := range []string{catalog.CTIProfile, catalog.Line, catalog.Incall, catalog.Voicemail} {
		touched, empty := false, true
		for _, c := range catalog.Columns {
			if c.Resource == res && h.Has(c) {
				touched = true
				empty = empty && values[c.Index] == "" && !failed[c.Index]
			}
		}
		if !touched || !empty {
			continue
		}
		switch res {
		case catalog.CTIProfile:
			u.CTIProfile = nil
		case catalog.Line:
			u.Line = nil
		case catalog.Incall:
			u.Incalls = nil
		case catalog.Voicemail:
			u.Voicemail = nil
		}
	}
}

// changes lists the columns of the header whose value differs between two
// states of a user. Lists compare as sets; secrets show as ***.
func changes(h *catalog.Header, old, u *roster.User) []roster.Change {
	var out []roster.Change
	for _, c := range catalog.Columns {
		if !h.Has(c) {
			continue
		}
		switch c.Name {
		case "password":
			if u.Password != "" || (old.PasswordHash != "" && u.PasswordHash == "") {
				out = append(out, roster.Change{Column: c.Name, Old: mask(old.PasswordHash), New: mask(u.Password + u.PasswordHash)})
			}
			continue
		case "avatar":
			if !samePicture(old.Avatar, u.Avatar) {
				out = append(out, roster.Change{Column: c.Name, Old: pictureText(old.Avatar), New: pictureText(u.Avatar)})
			}
			continue
		}
		a, b := c.Get(old), c.Get(u)
		if c.Type == catalog.List {
			a, b = sortedList(a, c.Sep), sortedList(b, c.Sep)
		}
		// Groups and rooms are found by name whatever its case.
		if a == b || (c.Name == "groups" || c.Name == "rooms") && strings.EqualFold(a, b) {
			continue
		}
		if c.Secret {
			a, b = mask(a), mask(b)
		}
		out = append(out, roster.Change{Column: c.Name, Old: a, New: b})
	}
	return out
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "***"
}

func sortedList(v, sep string) string {
	items := strings.Split(v, sep)
	slices.SortFunc(items, compareFold)
	return strings.Join(items, sep)
}

// compareFold orders names as people read them, without regard to case.
func compareFold(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }

func samePicture(a, b *roster.Picture) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && bytes.Equal(a.Data, b.Data)
}

func pictureText(p *roster.Picture) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%s picture, %d bytes", p.Type, len(p.Data))
}
