package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/internal/scratch"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// readFlags are the options of reading a file.
type readFlags struct {
	sheet, separator, encoding, format string
}

func (f *readFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.sheet, "sheet", "", "the sheet of a workbook, by name or number (default: the first)")
	c.Flags().StringVar(&f.separator, "separator", "", "the CSV separator: , ; tab | or any one character (default: sniffed)")
	c.Flags().StringVar(&f.encoding, "encoding", "", "the CSV encoding, such as utf-8, utf-16le, windows-1252 (default: detected)")
	c.Flags().StringVar(&f.format, "format", "", "the file format: csv, tsv, xlsx, xls, ods or zip (default: told by content)")
	c.RegisterFlagCompletionFunc("format", fixed("csv", "tsv", "xlsx", "xls", "ods", "zip"))
	c.RegisterFlagCompletionFunc("separator", fixed(",", ";", "tab", "|"))
	c.RegisterFlagCompletionFunc("encoding", fixed("utf-8", "utf-16le", "utf-16be", "windows-1252", "iso-8859-15"))
}

func fixed(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

func (f *readFlags) options() (sheet.Options, error) {
	return f.settings().ReadOptions()
}

func (f *readFlags) settings() *provision.Settings {
	return &provision.Settings{Sheet: f.sheet, Separator: f.separator, Encoding: f.encoding, Format: f.format}
}

// flagWords names an option of a run as the command line takes it: a
// flag, with the values to give it ("--on-existing skip or update"; a
// flag that is a switch alone: "--create").
func flagWords(option string, values []string) string {
	flag := "--" + strings.ReplaceAll(option, "_", "-")
	if len(values) == 0 || len(values) == 1 && values[0] == "true" {
		return flag
	}
	return flag + " " + strings.Join(values, " or ")
}

// runFlags are the options of import, update and check.
type runFlags struct {
	read                    readFlags
	maps, sets, generate    []string
	strict, dryRun          bool
	onExisting, mode, key   string
	maxErrors               int
	passwordDigits, verbose bool
	blank, reportDir        string
	json                    bool
}

func (f *runFlags) add(c *cobra.Command, command string) {
	f.read.add(c)
	fl := c.Flags()
	fl.StringArrayVar(&f.maps, "map", nil, "map a header to a column: --map 'Work Phone=mobile_phone_number' (repeatable)")
	fl.StringArrayVar(&f.sets, "set", nil, "give every row a value where its cell is empty or absent: --set role=agent (repeatable)")
	fl.BoolVar(&f.strict, "strict", false, "fail the file when a header names no known column")
	fl.StringVar(&f.mode, "mode", string(provision.Atomic), "atomic: write nothing if any row fails; partial: write the rows that pass")
	fl.IntVar(&f.maxErrors, "max-errors", 0, "stop after this many failed rows (0: never)")
	fl.StringArrayVar(&f.generate, "generate", nil, "generate what rows leave empty: password, exten, username (repeatable or comma-separated)")
	fl.BoolVar(&f.passwordDigits, "password-digits", false, "generate passwords of 10 digits, for phones that only take digits")
	fl.StringVar(&f.reportDir, "report-dir", "", "a new or empty folder for the errors and success reports (default: a new roster-reports/<command>-<time>/)")
	fl.BoolVar(&f.json, "json", false, "print one JSON object instead of a summary")
	fl.BoolVar(&f.verbose, "verbose", false, "include the plan of every row")
	c.RegisterFlagCompletionFunc("mode", fixed(string(provision.Atomic), string(provision.Partial)))
	c.RegisterFlagCompletionFunc("generate", fixed("password", "exten", "username"))
	c.RegisterFlagCompletionFunc("set", columnNames("="))
	c.RegisterFlagCompletionFunc("map", cobra.NoFileCompletions)
	switch command {
	case "update":
		fl.StringVar(&f.key, "key", "uuid", "the column that finds each user: uuid, username or email")
		fl.StringVar(&f.blank, "blank", "clear", "what an empty cell means: clear the value, or keep it")
		fl.BoolVar(&f.dryRun, "dry-run", false, "check and show the plan without writing")
		c.RegisterFlagCompletionFunc("key", fixed("uuid", "username", "email"))
		c.RegisterFlagCompletionFunc("blank", fixed("clear", "keep"))
	case "import":
		fl.StringVar(&f.onExisting, "on-existing", string(provision.OnExistingFail), "rows matching an existing user: fail, skip or update")
		fl.BoolVar(&f.dryRun, "dry-run", false, "check and show the plan without writing")
		c.RegisterFlagCompletionFunc("on-existing", fixed(string(provision.OnExistingFail), string(provision.OnExistingSkip), string(provision.OnExistingUpdate)))
	case "check":
		fl.StringVar(&f.onExisting, "on-existing", string(provision.OnExistingFail), "rows matching an existing user: fail, skip or update")
	}
}

func columnNames(suffix string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, c := range catalog.Columns {
			out = append(out, c.Name+suffix)
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	}
}

func (f *runFlags) options() (provision.Options, error) {
	set := f.read.settings()
	set.Map, set.Set, set.Strict, set.Generate = f.maps, f.sets, f.strict, f.generate
	set.Mode, set.OnExisting, set.Key, set.Blank = f.mode, f.onExisting, f.key, f.blank
	set.MaxErrors, set.PasswordDigits, set.DryRun = f.maxErrors, f.passwordDigits, f.dryRun
	return set.Options()
}

// source returns the file to read: the argument, or for "-" a temporary
// copy of standard input (readers of workbooks need to seek). The copy has
// no name in any folder, so that a sheet of passwords does not outlive a
// killed process; messages call it "standard input". Close releases it.
func (a *app) source(arg string) (*sheet.Source, error) {
	if arg != "-" {
		if _, err := os.Stat(arg); err != nil {
			return nil, roster.Errorf(roster.EUNREADABLE, "%s: no such file", arg)
		}
		src, err := sheet.OpenSource(arg)
		if err != nil {
			return nil, provision.Unreadable(err)
		}
		return src, nil
	}
	tmp, err := scratch.New("roster-stdin-*")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(tmp, a.stdin)
	if err != nil {
		tmp.Close()
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	return sheet.NewSource("standard input", tmp, n, nil, tmp), nil
}
