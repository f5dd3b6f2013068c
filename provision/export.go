package provision

import (
	"archive/zip"
	"context"
	"io"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// ExportOptions shape an export.
type ExportOptions struct {
	// Format is csv, tsv, xlsx, ods or zip (users.csv and avatars/).
	Format sheet.Format
	// Tenant limits the export to one tenant.
	Tenant string
	// Secrets includes password hashes, SIP secrets and other secrets.
	Secrets bool
}

// ExportColumns are the columns an export writes, in catalogue order.
func ExportColumns(secrets, avatars bool) []*catalog.Column {
	var cols []*catalog.Column
	for _, c := range catalog.ExportOrder() {
		if c.Exported(secrets, avatars) {
			cols = append(cols, c)
		}
	}
	return cols
}

// Export writes every user to w, sorted by tenant, lastname, firstname and
// uuid, and returns how many it wrote.
func Export(ctx context.Context, dir roster.Directory, w io.Writer, opt ExportOptions) (int, error) {
	if opt.Format == sheet.ZIP {
		return exportZIP(ctx, dir, w, opt)
	}
	return exportSheet(ctx, dir, w, opt.Format, opt, false)
}

func exportSheet(ctx context.Context, dir roster.Directory, w io.Writer, format sheet.Format, opt ExportOptions, avatars bool) (int, error) {
	cols := ExportColumns(opt.Secrets, avatars)
	sw, err := sheet.NewWriter(w, format, sheet.WriteOptions{EscapeFormulas: true})
	if err != nil {
		return 0, err
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := sw.Write(header); err != nil {
		return 0, err
	}
	row := make([]string, len(cols))
	n := 0
	err = dir.Export(ctx, opt.Tenant, opt.Secrets, func(u *roster.User) error {
		for i, c := range cols {
			row[i] = c.Get(u)
		}
		n++
		return sw.Write(row)
	})
	if err != nil {
		return n, err
	}
	return n, sw.Close()
}

// exportZIP writes users.csv, whose avatar column names the pictures, and
// the pictures under avatars/.
func exportZIP(ctx context.Context, dir roster.Directory, w io.Writer, opt ExportOptions) (int, error) {
	z := zip.NewWriter(w)
	f, err := z.Create("users.csv")
	if err != nil {
		return 0, err
	}
	n, err := exportSheet(ctx, dir, f, sheet.CSV, opt, true)
	if err != nil {
		return n, err
	}
	avatar := catalog.Lookup("avatar")
	err = dir.Export(ctx, opt.Tenant, false, func(u *roster.User) error {
		if u.Avatar == nil {
			return nil
		}
		pw, err := z.CreateHeader(&zip.FileHeader{Name: avatar.Get(u), Method: zip.Store})
		if err != nil {
			return err
		}
		_, err = pw.Write(u.Avatar.Data)
		return err
	})
	if err != nil {
		return n, err
	}
	return n, z.Close()
}
