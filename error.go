package roster

import (
	"errors"
	"fmt"
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
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an application error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
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
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "Internal error."
}
