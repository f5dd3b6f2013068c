package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
)

// userJSON is a user as the API shows it: the catalogue's columns as keys,
// in export order; booleans and integers as JSON's, the set-valued columns
// as arrays, an empty value as null, and avatar as the address of the
// picture. Secrets only when asked for.
type userJSON struct {
	u       *roster.User
	secrets bool
}

func (j userJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range provision.ExportColumns(j.secrets, true) {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(c.Name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(jsonValue(c, j.u))
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// jsonValue is a column's value for a user, as the user object holds it.
func jsonValue(c *catalog.Column, u *roster.User) any {
	if c.Name == "avatar" {
		if u.Avatar == nil {
			return nil
		}
		return avatarPath(u)
	}
	v := c.Get(u)
	switch {
	case c.Type == catalog.List:
		if v == "" {
			return []string{}
		}
		return strings.Split(v, c.Sep)
	case v == "":
		return nil
	case c.Type == catalog.Bool:
		return v == "1"
	case c.Type == catalog.Int:
		return json.Number(v)
	}
	return v
}

func avatarPath(u *roster.User) string { return "/api/v1/users/" + u.UUID + "/avatar" }

// userSchemaName is the user object's name among the document's schemas.
const userSchemaName = "User"

// Schema describes the user object once, among the document's schemas, and
// refers to it wherever a user object is.
func (userJSON) Schema(r huma.Registry) *huma.Schema {
	if _, ok := r.Map()[userSchemaName]; !ok {
		r.Map()[userSchemaName] = userSchema()
	}
	return &huma.Schema{Ref: "#/components/schemas/" + userSchemaName}
}

func userSchema() *huma.Schema {
	s := &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{}, AdditionalProperties: false,
		Description: "A user: the columns of the catalogue (GET /api/v1/columns) as keys. Booleans and integers are JSON's, " +
			"groups, rooms, call_permissions, skill_groups and tags arrays of names, no value is null. " +
			"Secret columns are shown only with with_secrets=true (scope secrets:read); password never. " +
			"In a request every key is optional: in a PATCH (JSON merge patch), an absent key is left as it is and null clears."}
	for _, c := range catalog.ExportOrder() {
		p := &huma.Schema{Type: "string", Nullable: true, Description: c.Describe()}
		if c.Doc != "" {
			p.Description += "; " + c.Doc
		}
		switch c.Type {
		case catalog.Bool:
			p.Type = "boolean"
		case catalog.Int:
			p.Type = "integer"
		case catalog.List:
			p.Type, p.Nullable, p.Items = "array", false, &huma.Schema{Type: "string"}
		}
		switch {
		case c.Name == "avatar":
			p.ReadOnly, p.Description = true, "The address of the user's picture (GET, PUT and DELETE it there); null without one."
		case c.Secret:
			p.Description += " Secret: shown only with with_secrets=true."
		}
		s.Properties[c.Name] = p
	}
	s.Properties["password"] = &huma.Schema{Type: "string", Nullable: true, WriteOnly: true,
		Description: catalog.Lookup("password").Describe() + "; stored only as a hash, never shown."}
	return s
}

// field is one key of a user object, as a cell of the row the engine reads.
type field struct {
	col  *catalog.Column
	cell string
}

// maxShown bounds a value quoted back in a problem.
const maxShown = 64

// parseUser reads a user object or a JSON merge patch of one (RFC 7396): a
// JSON object whose keys are column names. A string is the cell as a file
// would hold it; a number is the cell written as the number; true and
// false are 1 and 0 in a boolean column; an array of strings is the items
// of a set-valued column; null is no value (in a patch: clear it). It
// returns the fields in catalogue order and the problems of keys and values
// that cannot be cells, or an error when the body is not such an object at
// all (a key twice included: which one would be meant?).
func parseUser(body []byte) ([]field, []roster.Problem, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	notObject := roster.Errorf(roster.EINVALID, "the body is not a JSON object of a user (keys are column names, as GET /api/v1/columns lists them)")
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, notObject
	}
	byCol := map[*catalog.Column]string{}
	seen := map[string]bool{}
	var problems []roster.Problem
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, notObject
		}
		key := tok.(string) // an object's keys are strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, notObject
		}
		if seen[key] {
			return nil, nil, roster.Errorf(roster.EINVALID, "the key %.64q is in the object twice", key)
		}
		seen[key] = true
		c := catalog.Lookup(key)
		if c == nil || c.Name != key {
			problems = append(problems, unknownKey(key, c))
			continue
		}
		cell, msg := cellOf(c, raw)
		if msg != "" {
			problems = append(problems, roster.Problem{Column: c.Name, Value: shown(c, string(raw)), Message: msg})
			continue
		}
		byCol[c] = cell
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, notObject
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, roster.Errorf(roster.EINVALID, "the body holds more than one JSON value")
	}
	var fields []field
	for _, c := range catalog.Columns {
		if cell, ok := byCol[c]; ok {
			fields = append(fields, field{c, cell})
		}
	}
	return fields, problems, nil
}

func unknownKey(key string, alias *catalog.Column) roster.Problem {
	p := roster.Problem{Column: cut(key), Message: "is not a column of the catalogue"}
	switch {
	case alias != nil:
		p.Message = "is another name of the column " + alias.Name + ": user objects use the columns' own names"
	case catalog.Hint(key) != "":
		p.Message += "; did you mean " + catalog.Hint(key) + "?"
	}
	return p
}

// cellOf turns a JSON value into a cell of a column, or says why it cannot.
func cellOf(c *catalog.Column, raw json.RawMessage) (cell, problem string) {
	switch raw[0] {
	case 'n':
		return "", ""
	case '"':
		if c.Type == catalog.List {
			return "", "must be an array of names"
		}
		var s string
		json.Unmarshal(raw, &s)
		if strings.ContainsRune(s, 0) {
			// Not even a file could hold it: a sheet with a NUL is no text.
			return "", "contains the character U+0000, which no value may hold"
		}
		return s, ""
	case 't', 'f':
		if c.Type != catalog.Bool {
			return "", "must be a string, not true or false"
		}
		if raw[0] == 't' {
			return "1", ""
		}
		return "0", ""
	case '[':
		if c.Type != catalog.List {
			return "", "must be a single value, not an array"
		}
		var items []string
		if err := json.Unmarshal(raw, &items); err != nil {
			return "", "must be an array of strings"
		}
		for _, item := range items {
			// An item is a name: the separator would make it two.
			if strings.Contains(item, c.Sep) {
				return "", fmt.Sprintf("an item may not hold %q, which separates the items of %s in a file", c.Sep, c.Name)
			}
		}
		return strings.Join(items, c.Sep), ""
	case '{':
		return "", "must be a single value, not an object"
	}
	if c.Type == catalog.List {
		return "", "must be an array of strings"
	}
	return string(raw), "" // a number, as written
}

// shown is a value as a problem may quote it: never a secret.
func shown(c *catalog.Column, v string) string {
	if c.Secret {
		return "***"
	}
	return cut(v)
}

func cut(s string) string {
	if r := []rune(s); len(r) > maxShown {
		return string(r[:maxShown]) + "…"
	}
	return s
}

// rowProblems is the 422 answer of a user object whose values fail: the
// row problems, without the row of the file they were checked in.
func rowProblems(detail string, problems []roster.Problem) *Problem {
	p := problem(http.StatusUnprocessableEntity, detail)
	p.Type = "urn:roster:problem:" + roster.EINVALID
	for _, pr := range problems {
		pr.Row = 0
		p.Errors = append(p.Errors, pr)
	}
	return p
}

// cursorText is a page's next cursor as the answer shows it.
func cursorText(c *roster.Cursor) *string {
	if c == nil {
		return nil
	}
	s := c.String()
	return &s
}
