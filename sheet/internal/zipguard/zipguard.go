// Package zipguard opens ZIP archives from outside the program without
// letting a zip bomb through: the sizes an archive declares are checked
// before anything is inflated, and every entry is read through a limit, so
// an archive that lies about its sizes fails too.
package zipguard

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
)

// Limits bound what an archive may inflate to.
type Limits struct {
	// MaxTotal is the largest sum of the entries' uncompressed sizes.
	MaxTotal int64
	// MaxRatio is the largest uncompressed/compressed ratio of an entry
	// bigger than RatioFloor. Ordinary spreadsheet XML compresses 10 to 30
	// times; bombs compress a thousand times and more.
	MaxRatio int64
	// RatioFloor is the size under which the ratio is not checked, since
	// tiny entries of repeated text compress very well and harm nobody.
	RatioFloor int64
}

// DefaultLimits are generous for any real user list (a million rows of XLSX
// inflate to a few hundred MiB) and refuse bombs at once.
var DefaultLimits = Limits{MaxTotal: 2 << 30, MaxRatio: 200, RatioFloor: 8 << 20}

// ErrBomb is wrapped by every error this package returns for an archive that
// exceeds the limits.
var ErrBomb = errors.New("the archive inflates beyond the allowed size (a zip bomb?)")

// Open reads the archive's directory and checks its declared sizes.
func Open(r io.ReaderAt, size int64, lim Limits) (*zip.Reader, error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a readable ZIP archive: %w", err)
	}
	var total uint64
	for _, f := range zr.File {
		if err := lim.check(f); err != nil {
			return nil, err
		}
		// Compared before adding, so that a declared size near 2^64 cannot
		// wrap the total around.
		if f.UncompressedSize64 > uint64(lim.MaxTotal)-total {
			return nil, fmt.Errorf("%w: more than %d MiB in all", ErrBomb, lim.MaxTotal>>20)
		}
		total += f.UncompressedSize64
	}
	return zr, nil
}

// OpenEntry opens one entry, reading at most max bytes of it (0: the limit
// of the whole archive). Reading past that fails with ErrBomb.
func OpenEntry(f *zip.File, max int64) (io.ReadCloser, error) {
	if max <= 0 {
		max = DefaultLimits.MaxTotal
	}
	if f.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("%s: %w: %d MiB, the limit is %d MiB", f.Name, ErrBomb, f.UncompressedSize64>>20, max>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return &limited{rc: rc, left: max, name: f.Name}, nil
}

func (lim Limits) withDefaults() Limits {
	if lim.MaxTotal <= 0 {
		lim.MaxTotal = DefaultLimits.MaxTotal
	}
	if lim.MaxRatio <= 0 {
		lim.MaxRatio = DefaultLimits.MaxRatio
	}
	if lim.RatioFloor <= 0 {
		lim.RatioFloor = DefaultLimits.RatioFloor
	}
	return lim
}

func (lim Limits) check(f *zip.File) error {
	u, c := f.UncompressedSize64, f.CompressedSize64
	if u <= uint64(lim.RatioFloor) {
		return nil
	}
	if c == 0 || u/c > uint64(lim.MaxRatio) {
		return fmt.Errorf("%s: %w: %d MiB compressed %d times", f.Name, ErrBomb, u>>20, u/max(c, 1))
	}
	return nil
}

// limited stops an entry that inflates beyond what it may.
type limited struct {
	rc   io.ReadCloser
	left int64
	name string
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// At the limit: only the end of the entry is acceptable.
		var one [1]byte
		if n, err := l.rc.Read(one[:]); n == 0 && err != nil {
			return 0, l.wrap(err)
		}
		return 0, fmt.Errorf("%s: %w", l.name, ErrBomb)
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, l.wrap(err)
}

// wrap marks zip.ErrFormat, which is archive/zip's word for an entry that
// inflates beyond the size the archive declares for it, as a bomb: that
// archive lied to pass the checks of Open.
func (l *limited) wrap(err error) error {
	if errors.Is(err, zip.ErrFormat) {
		return fmt.Errorf("%s: %w: it inflates to more than the archive says (%w)", l.name, ErrBomb, err)
	}
	return err
}

func (l *limited) Close() error { return l.rc.Close() }
