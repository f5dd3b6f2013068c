package main

import (
	"encoding/json"
	"os"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/setupfile"
)

func (a *app) setupCmd() *cobra.Command {
	var show, prune, asJSON bool
	c := &cobra.Command{
		Use:   "setup [FILE.yaml]",
		Short: "Declare reference data: tenants, contexts and their ranges, roles, profiles, permissions",
		Long: `Apply a YAML file that declares reference data: tenants, contexts with their number ranges,
roles, CTI profiles, call permissions, skill groups and desks. It adds and updates; it removes only
with --prune; applying the same file twice changes nothing. --show prints the current reference data
in the same format, as a starting point. --json prints the changes (or, with --show, the reference
data) as JSON.`,
		Example: `  roster setup --show > setup.yaml
  roster setup setup.yaml
  roster setup --prune setup.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if show == (len(args) == 1) {
				return roster.Errorf(roster.EINVALID, "give a FILE to apply, or --show")
			}
			open := a.openOrCreate
			if show {
				open = a.open
			}
			db, err := open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if show {
				ref, err := db.Reference(c.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(ref)
				}
				return setupfile.Write(a.stdout, ref)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return roster.Errorf(roster.EUNREADABLE, "%v", err)
			}
			ref, err := setupfile.Read(f)
			f.Close()
			if err != nil {
				return roster.Errorf(roster.EINVALID, "%s: %v", args[0], err)
			}
			changes, err := db.SetReference(c.Context(), ref, prune)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(struct {
					Command string   `json:"command"`
					File    string   `json:"file"`
					Applied bool     `json:"applied"`
					Changes []string `json:"changes"`
				}{"setup", args[0], len(changes) > 0, append([]string{}, changes...)})
			}
			if len(changes) == 0 {
				printf(a.stdout, "Nothing to change.\n")
			}
			for _, ch := range changes {
				printf(a.stdout, "%s\n", ch)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&show, "show", false, "print the current reference data as YAML")
	c.Flags().BoolVar(&prune, "prune", false, "also remove the objects the file does not declare")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON: the changes made, or with --show the reference data")
	return c
}
