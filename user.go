// Package roster holds the domain of bulk user provisioning: the users of a
// unified-communications platform with their phone lines, incoming numbers,
// voicemail boxes, groups, rooms and permissions; the reference data they
// point at; and the plan and result of an import.
//
// It imports no database, file format or transport. The column catalogue
// (package catalog) turns sheet rows into users, package provision plans and
// applies imports, updates and deletions, and package sqlite stores the
// directory.
package roster

// User is a person who can log in, chat and call. A user always exists in
// one tenant; the resources hanging off it (line, incall, voicemail, CTI
// profile) are optional and created when a row gives any of their columns.
type User struct {
	// ID is the directory's internal identifier; 0 until stored.
	ID int64
	// UUID identifies the user across systems and is the key of updates.
	UUID   string
	Tenant string
	// Version changes with every write of the user, its memberships
	// included, so that a client can tell whether the user it read is
	// still the one stored (an HTTP ETag). The directory sets it; writes
	// ignore it. 0 until stored.
	Version int64

	Firstname   string
	Lastname    string
	DisplayName string
	// Username and Email are unique across all tenants, case-insensitively.
	Username string
	Email    string

	// Password is a plaintext password on its way to being hashed. It only
	// ever lives in memory and is never stored, logged or exported.
	Password string
	// PasswordHash is an argon2id PHC string or a bcrypt hash.
	PasswordHash string

	Language               string
	MobilePhoneNumber      string
	OutgoingCallerID       string
	Enabled                bool
	SupervisionEnabled     bool
	CallTransferEnabled    bool
	DTMFHangupEnabled      bool
	SimultaneousCalls      int
	RingSeconds            int
	CallPermissionPassword string
	Role                   string
	AuthType               string

	Groups      []string
	Rooms       []string
	SkillGroups []string
	Desk        string
	Tags        []string
	// Avatar is the user's picture, nil when there is none.
	Avatar *Picture

	CTIProfile      *CTIProfile
	Line            *Line
	Incalls         []Incall
	Voicemail       *Voicemail
	CallPermissions []string
}

// NewUser returns a user with the defaults of the column catalogue.
func NewUser() *User {
	u := &User{}
	u.Reset()
	return u
}

// Reset makes u a new user with the defaults of the column catalogue, so
// that a bulk import can reuse the memory of users it has written.
func (u *User) Reset() {
	*u = User{
		Enabled:            true,
		SupervisionEnabled: true,
		SimultaneousCalls:  5,
		RingSeconds:        30,
		AuthType:           "default",
	}
}

// CTIProfile gives a user access to the desktop client.
type CTIProfile struct {
	Enabled bool
	Name    string
}

// Line is a user's phone line and its extension.
type Line struct {
	// Protocol is sip, sccp, webrtc or custom; it never changes once created.
	Protocol string
	Context  string
	// Exten is the internal number, unique in its context; empty when the
	// line has none.
	Exten            string
	SIPUsername      string
	SIPSecret        string
	CustomInterface  string
	ProvisioningCode string
}

// Incall routes an outside number to a user.
type Incall struct {
	Exten   string
	Context string
	// RingSeconds is empty when the incall uses the platform's default.
	RingSeconds string
}

// Voicemail is a user's voicemail box.
type Voicemail struct {
	Name           string
	Number         string
	Context        string
	Password       string
	Email          string
	AttachAudio    bool
	DeleteMessages bool
	AskPassword    bool
}

// Picture is a user's avatar as stored: its bytes and what they are.
type Picture struct {
	// Type is png, jpeg, gif or webp, told from the content.
	Type string
	Data []byte
}

// Clone returns a deep copy, so that an update can be compared with the
// user it started from.
func (u *User) Clone() *User {
	c := *u
	c.Groups = append([]string(nil), u.Groups...)
	c.Rooms = append([]string(nil), u.Rooms...)
	c.SkillGroups = append([]string(nil), u.SkillGroups...)
	c.Tags = append([]string(nil), u.Tags...)
	c.CallPermissions = append([]string(nil), u.CallPermissions...)
	c.Incalls = append([]Incall(nil), u.Incalls...)
	if u.CTIProfile != nil {
		p := *u.CTIProfile
		c.CTIProfile = &p
	}
	if u.Line != nil {
		l := *u.Line
		c.Line = &l
	}
	if u.Voicemail != nil {
		v := *u.Voicemail
		c.Voicemail = &v
	}
	return &c
}

// HasSecret tells whether the user holds a secret that a directory keeps
// sealed (a SIP secret, a voicemail or call-permission PIN), and so needs
// the directory's key to be stored.
func HasSecret(u *User) bool {
	return u.CallPermissionPassword != "" || u.Line != nil && u.Line.SIPSecret != "" || u.Voicemail != nil && u.Voicemail.Password != ""
}
