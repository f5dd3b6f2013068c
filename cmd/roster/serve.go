package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/console"
	"github.com/roster-dev/roster/http"
	"github.com/roster-dev/roster/jobs"
	"github.com/roster-dev/roster/postgres"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/throttle"
)

func (a *app) serveCmd() *cobra.Command {
	var (
		addr, baseURL, cert, key, metricsToken, dataDir string
		shutdown, retention                             time.Duration
		maxUpload                                       byteSize = http.DefaultMaxUpload
		maxQueued                                       int
	)
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API and the web console: import jobs, users, groups, rooms and setup over HTTP",
		Long: `Serve roster's API over HTTP (see docs/spec/api.md; the OpenAPI document is at
/api/v1/openapi.json). Clients authenticate with tokens of POST /oauth2/token: create them with
'roster clients create'. Logs are JSON lines on stderr, one per request. SIGTERM or Ctrl-C stops
accepting requests, cancels the running jobs (an atomic one writes nothing; they are marked
interrupted), lets the requests in flight finish (up to --shutdown-timeout) and exits 0.

Import jobs keep their files (uploads, plans, reports) in <db>.data/ beside the directory (for a
PostgreSQL directory, roster.data/ beside its key file), or in --data-dir, for --job-retention after
they end. Several servers of one PostgreSQL directory name one folder they share with --data-dir.

The web console is at /: operators sign in with the names and passwords given to
'roster operators create'.`,
		Example: `  roster serve --addr 127.0.0.1:8080
  roster serve --addr :443 --tls-cert cert.pem --tls-key key.pem --base-url https://roster.example.com`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			log := slog.New(slog.NewJSONHandler(a.stderr, nil))
			if metricsToken == "" {
				// The environment keeps the token out of the process list.
				metricsToken = os.Getenv("ROSTER_METRICS_TOKEN")
			}
			db, err := a.open(c.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			// The key that signs tokens and session cookies is read, or
			// made, now: the one write of a start, never one of a request.
			keys, err := roster.LoadKeys(c.Context(), db)
			if err != nil {
				return err
			}
			if dataDir == "" {
				// The jobs' files belong with the directory that holds
				// their rows.
				dataDir = a.dataDir()
			}
			pg, shared := db.(*postgres.DB)
			runner, err := jobs.New(jobs.Config{Directory: db, Store: db, Dir: dataDir, Workers: provision.NewWorkers(0),
				Log: log, Retention: retention, MaxQueued: maxQueued, Words: http.APIWords, Problem: http.JobProblem, Shared: shared})
			if err != nil {
				return err
			}
			if shared {
				// Every server of a PostgreSQL directory must name the
				// same folder: a job's files are read by whichever
				// server is asked for them.
				if err := pg.ShareFolder(c.Context(), dataDir); err != nil {
					return err
				}
			}
			// One limiter for the token endpoint and the console's sign-in:
			// a guesser gets the same few tries whichever it knocks at.
			limiter := throttle.New(10, time.Minute)
			con := console.New(console.Config{Directory: db, Clients: db, Operators: db, Keys: keys, Limiter: limiter, Logger: log,
				SecureCookies: strings.HasPrefix(baseURL, "https://")})
			s := http.New(http.Config{Directory: db, Clients: db, Keys: keys, Logger: log, BaseURL: baseURL, Limiter: limiter, Console: con,
				MetricsToken: metricsToken, MaxUpload: int64(maxUpload), Jobs: runner})
			if err := s.Open(addr, cert, key); err != nil {
				return err
			}
			if err := runner.Start(c.Context()); err != nil {
				return err
			}
			if err := s.Serve(c.Context(), shutdown); err != nil {
				return roster.Errorf(roster.EINTERNAL, "%v", err)
			}
			log.Info("stopped")
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&baseURL, "base-url", "", "the server's URL as clients reach it (default: from --addr); JWT assertions name its /oauth2/token")
	f.StringVar(&cert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	f.StringVar(&key, "tls-key", "", "the certificate's private key (PEM)")
	f.DurationVar(&shutdown, "shutdown-timeout", http.DefaultShutdownTimeout, "how long requests in flight may finish after SIGTERM")
	f.Var(&maxUpload, "max-upload", "largest file a job takes (e.g. 1GiB, 200MiB)")
	f.StringVar(&metricsToken, "metrics-token", "", "require this bearer token for /metrics (or env ROSTER_METRICS_TOKEN, which other users cannot read in the process list)")
	f.DurationVar(&retention, "job-retention", jobs.DefaultRetention, "how long finished jobs and their files are kept")
	f.StringVar(&dataDir, "data-dir", "", "the folder of the jobs' files: uploads and reports (default: <db>.data beside an SQLite directory; roster.data beside a PostgreSQL directory's key file); servers of one PostgreSQL directory share one")
	f.IntVar(&maxQueued, "max-queued", jobs.DefaultMaxQueued, "how many jobs a client may have waiting to run; past it, 429")
	return c
}

// byteSize is a flag holding a size such as 1GiB or 500MB.
type byteSize int64

func (b *byteSize) String() string { return humanize.IBytes(uint64(*b)) }
func (b *byteSize) Type() string   { return "size" }
func (b *byteSize) Set(s string) error {
	n, err := humanize.ParseBytes(s)
	if err != nil || n == 0 || n > math.MaxInt64 {
		return fmt.Errorf("%q is not a size such as 1GiB or 500MB", s)
	}
	*b = byteSize(n)
	return nil
}
