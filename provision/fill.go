package provision

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
)

// generate fills what the run was asked to generate, and what a line needs
// and the row left empty.
func (r *run) generate(it *item) {
	u := it.user
	create := it.action == roster.Create
	if create && r.opt.Generate.Has(GenerateUsername) && u.Username == "" {
		r.prime()
		r.newUsername(it)
	}
	if create && r.opt.Generate.Has(GeneratePassword) && u.Password == "" && u.PasswordHash == "" {
		u.Password = NewPassword(r.opt.PasswordDigits)
		it.password = u.Password
	}
	l := u.Line
	if l == nil {
		return
	}
	lineIsNew := it.old == nil || it.old.Line == nil
	if l.Exten == "auto" || l.Exten == "" && r.opt.Generate.Has(GenerateExten) && lineIsNew {
		r.prime()
		n, ok := r.freeNumber(it, "exten", u.Tenant, l.Context)
		if !ok {
			it.fail("exten", l.Exten, fmt.Sprintf("no free number left in context %s", l.Context))
			return
		}
		l.Exten = n
	}
	if l.Protocol == "sip" || l.Protocol == "webrtc" {
		if l.SIPUsername == "" {
			l.SIPUsername = r.unclaimed(catalog.KeySIPUsername, it.row, newSIPUsername)
		}
		if l.SIPSecret == "" {
			l.SIPSecret = randomText(letters, 20)
		}
	}
	if l.ProvisioningCode == "" {
		l.ProvisioningCode = r.unclaimed(catalog.KeyProvisioningCode, it.row, newProvisioningCode)
	}
}

// Columns and generators of the line's unique values.
var (
	colSIPUsername      = catalog.Lookup("sip_username")
	colProvisioningCode = catalog.Lookup("provisioning_code")
)

func newSIPUsername() string      { return randomText("abcdefghijkmnopqrstuvwxyz23456789", 10) }
func newProvisioningCode() string { return randomText(digits, 6) }

// unclaimed draws random values until one is not used in the file. The
// directory is asked later, with the batch (see claims).
func (r *run) unclaimed(key catalog.Key, row int, draw func() string) string {
	for {
		v := draw()
		if !r.checker.Taken(key, v) {
			r.checker.Claim(key, v, row)
			return v
		}
	}
}

// newUsername derives a username from the email or the name, made unique
// in the file and the directory with a number.
func (r *run) newUsername(it *item) {
	u := it.user
	base := usernameBase(u.Email, u.Firstname, u.Lastname)
	for n := 1; ; n++ {
		cand := base
		if n > 1 {
			cand = trimTo(base, 60) + strconv.Itoa(n)
		}
		low := strings.ToLower(cand)
		if r.checker.Taken(catalog.KeyUsername, low) {
			continue
		}
		if !r.empty && r.usernameInDirectory(low) {
			continue
		}
		r.checker.Claim(catalog.KeyUsername, low, it.row)
		u.Username = cand
		return
	}
}

// lookUpUsernames asks the directory, in one query for the whole batch,
// whether it holds the first username that each row to be given one would
// get: a query per row was a third of the work of a large import with
// generated usernames into a directory that has users.
func (r *run) lookUpUsernames(b *batch) error {
	clear(r.usernames)
	if r.empty || !r.opt.Generate.Has(GenerateUsername) {
		return nil
	}
	var claims []roster.Claim
	for _, it := range b.items {
		if u := it.user; it.ok() && it.action == roster.Create && u != nil && u.Username == "" {
			low := strings.ToLower(usernameBase(u.Email, u.Firstname, u.Lastname))
			r.usernames[low] = false
			claims = append(claims, roster.Claim{Key: "username", Value: low})
		}
	}
	if len(claims) == 0 {
		return nil
	}
	owners, err := r.tx.Owners(r.ctx, claims)
	if err != nil {
		return err
	}
	for c := range owners {
		r.usernames[c.Value] = true
	}
	return nil
}

// usernameInDirectory says whether a user of the directory has a username,
// from what lookUpUsernames found or else by asking.
func (r *run) usernameInDirectory(low string) bool {
	if taken, known := r.usernames[low]; known {
		return taken
	}
	owners, err := r.tx.Owners(r.ctx, []roster.Claim{{Key: "username", Value: low}})
	return err == nil && len(owners) > 0
}

// freeNumber returns the next number of the context's ranges that neither
// the directory nor the file uses, in row order.
func (r *run) freeNumber(it *item, key, tenant, context string) (string, bool) {
	t := r.ref.Tenant(tenant)
	ctx := t.Context(context)
	if ctx == nil {
		return "", false
	}
	k := [3]string{key, t.Name, ctx.Name}
	used, ok := r.numbers[k]
	if !ok {
		used = map[string]bool{}
		if !r.empty {
			var err error
			if used, err = r.tx.Numbers(r.ctx, key, t.Name, ctx.Name); err != nil {
				used = map[string]bool{}
			}
		}
		r.numbers[k] = used
	}
	skip := r.cursor[k]
	for _, s := range ctx.Ranges {
		rg, err := roster.ParseRange(s)
		if err != nil {
			continue
		}
		start, _ := strconv.Atoi(rg.Start)
		end, _ := strconv.Atoi(rg.End)
		for n := start; n <= end; n++ {
			if skip > 0 {
				skip--
				continue
			}
			r.cursor[k]++
			num := fmt.Sprintf("%0*d", len(rg.Start), n)
			scoped := catalog.ScopedKey(ctx.Name, num)
			if used[num] || r.checker.Taken(catalog.KeyExten, scoped) {
				continue
			}
			r.checker.Claim(catalog.KeyExten, scoped, it.row)
			return num, true
		}
	}
	return "", false
}

// generateHints are the options that would generate a username, a password.
var generateHints = []*roster.Hint{{Option: "generate", Values: []string{"username"}}, {Option: "generate", Values: []string{"password"}}}

// requireLogin checks that a user with the CTI profile enabled can log in.
func (r *run) requireLogin(it *item) {
	u := it.user
	if u.CTIProfile == nil || !u.CTIProfile.Enabled {
		return
	}
	if u.Username == "" {
		it.fail("username", "", "required when cti_profile_enabled is 1")
		it.problems[len(it.problems)-1].Hint = generateHints[0]
	}
	if u.Password == "" && u.PasswordHash == "" {
		it.fail("password", "", "required when cti_profile_enabled is 1")
		it.problems[len(it.problems)-1].Hint = generateHints[1]
	}
}

// claims checks the row's unique values against the directory. Generated
// values that collide are drawn again; given ones fail the row.
func (r *run) claims(b *batch) error {
	if r.empty {
		return nil
	}
	for round := 0; ; round++ {
		type owned struct {
			it    *item
			claim roster.Claim
		}
		var all []owned
		for _, it := range b.items {
			if !it.ok() || (it.action != roster.Create && it.action != roster.Update) {
				continue
			}
			var held []roster.Claim
			if it.old != nil {
				held = userClaims(it.old)
			}
			for _, c := range userClaims(it.user) {
				if slices.Contains(held, c) {
					continue // the user's own value, unchanged
				}
				if it.action == roster.Create && (c.Key == "uuid" || c.Key == "username" || c.Key == "email") {
					continue // identify has looked these up, newUsername a generated one
				}
				all = append(all, owned{it, c})
			}
		}
		if len(all) == 0 {
			return nil
		}
		claims := make([]roster.Claim, len(all))
		for i, o := range all {
			claims[i] = o.claim
		}
		owners, err := r.tx.Owners(r.ctx, claims)
		if err != nil {
			return err
		}
		redraw := false
		for _, o := range all {
			id, taken := owners[o.claim]
			if !taken || id == o.it.user.ID && o.it.old != nil {
				continue
			}
			// A value generated for this row is drawn again; a given one
			// fails the row.
			l := o.it.user.Line
			switch key := o.claim.Key; {
			case key == "sip_username" && o.it.old == nil && r.header.Cell(o.it.cells, colSIPUsername) == "":
				l.SIPUsername = r.unclaimed(catalog.KeySIPUsername, o.it.row, newSIPUsername)
				redraw = true
			case key == "provisioning_code" && r.header.Cell(o.it.cells, colProvisioningCode) == "":
				l.ProvisioningCode = r.unclaimed(catalog.KeyProvisioningCode, o.it.row, newProvisioningCode)
				redraw = true
			default:
				o.it.fail(key, o.claim.Value, "already used by another user in the directory")
			}
		}
		if !redraw || round > 20 {
			return nil
		}
	}
}

// userClaims lists the unique values a user holds.
func userClaims(u *roster.User) []roster.Claim {
	var out []roster.Claim
	add := func(key, context, v string) {
		if v != "" {
			out = append(out, roster.Claim{Key: key, Tenant: u.Tenant, Context: context, Value: v})
		}
	}
	add("uuid", "", u.UUID)
	add("username", "", u.Username)
	add("email", "", u.Email)
	if l := u.Line; l != nil {
		add("sip_username", "", l.SIPUsername)
		add("provisioning_code", "", l.ProvisioningCode)
		add("exten", l.Context, l.Exten)
	}
	for _, in := range u.Incalls {
		add("incall_exten", in.Context, in.Exten)
	}
	if v := u.Voicemail; v != nil {
		add("voicemail_number", v.Context, v.Number)
	}
	return out
}
