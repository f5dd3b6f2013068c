// Command roster provisions users in bulk: it reads the user sheets people
// have (CSV, XLSX, XLS, ODS, ZIP), says exactly which cell of which row is
// wrong, and imports, updates, exports or deletes users all at once or not
// at all. This package is wiring only: the work is done by the packages
// sheet, catalog, provision and sqlite.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/sqlite"
	"github.com/roster-dev/roster/transfer"
)

func main() {
	// Generated UUIDs draw from a buffer of random bytes instead of one
	// system call each: a million-row import makes a million of them.
	uuid.EnableRandPool()
	os.Exit(osMain())
}

// osMain runs roster on the process's arguments and streams, with Ctrl-C
// and SIGTERM cancelling the run.
func osMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// Exit statuses.
const (
	exitOK          = 0
	exitRowsFailed  = 1
	exitUnusable    = 2
	exitInterrupted = 130
)

// app holds what every command shares: the streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	db             string
	keyFile        string
	cmd            *cobra.Command // the root, whose flags tell --db from ROSTER_DB
	log            *slog.Logger
}

// exitError ends a command with a status; a message, when set, goes to
// stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// rowsFailed ends a command whose output already told which rows failed.
var rowsFailed = &exitError{code: exitRowsFailed}

// Main runs roster with the given arguments and returns its exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	// The log is the command's stderr, read by a person: no timestamps.
	a.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if len(groups) == 0 && at.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return at
		}}))
	root := a.root()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, "roster:", ee.msg)
		}
		return ee.code
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		fmt.Fprintln(stderr, "roster: interrupted; nothing was written")
		return exitInterrupted
	case roster.ErrorCode(err) == roster.EINTERNAL && !isUsage(err):
		// Logged once, in full: a failure of the machine or a bug.
		a.log.Error("roster: internal error", "err", err)
		return exitUnusable
	case isUsage(err):
		fmt.Fprintln(stderr, "roster:", err)
		fmt.Fprintln(stderr, "Run 'roster --help' for usage.")
		return exitUnusable
	default:
		fmt.Fprintln(stderr, "roster:", roster.ErrorWords(err, flagWords))
		return exitUnusable
	}
}

// isUsage tells cobra's errors about flags and arguments.
func isUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "roster",
		Short: "Provision users in bulk from the spreadsheets people have",
		Long: `roster reads user sheets (CSV in any separator and encoding, XLSX, XLS, ODS, or a ZIP with
pictures), says exactly which cell of which row is wrong, and creates, updates, exports or deletes
the users with their groups, rooms, phone lines, incoming numbers and voicemail, all at once or not
at all.

The directory is an SQLite file, roster.db in the current folder unless --db or ROSTER_DB says
otherwise, or a PostgreSQL database (--db postgres://…). The commands that write (init, import,
update, setup, and groups/rooms add --create) create it when it does not exist; the others need it
to exist. Its secrets are sealed with a key kept in a file: <db>.key beside an SQLite file, the
--key-file of a PostgreSQL directory. Back up and restore the two together.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	// ROSTER_DB set but empty is a mistake to tell, as --db "" is, not a
	// reason to use roster.db.
	def, set := os.LookupEnv("ROSTER_DB")
	if !set {
		def = "roster.db"
	}
	root.PersistentFlags().StringVar(&a.db, "db", def, "the directory: an SQLite file path or a postgres:// URL (env ROSTER_DB)")
	root.PersistentFlags().StringVar(&a.keyFile, "key-file", os.Getenv("ROSTER_KEY_FILE"),
		"for PostgreSQL: the file of the key that seals secrets (env ROSTER_KEY_FILE; default roster/roster.key in the user's config folder)")
	a.cmd = root
	root.AddCommand(a.readCmd(), a.checkCmd(), a.importCmd(), a.updateCmd(), a.exportCmd(), a.deleteCmd(),
		a.setCmd("rooms", "room"), a.setCmd("groups", "group"), a.setupCmd(), a.sampleCmd(), a.templateCmd(),
		a.columnsCmd(), a.initCmd(), a.clientsCmd(), a.operatorsCmd(), a.serveCmd(), a.migrateCmd())
	return root
}

// version is the module version roster was built from ("go install
// …@v1.2.0"), or "devel" for a build from a working copy.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "devel"
	}
	return info.Main.Version
}

// directory is a directory as the commands use it, with the clients and
// operators it keeps for the server: a PostgreSQL one or an SQLite one.
type directory interface {
	transfer.Directory
	roster.JobService
	// Created says whether opening created the directory.
	Created() bool
	// Migrated lists the migrations opening applied to an existing one.
	Migrated() []string
}

// open opens the directory, which must exist: for the commands that only
// read, and those that change only what exists (delete, memberships).
func (a *app) open(ctx context.Context) (directory, error) {
	if err := a.dbNamed(); err != nil {
		return nil, err
	}
	return a.openDB(ctx, a.db, false)
}

// openOrCreate opens the directory, creating it when it does not exist: for
// the commands that write.
func (a *app) openOrCreate(ctx context.Context) (directory, error) {
	if err := a.dbNamed(); err != nil {
		return nil, err
	}
	return a.openDB(ctx, a.db, true)
}

// openDB opens the directory name names: a PostgreSQL one for a
// postgres:// URL, with the key of --key-file, else an SQLite file.
func (a *app) openDB(ctx context.Context, name string, create bool) (directory, error) {
	if postgres.IsURL(name) {
		return postgres.Open(ctx, name, postgres.Options{KeyFile: a.pgKeyFile(), Create: create})
	}
	if create {
		return sqlite.Open(ctx, name)
	}
	return sqlite.OpenExisting(ctx, name)
}

// pgKeyFile is the key file of a PostgreSQL directory: --key-file, else
// roster/roster.key in the user's config folder.
func (a *app) pgKeyFile() string {
	if a.keyFile != "" {
		return a.keyFile
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "roster", "roster.key")
	}
	return ""
}

// dataDir is the default folder of the jobs' files: beside an SQLite
// directory's file (<db>.data), as its key is; for a PostgreSQL directory,
// which has no file, beside its key file (roster.data). Several servers
// of one PostgreSQL directory name one shared folder with --data-dir.
func (a *app) dataDir() string {
	if postgres.IsURL(a.db) {
		return filepath.Join(filepath.Dir(a.pgKeyFile()), "roster.data")
	}
	return a.db + ".data"
}

// dbName names the directory for people: a PostgreSQL URL without its password.
func (a *app) dbName() string { return nameOf(a.db) }

// nameOf names a directory for people: a PostgreSQL URL without its
// password.
func nameOf(db string) string {
	if postgres.IsURL(db) {
		return postgres.Redact(db)
	}
	return db
}

// dbNamed checks that --db (or ROSTER_DB) names a directory roster can
// open.
func (a *app) dbNamed() error {
	switch {
	case a.db == "" && a.cmd.PersistentFlags().Changed("db"):
		return roster.Errorf(roster.EINVALID, "--db is empty: give the path of the directory's file or a postgres:// URL, or leave --db out for roster.db")
	case a.db == "":
		return roster.Errorf(roster.EINVALID, "ROSTER_DB is empty: set it to the path of the directory's file or a postgres:// URL, or unset it for roster.db")
	}
	return nil
}

// checkNoDB refuses a --db given to check that names no directory: check
// reads none, so the mistyped path would otherwise go unnoticed.
func (a *app) checkNoDB(ctx context.Context) error {
	if !a.cmd.PersistentFlags().Changed("db") {
		return nil
	}
	if postgres.IsURL(a.db) {
		db, err := a.open(ctx)
		if err != nil {
			return err
		}
		return db.Close()
	}
	if err := a.dbNamed(); err != nil {
		return err
	}
	if _, err := os.Stat(a.db); err != nil {
		return roster.Errorf(roster.ENOTFOUND, "there is no directory %s; check needs none (it checks against the default reference data), and roster init creates one", a.db)
	}
	return nil
}

// isTerminal says whether w is a terminal, for colours and progress.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
