package scratch

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"

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

// link gives an unnamed file a new hidden name in dir and returns it.
// Linking through /proc needs no privilege, where AT_EMPTY_PATH does.
func link(f *os.File, dir string) (string, error) {
	b := make([]byte, 8)
	rand.Read(b)
	name := filepath.Join(dir, ".roster-"+hex.EncodeToString(b))
	err := unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), unix.AT_FDCWD, name, unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return "", &os.LinkError{Op: "link", Old: f.Name(), New: name, Err: err}
	}
	return name, nil
}
