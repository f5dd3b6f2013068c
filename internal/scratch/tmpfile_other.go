//go:build !linux

package scratch

import (
	"errors"
	"os"
)

// unnamed returns nil: only Linux opens a file without a name.
func unnamed(string) *os.File { return nil }

// link is never called where files always have a name.
func link(*os.File, string) (string, error) { return "", errors.New("scratch: no unnamed files here") }
