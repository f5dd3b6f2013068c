package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

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
	var opt sheet.Options
	opt.Sheet, opt.Encoding = f.sheet, f.encoding
	if f.format != "" {
		format, err := sheet.ParseFormat(f.format)
		if err != nil {
			return opt, roster.Errorf(roster.EINVALID, "--format: %v", err)
		}
		opt.Format = format
	}
	switch sep := f.separator; {
	case sep == "":
	case strings.EqualFold(sep, "tab") || sep == `\t`:
		opt.Separator = '\t'
	case utf8.RuneCountInString(sep) == 1:
		opt.Separator, _ = utf8.DecodeRuneInString(sep)
	default:
		return opt, roster.Errorf(roster.EINVALID, "--separator must be one character (or tab), not %q", sep)
	}
	return opt, nil
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
	fl.StringVar(&f.mode, "mode", provision.Atomic, "atomic: write nothing if any row fails; partial: write the rows that pass")
	fl.IntVar(&f.maxErrors, "max-errors", 0, "stop after this many failed rows (0: never)")
	fl.StringArrayVar(&f.generate, "generate", nil, "generate what rows leave empty: password, exten, username (repeatable or comma-separated)")
	fl.BoolVar(&f.passwordDigits, "password-digits", false, "generate passwords of 10 digits, for phones that only take digits")
	fl.StringVar(&f.reportDir, "report-dir", "", "a new or empty folder for the errors and success reports (default: a new roster-reports/<command>-<time>/)")
	fl.BoolVar(&f.json, "json", false, "print one JSON object instead of a summary")
	fl.BoolVar(&f.verbose, "verbose", false, "include the plan of every row")
	c.RegisterFlagCompletionFunc("mode", fixed(provision.Atomic, provision.Partial))
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
		fl.StringVar(&f.onExisting, "on-existing", provision.OnExistingFail, "rows matching an existing user: fail, skip or update")
		fl.BoolVar(&f.dryRun, "dry-run", false, "check and show the plan without writing")
		c.RegisterFlagCompletionFunc("on-existing", fixed(provision.OnExistingFail, provision.OnExistingSkip, provision.OnExistingUpdate))
	case "check":
		fl.StringVar(&f.onExisting, "on-existing", provision.OnExistingFail, "rows matching an existing user: fail, skip or update")
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
	var opt provision.Options
	var err error
	if opt.Sheet, err = f.read.options(); err != nil {
		return opt, err
	}
	pairs := func(flag string, list []string) (map[string]string, error) {
		m := map[string]string{}
		for _, p := range list {
			k, v, ok := strings.Cut(p, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, roster.Errorf(roster.EINVALID, "--%s takes NAME=VALUE, not %q", flag, p)
			}
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return m, nil
	}
	if opt.Header.Map, err = pairs("map", f.maps); err != nil {
		return opt, err
	}
	if opt.Header.Set, err = pairs("set", f.sets); err != nil {
		return opt, err
	}
	opt.Header.Strict = f.strict
	for _, g := range f.generate {
		for _, what := range strings.Split(g, ",") {
			switch strings.TrimSpace(what) {
			case "password":
				opt.GeneratePassword = true
			case "exten":
				opt.GenerateExten = true
			case "username":
				opt.GenerateUsername = true
			default:
				return opt, roster.Errorf(roster.EINVALID, "--generate takes password, exten or username, not %q", what)
			}
		}
	}
	switch f.blank {
	case "", "clear":
	case "keep":
		opt.BlankKeep = true
	default:
		return opt, roster.Errorf(roster.EINVALID, "--blank must be clear or keep, not %q", f.blank)
	}
	opt.PasswordDigits, opt.DryRun = f.passwordDigits, f.dryRun
	opt.OnExisting, opt.Mode, opt.MaxErrors, opt.Key = f.onExisting, f.mode, f.maxErrors, f.key
	opt.ReportDir = f.reportDir
	return opt, opt.Validate()
}

// inputPath returns a path to read: the argument, or for "-" a temporary
// copy of standard input (readers of workbooks need to seek). The copy has
// no name in any folder, so that a sheet of passwords does not outlive a
// killed process; the returned function closes it, which removes it.
func (a *app) inputPath(arg string) (string, func(), error) {
	if arg != "-" {
		if _, err := os.Stat(arg); err != nil {
			return "", nil, roster.Errorf(roster.EUNREADABLE, "%s: no such file", arg)
		}
		return arg, func() {}, nil
	}
	tmp, err := scratch.New("roster-stdin-*")
	if err != nil {
		return "", nil, err
	}
	if _, err := io.Copy(tmp, a.stdin); err != nil {
		tmp.Close()
		return "", nil, fmt.Errorf("reading standard input: %w", err)
	}
	return tmp.Path(), func() { tmp.Close() }, nil
}
