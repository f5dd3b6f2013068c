package scratch

import (
	"os"

	"golang.org/x/sys/unix"
)

// unnamed opens a file in dir that never has a name (O_TMPFILE), so that no
// moment exists at which a kill could leave it behind. It returns nil where
// the file system does not support it.
func unnamed(dir string) *os.File {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(fd), dir)
}
