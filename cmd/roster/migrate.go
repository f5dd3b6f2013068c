package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/transfer"
)

func (a *app) migrateCmd() *cobra.Command {
	var (
		from, to string
		asJSON   bool
	)
	c := &cobra.Command{
		Use:   "migrate --from DIRECTORY --to DIRECTORY",
		Short: "Move a whole directory to another store: SQLite to PostgreSQL, or back",
		Long: `Move everything a directory holds into a new, empty one: the reference data, the groups and
rooms, the users with every resource, membership and picture, their SIP secrets and PINs (sealed
again with the target's key), the API clients and console operators, the servers' import jobs, and
the servers' signing key with the assertions used and sessions ended, so that tokens and sessions
stay valid. The jobs' files stay in the servers' data folder: give it to the target's servers with
--data-dir. Each
directory is an SQLite file or a postgres:// URL; --key-file names the key of a PostgreSQL one.

The target is made when it does not exist, and refused when it holds anything but the default
reference data. The users are compared one by one with the source before they are committed.
Stop the servers and imports of the source first: a change made meanwhile is refused by that
comparison, and the move is to be run again into a new target.`,
		Example: `  roster migrate --from roster.db --to 'postgres://roster@db.example.com/roster' --key-file /etc/roster/roster.key
  roster migrate --from 'postgres://roster@db.example.com/roster' --to roster.db`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return roster.Errorf(roster.EINVALID, "give the directory to move with --from and where to with --to")
			}
			if from == to {
				return roster.Errorf(roster.EINVALID, "--from and --to name the same directory")
			}
			src, err := a.openDB(c.Context(), from, false)
			if err != nil {
				return err
			}
			defer src.Close()
			dst, err := a.openDB(c.Context(), to, true)
			if err != nil {
				return err
			}
			defer dst.Close()
			prog := newProgress(a.stderr, !asJSON && isTerminal(a.stderr))
			res, err := transfer.Move(c.Context(), src, dst, transfer.Options{Progress: func(n int) {
				prog.update(provision.Progress{Rows: n, Bytes: -1})
			}})
			prog.stop()
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(res)
			}
			printf(a.stdout, "Moved %s to %s: %s users, %s groups, %s rooms, %s clients, %s operators, %s jobs",
				nameOf(from), nameOf(to), group(res.Users), group(res.Groups), group(res.Rooms), group(res.Clients), group(res.Operators), group(res.Jobs))
			if res.SigningKey {
				printf(a.stdout, ", and the servers' signing key")
			}
			printf(a.stdout, ".\nEvery user reads the same from both.\n")
			if res.Jobs > 0 {
				printf(a.stdout, "The jobs' files stay in the servers' data folder: give it to the new directory's servers with --data-dir.\n")
			}
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "the directory to move: an SQLite file or a postgres:// URL")
	c.Flags().StringVar(&to, "to", "", "the new directory: an SQLite file or a postgres:// URL")
	c.Flags().BoolVar(&asJSON, "json", false, "print what was moved as JSON")
	return c
}
