// Package console serves roster's web console: server-rendered pages for
// the people who would rather drop a file on a page than type commands.
// Operators sign in with a name and a password (roster operators); their
// sessions are signed cookies, checked against the directory at each
// request. The pages call the same services as the
// API's handlers (the directory, the client store, the catalogue), so
// nothing is possible here that the API cannot do.
//
// The layout follows Miniflux's: one small file per page action, named
// verb-last (login_show.go draws the form, login_check.go handles its
// POST), forms parsed and validated in package form, middleware in its own
// files, and every route listed in routes.go. Templates, the stylesheet
// and a little JavaScript are embedded: nothing is built or fetched.
package console

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/throttle"
)

// Config is what the console is built from.
type Config struct {
	Directory roster.Directory
	Clients   roster.ClientService
	Operators roster.OperatorService
	// Keys sign and check the session cookies: made from the directory's
	// signing key (Clients.SigningKey) when the server starts. Required.
	Keys *roster.Keys
	// Limiter counts failed sign-ins per address; the server shares it
	// with its token endpoint.
	Limiter *throttle.Limiter
	Logger  *slog.Logger
	// SecureCookies marks the cookies Secure even on plain HTTP requests:
	// behind a proxy that terminates TLS, the browser still speaks HTTPS.
	// Requests that come in over TLS always get Secure cookies.
	SecureCookies bool
	// Now is the clock; tests move it. Default time.Now.
	Now func() time.Time
}

// Console is the web console: it registers its pages on a server's mux.
type Console struct {
	h *handler
}

// New builds the console.
func New(cfg Config) *Console {
	if cfg.Keys == nil {
		panic("console: the console needs the directory's keys (Config.Keys)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limiter == nil {
		cfg.Limiter = throttle.New(10, time.Minute)
	}
	unknownHash() // before the first sign-in, which it would otherwise slow
	return &Console{h: &handler{cfg: cfg, log: cfg.Logger, views: parseViews()}}
}

// handler holds what every page needs. Each page action is one method.
type handler struct {
	cfg   Config
	log   *slog.Logger
	views views
	// mux is the server's: the console calls the API's routes through it.
	mux *http.ServeMux
}

func (h *handler) now() time.Time { return h.cfg.Now() }
