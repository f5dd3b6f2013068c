package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
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
			// Write beside the target and rename, so that a failed export
			// never leaves half a file under the name asked for.
			tmp, err := os.CreateTemp(filepath.Dir(out), ".roster-export-*")
			if err != nil {
				return notWritable(out, err)
			}
			defer os.Remove(tmp.Name())
			mode := os.FileMode(0o644)
			if secrets {
				mode = 0o600
			}
			w := bufio.NewWriter(tmp)
			n, err := provision.Export(c.Context(), db, w, opt)
			if err == nil {
				err = w.Flush()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Chmod(tmp.Name(), mode)
			}
			if err == nil {
				if err = os.Rename(tmp.Name(), out); err != nil {
					err = notWritable(out, err)
				}
			}
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
