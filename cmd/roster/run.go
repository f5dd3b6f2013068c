package main

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

func (a *app) checkCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "check FILE",
		Short: "Check a user file without a database: every problem of every row",
		Long: `Check a user file as an import dry run against a new, empty directory that holds only the
default reference data. It needs no database and writes nothing, so it can lint a file anywhere.
Exit status: 0 when every row is fine, 1 when some row is not, 2 when the file cannot be read.`,
		Example: `  roster check users.xlsx
  roster check --json hr-export.csv | jq '.errors'`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := a.checkNoDB(c.Context()); err != nil {
				return err
			}
			return a.runFile(c.Context(), "check", args[0], &f, nil)
		},
	}
	f.add(c, "check")
	return c
}

func (a *app) importCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Create the users of a file, with their lines, voicemail, groups and rooms",
		Long: `Create the users of a file. Every row is checked first; in atomic mode (the default) nothing
is written if any row fails. Rows matching an existing user by uuid, username or email fail, are
skipped or update that user (--on-existing). Reports of failed rows and generated passwords go to
roster-reports/.`,
		Example: `  roster import users.xlsx
  roster import --dry-run users.csv
  roster import --generate password,exten --set role=agent agents.csv
  roster import --mode partial --on-existing skip weekly-hr.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.runFile(c.Context(), "import", args[0], &f, provision.Import)
		},
	}
	f.add(c, "import")
	return c
}

func (a *app) updateCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "update FILE",
		Short: "Change existing users, found by uuid (or username or email)",
		Long: `Change existing users. Columns absent from the header are not touched; an empty cell clears
the value (--blank keep makes it keep it); a resource whose columns are all empty is removed; a
line's protocol cannot change. groups, rooms, call_permissions, skill_groups and tags replace the
user's whole set. Rows that change nothing are counted unchanged and not written.`,
		Example: `  roster export -o users.csv && roster update users.csv
  roster update --key email --blank keep phones.xlsx`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return a.runFile(c.Context(), "update", args[0], &f, provision.Update)
		},
	}
	f.add(c, "update")
	return c
}

type engineFunc func(context.Context, roster.Directory, *sheet.Source, provision.Options) (*roster.Result, error)

// runFile runs check, import or update on a file and prints the result.
func (a *app) runFile(ctx context.Context, command, arg string, f *runFlags, engine engineFunc) error {
	opt, err := f.options()
	if err != nil {
		return err
	}
	src, err := a.source(arg)
	if err != nil {
		return err
	}
	defer src.Close()
	out := newOutput(a, f.json, f.verbose || opt.DryRun || command == "check")
	defer out.close()
	opt.Step, opt.Problem = out.step, out.problem
	opt.Workers, opt.Log = provision.NewWorkers(0), a.log
	if engine != nil && !opt.DryRun {
		folder, err := reportFolder(command, f.reportDir, time.Now())
		if err != nil {
			return err
		}
		defer folder.Close()
		opt.Reports = folder
	}
	prog := newProgress(a.stderr, !f.json && isTerminal(a.stderr))
	opt.Progress = prog.update
	var res *roster.Result
	if engine == nil {
		res, err = provision.Check(ctx, src, opt)
	} else {
		var dir roster.Directory
		if dir, err = a.openOrCreate(ctx); err != nil {
			return err
		}
		defer dir.Close()
		res, err = engine(ctx, dir, src, opt)
	}
	prog.stop()
	if err != nil {
		return err
	}
	if arg == "-" {
		res.File = "-"
	}
	for i := range res.Errors {
		res.Errors[i] = res.Errors[i].Worded(flagWords)
	}
	if err := out.result(res); err != nil {
		return err
	}
	if res.Failed > 0 || len(res.NotApplied) > 0 {
		return rowsFailed
	}
	return nil
}

// progress draws a progress bar on a terminal, for runs longer than a
// moment: a bar when the format tells how much is read, else a count.
type progress struct {
	on    bool
	start time.Time
	w     io.Writer
	shown bool
	last  time.Time
}

func newProgress(w io.Writer, on bool) *progress {
	return &progress{on: on, start: time.Now(), w: w}
}

func (p *progress) update(pr provision.Progress) {
	if !p.on {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last, p.shown = now, true
	rate := float64(pr.Rows) / now.Sub(p.start).Seconds()
	if pr.Bytes < 0 || pr.Size <= 0 {
		printf(p.w, "\r%12s rows read  %10s rows/s ", group(pr.Rows), group(int(rate)))
		return
	}
	const width = 30
	frac := min(1, float64(pr.Bytes)/float64(pr.Size))
	bar := strings.Repeat("=", int(frac*width))
	if len(bar) < width {
		bar += ">" + strings.Repeat(" ", width-len(bar)-1)
	}
	printf(p.w, "\r[%s] %3.0f%%  %s rows  %s rows/s ", bar, frac*100, group(pr.Rows), group(int(rate)))
}

func (p *progress) stop() {
	if p.shown {
		printf(p.w, "\r%70s\r", "")
	}
}
