//go:build unix

package seal

import (
	"os"
	"syscall"
)

// noFollow makes opening a link fail instead of opening what it points to.
const noFollow = syscall.O_NOFOLLOW

// syncDir makes the names in a folder durable, a new file's among them.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
