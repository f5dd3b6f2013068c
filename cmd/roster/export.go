package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/internal/scratch"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

func (a *app) exportCmd() *cobra.Command {
	var out, format, tenant string
	var secrets bool
	c := &cobra.Command{
		Use:   "export [-o FILE]",
		Short: "Write every user to CSV, XLSX, ODS or a ZIP with pictures",
		Long: `Write every user with the columns of the catalogue, sorted by tenant, lastname, firstname and
uuid. The file imports back as it is, and "roster update" of it changes nothing. Secrets (password
hashes, SIP secrets, voicemail passwords) are left out unless --with-secrets is given.`,
		Example: `  roster export -o users.xlsx
  roster export --with-secrets -o backup.zip
  roster export | grep @example.com`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			f := sheet.CSV
			if out != "" && out != "-" {
				if ext := strings.TrimPrefix(filepath.Ext(out), "."); ext != "" {
					if parsed, err := sheet.ParseFormat(ext); err == nil {
						f = parsed
					}
				}
			}
			if format != "" {
				parsed, err := sheet.ParseFormat(format)
				if err != nil || parsed == sheet.XLS {
					return roster.Errorf(roster.EINVALID, "--format must be csv, tsv, xlsx, ods or zip")
				}
				f = parsed
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			opt := provision.ExportOptions{Format: f, Tenant: tenant, Secrets: secrets}
			if out == "" || out == "-" {
				w := bufio.NewWriter(a.stdout)
				if _, err := provision.Export(c.Context(), db, w, opt); err != nil {
					return err
				}
				return w.Flush()
			}
			mode := os.FileMode(0o644)
			if secrets {
				mode = 0o600
			}
			var n int
			err = writeOutput(out, mode, func(w io.Writer) (err error) {
				n, err = provision.Export(c.Context(), db, w, opt)
				return err
			})
			if err != nil {
				return err
			}
			printf(a.stderr, "Exported %s to %s.\n", count(n, "user"), out)
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "the file to write; - or none for standard output")
	c.Flags().StringVar(&format, "format", "", "csv, tsv, xlsx, ods or zip (default: from the file's extension, else csv)")
	c.Flags().StringVar(&tenant, "tenant", "", "export only this tenant's users")
	c.Flags().BoolVar(&secrets, "with-secrets", false, "include password hashes, SIP secrets and other secrets")
	c.RegisterFlagCompletionFunc("format", fixed("csv", "tsv", "xlsx", "ods", "zip"))
	return c
}

// writeOutput writes the file a person named with fn. A regular file (new or
// not) is written beside its place without a name and put there whole once
// written and synced, so that a failed or killed export never leaves half a
// file, nor a copy of its secrets, under any name. A device or a pipe
// (/dev/stdout, a FIFO, or a link to one) is written as it is: putting a
// file in its place would replace the device. A link to a regular file is
// replaced, never written through.
func writeOutput(path string, mode os.FileMode, fn func(io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return roster.Errorf(roster.EINVALID, "cannot write %s: it is a folder", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return notWritable(path, err)
		}
		w := bufio.NewWriter(f)
		err = fn(w)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	f, err := scratch.NewBeside(path)
	if err != nil {
		return notWritable(path, err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	if err := fn(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return notWritable(path, err)
	}
	if err := f.Keep(path, mode); err != nil {
		return notWritable(path, err)
	}
	return nil
}
