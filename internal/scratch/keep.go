package scratch

import (
	"errors"
	"os"
	"path/filepath"
)

// NewBeside makes a file that will become path once it is complete (see
// Keep): it is in path's folder, so that it can be put in place without a
// copy, and it has no name there until then (on Linux; elsewhere a hidden
// name removed by Close), so that a run that fails or is killed leaves
// nothing under any name, not even a part of what it wrote.
func NewBeside(path string) (*File, error) {
	dir := filepath.Dir(path)
	if f := unnamed(dir); f != nil {
		return &File{File: f, dir: dir}, nil
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, named: true, dir: dir}, nil
}

// Keep syncs the file, gives it mode perm and puts it at path, replacing
// what is there at once: readers of path see the old file or the whole new
// one, never a part. The file stays open; Close it after.
func (f *File) Keep(path string, perm os.FileMode) error {
	if f.dir == "" {
		return errors.New("scratch: only a file made by NewBeside can be kept")
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	name := f.Name()
	if !f.named {
		// Give the file a hidden name for the instant before the rename:
		// a link cannot replace what is at path.
		var err error
		if name, err = link(f.File, f.dir); err != nil {
			return err
		}
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	f.named = false // its name is path now, which Close must not remove
	if d, err := os.Open(f.dir); err == nil {
		d.Sync() // the rename survives a crash
		d.Close()
	}
	return nil
}
