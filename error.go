package roster

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes of application errors. They map to exit statuses and, later,
// to HTTP statuses.
const (
	EINVALID    = "invalid"    // the input or the command is wrong
	ECONFLICT   = "conflict"   // the directory holds something in the way
	ENOTFOUND   = "not_found"  // a referenced object does not exist
	EUNREADABLE = "unreadable" // a file could not be read
	EUNWRITABLE = "unwritable" // a file could not be written
	EINTERNAL   = "internal"   // a bug or a failure of the machine
)

// Error is an application error: something a person can act on, with a
// message in plain language.
type Error struct {
	Code    string
	Message string
	// Option, when set, is the option of a run that the error is about,
	// named in snake case (mode, on_existing, map); Message goes on from
	// its name ("must be atomic or partial"). Each caller names options its
	// own way: see Wording.
	Option string
	// Hint, when set, is an option that would avoid the error.
	Hint *Hint
}

// Error words the error with the options' own names; callers that take
// options under other names use Words.
func (e *Error) Error() string { return e.Words(nil) }

// Words returns the message with its option and hint named as w names
// them (nil: by their own names).
func (e *Error) Words(w Wording) string {
	if w == nil {
		w = OwnWords
	}
	msg := e.Message
	if e.Option != "" {
		msg = w(e.Option, nil) + " " + msg
	}
	return msg + e.Hint.words(w)
}

// Errorf returns an application error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// OptionErrorf returns an invalid-input error about an option of a run;
// the message goes on from the option's name.
func OptionErrorf(option, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Option: option, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, and EINTERNAL for any
// other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an application error, and "Internal
// error." for any other, whose details are for the log, not for the user.
func ErrorMessage(err error) string {
	return ErrorWords(err, nil)
}

// ErrorWords is ErrorMessage with the options named as w names them.
func ErrorWords(err error, w Wording) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Words(w)
	}
	if err == nil {
		return ""
	}
	return "Internal error."
}

// Hint names an option of a run that would avoid a problem or an error.
// The engine does not word it: the command line names its flag ("use
// --on-existing skip or update"), the API its parameter ("use
// on_existing=skip or update").
type Hint struct {
	// Option is the option's name in snake case: on_existing, generate,
	// key, sheet, create, encoding.
	Option string
	// Values are the values to give it; none for an option whose value is
	// the person's to choose.
	Values []string
	// Purpose, when set, says what giving it does ("to find them
	// otherwise").
	Purpose string
}

func (h *Hint) words(w Wording) string {
	if h == nil {
		return ""
	}
	s := " (use " + w(h.Option, h.Values)
	if h.Purpose != "" {
		s += " " + h.Purpose
	}
	return s + ")"
}

// Wording names an option of a run the way a caller takes it, with the
// values to give it (none when the option is only named): the command
// line as a flag ("--on-existing skip or update"), the API as a parameter
// ("on_existing=skip or update").
type Wording func(option string, values []string) string

// OwnWords names options by their own names: "on_existing skip or update".
func OwnWords(option string, values []string) string {
	if len(values) == 0 {
		return option
	}
	return option + " " + strings.Join(values, " or ")
}
