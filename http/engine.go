package http

import (
	"archive/zip"
	"bytes"
	"context"
	"io"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/scratch"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// The engine's operations that the directory's resources use, all in this
// file: one user is checked and written as one row of a file, through the
// import and the update themselves, so that it meets the same checks and
// rules as a row of any file.

// pictureName is the file of a row's picture in its bundle.
const pictureName = "picture"

// runRow imports (or, with update, updates by uuid) the user of one row of
// cells under the columns of the fields, with a picture when the avatar
// column names it. It returns the result and the uuid of the row's user.
func runRow(ctx context.Context, dir roster.Directory, update bool, fields []field, picture []byte) (*roster.Result, string, error) {
	header, cells := make([]string, len(fields)), make([]string, len(fields))
	for i, f := range fields {
		header[i], cells[i] = f.col.Name, f.cell
	}
	src, err := rowSource(header, cells, picture)
	if err != nil {
		return nil, "", err
	}
	var id string
	opt := provision.Options{
		// The file is ours: nothing about it is left to guess.
		Sheet: sheet.Options{Format: sheet.ZIP, Separator: ',', Encoding: "utf-8"},
		Step:  func(s roster.Step) { id = s.UUID },
	}
	run := provision.Import
	if update {
		opt.Key, run = "uuid", provision.Update
	}
	res, err := run(ctx, dir, src, opt)
	return res, id, err
}

// rowSource makes a header and one row the CSV of a ZIP bundle, with the
// picture beside it, in memory: the engine reads sources, and one in memory
// leaves nothing on disk (the row may hold a password).
func rowSource(header, cells []string, picture []byte) (*sheet.Source, error) {
	var b bytes.Buffer
	if err := writeBundle(&b, header, cells, picture); err != nil {
		return nil, err
	}
	return sheet.NewSource("user.zip", bytes.NewReader(b.Bytes()), int64(b.Len()), nil), nil
}

func writeBundle(w io.Writer, header, cells []string, picture []byte) error {
	z := zip.NewWriter(w)
	sw, err := z.Create("user.csv")
	if err != nil {
		return err
	}
	// Written as export writes CSV, whose cells the reader reads back as
	// they were (a leading = or + included).
	cw, err := sheet.NewWriter(sw, sheet.CSV, sheet.WriteOptions{EscapeFormulas: true})
	if err != nil {
		return err
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.Write(cells); err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return err
	}
	if picture != nil {
		pw, err := z.CreateHeader(&zip.FileHeader{Name: pictureName, Method: zip.Store})
		if err != nil {
			return err
		}
		if _, err := pw.Write(picture); err != nil {
			return err
		}
	}
	return z.Close()
}

// change plans a change with the engine and writes it, or with dryRun
// only plans it. Its plan's write transaction is always given back.
func change(ctx context.Context, dryRun bool, plan func() (*provision.Pending, error)) (*roster.Result, error) {
	p, err := plan()
	if err != nil {
		return nil, err
	}
	defer p.Release()
	if dryRun {
		p.Release()
		p.Result.DryRun = true
		return p.Result, nil
	}
	if err := p.Apply(ctx); err != nil {
		return nil, err
	}
	return p.Result, nil
}

func deleteUsers(ctx context.Context, dir roster.Directory, refs []provision.Ref, dryRun bool) (*roster.Result, error) {
	return change(ctx, dryRun, func() (*provision.Pending, error) { return provision.DeleteUsers(ctx, dir, refs) })
}

func changeMembers(ctx context.Context, dir roster.Directory, kind, action, tenant, name string, refs []provision.Ref, create, dryRun bool) (*roster.Result, error) {
	return change(ctx, dryRun, func() (*provision.Pending, error) {
		return provision.ChangeMembers(ctx, dir, kind, action, tenant, name, refs, create)
	})
}

func deleteSet(ctx context.Context, dir roster.Directory, kind, tenant, name string) (*roster.Result, error) {
	return change(ctx, false, func() (*provision.Pending, error) {
		return provision.DeleteSets(ctx, dir, kind, tenant, []string{name})
	})
}

func members(ctx context.Context, dir roster.Directory, kind, tenant, name string) ([]*roster.User, error) {
	return provision.Members(ctx, dir, kind, tenant, name)
}

func export(ctx context.Context, dir roster.Directory, w io.Writer, format sheet.Format, tenant string, secrets bool) error {
	_, err := provision.Export(ctx, dir, w, provision.ExportOptions{Format: format, Tenant: tenant, Secrets: secrets})
	return err
}

// readRefsFile reads the user references of a file (a sheet, or one per line).
func readRefsFile(f *scratch.File, format sheet.Format) ([]provision.Ref, error) {
	src, err := sheet.FileSource("users", f.File)
	if err != nil {
		return nil, err
	}
	return provision.ReadRefs(src, sheet.Options{Format: format})
}
