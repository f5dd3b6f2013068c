package sheet

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/roster-dev/roster/internal/scratch"
	"github.com/roster-dev/roster/sheet/internal/zipguard"
)

// sheetExts are the names a sheet file may have inside a bundle.
var sheetExts = map[string]bool{".csv": true, ".tsv": true, ".tab": true, ".txt": true, ".xlsx": true, ".xls": true, ".ods": true}

// openBundle reads a ZIP that holds one sheet file and the pictures it
// names. The sheet is at the top level, or inside the one folder that holds
// everything, as "Compress folder" in a file manager makes it.
func openBundle(f *File, r io.ReaderAt, size int64, opt Options) error {
	zr, err := zipguard.Open(r, size, opt.Limits.zip())
	if err != nil {
		return err
	}
	root := commonFolder(zr.File)
	var found []*zip.File
	for _, zf := range zr.File {
		name := strings.TrimPrefix(zf.Name, root)
		if strings.Contains(name, "/") || strings.HasPrefix(name, ".") || !sheetExts[strings.ToLower(path.Ext(name))] {
			continue
		}
		found = append(found, zf)
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("the ZIP holds no sheet file (.csv, .tsv, .xlsx, .xls or .ods) at its top level")
	case 1:
	default:
		names := make([]string, len(found))
		for i, zf := range found {
			names[i] = zf.Name
		}
		return fmt.Errorf("the ZIP holds several sheet files (%s); keep only one", strings.Join(names, ", "))
	}
	tmp, err := extract(found[0], opt.Limits.MaxUnzipped, opt.TempDir)
	if err != nil {
		return err
	}
	st, err := tmp.Stat()
	if err != nil {
		tmp.Close()
		return err
	}
	// A sheet file that is a ZIP would be opened as a bundle in turn, for
	// as many levels as it holds; a ZIP quine holds itself for ever.
	if opt.Format = Detect(tmp, st.Size(), found[0].Name); opt.Format == ZIP {
		tmp.Close()
		return fmt.Errorf("%s is a ZIP archive, not a sheet file", found[0].Name)
	}
	inner, err := OpenReader(tmp, st.Size(), found[0].Name, opt)
	if err != nil {
		tmp.Close()
		return err
	}
	f.Format = inner.Format
	f.Separator, f.Encoding = inner.Separator, inner.Encoding
	f.src = inner.src
	f.closers = append(f.closers, tmp)
	f.Assets = zr
	if root != "" {
		f.Assets, _ = fs.Sub(zr, strings.TrimSuffix(root, "/"))
	}
	return nil
}

// commonFolder returns "dir/" when every entry of the archive is inside dir.
func commonFolder(files []*zip.File) string {
	root := ""
	for i, zf := range files {
		if strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		dir, _, ok := strings.Cut(zf.Name, "/")
		if !ok {
			return ""
		}
		if i > 0 && root != "" && dir+"/" != root {
			return ""
		}
		root = dir + "/"
	}
	return root
}

// extract copies an entry into a temporary file, since XLSX, XLS and ODS
// readers need random access. The file has no name (the sheet may hold
// passwords, which must not outlive a killed process) and is gone on Close.
func extract(zf *zip.File, max int64, dir string) (*scratch.File, error) {
	rc, err := zipguard.OpenEntry(zf, max)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	t, err := scratch.NewIn(dir, "roster-sheet-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(t, rc); err != nil {
		t.Close()
		return nil, fmt.Errorf("%s: %w", zf.Name, err)
	}
	return t, nil
}
