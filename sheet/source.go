package sheet

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Source is a file to read, wherever its bytes are: a file on disk, an
// upload kept by a server, a copy of standard input. It can be opened any
// number of times, also at once: readers only read at offsets.
type Source struct {
	// Name is the file's name as results and messages give it; its
	// extension tells the format when the content does not.
	Name string
	// Data holds the file's Size bytes.
	Data io.ReaderAt
	Size int64
	// Assets holds the pictures that cells may name, relative to the
	// file; nil when there are none. A ZIP bundle brings its own.
	Assets fs.FS

	closers []io.Closer
}

// OpenSource opens the file at path as a source, its folder holding the
// pictures it names. Close releases it.
func OpenSource(path string) (*Source, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	src, err := FileSource(path, fh)
	if err != nil {
		return nil, err
	}
	// An os.Root, unlike os.DirFS, refuses symbolic links that lead out
	// of the folder.
	if root, err := os.OpenRoot(filepath.Dir(path)); err == nil {
		src.Assets = root.FS()
		src.closers = append(src.closers, root)
	}
	return src, nil
}

// FileSource returns an open file as a source named name, without
// pictures; Close closes the file. On error, the file is closed.
func FileSource(name string, fh *os.File) (*Source, error) {
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	if st.IsDir() {
		fh.Close()
		return nil, fmt.Errorf("%s is a folder, not a file", name)
	}
	return &Source{Name: name, Data: fh, Size: st.Size(), closers: []io.Closer{fh}}, nil
}

// NewSource returns a source of size bytes read from data. Close closes
// the closers given, which release data.
func NewSource(name string, data io.ReaderAt, size int64, assets fs.FS, closers ...io.Closer) *Source {
	return &Source{Name: name, Data: data, Size: size, Assets: assets, closers: closers}
}

// Open reads the source as a sheet.
func (s *Source) Open(opt Options) (*File, error) {
	f, err := OpenReader(s.Data, s.Size, s.Name, opt)
	if err != nil {
		return nil, err
	}
	if f.Assets == nil {
		f.Assets = s.Assets
	}
	return f, nil
}

// Close releases what OpenSource opened; a source made by its caller has
// nothing to release.
func (s *Source) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c.Close())
	}
	s.closers = nil
	return errors.Join(errs...)
}
