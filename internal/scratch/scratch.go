// Package scratch makes temporary files that leave nothing behind: on Linux
// each is made without a name (O_TMPFILE), elsewhere it is removed from its
// folder as soon as it is made, and it lives on only through its open
// descriptor. A process killed with SIGKILL cannot remove its
// temporary files, and those that roster makes hold what people send it
// (user sheets with passwords) or what it would print.
package scratch

import (
	"os"
	"runtime"
	"strconv"
)

// File is a temporary file with no name in any folder.
type File struct {
	*os.File
	named bool   // it has a name to remove on Close: the system refused to remove it while open (Windows), or NewBeside's fallback
	dir   string // the folder of NewBeside's target
}

// New makes a temporary file in the system's temporary folder and removes
// its name at once; pattern is as for os.CreateTemp. The file is gone when
// it is closed, or when the process ends in any way.
func New(pattern string) (*File, error) {
	return NewIn("", pattern)
}

// NewIn is New in the folder dir ("": the system's temporary folder), for
// a caller whose files must stay in a folder of its own.
func NewIn(dir, pattern string) (*File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if f := unnamed(dir); f != nil {
		return &File{File: f}, nil
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	// Nothing has been written yet: a kill before this line leaves an empty
	// file at worst.
	return &File{File: f, named: os.Remove(f.Name()) != nil}, nil
}

// Path returns a path that opens the file again, while it is open, for
// readers that take a path.
func (f *File) Path() string {
	fd := strconv.Itoa(int(f.Fd()))
	switch {
	case f.named:
		return f.Name()
	case runtime.GOOS == "linux":
		return "/proc/self/fd/" + fd
	default:
		return "/dev/fd/" + fd
	}
}

// Close closes the file, which removes it.
func (f *File) Close() error {
	err := f.File.Close()
	if f.named {
		os.Remove(f.Name())
	}
	return err
}
