package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/password"
)

// operatorInfo is an operator as `roster operators list --json` prints it;
// never a password or its hash.
type operatorInfo struct {
	Name       string  `json:"name"`
	Tenant     *string `json:"tenant"` // null: all tenants
	Role       string  `json:"role"`
	CreatedAt  string  `json:"created_at"`
	DisabledAt *string `json:"disabled_at"`
}

func operatorInfoOf(o *roster.Operator) operatorInfo {
	i := operatorInfo{Name: o.Name, Role: o.Role, CreatedAt: o.CreatedAt.Format(time.RFC3339)}
	if !o.AllTenants {
		i.Tenant = &o.Tenant
	}
	if !o.DisabledAt.IsZero() {
		s := o.DisabledAt.Format(time.RFC3339)
		i.DisabledAt = &s
	}
	return i
}

func (a *app) operatorsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "operators",
		Short: "Manage the people who may sign in to the web console (roster serve)",
		Long: `Operators are the people who sign in to the web console that 'roster serve' serves at /.
Each has a role (admin: everything, with the setup and API clients pages; operator: imports and
changes users; viewer: looks and downloads) and is bound to one tenant or to all. Passwords are
asked on the terminal, or read from the first line of standard input with --password-stdin, and
stored only as argon2id hashes.`,
	}
	c.AddCommand(a.operatorsCreateCmd(), a.operatorsListCmd(), a.operatorsDisableCmd(), a.operatorsResetCmd())
	return c
}

func (a *app) operatorsCreateCmd() *cobra.Command {
	var (
		tenant, role string
		all, stdin   bool
	)
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an operator; the password is asked on the terminal",
		Example: `  roster operators create ana --tenant default --role operator
  printf '%s\n' "$PASSWORD" | roster operators create admin --all-tenants --role admin --password-stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o := &roster.Operator{ID: uuid.NewString(), Name: args[0], AllTenants: all, Role: role, CreatedAt: time.Now().UTC()}
			db, err := a.openOrCreate(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if tenant != "" {
				if o.Tenant, err = roster.TenantName(c.Context(), db, tenant); err != nil {
					return err
				}
			}
			// Everything but the password is checked before it is asked,
			// so that a mistake in a flag does not cost typing it twice.
			o.PasswordHash = "not asked yet"
			if err := o.Validate(); err != nil {
				return err
			}
			if _, err := db.Operator(c.Context(), o.Name); err == nil {
				return roster.Errorf(roster.ECONFLICT, "there is already an operator named %q", o.Name)
			}
			pw, err := a.newPassword(o.Name, stdin)
			if err != nil {
				return err
			}
			o.PasswordHash = password.Hash(pw)
			if err := db.CreateOperator(c.Context(), o); err != nil {
				return err
			}
			printf(a.stdout, "Operator %q created (%s, %s).\n", o.Name, o.Role, tenantText(o))
			return nil
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "bind the operator to this tenant")
	c.Flags().BoolVar(&all, "all-tenants", false, "let the operator see and change every tenant")
	c.Flags().StringVar(&role, "role", roster.RoleOperator, "admin, operator or viewer")
	c.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	c.MarkFlagsMutuallyExclusive("tenant", "all-tenants")
	c.MarkFlagsOneRequired("tenant", "all-tenants")
	c.RegisterFlagCompletionFunc("role", fixed(roster.Roles...))
	return c
}

func tenantText(o *roster.Operator) string {
	if o.AllTenants {
		return "all tenants"
	}
	return "tenant " + o.Tenant
}

func (a *app) operatorsListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the operators, disabled ones included",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.Operators(c.Context())
			if err != nil {
				return err
			}
			infos := make([]operatorInfo, 0, len(list))
			for _, o := range list {
				infos = append(infos, operatorInfoOf(o))
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(infos)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tTENANT\tCREATED\tDISABLED")
			for _, i := range infos {
				tenant, disabled := "(all)", "-"
				if i.Tenant != nil {
					tenant = *i.Tenant
				}
				if i.DisabledAt != nil {
					disabled = *i.DisabledAt
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.Name, i.Role, tenant, i.CreatedAt, disabled)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the operators as JSON")
	return c
}

func (a *app) operatorsDisableCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disable NAME",
		Short: "Stop an operator from signing in; its sessions end at once, on every server",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.DisableOperator(c.Context(), args[0], time.Now()); err != nil {
				return err
			}
			printf(a.stdout, "Operator %q disabled.\n", args[0])
			return nil
		},
	}
}

func (a *app) operatorsResetCmd() *cobra.Command {
	var stdin bool
	c := &cobra.Command{
		Use:   "reset-password NAME",
		Short: "Give an operator a new password; its sessions end",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := db.Operator(c.Context(), args[0])
			if err != nil {
				return err
			}
			pw, err := a.newPassword(o.Name, stdin)
			if err != nil {
				return err
			}
			if err := db.SetOperatorPassword(c.Context(), o.Name, password.Hash(pw)); err != nil {
				return err
			}
			printf(a.stdout, "Password of %q changed; its sessions have ended.\n", o.Name)
			return nil
		},
	}
	c.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	return c
}

// newPassword reads a new password: from the first line of standard input
// with --password-stdin, else twice from the terminal without echo. It is
// never taken from a flag, which the process list would show.
func (a *app) newPassword(name string, fromStdin bool) (string, error) {
	var pw string
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(a.stdin, roster.MaxOperatorPassword+2)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", roster.Errorf(roster.EUNREADABLE, "reading the password from standard input: %v", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		f, ok := a.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", roster.Errorf(roster.EINVALID, "the password is asked on a terminal; elsewhere pipe it in with --password-stdin")
		}
		ask := func(prompt string) (string, error) {
			fmt.Fprint(a.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(a.stderr)
			return string(b), err
		}
		var err error
		if pw, err = ask("Password for " + name + ": "); err != nil {
			return "", roster.Errorf(roster.EUNREADABLE, "reading the password: %v", err)
		}
		if err := roster.ValidateOperatorPassword(pw); err != nil {
			return "", err
		}
		again, err := ask("The same password again: ")
		if err != nil {
			return "", roster.Errorf(roster.EUNREADABLE, "reading the password: %v", err)
		}
		if again != pw {
			return "", roster.Errorf(roster.EINVALID, "the two passwords differ; nothing was changed")
		}
	}
	return pw, roster.ValidateOperatorPassword(pw)
}
