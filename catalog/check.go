package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // pictures may be GIF
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	_ "golang.org/x/image/webp" // and WebP

	"github.com/roster-dev/roster"
)

// Limits of pictures.
const (
	MaxPictureBytes = 1 << 20
	MaxPictureSide  = 4096
)

// CheckOptions say what rows are checked against.
type CheckOptions struct {
	// Reference is the reference data of the directory (or the default set).
	Reference *roster.Reference
	// Assets holds the pictures that avatar cells name; nil refuses them.
	Assets fs.FS
	// Update says the rows change existing users: required columns are
	// then checked on the merged user (see Required), not on the row.
	Update bool
	// Pictures holds a place for each picture being decoded: a picture of
	// 4096×4096 takes up to 128 MiB decoded, so a process decodes a few at
	// a time, whatever number of files it checks at once. Nil gives the
	// checker two places of its own.
	Pictures chan struct{}
}

// Keys a file must not repeat.
type Key int

// The unique keys of a file. Extensions and voicemail numbers are unique per
// context, so their keys include the context.
const (
	KeyUUID Key = iota
	KeyUsername
	KeyEmail
	KeySIPUsername
	KeyProvisioningCode
	KeyExten
	KeyIncallExten
	KeyVoicemailNumber
	numKeys
)

// Checker checks the rows of one file. Normalize is safe to call from
// several goroutines at once; Unique, which remembers the unique values seen
// so that a later row repeating one is reported, must be called in row
// order. Its memory grows only with those values, kept as hashes.
type Checker struct {
	h    *Header
	opt  CheckOptions
	keys []Key    // the keys whose columns the file gives: the others are empty
	cols []cellOf // the columns the file gives, and where their cells are
	// resources are those the file has a column of, other than the user:
	// the columns of the others are empty in every row.
	resources []int
	// numbers are the number columns the file has with their context's,
	// checked against its ranges; a row has no value in the others.
	numbers [][2]*Column
	seen    [numKeys]*keySet
	rec     *Record
	sink    int32 // what Prefetch read, kept so that the reads are not dropped
}

// cellOf is a column the file gives and the position of its cell in a
// row, read as it is; -1 when Header.Cell must make the value (a --set
// value, a template, a column that keeps its white space).
type cellOf struct {
	c  *Column
	at int
}

// pictureKinds are the formats of pictures, as package image names them.
var pictureKinds = []string{"png", "jpeg", "gif", "webp"}

// keyColumns are the columns whose values make each key.
var keyColumns = [numKeys]*Column{KeyUUID: colUUID, KeyUsername: colUsername, KeyEmail: colEmail,
	KeySIPUsername: colSIPUsername, KeyProvisioningCode: colProvisioning, KeyExten: colExten,
	KeyIncallExten: colIncallExten, KeyVoicemailNumber: colVMNumber}

// Record is one row's normalised values.
type Record struct {
	// Row is the spreadsheet row number.
	Row int
	// Values are the normalised values by catalogue index; "" is no value.
	Values []string
	// Failed marks the columns whose cell had a problem.
	Failed []bool
	// Avatar is the picture the row names, read and checked.
	Avatar *roster.Picture

	keys [numKeys]hashed // the row's unique values, for Unique
}

// NewRecord returns a record to normalise rows into.
func NewRecord() *Record {
	return &Record{Values: make([]string, len(Columns)), Failed: make([]bool, len(Columns))}
}

// Value returns a column's normalised value.
func (r *Record) Value(c *Column) string { return r.Values[c.Index] }

// NewChecker returns a checker for the rows under a header.
func NewChecker(h *Header, opt CheckOptions) *Checker {
	if opt.Reference == nil {
		opt.Reference = roster.DefaultReference()
	}
	if opt.Pictures == nil {
		opt.Pictures = make(chan struct{}, 2)
	}
	k := &Checker{h: h, opt: opt, rec: NewRecord()}
	for _, c := range h.present {
		// A cell of blanks is no value either way, without a --set value:
		// Normalize trims it to nothing, as Cell would find it empty.
		at := h.index[c.Index]
		if c.Raw || h.set[c.Index] != "" || h.tmpl[c.Index] != nil {
			at = -1
		}
		k.cols = append(k.cols, cellOf{c, at})
	}
	for _, n := range [][2]*Column{{colExten, colContext}, {colIncallExten, colIncallContext}} {
		if h.Has(n[0]) && h.Has(n[1]) {
			k.numbers = append(k.numbers, n)
		}
	}
	for _, i := range resourcesBuilt {
		if slices.ContainsFunc(byResource[i], h.Has) {
			k.resources = append(k.resources, i)
		}
	}
	for i := range k.seen {
		k.seen[i] = newKeySet()
		if h.Has(keyColumns[i]) {
			k.keys = append(k.keys, Key(i))
		}
	}
	return k
}

// Columns by name, for the rules that name them.
var (
	colUUID, colTenant, colFirstname, colDisplayName  = Lookup("uuid"), Lookup("tenant"), Lookup("firstname"), Lookup("display_name")
	colUsername, colEmail, colPassword, colHash       = Lookup("username"), Lookup("email"), Lookup("password"), Lookup("password_hash")
	colAvatar, colCTIEnabled, colCTIName              = Lookup("avatar"), Lookup("cti_profile_enabled"), Lookup("cti_profile_name")
	colProtocol, colContext, colExten, colSIPUsername = Lookup("line_protocol"), Lookup("context"), Lookup("exten"), Lookup("sip_username")
	colCustom, colProvisioning                        = Lookup("custom_interface"), Lookup("provisioning_code")
	colIncallExten, colIncallContext                  = Lookup("incall_exten"), Lookup("incall_context")
	colVMNumber, colVMContext                         = Lookup("voicemail_number"), Lookup("voicemail_context")
)

// problems collects the problems of one row.
type problems struct {
	row  int
	rec  *Record
	list []roster.Problem
}

func (p *problems) add(c *Column, value, message string) {
	if c.Secret && value != "" {
		value = "***"
	}
	p.list = append(p.list, roster.Problem{Row: p.row, Column: c.Name, Value: value, Message: message})
	if p.rec != nil {
		p.rec.Failed[c.Index] = true
	}
}

// Check normalises a row and checks its unique values, with a record the
// checker reuses: the result is valid until the next call.
func (k *Checker) Check(cells []string, row int) (*Record, []roster.Problem) {
	probs := k.Normalize(cells, row, k.rec)
	return k.rec, k.Unique(k.rec, probs)
}

// Normalize reads one data row into rec: every cell against its column,
// the resources the row builds and their required columns, references,
// number ranges and the picture. rec's values of the columns the file does
// not give must be empty (a new record, or one that served only files with
// these columns): Normalize does not clear them.
func (k *Checker) Normalize(cells []string, row int, rec *Record) []roster.Problem {
	r := rec
	r.Row, r.Avatar = row, nil
	// Every column's mark, not only those of the file: the rules below
	// mark the columns a row lacks (firstname, a line's required ones),
	// and a mark left from the record's last row would count as a value.
	clear(r.Failed)
	p := &problems{row: row, rec: r}
	for _, col := range k.cols {
		c, raw := col.c, ""
		switch {
		case col.at < 0:
			raw = k.h.Cell(cells, c)
		case col.at < len(cells):
			raw = cells[col.at]
		}
		v, msg := c.Normalize(raw)
		if msg != "" {
			v = ""
			p.add(c, strings.TrimSpace(raw), msg)
		}
		r.Values[c.Index] = v
	}
	k.h.Stray(cells, func(i int) {
		// A value pushed out of its column, by a separator left unquoted
		// in a cell before it, may be a secret.
		v := strings.TrimSpace(cells[i])
		if k.h.secrets {
			v = "***"
		}
		p.list = append(p.list, roster.Problem{Row: row, Column: ColumnLetter(i), Value: v,
			Message: "no column header above it, so it would be lost: name the column or empty the cell (an unquoted separator earlier in the row shifts cells right)"})
	})
	if r.Values[colPassword.Index] != "" && r.Values[colHash.Index] != "" {
		p.add(colHash, r.Values[colHash.Index], "give either password or password_hash, not both")
	}
	k.references(r, p)
	if !k.opt.Update {
		required(r.Values, r.Failed, p.add, k.resources)
	}
	if v := r.Values[colAvatar.Index]; v != "" {
		pic, msg := k.picture(v)
		if msg != "" {
			p.add(colAvatar, v, msg)
		}
		r.Avatar = pic
	}
	k.leftOut(cells, p)
	r.keys = [numKeys]hashed{} // a record may have served another file
	for _, key := range k.keys {
		r.keys[key] = k.seen[key].hash(keyValue(key, r.Values))
	}
	return p.list
}

// leftOut fails the secrets that an error report left out of a row (see
// LeftOut) and that are still empty.
func (k *Checker) leftOut(cells []string, p *problems) {
	i := k.h.errorsAt
	if i < 0 || i >= len(cells) {
		return
	}
	note := cells[i]
	end := strings.LastIndex(note, ": "+LeftOut)
	if end < 0 {
		return
	}
	start := strings.LastIndex(note[:end], "; ") + 1
	for _, name := range strings.Split(note[start:end], ", ") {
		for _, c := range k.h.present {
			if j := k.h.Position(c); j >= 0 && strings.TrimSpace(k.h.Cells[j]) == strings.TrimSpace(name) &&
				strings.TrimSpace(k.h.Cell(cells, c)) == "" {
				p.add(c, "", "left out of the error report this row comes from: enter it again, or remove the note from the errors cell")
			}
		}
	}
}

// keyValue is the value of a row that must be unique under a key:
// usernames and emails as identities, numbers within their context.
func keyValue(key Key, v []string) string {
	switch key {
	case KeyExten:
		if e := v[colExten.Index]; e != "auto" {
			return scoped(v[colContext.Index], e)
		}
		return ""
	case KeyIncallExten:
		return scoped(v[colIncallContext.Index], v[colIncallExten.Index])
	case KeyVoicemailNumber:
		return scoped(v[colVMContext.Index], v[colVMNumber.Index])
	}
	return identity(key, v[keyColumns[key].Index])
}

// Prefetch reads ahead the memory that Unique will look at for r. The
// planner calls it for a batch of rows before calling Unique on them: each
// lookup in a table of a million values waits on main memory, and reads
// made back to back wait together instead of one after another.
func (k *Checker) Prefetch(r *Record) {
	for key, h := range r.keys {
		if h.ok {
			k.sink += k.seen[key].touch(h)
		}
	}
}

// Unique reports values that an earlier row of the file already used, and
// returns probs with those problems added. r must come from Normalize.
func (k *Checker) Unique(r *Record, probs []roster.Problem) []roster.Problem {
	p := &problems{row: r.Row, rec: r, list: probs}
	for key, h := range r.keys {
		if first := k.seen[key].claimHashed(h, r.Row); first != r.Row {
			c := keyColumns[key]
			p.add(c, r.Values[c.Index], "duplicate of row "+strconv.Itoa(first))
		}
	}
	return p.list
}

// references resolves the row's tenant and every reference in it to the
// canonical name of an existing object, and checks numbers against the
// ranges of their contexts.
func (k *Checker) references(r *Record, p *problems) {
	v := r.Values
	tenant := k.opt.Reference.Tenant(v[colTenant.Index])
	if tenant == nil {
		if !r.Failed[colTenant.Index] {
			p.add(colTenant, v[colTenant.Index], "no such tenant")
		}
		return
	}
	if v[colTenant.Index] != "" {
		v[colTenant.Index] = tenant.Name
	}
	for _, c := range k.h.refs {
		val := v[c.Index]
		if val == "" {
			continue
		}
		if c.Kind == roster.KindContext {
			want := roster.Internal
			if c == colIncallContext {
				want = roster.Incoming
			}
			ctx := tenant.Context(val)
			switch {
			case ctx == nil:
				p.add(c, val, fmt.Sprintf("no context named %q in tenant %s", val, tenant.Name))
				v[c.Index] = ""
			case ctx.Kind != want:
				p.add(c, val, fmt.Sprintf("context %s is an %s context; this column needs an %s one", ctx.Name, ctx.Kind, want))
				v[c.Index] = ""
			default:
				v[c.Index] = ctx.Name
			}
			continue
		}
		if c.Type == List {
			items := splitList(val, c.Sep)
			var missing []string
			for i, item := range items {
				name, ok := tenant.Lookup(c.Kind, item)
				if !ok {
					missing = append(missing, item)
				}
				items[i] = name
			}
			if len(missing) > 0 {
				p.add(c, val, fmt.Sprintf("no %s named %s in tenant %s", kindName(c.Kind), strings.Join(missing, ", "), tenant.Name))
				continue
			}
			v[c.Index] = strings.Join(items, c.Sep)
			continue
		}
		name, ok := tenant.Lookup(c.Kind, val)
		if !ok {
			p.add(c, val, fmt.Sprintf("no %s named %q in tenant %s", kindName(c.Kind), val, tenant.Name))
			continue
		}
		v[c.Index] = name
	}
	inRange := func(num, ctx *Column) {
		n, name := v[num.Index], v[ctx.Index]
		if n == "" || n == "auto" || name == "" {
			return
		}
		if c := tenant.Context(name); c != nil && !c.InRanges(n) {
			p.add(num, n, fmt.Sprintf("outside the numbers of context %s (%s)", c.Name, strings.Join(c.Ranges, ", ")))
		}
	}
	for _, n := range k.numbers {
		inRange(n[0], n[1])
	}
}

func kindName(kind string) string { return strings.ReplaceAll(kind, "_", " ") }

// Required reports the required columns missing from a user's values: those
// of each resource that the values create, and the conditional ones. Import
// checks a row's values; update checks the values of the merged user.
func Required(values []string, failed []bool, add func(c *Column, value, message string)) {
	required(values, failed, add, resourcesBuilt)
}

// resourcesBuilt are the resources other than the user, which a user's
// values may or may not create, by their place in Resources.
var resourcesBuilt = func() (out []int) {
	for i := 1; i < len(Resources); i++ {
		out = append(out, i)
	}
	return out
}()

// required is Required for the resources named, by their place in
// Resources: a checker names only those its file has a column of, since a
// row gives no value to the others.
func required(values []string, failed []bool, add func(c *Column, value, message string), resources []int) {
	has := func(c *Column) bool { return values[c.Index] != "" || failed != nil && failed[c.Index] }
	for _, i := range resources {
		cols := byResource[i]
		if !slices.ContainsFunc(cols, has) {
			continue
		}
		for _, c := range cols {
			if c.Required && !has(c) {
				add(c, "", fmt.Sprintf("required: a row with a %s needs %s", strings.ReplaceAll(Resources[i], "_", " "), c.Name))
			}
		}
	}
	if !has(colFirstname) && !has(colDisplayName) && !has(colUsername) {
		add(colFirstname, "", "required: give firstname, display_name or username")
	}
	if values[colProtocol.Index] == "custom" && !has(colCustom) {
		add(colCustom, "", "required for a custom line")
	}
	if values[colCTIEnabled.Index] == "1" && !has(colCTIName) {
		add(colCTIName, "", "required when cti_profile_enabled is 1")
	}
}

// scoped makes a key unique per context; empty when either part is.
func scoped(context, number string) string {
	if context == "" || number == "" {
		return ""
	}
	return context + "\x00" + number
}

// Reserve makes room for the unique values of about rows rows, for the
// columns the file has.
func (k *Checker) Reserve(rows int) {
	for key, col := range keyColumns {
		if k.h.Has(col) {
			k.seen[key].reserve(rows)
		}
	}
}

// Taken says whether a row of the file uses a value of a key, so that
// generated values can avoid it. Extension keys are ScopedKey(context, n).
func (k *Checker) Taken(key Key, val string) bool { return k.seen[key].has(identity(key, val)) }

// Claim records a generated value as used by a row.
func (k *Checker) Claim(key Key, val string, row int) { k.seen[key].claim(identity(key, val), row) }

// identity is the form in which a key's values are compared: usernames and
// emails as roster.FoldIdentity says, the other keys as they are.
func identity(key Key, val string) string {
	if key == KeyUsername || key == KeyEmail {
		return roster.FoldIdentity(val)
	}
	return val
}

// ScopedKey is the key of a number in a context.
func ScopedKey(context, number string) string { return scoped(context, number) }

// Prime records a row's explicit usernames and extensions before the real
// pass, so that numbers and usernames generated for earlier rows avoid the
// ones later rows give. Problems are left to Check.
func (k *Checker) Prime(cells []string, row int) {
	if c := k.h.Cell(cells, colUsername); c != "" {
		if v, msg := colUsername.Normalize(c); msg == "" {
			k.Claim(KeyUsername, v, row)
		}
	}
	exten, _ := colExten.Normalize(k.h.Cell(cells, colExten))
	if exten == "" || exten == "auto" {
		return
	}
	ctxName, _ := colContext.Normalize(k.h.Cell(cells, colContext))
	tenantRef, _ := colTenant.Normalize(k.h.Cell(cells, colTenant))
	if t := k.opt.Reference.Tenant(tenantRef); t != nil {
		if ctx := t.Context(ctxName); ctx != nil {
			k.Claim(KeyExten, scoped(ctx.Name, exten), row)
		}
	}
}

// picture reads and checks the file an avatar cell names.
func (k *Checker) picture(name string) (*roster.Picture, string) {
	clean := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(clean, "/") || len(clean) > 1 && clean[1] == ':' {
		return nil, "must be a relative path inside the file's folder or ZIP, not an absolute one"
	}
	clean = path.Clean(clean)
	if !fs.ValidPath(clean) || clean == "." {
		return nil, "must be a path inside the file's folder or ZIP; it may not leave it with .."
	}
	if k.opt.Assets == nil {
		return nil, "pictures can only be read beside a file on disk or inside a ZIP"
	}
	// Only a regular file: opening a named pipe would wait for a writer
	// for ever.
	if st, err := fs.Stat(k.opt.Assets, clean); err != nil || !st.Mode().IsRegular() {
		return nil, "no such picture beside the file"
	}
	f, err := k.opt.Assets.Open(clean)
	if err != nil {
		return nil, "no such picture beside the file"
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPictureBytes+1))
	if err != nil {
		return nil, "the picture cannot be read"
	}
	if len(data) > MaxPictureBytes {
		return nil, "the picture is larger than 1 MiB"
	}
	// The dimensions first, from the header, so that a picture that
	// declares more pixels than allowed is refused before they are
	// allocated; then the whole picture, so that its data is checked too,
	// not only its first bytes.
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case errors.Is(err, image.ErrFormat) || err == nil && !slices.Contains(pictureKinds, kind):
		return nil, "not a PNG, JPEG, GIF or WebP picture"
	case err != nil:
		return nil, "the picture is damaged: " + err.Error()
	case cfg.Width < 1 || cfg.Height < 1:
		return nil, "the picture is empty: it has no pixels"
	case cfg.Width > MaxPictureSide || cfg.Height > MaxPictureSide:
		return nil, fmt.Sprintf("the picture is %d×%d; at most %d×%d is allowed", cfg.Width, cfg.Height, MaxPictureSide, MaxPictureSide)
	}
	// A picture of 4096×4096 takes up to 128 MiB decoded: a few at a
	// time, however many rows are checked at once.
	k.opt.Pictures <- struct{}{}
	img, _, err := image.Decode(bytes.NewReader(data))
	<-k.opt.Pictures
	if err != nil {
		return nil, "the picture is damaged: " + err.Error()
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, fmt.Sprintf("the picture is damaged: its header says %d×%d, its data %d×%d", cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return &roster.Picture{Type: kind, Data: data}, ""
}
