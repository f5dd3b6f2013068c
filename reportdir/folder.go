// Package reportdir keeps the report files of runs in folders on disk:
// made with mode 0700, files created new with mode 0600, never through a
// symbolic link, synced before they are said to be saved. The command line
// keeps each run's reports in a folder of its own; a server keeps each
// job's in the job's folder.
package reportdir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/provision"
)

// Folder is a provision.ReportSink that keeps a run's reports in a folder of their
// own, made (mode 0700) when the first report is created. Files are
// created new, with mode 0600, and never replace a file; neither they nor
// the folders Folder makes or enters are reached through a symbolic link,
// so that a link planted beside the reports cannot send passwords
// elsewhere. Saving a file syncs it and its folder; folders made are synced
// into their parents at once.
type Folder struct {
	base   string   // followed as given
	parts  []string // under base: made when missing, never symbolic links
	unique bool     // the last part is new: a taken name gets -2, -3, …

	parent *os.Root // the folder's parent, once made
	root   *os.Root // the folder
	dir    string   // the folder's path, as results name it
	made   bool     // the folder was made for this run
	live   int      // files created and not discarded
}

// New keeps reports in dir: a new folder, made with its missing
// parents, or an existing empty one (a folder that holds files is refused,
// so that no two runs' reports are ever mixed). dir itself must not be a
// symbolic link; the folders above it are taken as given.
func New(dir string) *Folder {
	dir = filepath.Clean(dir)
	return &Folder{base: filepath.Dir(dir), parts: []string{filepath.Base(dir)}}
}

// NewUnique keeps reports in a new folder at path under base, or
// path-2, path-3, … when that is taken: never one that exists. The folders
// of path are made when missing, and none may be a symbolic link.
func NewUnique(base, path string) *Folder {
	return &Folder{base: base, parts: strings.Split(filepath.ToSlash(filepath.Clean(path)), "/"), unique: true}
}

// Create makes a new report file in the folder, making the folder first.
func (f *Folder) Create(name string) (provision.ReportFile, error) {
	if f.root == nil {
		if err := f.open(); err != nil {
			return nil, err
		}
	}
	fh, err := f.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s already exists (or is a link): reports never replace a file", filepath.Join(f.dir, name))
		}
		return nil, fmt.Errorf("creating %s: %w", filepath.Join(f.dir, name), pathless(err))
	}
	f.live++
	return &folderFile{f: f, fh: fh, name: name}, nil
}

// Close releases the folder. Files not saved by then are left as they are.
func (f *Folder) Close() error {
	if f.root != nil {
		f.root.Close()
		f.parent.Close()
		f.root, f.parent = nil, nil
	}
	return nil
}

func (f *Folder) open() error {
	for _, p := range f.parts {
		if p == ".." || p == "" || filepath.IsAbs(p) {
			return fmt.Errorf("%s: a report folder must be a path below %s", filepath.Join(f.parts...), f.base)
		}
	}
	if err := os.MkdirAll(f.base, 0o700); err != nil {
		return fmt.Errorf("making the report folder: %w", err)
	}
	parent, err := os.OpenRoot(f.base)
	if err != nil {
		return fmt.Errorf("opening %s for the reports: %w", f.base, pathless(err))
	}
	dir := f.base
	last := len(f.parts) - 1
	for _, p := range f.parts[:last] {
		err := parent.Mkdir(p, 0o700)
		if err == nil {
			err = syncRoot(parent) // a folder made is kept, even after a crash
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			parent.Close()
			return fmt.Errorf("making %s: %w", filepath.Join(dir, p), pathless(err))
		}
		sub, err := enter(parent, dir, p)
		parent.Close()
		if err != nil {
			return err
		}
		parent, dir = sub, filepath.Join(dir, p)
	}
	name, made, err := f.makeLast(parent, dir)
	var root *os.Root
	if err == nil {
		root, err = enter(parent, dir, name)
	}
	if err == nil && !made {
		if err = mustBeEmpty(root, filepath.Join(dir, name)); err != nil {
			root.Close()
		}
	}
	if err != nil {
		parent.Close()
		return err
	}
	f.parent, f.root, f.dir, f.made = parent, root, filepath.Join(dir, name), made
	return nil
}

// makeLast makes the folder itself: a new name when unique, else the name
// given, which may exist already.
func (f *Folder) makeLast(parent *os.Root, dir string) (name string, made bool, err error) {
	last := f.parts[len(f.parts)-1]
	name = last
	for n := 2; ; n++ {
		err := parent.Mkdir(name, 0o700)
		if err == nil {
			err = syncRoot(parent)
		}
		switch {
		case err == nil:
			return name, true, nil
		case !errors.Is(err, fs.ErrExist):
			return "", false, fmt.Errorf("making the report folder %s: %w", filepath.Join(dir, name), pathless(err))
		case !f.unique:
			return name, false, nil
		case n > 10000:
			return "", false, fmt.Errorf("making the report folder: %s-2 to %s-%d are all taken", filepath.Join(dir, last), last, n-1)
		}
		name = last + "-" + strconv.Itoa(n)
	}
}

// enter opens the folder name of parent, refusing a symbolic link, and
// checks that what it opened is what it looked at.
func enter(parent *os.Root, dir, name string) (*os.Root, error) {
	path := filepath.Join(dir, name)
	fi, err := parent.Lstat(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathless(err))
	}
	if err := realFolder(fi, path); err != nil {
		return nil, err
	}
	r, err := parent.OpenRoot(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, pathless(err))
	}
	if st, err := r.Stat("."); err != nil || !os.SameFile(fi, st) {
		r.Close()
		return nil, fmt.Errorf("%s changed while it was opened", path)
	}
	return r, nil
}

// realFolder refuses what Lstat found when it is not a folder, or is a
// symbolic link to one.
func realFolder(fi fs.FileInfo, path string) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: reports are never written through one", path)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", path)
	}
	return nil
}

func mustBeEmpty(r *os.Root, path string) error {
	d, err := r.Open(".")
	if err != nil {
		return fmt.Errorf("%s: %w", path, pathless(err))
	}
	defer d.Close()
	return empty(d, path)
}

func empty(d *os.File, path string) error {
	names, err := d.Readdirnames(1)
	switch {
	case len(names) > 0:
		return fmt.Errorf("%s already holds files: name a new or empty folder, so that no report is mixed with another run's", path)
	case err != nil && !errors.Is(err, io.EOF):
		return fmt.Errorf("%s: %w", path, pathless(err))
	}
	return nil
}

// Check tells before a run whether a folder of New can take its reports, so
// that a person learns it before the work rather than after: the folder
// must not exist, or be an empty folder that is not a symbolic link. It
// makes nothing; Create checks again.
func (f *Folder) Check() error {
	if f.unique {
		return nil
	}
	path := filepath.Join(f.base, f.parts[0])
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", path, pathless(err))
	}
	if err := realFolder(fi, path); err != nil {
		return err
	}
	d, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, pathless(err))
	}
	defer d.Close()
	return empty(d, path)
}

// pathless drops the path from an error of the os package, since the
// messages above name the file as the person gave it.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func syncRoot(r *os.Root) error {
	d, err := r.Open(".")
	if err != nil {
		return pathless(err)
	}
	defer d.Close()
	return pathless(d.Sync())
}

// folderFile is a report file of a Folder.
type folderFile struct {
	f      *Folder
	fh     *os.File
	name   string
	closed bool
	gone   bool
}

func (ff *folderFile) Write(p []byte) (int, error) {
	n, err := ff.fh.Write(p)
	if err != nil {
		err = fmt.Errorf("writing %s: %w", filepath.Join(ff.f.dir, ff.name), pathless(err))
	}
	return n, err
}

func (ff *folderFile) Save() (string, error) {
	path := filepath.Join(ff.f.dir, ff.name)
	err := ff.fh.Sync()
	if cerr := ff.fh.Close(); err == nil {
		err = cerr
	}
	ff.closed = true
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, pathless(err))
	}
	if err := syncRoot(ff.f.root); err != nil {
		return "", fmt.Errorf("syncing %s: %w", ff.f.dir, err)
	}
	return path, nil
}

func (ff *folderFile) Discard() error {
	if ff.gone || ff.f.root == nil {
		return nil
	}
	ff.gone = true
	if !ff.closed {
		ff.fh.Close()
		ff.closed = true
	}
	err := ff.f.root.Remove(ff.name)
	ff.f.live--
	if ff.f.live == 0 && ff.f.made {
		ff.f.parent.Remove(filepath.Base(ff.f.dir)) // only when empty
	}
	return err
}
