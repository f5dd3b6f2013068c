package main

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sample"
	"github.com/roster-dev/roster/setupfile"
	"github.com/roster-dev/roster/sheet"
)

// outputFormat tells the format to write from a file name, CSV by default.
func outputFormat(path, flag string, allowed ...sheet.Format) (sheet.Format, error) {
	name := flag
	if name == "" {
		name = strings.TrimPrefix(filepath.Ext(path), ".")
	}
	if name == "" || path == "-" && flag == "" {
		return sheet.CSV, nil
	}
	f, err := sheet.ParseFormat(name)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "%v", err)
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", roster.Errorf(roster.EINVALID, "cannot write %s here", f)
}

// create opens an output file, or standard output for "" and "-".
func (a *app) create(path string) (*bufio.Writer, func() error, error) {
	if path == "" || path == "-" {
		w := bufio.NewWriter(a.stdout)
		return w, w.Flush, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, notWritable(path, err)
	}
	w := bufio.NewWriter(f)
	return w, func() error {
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}, nil
}

// notWritable is the error of an output file that cannot be made: the
// person chose its path, so it is theirs to fix, not an internal error.
func notWritable(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return roster.Errorf(roster.EINVALID, "cannot write %s: %v", path, err)
}

func (a *app) sampleCmd() *cobra.Command {
	var rows int
	var with []string
	var out, format string
	var seed uint64
	c := &cobra.Command{
		Use:   "sample --rows N -o FILE",
		Short: "Generate a realistic user file of any size that imports into a new directory",
		Long: `Generate a realistic user file (names from many scripts, some accents) that imports cleanly
into a new directory. Where the default contexts are too small for the numbers it needs, it also
writes FILE.setup.yaml, to apply with "roster setup" first.`,
		Example: `  roster sample --rows 1000 -o users.csv
  roster sample --rows 100000 --with lines,voicemail,incalls -o big.csv && roster setup big.csv.setup.yaml`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := outputFormat(out, format, sheet.CSV, sheet.TSV, sheet.XLSX, sheet.ODS)
			if err != nil {
				return err
			}
			var parts []string
			for _, w := range with {
				for _, p := range strings.Split(w, ",") {
					if p = strings.TrimSpace(p); p != "" {
						parts = append(parts, p)
					}
				}
			}
			w, done, err := a.create(out)
			if err != nil {
				return err
			}
			sw, err := sheet.NewWriter(w, f, sheet.WriteOptions{})
			if err != nil {
				return err
			}
			ref, err := sample.Write(sw, sample.Options{Rows: rows, With: parts, Seed: seed})
			if err != nil {
				return roster.Errorf(roster.EINVALID, "%v", err)
			}
			if err := sw.Close(); err != nil {
				return err
			}
			if err := done(); err != nil {
				return err
			}
			if ref == nil {
				return nil
			}
			if out == "" || out == "-" {
				return roster.Errorf(roster.EINVALID, "this sample needs a setup file; give -o FILE to write both")
			}
			var body bytes.Buffer
			if err := setupfile.Write(&body, ref); err != nil {
				return err
			}
			if err := os.WriteFile(out+".setup.yaml", body.Bytes(), 0o644); err != nil {
				return notWritable(out+".setup.yaml", err)
			}
			printf(a.stderr, "%s needs larger contexts than a new directory has: run 'roster setup %s.setup.yaml', then 'roster import %s'.\n", out, out, out)
			return nil
		},
	}
	c.Flags().IntVar(&rows, "rows", 100, "how many users")
	c.Flags().StringArrayVar(&with, "with", nil, "also include: lines, voicemail, incalls, groups, rooms (comma-separated)")
	c.Flags().StringVarP(&out, "output", "o", "", "the file to write (default: standard output)")
	c.Flags().StringVar(&format, "format", "", "csv, tsv, xlsx or ods (default: from the file's extension)")
	c.Flags().Uint64Var(&seed, "seed", 1, "the seed of the random generator, for a reproducible file")
	c.RegisterFlagCompletionFunc("with", fixed("lines", "voicemail", "incalls", "groups", "rooms"))
	return c
}

func (a *app) templateCmd() *cobra.Command {
	var out, format string
	c := &cobra.Command{
		Use:   "template [--format csv|xlsx] [-o FILE]",
		Short: "Write an empty import file with every column",
		Long: `Write an empty import file with every column of the catalogue. The XLSX one has a drop-down
list on each enum and bool column, and a second sheet that explains every column.`,
		Example: `  roster template -o users.xlsx
  roster template --format csv > users.csv`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			f, err := outputFormat(out, format, sheet.CSV, sheet.TSV, sheet.XLSX, sheet.ODS)
			if err != nil {
				return err
			}
			w, done, err := a.create(out)
			if err != nil {
				return err
			}
			if err := sample.Template(w, f); err != nil {
				return err
			}
			return done()
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "the file to write (default: standard output)")
	c.Flags().StringVar(&format, "format", "", "csv or xlsx (default: from the file's extension, else csv)")
	c.RegisterFlagCompletionFunc("format", fixed("csv", "xlsx"))
	return c
}
