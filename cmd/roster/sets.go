package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// refsFlags read user references from a file or the command line.
type refsFlags struct {
	read  readFlags
	users []string
}

func (a *app) refs(f *refsFlags, args []string) ([]provision.Ref, error) {
	var refs []provision.Ref
	for _, u := range f.users {
		refs = append(refs, provision.Ref{Value: strings.TrimSpace(u)})
	}
	for _, arg := range args {
		opt, err := f.read.options()
		if err != nil {
			return nil, err
		}
		src, err := a.source(arg)
		if err != nil {
			return nil, err
		}
		more, err := provision.ReadRefs(src, opt)
		src.Close()
		if err != nil {
			return nil, err
		}
		refs = append(refs, more...)
	}
	if len(refs) == 0 {
		return nil, roster.Errorf(roster.EINVALID, "name the users: a FILE, or --user REF")
	}
	return refs, nil
}

// confirm asks a person on a terminal; elsewhere --yes is needed.
func (a *app) confirm(question string, yes bool) error {
	if yes {
		return nil
	}
	if !isTerminal(a.stdout) || !isInteractive(a.stdin) {
		return roster.Errorf(roster.EINVALID, "not on a terminal: add --yes to confirm (or --dry-run to only look)")
	}
	printf(a.stdout, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: exitOK, msg: "cancelled; nothing was written"}
}

func isInteractive(r io.Reader) bool {
	w, ok := r.(io.Writer)
	return ok && isTerminal(w)
}

// changeFlags are the flags of the commands that plan a change and then
// apply it: delete, and the membership commands.
type changeFlags struct {
	dryRun, yes, json bool
	create            bool // the change may create the directory
}

func (f *changeFlags) add(c *cobra.Command, confirms bool) {
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "only show what would change")
	c.Flags().BoolVar(&f.json, "json", false, "print one JSON object instead of a summary")
	if confirms {
		c.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	}
}

// change opens the directory, plans a change with it, shows it, asks the
// question (when there is one) and applies it, and prints the result.
func (a *app) change(ctx context.Context, f *changeFlags, file string, question func(*provision.Pending) string,
	plan func(context.Context, roster.Directory) (*provision.Pending, error)) error {
	open := a.open
	if f.create {
		open = a.openOrCreate
	}
	db, err := open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := plan(ctx, db)
	if err != nil {
		return err
	}
	defer p.Release()
	if f.dryRun || question != nil && !f.yes {
		p.Release() // nobody waits for the lock while a person reads the plan
	}
	res := p.Result
	res.File, res.DryRun = file, f.dryRun
	if !f.json && (f.dryRun || !p.Empty()) { // the users it will change, or would
		w := bufio.NewWriter(a.stdout) // one write, not one per user
		for _, u := range p.Users {
			printf(w, "  %s  %s  %s  %s\n", u.UUID, orDash(u.Username), orDash(u.Email), u.DisplayName)
		}
		w.Flush()
	}
	if !f.dryRun && !p.Empty() {
		if question != nil {
			if err := a.confirm(question(p), f.yes); err != nil {
				return err
			}
		}
		if err := p.Apply(ctx); err != nil {
			return err
		}
	}
	out := newOutput(a, f.json, f.json)
	defer out.close()
	for _, s := range res.Plan {
		out.step(s)
	}
	res.Plan = nil
	if err := out.result(res); err != nil {
		return err
	}
	if res.Failed > 0 {
		return rowsFailed
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// setCmd is "roster rooms" or "roster groups": memberships.
func (a *app) setCmd(use, kind string) *cobra.Command {
	parent := &cobra.Command{
		Use:   use,
		Short: fmt.Sprintf("Add users to a %s, remove them, list its members", kind),
		Long: fmt.Sprintf(`Manage the members of a %[1]s. FILE is any sheet with a uuid, username or email column, or a
bare list with one reference per line and no header. Adding a member who is already there counts as
unchanged; unknown references are reported with their row.`, kind),
	}
	var tenant string
	parent.PersistentFlags().StringVar(&tenant, "tenant", "", "the tenant of the "+kind+" (default: the default tenant)")
	for _, action := range []string{"add", "remove"} {
		var f refsFlags
		var cf changeFlags
		c := &cobra.Command{
			Use:     action + " " + strings.ToUpper(kind) + " [FILE]",
			Short:   map[string]string{"add": "Add users to a ", "remove": "Remove users from a "}[action] + kind,
			Example: fmt.Sprintf("  roster %s %s Sales userIDs.csv\n  roster %s %s Sales --user alice --user bob@example.com", use, action, use, action),
			Args:    cobra.RangeArgs(1, 2),
			RunE: func(c *cobra.Command, args []string) error {
				refs, err := a.refs(&f, args[1:])
				if err != nil {
					return err
				}
				return a.change(c.Context(), &cf, strings.Join(args[1:], " "), nil,
					func(ctx context.Context, dir roster.Directory) (*provision.Pending, error) {
						return provision.ChangeMembers(ctx, dir, kind, action, tenant, args[0], refs, cf.create)
					})
			},
		}
		f.read.add(c)
		c.Flags().StringArrayVar(&f.users, "user", nil, "a user by uuid, username or email (repeatable)")
		if action == "add" {
			c.Flags().BoolVar(&cf.create, "create", false, "create the "+kind+" when it does not exist")
		}
		cf.add(c, false)
		parent.AddCommand(c)
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [" + strings.ToUpper(kind) + "]",
		Short: fmt.Sprintf("List the members of a %s, or every %s with its member count", kind, kind),
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if len(args) == 0 {
				return a.listSets(c.Context(), db, kind, tenant, asJSON)
			}
			users, err := provision.Members(c.Context(), db, kind, tenant, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				type member struct {
					UUID      string `json:"uuid"`
					Username  string `json:"username"`
					Email     string `json:"email"`
					Firstname string `json:"firstname"`
					Lastname  string `json:"lastname"`
				}
				ms := []member{}
				for _, u := range users {
					ms = append(ms, member{u.UUID, u.Username, u.Email, u.Firstname, u.Lastname})
				}
				return json.NewEncoder(a.stdout).Encode(ms)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "UUID\tUSERNAME\tEMAIL\tNAME")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.UUID, orDash(u.Username), orDash(u.Email), u.DisplayName)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the list as JSON")
	parent.AddCommand(list)
	return parent
}

// listSets prints the groups or rooms of a tenant with their member counts.
func (a *app) listSets(ctx context.Context, dir roster.Directory, kind, tenant string, asJSON bool) error {
	sets, err := dir.Sets(ctx, kind, tenant)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(a.stdout).Encode(sets)
	}
	if len(sets) == 0 {
		printf(a.stdout, "No %s yet.\n", plural(0, kind, kind+"s"))
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMEMBERS")
	for _, s := range sets {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, group(s.Members))
	}
	return tw.Flush()
}

func (a *app) deleteCmd() *cobra.Command {
	parent := &cobra.Command{
		Use:   "delete",
		Short: "Delete users (with their lines, voicemail and memberships), groups or rooms",
	}
	var f refsFlags
	var cf changeFlags
	users := &cobra.Command{
		Use:   "users [FILE] [--user REF…]",
		Short: "Delete users named by uuid, username or email",
		Long: `Delete users with their line, extension, incoming numbers, voicemail, memberships and picture.
FILE is any sheet with a uuid, username or email column, or one reference per line. roster shows
what it will delete and asks on a terminal; elsewhere it needs --yes. Unknown references are listed.`,
		Example: `  roster delete users leavers.csv
  roster delete users --user alice --user 3f2b6f0e-8f5d-4c8e-9a57-1b0f2f1f2d4a --yes`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			refs, err := a.refs(&f, args)
			if err != nil {
				return err
			}
			return a.change(c.Context(), &cf, strings.Join(args, " "),
				func(p *provision.Pending) string { return fmt.Sprintf("Delete %s?", count(len(p.Users), "user")) },
				func(ctx context.Context, dir roster.Directory) (*provision.Pending, error) {
					return provision.DeleteUsers(ctx, dir, refs)
				})
		},
	}
	f.read.add(users)
	users.Flags().StringArrayVar(&f.users, "user", nil, "a user by uuid, username or email (repeatable)")
	cf.add(users, true)
	parent.AddCommand(users)
	for _, kind := range []string{"group", "room"} {
		var tenant string
		var cf changeFlags
		c := &cobra.Command{
			Use:   kind + "s NAME…",
			Short: "Delete " + kind + "s by name; their members stay",
			Args:  cobra.MinimumNArgs(1),
			RunE: func(c *cobra.Command, args []string) error {
				return a.change(c.Context(), &cf, "",
					func(p *provision.Pending) string {
						return fmt.Sprintf("Delete the %s %s?", plural(len(args), kind, kind+"s"), strings.Join(args, ", "))
					},
					func(ctx context.Context, dir roster.Directory) (*provision.Pending, error) {
						return provision.DeleteSets(ctx, dir, kind, tenant, args)
					})
			},
		}
		c.Flags().StringVar(&tenant, "tenant", "", "the tenant (default: the default tenant)")
		cf.add(c, true)
		parent.AddCommand(c)
	}
	return parent
}
