package catalog

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/uuid"
)

// MaxCell is the most a list may hold, in UTF-16 code units: what an XLSX
// cell holds, so that an export keeps the whole list. (Other values are
// far shorter.)
const MaxCell = 32767

// maxEmail is the longest address SMTP carries (RFC 5321: a path of 256
// octets, less its angle brackets).
const maxEmail = 254

// Normalize checks a cell against the column's type and rules and returns
// the value as roster stores it. A problem comes back as a plain-language
// message; references are checked later, against the reference data.
func (c *Column) Normalize(cell string) (string, string) { return c.normalize(cell, true) }

// normalize is Normalize; shortcuts takes the answers below that a plain
// username or email address allows without the full checks, which give the
// same answer (the tests compare both ways).
func (c *Column) normalize(cell string, shortcuts bool) (string, string) {
	v := cell
	if !c.Raw {
		v = trim(v)
	}
	if v == "" {
		return "", ""
	}
	switch c.Type {
	case Text, Email, List, Ref:
		// A plain address is printable ASCII, which cleanText passes as it
		// is, and as long as the check below allows: it is taken at once.
		// A username of its allowed bytes is printable ASCII too, and goes
		// on to its own checks.
		if shortcuts && c.Type == Email && len(v) <= maxEmail {
			if at, upper, ok := plainEmail(v); ok {
				if upper {
					return v[:at+1] + strings.ToLower(v[at+1:]), ""
				}
				return v, ""
			}
		}
		if shortcuts && c == colUsername && usernameChars(v) {
			break
		}
		// What a person types: NFC, every character visible. Emails are
		// identities, in which even a joiner between letters would make
		// two addresses that look the same.
		var msg string
		if v, msg = cleanText(v, c.Type != Email, c.Secret); msg != "" {
			return "", msg
		}
	}
	switch c.Type {
	case Text:
		// A value has at least a quarter as many characters as bytes and
		// at most as many: they are counted only when that is not enough
		// to tell.
		if c.Min > 0 && len(v) < 4*c.Min || c.Max > 0 && len(v) > c.Max {
			if n := utf8.RuneCountInString(v); c.Min > 0 && n < c.Min || c.Max > 0 && n > c.Max {
				return "", lengthMessage(c.Min, c.Max, "characters")
			}
		}
		// Usernames are checked by hand: a regular expression for every
		// row of a million-row file is measurably slower.
		if c.Name == "username" && !usernameChars(v) || c.Pattern != nil && !c.Pattern.MatchString(v) {
			return "", patternMessage(c.Name)
		}
	case Bool:
		switch strings.ToLower(v) {
		case "1", "true", "yes":
			return "1", ""
		case "0", "false", "no":
			return "0", ""
		}
		return "", "not a yes/no value: use 1 or 0 (true/false and yes/no work too)"
	case Int:
		n, ok := wholeNumber(v)
		if !ok {
			return "", "not a whole number"
		}
		if n < c.Min || n > c.Max {
			return "", fmt.Sprintf("must be between %d and %d", c.Min, c.Max)
		}
		if c.Step > 1 && n%c.Step != 0 {
			return "", fmt.Sprintf("must be a multiple of %d", c.Step)
		}
		return strconv.Itoa(n), ""
	case Digits:
		if c.Name == "exten" && strings.EqualFold(v, "auto") {
			return "auto", ""
		}
		if !allDigits(v) {
			return "", "may hold only the digits 0 to 9"
		}
		if len(v) < c.Min || len(v) > c.Max {
			return "", lengthMessage(c.Min, c.Max, "digits")
		}
	case Email:
		if len(v) > maxEmail && utf8.RuneCountInString(v) > maxEmail {
			return "", fmt.Sprintf("must be at most %d characters long", maxEmail)
		}
		e, ok := email(v)
		if !ok {
			return "", "not a valid email address"
		}
		return e, ""
	case Phone:
		p, ok := phoneNumber(v)
		if !ok {
			return "", "not a phone number: use digits, * and #, optionally after +"
		}
		return p, ""
	case Enum:
		for _, e := range c.Values {
			if strings.EqualFold(e, v) {
				return e, ""
			}
		}
		return "", "must be one of " + strings.Join(c.Values, ", ")
	case List:
		if len(v) > MaxCell && utf16Len(v) > MaxCell {
			return "", fmt.Sprintf("is longer than a spreadsheet cell can hold (%d characters)", MaxCell)
		}
		if !strings.Contains(v, c.Sep) || normalList(v, c.Sep) {
			return v, ""
		}
		return strings.Join(splitList(v, c.Sep), c.Sep), ""
	case Ref:
		return v, ""
	case Path:
		return v, ""
	case UUID:
		id, err := uuid.Parse(v)
		if err != nil || len(v) != 36 {
			return "", "not a UUID such as 3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a"
		}
		return id.String(), ""
	case Hash:
		if !passwordHash(v) {
			return "", "not an argon2id ($argon2id$…) or bcrypt ($2a$, $2b$, $2y$, cost 4 to 16) password hash"
		}
	}
	return v, ""
}

// utf16Len is the length of s in UTF-16 code units, as spreadsheets count.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func lengthMessage(min, max int, unit string) string {
	switch {
	case min == max:
		return fmt.Sprintf("must be exactly %d %s", min, unit)
	case min > 0:
		return fmt.Sprintf("must be %d to %d %s long", min, max, unit)
	}
	return fmt.Sprintf("must be at most %d %s long", max, unit)
}

func patternMessage(column string) string {
	switch column {
	case "username":
		return "must be 2 to 64 characters, only letters, digits and . _ @ + -"
	case "sip_username":
		return "must be 1 to 40 characters, only letters, digits and _ . -"
	case "voicemail_password":
		return "may hold only digits and #"
	}
	return "has characters that are not allowed here"
}

// wholeNumber reads decimal digits, accepting the "5.0" of a number cell.
func wholeNumber(v string) (int, bool) {
	if i := strings.IndexByte(v, '.'); i > 0 && strings.Trim(v[i+1:], "0") == "" {
		v = v[:i]
	}
	if !allDigits(v) || len(v) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// normalList says whether a list cell is already as splitList would write
// it back: no empty item, no white space around an item, no repeat. Most
// cells are, and they are then kept without splitting and joining them.
func normalList(v, sep string) bool {
	var seen repeats
	for item := range strings.SplitSeq(v, sep) {
		if item == "" || item != strings.TrimSpace(item) || seen.repeat(item) {
			return false
		}
	}
	return true
}

// repeats remembers the items of a list, to tell an item that repeats an
// earlier one but for case (strings.EqualFold). Most lists are short and
// are scanned; a long one gets a map, so that a cell of thousands of items
// takes linear time, not quadratic.
type repeats struct {
	few  [16]string
	n    int
	keys map[string]bool // by foldKey, once few is full
}

func (r *repeats) repeat(item string) bool {
	if r.keys == nil {
		for _, o := range r.few[:r.n] {
			if strings.EqualFold(o, item) {
				return true
			}
		}
		if r.n < len(r.few) {
			r.few[r.n] = item
			r.n++
			return false
		}
		r.keys = map[string]bool{}
		for _, o := range r.few {
			r.keys[foldKey(o)] = true
		}
	}
	k := foldKey(item)
	if r.keys[k] {
		return true
	}
	r.keys[k] = true
	return false
}

// foldKey maps each character of s to the smallest of the characters that
// simple case folding makes it equal to: two strings have the same key
// exactly when strings.EqualFold says they are equal.
func foldKey(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b = append(b, m)
	}
	return string(b)
}

// phoneNumber removes the spaces, dashes, dots and brackets people write
// in phone numbers and checks, in the same pass, what is left: digits, *
// and #, after an optional +. The digits are gathered on the stack: a
// number with spaces costs one allocation, its string, and a refused one
// none.
func phoneNumber(v string) (string, bool) {
	var buf [32]byte
	b := buf[:0]
	cut := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; phoneBytes[c] {
		case phoneSep:
			cut = true
		case phoneKeep:
			b = append(b, c)
		case phonePlus:
			if len(b) > 0 {
				return "", false
			}
			b = append(b, c)
		default:
			if c != 0xC2 || i+1 == len(v) || v[i+1] != 0xA0 { // a no-break space is a separator
				return "", false
			}
			cut = true
			i++
		}
	}
	if len(b) == 0 || len(b) == 1 && b[0] == '+' {
		return "", false
	}
	if !cut {
		return v, true
	}
	return string(b), true
}

// What each byte is in a phone number: one look-up a byte, where a switch
// on the byte was a sixth of normalising a row.
const (
	phoneOther byte = iota
	phoneSep
	phoneKeep
	phonePlus
)

var phoneBytes = func() (t [256]byte) {
	for _, c := range " -.()" {
		t[c] = phoneSep
	}
	for _, c := range "0123456789*#" {
		t[c] = phoneKeep
	}
	t['+'] = phonePlus
	return t
}()

// usernameChars checks a username without a regular expression, since it
// runs for every row: 2 to 64 of A-Z a-z 0-9 . _ @ + -.
func usernameChars(v string) bool {
	if len(v) < 2 || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !usernameBytes[v[i]] {
			return false
		}
	}
	return true
}

// usernameBytes marks the bytes a username may hold.
var usernameBytes = func() (t [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-" {
		t[c] = true
	}
	return t
}()

// email accepts a bare RFC 5322 addr-spec, local@domain, and lower-cases the
// domain, which is case-insensitive (the local part, in principle, is not).
func email(v string) (string, bool) {
	if at, upper, ok := plainEmail(v); ok {
		if upper {
			return v[:at+1] + strings.ToLower(v[at+1:]), true
		}
		return v, true
	}
	return emailRules(v)
}

// emailRules is email for any string: the rules of RFC 5322, through
// net/mail for what a dot-atom does not cover.
func emailRules(v string) (string, bool) {
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " <>,\t") {
		return "", false
	}
	domain := v[at+1:]
	if strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", false
	}
	// The common case (a dot-atom on both sides) is checked here; quoted
	// local parts and the rest of RFC 5322 go to net/mail.
	if !dotAtom(v[:at]) || !dotAtom(domain) {
		a, err := mail.ParseAddress(v)
		if err != nil || a.Name != "" || a.Address != v {
			return "", false
		}
	}
	if hasUpper(domain) {
		return v[:at+1] + strings.ToLower(domain), true
	}
	return v, true
}

// plainEmail reads, in one pass, the address that nearly everyone has: a
// dot-atom of ASCII, an @, and a dot-atom of ASCII. It returns where the @
// is and whether the domain has capitals; ok is false for any other
// string, which emailRules then reads (the answer for a plain address is
// the same either way).
func plainEmail(v string) (at int, upper, ok bool) {
	at = -1
	prev := byte('.') // a dot-atom may not start with a dot
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '@':
			if at >= 0 || prev == '.' {
				return 0, false, false
			}
			at, c = i, '.' // the domain may not start with a dot either
		case c == '.':
			if prev == '.' {
				return 0, false, false
			}
		case !atext[c]:
			return 0, false, false
		case at >= 0 && 'A' <= c && c <= 'Z':
			upper = true
		}
		prev = c
	}
	return at, upper, at > 0 && prev != '.'
}

// atext marks the characters of RFC 5322's atoms.
var atext = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-/=?^_`{|}~" {
		t[c] = true
	}
	return t
}()

// dotAtom says whether s is atoms of RFC 5322 atext joined by single dots.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", c) >= 0) {
			return false
		}
	}
	return true
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// passwordHash checks the shape of an argon2id PHC string or a bcrypt hash.
func passwordHash(v string) bool {
	if strings.HasPrefix(v, "$argon2id$") {
		_, ok := ParseArgon2id(v)
		return ok
	}
	_, ok := BcryptCost(v)
	return ok
}

// BcryptCost reads the cost of a bcrypt hash: "$2a$", "$2b$" or "$2y$", a
// two-digit cost, "$" and 53 characters of salt and hash. Costs above 16
// are refused like oversized argon2id parameters: each step doubles the
// work, and verifying a cost-31 hash from a file would take days.
func BcryptCost(v string) (int, bool) {
	for _, p := range []string{"$2a$", "$2b$", "$2y$"} {
		if rest, ok := strings.CutPrefix(v, p); ok {
			if len(rest) != 56 || !allDigits(rest[:2]) || rest[2] != '$' || !base64ish(rest[3:]) {
				return 0, false
			}
			cost := int(rest[0]-'0')*10 + int(rest[1]-'0')
			return cost, cost >= 4 && cost <= 16
		}
	}
	return 0, false
}

// Argon2id holds the parts of an argon2id PHC string.
type Argon2id struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	Salt    []byte
	Key     []byte
}

// ParseArgon2id reads "$argon2id$v=19$m=…,t=…,p=…$salt$key". Parameters
// beyond what real hashes use (more than 256 MiB of memory, 16 passes, 16
// lanes) are refused, since verifying such a hash from a file would let the
// file exhaust the machine.
func ParseArgon2id(v string) (Argon2id, bool) {
	var a Argon2id
	parts := strings.Split(v, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
		return a, false
	}
	var p uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &a.Memory, &a.Time, &p); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", a.Memory, a.Time, p) != parts[3] {
		return a, false
	}
	if a.Memory < 8 || a.Memory > 1<<18 || a.Time < 1 || a.Time > 16 || p < 1 || p > 16 || a.Memory < 8*p {
		return a, false
	}
	a.Threads = uint8(p)
	var err1, err2 error
	a.Salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
	a.Key, err2 = base64.RawStdEncoding.DecodeString(parts[5])
	return a, err1 == nil && err2 == nil && len(a.Salt) >= 8 && len(a.Key) >= 16 && len(a.Key) <= 1024
}

func base64ish(s string) bool {
	if s == "" {
		return false
	}
	return bytes.IndexFunc([]byte(s), func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '.')
	}) < 0
}
