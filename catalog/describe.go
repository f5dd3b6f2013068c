package catalog

import (
	"fmt"
	"strings"
)

// Describe writes a column's type and its bounds in a few words.
func (c *Column) Describe() string {
	switch c.Type {
	case Text:
		switch {
		case c.Min > 0:
			return fmt.Sprintf("text, %d–%d characters", c.Min, c.Max)
		case c.Max > 0:
			return fmt.Sprintf("text, at most %d characters", c.Max)
		}
		return "text"
	case Int:
		s := fmt.Sprintf("whole number %d–%d", c.Min, c.Max)
		if c.Step > 1 {
			s += fmt.Sprintf(", multiple of %d", c.Step)
		}
		return s
	case Digits:
		if c.Min == c.Max {
			return fmt.Sprintf("%d digits", c.Min)
		}
		return fmt.Sprintf("digits, %d–%d", c.Min, c.Max)
	case Enum:
		return "one of " + strings.Join(c.Values, ", ")
	case Bool:
		return "1 or 0 (true/false, yes/no)"
	case List:
		if c.Kind != "" {
			return fmt.Sprintf("list of existing %ss, separated by %q", strings.ReplaceAll(c.Kind, "_", " "), c.Sep)
		}
		return fmt.Sprintf("list separated by %q", c.Sep)
	case Ref:
		return "name or id of an existing " + strings.ReplaceAll(c.Kind, "_", " ")
	}
	return c.Type.String()
}

// Requirement says in words when the column must have a value.
func (c *Column) Requirement() string {
	switch {
	case c.Name == "firstname":
		return "yes, unless display_name or username has a value"
	case c.Required && c.Resource == User:
		return "yes"
	case c.Required:
		return "yes, for a " + strings.ReplaceAll(c.Resource, "_", " ")
	}
	return "no"
}
