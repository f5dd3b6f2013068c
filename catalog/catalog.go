// Package catalog is roster's column catalogue: every column a user file may
// have, its aliases, its type and rules, and the resource it builds. It
// matches a file's header to columns, checks each row's cells and turns them
// into normalised values, and maps those values to and from roster.User.
//
// One catalogue serves import, update, export, the template and the API,
// so that a column means the same thing everywhere.
package catalog

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster"
)

// Type is how a column's cells are read.
type Type int

// The value types of columns.md.
const (
	Text Type = iota
	Bool
	Int
	Digits
	Email
	Phone
	Enum
	List
	Ref
	Path
	UUID
	Hash
)

var typeNames = map[Type]string{
	Text: "text", Bool: "bool", Int: "int", Digits: "digits", Email: "email", Phone: "phone",
	Enum: "enum", List: "list", Ref: "ref", Path: "path", UUID: "uuid", Hash: "password hash",
}

func (t Type) String() string { return typeNames[t] }

// Resources a column can build.
const (
	User            = "user"
	CTIProfile      = "cti_profile"
	Line            = "line"
	Incall          = "incall"
	Voicemail       = "voicemail"
	CallPermissions = "call_permissions"
)

// Resources lists the resources in catalogue order.
var Resources = []string{User, CTIProfile, Line, Incall, Voicemail, CallPermissions}

// Column is one column of the catalogue.
type Column struct {
	// Index is the column's position in the catalogue.
	Index    int
	Name     string
	Aliases  []string
	Resource string
	Type     Type
	// Required columns must have a value whenever their resource is
	// created (firstname and custom_interface have conditions of their own).
	Required bool
	// Secret columns are never shown in errors and exported only on request.
	Secret bool
	// Min and Max bound the length of text and digits, or the value of an int.
	Min, Max int
	// Step is the number an int must be a multiple of.
	Step int
	// Values are the canonical spellings of an enum.
	Values []string
	// Sep separates the items of a list.
	Sep string
	// Kind is the reference kind of a ref, or of each item of a list.
	Kind string
	// Pattern is a rule on the whole (trimmed) value of a text.
	Pattern *regexp.Regexp
	// Raw keeps white space around the value (passwords).
	Raw bool
	// Default is the value a new user gets without one, as documented.
	Default string
	// Doc explains the column to a person filling in a file.
	Doc string

	get func(*roster.User) string
	set func(*roster.User, string)
}

// Get returns the column's value for a user, as a file would hold it.
func (c *Column) Get(u *roster.User) string { return c.get(u) }

// Set stores a normalised value into a user; an empty value clears it.
func (c *Column) Set(u *roster.User, v string) { c.set(u, v) }

// Exported says whether export writes the column.
func (c *Column) Exported(secrets, avatars bool) bool {
	switch {
	case c.Name == "password":
		return false
	case c.Name == "avatar":
		return avatars
	case c.Secret:
		return secrets
	}
	return true
}

// Columns is the catalogue, in the order of columns.md.
var Columns, byName = build()

// byResource lists the columns of each resource, in the order of
// Resources: Required reads it for every row, where a map cost five
// lookups a row.
var byResource = func() [][]*Column {
	out := make([][]*Column, len(Resources))
	for _, c := range Columns {
		if i := slices.Index(Resources, c.Resource); i >= 0 {
			out[i] = append(out[i], c)
		}
	}
	return out
}()

// Lookup finds a column by its name or an alias, as headers are matched.
func Lookup(header string) *Column { return byName[normalize(header)] }

// ExportOrder lists the columns in the order of export: uuid first, then
// the catalogue, provisioning_code last.
func ExportOrder() []*Column {
	var out []*Column
	for _, c := range Columns {
		if c.Name != "provisioning_code" {
			out = append(out, c)
		}
	}
	return append(out, Lookup("provisioning_code"))
}

// normalize folds a header as columns.md says: lower case, without spaces,
// "_", "-" and ".".
func normalize(h string) string {
	h = strings.TrimPrefix(h, "\uFEFF")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch r {
		case ' ', '_', '-', '.', '\t', '\u00a0':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func build() ([]*Column, map[string]*Column) {
	cols := columns()
	names := map[string]*Column{}
	for i, c := range cols {
		c.Index = i
		names[normalize(c.Name)] = c
		for _, a := range c.Aliases {
			names[normalize(a)] = c
		}
	}
	return cols, names
}

// Field accessors, so that the table below stays one line per column.

func text(p func(*roster.User) *string) access {
	return access{func(u *roster.User) string { return *p(u) }, func(u *roster.User, v string) { *p(u) = v }}
}

func flag(p func(*roster.User) *bool) access {
	return access{func(u *roster.User) string { return boolText(*p(u)) }, func(u *roster.User, v string) { *p(u) = v == "1" }}
}

func number(p func(*roster.User) *int) access {
	return access{func(u *roster.User) string { return strconv.Itoa(*p(u)) },
		func(u *roster.User, v string) { *p(u), _ = strconv.Atoi(v) }}
}

func list(sep string, p func(*roster.User) *[]string) access {
	return access{func(u *roster.User) string { return strings.Join(*p(u), sep) },
		func(u *roster.User, v string) { *p(u) = splitList(v, sep) }}
}

// Resource fields read as empty when the user lacks the resource, and
// create it when set.

func lineText(p func(*roster.Line) *string) access {
	return access{func(u *roster.User) string {
		if u.Line == nil {
			return ""
		}
		return *p(u.Line)
	}, func(u *roster.User, v string) {
		if u.Line == nil {
			u.Line = &roster.Line{}
		}
		*p(u.Line) = v
	}}
}

func incallText(p func(*roster.Incall) *string) access {
	return access{func(u *roster.User) string {
		if len(u.Incalls) != 1 {
			return ""
		}
		return *p(&u.Incalls[0])
	}, func(u *roster.User, v string) {
		if len(u.Incalls) == 0 {
			u.Incalls = []roster.Incall{{}}
		}
		*p(&u.Incalls[0]) = v
	}}
}

func vmText(p func(*roster.Voicemail) *string) access {
	return access{func(u *roster.User) string {
		if u.Voicemail == nil {
			return ""
		}
		return *p(u.Voicemail)
	}, func(u *roster.User, v string) {
		ensureVoicemail(u)
		*p(u.Voicemail) = v
	}}
}

func vmFlag(p func(*roster.Voicemail) *bool) access {
	return access{func(u *roster.User) string {
		if u.Voicemail == nil {
			return ""
		}
		return boolText(*p(u.Voicemail))
	}, func(u *roster.User, v string) {
		ensureVoicemail(u)
		*p(u.Voicemail) = v == "1"
	}}
}

func ensureVoicemail(u *roster.User) {
	if u.Voicemail == nil {
		u.Voicemail = &roster.Voicemail{AskPassword: true}
	}
}

// access reads and writes one column of a user.
type access struct {
	get func(*roster.User) string
	set func(*roster.User, string)
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func col(name string, aliases []string, resource string, t Type, c Column, acc access) *Column {
	c.Name, c.Aliases, c.Resource, c.Type = name, aliases, resource, t
	c.get, c.set = acc.get, acc.set
	return &c
}

var (
	sipUsernameRule = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)
	vmPasswordRule  = regexp.MustCompile(`^[0-9#]{1,80}$`)
)

func columns() []*Column {
	languages := []string{"de_DE", "en_US", "es_ES", "fr_FR", "fr_CA"}
	return []*Column{
		col("uuid", []string{"id", "user_uuid"}, User, UUID, Column{Doc: "On import, keep this UUID instead of generating one; the key of updates."}, text(func(u *roster.User) *string { return &u.UUID })),
		col("tenant", []string{"entity_id", "entity", "tenant_id"}, User, Ref, Column{Kind: roster.KindTenant, Default: "the default tenant", Doc: "Tenant name or numeric id."}, text(func(u *roster.User) *string { return &u.Tenant })),
		col("firstname", []string{"first_name", "givenname"}, User, Text, Column{Max: 128, Required: true, Doc: "Required unless display_name or username has a value."}, text(func(u *roster.User) *string { return &u.Firstname })),
		col("lastname", []string{"last_name", "surname", "familyname"}, User, Text, Column{Max: 128}, text(func(u *roster.User) *string { return &u.Lastname })),
		col("display_name", []string{"name", "fullname"}, User, Text, Column{Max: 256, Default: `"firstname lastname", else the username`}, text(func(u *roster.User) *string { return &u.DisplayName })),
		col("username", []string{"login", "login_name", "loginname", "user_name", "trueconf_id"}, User, Text, Column{Doc: "2 to 64 of A-Z a-z 0-9 . _ @ + -; unique across all tenants, whatever the case."}, text(func(u *roster.User) *string { return &u.Username })),
		col("email", []string{"mail", "e_mail", "email_address"}, User, Email, Column{Doc: "Unique across all tenants, whatever the case."}, text(func(u *roster.User) *string { return &u.Email })),
		col("password", nil, User, Text, Column{Min: 4, Max: 64, Secret: true, Raw: true, Doc: "4 to 64 characters; stored only as an argon2id hash, never exported."}, text(func(u *roster.User) *string { return &u.Password })),
		col("password_hash", nil, User, Hash, Column{Secret: true, Doc: "An argon2id PHC string or a bcrypt hash ($2a$, $2b$, $2y$); not together with password."}, text(func(u *roster.User) *string { return &u.PasswordHash })),
		col("language", []string{"locale"}, User, Enum, Column{Values: languages}, text(func(u *roster.User) *string { return &u.Language })),
		col("mobile_phone_number", []string{"mobile", "mobile_phone", "phone", "cell", "cellphone"}, User, Phone, Column{Doc: "Digits, * and #, optionally after +; spaces, dashes, dots and brackets are removed."}, text(func(u *roster.User) *string { return &u.MobilePhoneNumber })),
		col("outgoing_caller_id", []string{"caller_id"}, User, Text, Column{Max: 80}, text(func(u *roster.User) *string { return &u.OutgoingCallerID })),
		col("enabled", []string{"active", "is_active"}, User, Bool, Column{Default: "1"}, flag(func(u *roster.User) *bool { return &u.Enabled })),
		col("supervision_enabled", nil, User, Bool, Column{Default: "1"}, flag(func(u *roster.User) *bool { return &u.SupervisionEnabled })),
		col("call_transfer_enabled", nil, User, Bool, Column{Default: "0"}, flag(func(u *roster.User) *bool { return &u.CallTransferEnabled })),
		col("dtmf_hangup_enabled", nil, User, Bool, Column{Default: "0"}, flag(func(u *roster.User) *bool { return &u.DTMFHangupEnabled })),
		col("simultaneous_calls", nil, User, Int, Column{Min: 1, Max: 20, Default: "5"}, number(func(u *roster.User) *int { return &u.SimultaneousCalls })),
		col("ring_seconds", nil, User, Int, Column{Min: 0, Max: 10800, Step: 5, Default: "30"}, number(func(u *roster.User) *int { return &u.RingSeconds })),
		col("call_permission_password", nil, User, Digits, Column{Min: 1, Max: 16, Secret: true}, text(func(u *roster.User) *string { return &u.CallPermissionPassword })),
		col("role", []string{"role_id"}, User, Ref, Column{Kind: roster.KindRole, Default: "the tenant's default role"}, text(func(u *roster.User) *string { return &u.Role })),
		col("auth_type", []string{"second_factor", "2fa"}, User, Enum, Column{Values: []string{"default", "disabled", "email", "totp"}, Default: "default"}, text(func(u *roster.User) *string { return &u.AuthType })),
		col("groups", []string{"group"}, User, List, Column{Sep: ",", Doc: "Names separated by commas; groups are created when missing."}, list(",", func(u *roster.User) *[]string { return &u.Groups })),
		col("rooms", []string{"room"}, User, List, Column{Sep: ",", Doc: "Names separated by commas; rooms are created when missing."}, list(",", func(u *roster.User) *[]string { return &u.Rooms })),
		col("skill_groups", []string{"skill_group"}, User, List, Column{Sep: ",", Kind: roster.KindSkillGroup, Doc: "Existing skill groups, separated by commas."}, list(",", func(u *roster.User) *[]string { return &u.SkillGroups })),
		col("desk", nil, User, Ref, Column{Kind: roster.KindDesk}, text(func(u *roster.User) *string { return &u.Desk })),
		col("tags", []string{"tag"}, User, List, Column{Sep: ",", Doc: "Free labels, separated by commas."}, list(",", func(u *roster.User) *[]string { return &u.Tags })),
		col("avatar", []string{"picture", "photo"}, User, Path, Column{Doc: "Path of a PNG, JPEG, GIF or WebP picture beside the file or in the ZIP; at most 1 MiB and 4096×4096."}, avatarAccess()),

		col("cti_profile_enabled", nil, CTIProfile, Bool, Column{Required: true, Doc: "When 1, the user also needs a username and a password."}, ctiEnabledAccess()),
		col("cti_profile_name", nil, CTIProfile, Ref, Column{Kind: roster.KindCTIProfile, Doc: "Required when cti_profile_enabled is 1."}, ctiNameAccess()),

		col("line_protocol", []string{"protocol"}, Line, Enum, Column{Values: []string{"sip", "sccp", "webrtc", "custom"}, Required: true, Doc: "Cannot change in an update."}, lineText(func(l *roster.Line) *string { return &l.Protocol })),
		col("context", nil, Line, Ref, Column{Kind: roster.KindContext, Required: true, Doc: "An internal context."}, lineText(func(l *roster.Line) *string { return &l.Context })),
		col("exten", []string{"extension", "virtual_extension", "phone_extension"}, Line, Digits, Column{Min: 1, Max: 40, Doc: "Inside one of the context's ranges and unique in it; auto takes the next free number."}, lineText(func(l *roster.Line) *string { return &l.Exten })),
		col("sip_username", nil, Line, Text, Column{Pattern: sipUsernameRule, Doc: "Unique; generated for sip and webrtc lines when empty."}, lineText(func(l *roster.Line) *string { return &l.SIPUsername })),
		col("sip_secret", nil, Line, Text, Column{Min: 1, Max: 80, Secret: true, Raw: true, Doc: "Generated for sip and webrtc lines when empty."}, lineText(func(l *roster.Line) *string { return &l.SIPSecret })),
		col("custom_interface", []string{"custom_uri"}, Line, Text, Column{Max: 128, Doc: "Required when line_protocol is custom."}, lineText(func(l *roster.Line) *string { return &l.CustomInterface })),
		col("provisioning_code", nil, Line, Digits, Column{Min: 6, Max: 6, Doc: "Six digits, unique; generated when empty, kept when given."}, lineText(func(l *roster.Line) *string { return &l.ProvisioningCode })),

		col("incall_exten", nil, Incall, Digits, Column{Min: 1, Max: 40, Required: true, Doc: "Inside the incall context's ranges and unique in it."}, incallText(func(i *roster.Incall) *string { return &i.Exten })),
		col("incall_context", nil, Incall, Ref, Column{Kind: roster.KindContext, Required: true, Doc: "An incall context."}, incallText(func(i *roster.Incall) *string { return &i.Context })),
		col("incall_ring_seconds", nil, Incall, Int, Column{Min: 0, Max: 10800, Step: 5}, incallText(func(i *roster.Incall) *string { return &i.RingSeconds })),

		col("voicemail_name", nil, Voicemail, Text, Column{Max: 80, Required: true}, vmText(func(v *roster.Voicemail) *string { return &v.Name })),
		col("voicemail_number", nil, Voicemail, Digits, Column{Min: 1, Max: 40, Required: true, Doc: "Unique in its context."}, vmText(func(v *roster.Voicemail) *string { return &v.Number })),
		col("voicemail_context", nil, Voicemail, Ref, Column{Kind: roster.KindContext, Required: true, Doc: "An internal context."}, vmText(func(v *roster.Voicemail) *string { return &v.Context })),
		col("voicemail_password", nil, Voicemail, Text, Column{Pattern: vmPasswordRule, Secret: true, Doc: "Digits and #."}, vmText(func(v *roster.Voicemail) *string { return &v.Password })),
		col("voicemail_email", nil, Voicemail, Email, Column{}, vmText(func(v *roster.Voicemail) *string { return &v.Email })),
		col("voicemail_attach_audio", nil, Voicemail, Bool, Column{Default: "0"}, vmFlag(func(v *roster.Voicemail) *bool { return &v.AttachAudio })),
		col("voicemail_delete_messages", nil, Voicemail, Bool, Column{Default: "0"}, vmFlag(func(v *roster.Voicemail) *bool { return &v.DeleteMessages })),
		col("voicemail_ask_password", nil, Voicemail, Bool, Column{Default: "1"}, vmFlag(func(v *roster.Voicemail) *bool { return &v.AskPassword })),

		col("call_permissions", nil, CallPermissions, List, Column{Sep: ";", Kind: roster.KindCallPermission, Doc: "Existing call permissions, separated by semicolons."}, list(";", func(u *roster.User) *[]string { return &u.CallPermissions })),
	}
}

func avatarAccess() access {
	// The cell names a file; the picture itself is attached by the checker
	// and exported under avatars/ by the ZIP export.
	return access{func(u *roster.User) string {
		if u.Avatar == nil {
			return ""
		}
		return "avatars/" + u.UUID + "." + u.Avatar.Type
	}, func(u *roster.User, v string) {
		if v == "" {
			u.Avatar = nil
		}
	}}
}

func ctiEnabledAccess() access {
	return access{func(u *roster.User) string {
		if u.CTIProfile == nil {
			return ""
		}
		return boolText(u.CTIProfile.Enabled)
	}, func(u *roster.User, v string) {
		if u.CTIProfile == nil {
			u.CTIProfile = &roster.CTIProfile{}
		}
		u.CTIProfile.Enabled = v == "1"
	}}
}

func ctiNameAccess() access {
	return access{func(u *roster.User) string {
		if u.CTIProfile == nil {
			return ""
		}
		return u.CTIProfile.Name
	}, func(u *roster.User, v string) {
		if u.CTIProfile == nil {
			u.CTIProfile = &roster.CTIProfile{}
		}
		u.CTIProfile.Name = v
	}}
}

// splitList reads a list cell: items trimmed, empty items and repeats
// dropped (a repeat differs only in case).
func splitList(v, sep string) []string {
	if v == "" {
		return nil
	}
	var out []string
	var seen repeats
	for item := range strings.SplitSeq(v, sep) {
		item = strings.TrimSpace(item)
		if item == "" || seen.repeat(item) {
			continue
		}
		out = append(out, item)
	}
	return out
}
