package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/catalog"
)

func (a *app) columnsCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "columns",
		Short: "Print the column catalogue: names, aliases, types and rules",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			infos := catalog.Infos()
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(infos)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "COLUMN\tRESOURCE\tTYPE\tREQUIRED\tALIASES\tRULE")
			for _, i := range infos {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", i.Name, i.Resource, i.Type, i.Required, strings.Join(i.Aliases, ", "), i.Rule)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the catalogue as JSON")
	return c
}

func (a *app) initCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create or migrate the directory and its default reference data",
		Long: `Create the directory (an SQLite file, or a PostgreSQL schema for --db postgres://…) with its
default reference data, or bring an existing one to this version's schema. Besides init, only the
commands that write create a missing directory: import, update, setup, and groups/rooms add --create.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.openOrCreate(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			switch m := db.Migrated(); {
			case db.Created():
				printf(a.stdout, "Created the directory %s.\n", a.dbName())
			case len(m) > 0:
				printf(a.stdout, "Migrated the directory %s (%s).\n", a.dbName(), strings.Join(m, ", "))
			default:
				printf(a.stdout, "The directory %s is ready; it needed no change.\n", a.dbName())
			}
			return nil
		},
	}
}
