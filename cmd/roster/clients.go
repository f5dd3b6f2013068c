package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
)

// clientInfo is a client as `roster clients` prints it with --json. The
// secret is only ever there right after create.
type clientInfo struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret,omitempty"`
	Name         string   `json:"name"`
	Tenant       *string  `json:"tenant"` // null: all tenants
	Scopes       []string `json:"scopes"`
	Auth         string   `json:"auth"` // secret or key
	CreatedAt    string   `json:"created_at"`
	RevokedAt    *string  `json:"revoked_at"`
}

func infoOf(c *roster.Client) clientInfo {
	i := clientInfo{ClientID: c.ID, Name: c.Name, Scopes: c.Scopes, Auth: "secret", CreatedAt: c.CreatedAt.Format(time.RFC3339)}
	if !c.AllTenants {
		i.Tenant = &c.Tenant
	}
	if c.PublicKey != "" {
		i.Auth = "key"
	}
	if !c.RevokedAt.IsZero() {
		s := c.RevokedAt.Format(time.RFC3339)
		i.RevokedAt = &s
	}
	return i
}

func (a *app) clientsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "clients",
		Short: "Manage the machines that may call the API (roster serve)",
		Long: `Clients are the machines that call roster's API: an HR system, a provisioning script, a bot.
Each gets scopes (users:read users:write secrets:read setup:write clients:admin) and is bound to one
tenant or to all. A client proves who it is with the secret printed once by 'clients create', or,
when created with --public-key, with a JWT signed by its private key.`,
	}
	c.AddCommand(a.clientsCreateCmd(), a.clientsListCmd(), a.clientsRevokeCmd())
	return c
}

func (a *app) clientsCreateCmd() *cobra.Command {
	var (
		tenant, scope, keyFile string
		all, asJSON            bool
	)
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a client and print its ID and, once, its secret",
		Example: `  roster clients create hr-sync --tenant default --scope "users:read users:write"
  roster clients create symphony-bot --all-tenants --scope users:write --public-key bot.pub.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			scopes, err := roster.ParseScopes(scope)
			if err != nil {
				return err
			}
			cl := &roster.Client{ID: uuid.NewString(), Name: args[0], AllTenants: all, Scopes: scopes, CreatedAt: time.Now().UTC()}
			var secret string
			if keyFile != "" {
				pem, err := os.ReadFile(keyFile)
				if err != nil {
					return roster.Errorf(roster.EUNREADABLE, "%v", err)
				}
				cl.PublicKey = string(pem)
			} else {
				secret = roster.NewSecret()
				cl.SecretHash = roster.HashSecret(secret)
			}
			db, err := a.openOrCreate(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if tenant != "" {
				if cl.Tenant, err = roster.TenantName(c.Context(), db, tenant); err != nil {
					return err
				}
			}
			if err := db.CreateClient(c.Context(), cl); err != nil {
				return err
			}
			// The key that will sign the client's tokens, made now if the
			// directory has none, so that a server starting later need
			// not wait for the write lock to make it.
			if _, err := db.SigningKey(c.Context()); err != nil {
				return err
			}
			info := infoOf(cl)
			info.ClientSecret = secret
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(info)
			}
			printf(a.stdout, "Client %q created.\nclient_id:     %s\n", cl.Name, cl.ID)
			if secret != "" {
				printf(a.stdout, "client_secret: %s\nKeep the secret now: roster stores only its hash and cannot show it again.\n", secret)
			}
			return nil
		},
	}
	c.Flags().StringVar(&tenant, "tenant", "", "bind the client to this tenant")
	c.Flags().BoolVar(&all, "all-tenants", false, "let the client use every tenant")
	c.Flags().StringVar(&scope, "scope", "", `space-separated scopes, e.g. "users:read users:write"`)
	c.Flags().StringVar(&keyFile, "public-key", "", "PEM file of the client's RSA or EC public key: it signs JWT assertions instead of sending a secret")
	c.Flags().BoolVar(&asJSON, "json", false, "print the client as JSON")
	c.MarkFlagsMutuallyExclusive("tenant", "all-tenants")
	c.MarkFlagsOneRequired("tenant", "all-tenants")
	c.MarkFlagRequired("scope")
	c.RegisterFlagCompletionFunc("scope", fixed(roster.Scopes...))
	return c
}

func (a *app) clientsListCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the clients, revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			list, err := db.Clients(c.Context())
			if err != nil {
				return err
			}
			infos := make([]clientInfo, 0, len(list))
			for _, cl := range list {
				infos = append(infos, infoOf(cl))
			}
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(infos)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CLIENT_ID\tNAME\tTENANT\tSCOPES\tAUTH\tCREATED\tREVOKED")
			for _, i := range infos {
				tenant, revoked := "(all)", "-"
				if i.Tenant != nil {
					tenant = *i.Tenant
				}
				if i.RevokedAt != nil {
					revoked = *i.RevokedAt
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", i.ClientID, i.Name, tenant, strings.Join(i.Scopes, " "), i.Auth, i.CreatedAt, revoked)
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the clients as JSON")
	return c
}

func (a *app) clientsRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke CLIENT_ID",
		Short: "Revoke a client: its tokens stop working at once, on every server",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.RevokeClient(c.Context(), args[0], time.Now()); err != nil {
				return err
			}
			printf(a.stdout, "Client %s revoked.\n", args[0])
			return nil
		},
	}
}
