package http

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/roster-dev/roster"
)

// Principal is who makes a request: the client its token was issued to,
// the scopes the token carries, and the tenant the request acts on.
type Principal struct {
	ClientID string
	Scopes   []string
	// Tenant is the tenant the request acts on: the client's own for a
	// client bound to one, else the one the Wazo-Tenant header names;
	// empty when a client of all tenants named none.
	Tenant string
	// AllTenants tells a client that may use every tenant.
	AllTenants bool
}

// Has tells whether the request's token carries a scope.
func (p *Principal) Has(scope string) bool { return slices.Contains(p.Scopes, scope) }

type principalKey struct{}

// PrincipalFrom returns the principal of an authenticated request, nil for
// the public endpoints.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Names of the security schemes in the OpenAPI document.
const (
	schemeOAuth2 = "oauth2"
	schemeWazo   = "wazoToken"
)

func securitySchemes() map[string]*huma.SecurityScheme {
	scopes := roster.ScopeDocs
	return map[string]*huma.SecurityScheme{
		schemeOAuth2: {Type: "oauth2", Description: "A token of POST /oauth2/token, sent as Authorization: Bearer TOKEN.",
			Flows: &huma.OAuthFlows{ClientCredentials: &huma.OAuthFlow{TokenURL: "/oauth2/token", Scopes: scopes}}},
		schemeWazo: {Type: "apiKey", In: "header", Name: "X-Auth-Token",
			Description: "The same token in Wazo's header, for scripts written for Wazo's confd."},
	}
}

// secured marks an operation as needing a token with a scope ("" for any
// valid token). The authentication middleware reads it back, so the
// document and the checks are one declaration.
func secured(scope string) []map[string][]string {
	s := []string{}
	if scope != "" {
		s = []string{scope}
	}
	return []map[string][]string{{schemeOAuth2: s}, {schemeWazo: s}}
}

// authenticate checks the token of every operation that declares a
// security requirement, and passes the principal on in the context.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if len(op.Security) == 0 {
		next(ctx)
		return
	}
	if p, ok := ctx.Context().Value(onBehalfKey{}).(*Principal); ok {
		infoFrom(ctx.Context()).clientID = p.ClientID
		if lacksScope(ctx, op, p.Scopes) {
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
		return
	}
	raw := bearer(ctx.Header("Authorization"))
	if raw == "" {
		raw = strings.TrimSpace(ctx.Header("X-Auth-Token"))
	}
	if raw == "" {
		writeProblem(ctx, problem(http.StatusUnauthorized, "this endpoint needs an access token: send Authorization: Bearer TOKEN, with a token of POST /oauth2/token").
			with("WWW-Authenticate", `Bearer realm="roster"`))
		return
	}
	tok, err := s.cfg.Keys.CheckToken(ctx.Context(), raw, s.now(), s.cfg.Clients.Client)
	if roster.ErrorCode(err) == roster.ENOTFOUND {
		writeProblem(ctx, problem(http.StatusUnauthorized, "the access token is unknown, expired or revoked; ask POST /oauth2/token for a new one").
			with("WWW-Authenticate", `Bearer realm="roster", error="invalid_token"`))
		return
	}
	if err != nil {
		writeProblem(ctx, s.fail(ctx.Context(), err).(*Problem))
		return
	}
	infoFrom(ctx.Context()).clientID = tok.ClientID
	if lacksScope(ctx, op, tok.Scopes) {
		return
	}
	p := &Principal{ClientID: tok.ClientID, Scopes: tok.Scopes, Tenant: tok.Tenant, AllTenants: tok.AllTenants}
	if want := strings.TrimSpace(ctx.Header("Wazo-Tenant")); want != "" {
		// Another tenant's name and an unknown one get the same answer, so
		// that a client learns nothing of the tenants it may not use.
		denied := problem(http.StatusForbidden, "the tenant "+quote(want)+" is unknown or not open to this client")
		if !p.AllTenants {
			if !strings.EqualFold(want, p.Tenant) {
				writeProblem(ctx, denied)
				return
			}
		} else {
			ref, err := s.cfg.Directory.Reference(ctx.Context())
			if err != nil {
				writeProblem(ctx, s.fail(ctx.Context(), err).(*Problem))
				return
			}
			t := ref.Tenant(want)
			if t == nil {
				writeProblem(ctx, denied)
				return
			}
			p.Tenant = t.Name
		}
	}
	next(huma.WithValue(ctx, principalKey{}, p))
}

// lacksScope answers 403 when the scopes lack one that the operation
// needs.
func lacksScope(ctx huma.Context, op *huma.Operation, scopes []string) bool {
	for _, need := range op.Security[0][schemeOAuth2] {
		if !slices.Contains(scopes, need) {
			writeProblem(ctx, problem(http.StatusForbidden, "the token does not carry the scope "+need+" that this endpoint needs").
				with("WWW-Authenticate", `Bearer realm="roster", error="insufficient_scope", scope="`+need+`"`))
			return true
		}
	}
	return false
}

type onBehalfKey struct{}

// OnBehalf returns the context of a request that a caller in this process
// (the web console) makes to the server's routes for someone it has
// authenticated itself (an operator signed in): the API takes p as the
// request's principal instead of reading a token, and holds it to its
// scopes and tenant as it holds a token's. A request from the network
// cannot carry it, so the console can do nothing that the API would not
// let p do.
func OnBehalf(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, onBehalfKey{}, p)
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header.
func bearer(h string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// writeProblem answers a problem from a middleware, where no handler
// returns it.
func writeProblem(ctx huma.Context, p *Problem) {
	_, w := humago.Unwrap(ctx)
	writeProblemTo(w, p)
}

func writeProblemTo(w http.ResponseWriter, p *Problem) {
	for k, vs := range p.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", p.ContentType(""))
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// quote quotes a value from a request for a message, cut to a readable
// length.
func quote(s string) string {
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}
