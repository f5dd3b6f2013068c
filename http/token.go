package http

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/roster-dev/roster"
)

// The token endpoint: OAuth 2.0 client credentials (RFC 6749 §4.4), with
// client authentication by secret (HTTP Basic or in the body) or by a JWT
// signed with the client's key (RFC 7523).

const (
	grantClientCredentials = "client_credentials"
	assertionJWTBearer     = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// maxAssertionAhead is how far ahead an assertion's exp may be: a
	// captured assertion is good for no longer than that.
	maxAssertionAhead = 5 * time.Minute
	// skew is the clock difference forgiven between a client and us.
	skew = 30 * time.Second
)

// tokenForm is the token request, as a form or as JSON.
type tokenForm struct {
	GrantType           string `json:"grant_type" enum:"client_credentials"`
	Scope               string `json:"scope,omitempty" doc:"Space-separated scopes, a subset of the client's; all of them when absent."`
	ClientID            string `json:"client_id,omitempty" doc:"With client_secret, when HTTP Basic is not used."`
	ClientSecret        string `json:"client_secret,omitempty"`
	ClientAssertionType string `json:"client_assertion_type,omitempty" enum:"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"`
	ClientAssertion     string `json:"client_assertion,omitempty" doc:"A JWT signed by the client's key: iss and sub the client_id, aud the token endpoint's URL, exp at most 5 minutes ahead, a jti never used before."`
}

// tokenRequest is a parsed token request with its client authentication.
type tokenRequest struct {
	tokenForm
	basic bool // the client authenticated with HTTP Basic
}

// tokenAnswer is a successful token response (RFC 6749 §5.1).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" enum:"Bearer"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// oauthError is an error of the token endpoint (RFC 6749 §5.2).
type oauthError struct {
	Code        string `json:"error" enum:"invalid_request,invalid_client,invalid_grant,invalid_scope,unauthorized_client,unsupported_grant_type"`
	Description string `json:"error_description,omitempty"`
	status      int
}

func (e *oauthError) Error() string             { return e.Code + ": " + e.Description }
func (e *oauthError) GetStatus() int            { return e.status }
func (e *oauthError) ContentType(string) string { return "application/json" }
func (e *oauthError) GetHeaders() http.Header {
	h := http.Header{"Cache-Control": {"no-store"}}
	if e.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="roster"`)
	}
	return h
}

func badRequest(code, desc string) *oauthError {
	return &oauthError{Code: code, Description: desc, status: http.StatusBadRequest}
}

func badClient(desc string) *oauthError {
	return &oauthError{Code: "invalid_client", Description: desc, status: http.StatusUnauthorized}
}

// parseTokenRequest reads a token request's body (form or JSON) and its
// Authorization header. Parameters may not repeat, and a client uses one
// way to authenticate (RFC 6749 §2.3, §3.2).
func parseTokenRequest(contentType string, body []byte, authorization string) (*tokenRequest, *oauthError) {
	var req tokenRequest
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&req.tokenForm); err != nil {
			return nil, badRequest("invalid_request", "the JSON body cannot be read: each parameter is a string")
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, badRequest("invalid_request", "the JSON body holds more than one value")
		}
	case "application/x-www-form-urlencoded", "":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, badRequest("invalid_request", "the form body cannot be read")
		}
		fields := map[string]*string{"grant_type": &req.GrantType, "scope": &req.Scope, "client_id": &req.ClientID,
			"client_secret": &req.ClientSecret, "client_assertion_type": &req.ClientAssertionType, "client_assertion": &req.ClientAssertion}
		for name, vs := range values {
			if f := fields[name]; f != nil {
				if len(vs) > 1 {
					return nil, badRequest("invalid_request", "the parameter "+name+" is given more than once")
				}
				*f = vs[0]
			}
		}
	default:
		return nil, badRequest("invalid_request", "send the token request as application/x-www-form-urlencoded or application/json")
	}
	if authorization != "" {
		id, secret, err := parseBasic(authorization)
		if err != nil {
			return nil, badClient(err.Error())
		}
		if req.ClientSecret != "" || req.ClientAssertion != "" || (req.ClientID != "" && req.ClientID != id) {
			return nil, badRequest("invalid_request", "authenticate the client one way only: HTTP Basic, client_secret or client_assertion")
		}
		req.ClientID, req.ClientSecret, req.basic = id, secret, true
	}
	if req.ClientSecret != "" && (req.ClientAssertion != "" || req.ClientAssertionType != "") {
		return nil, badRequest("invalid_request", "authenticate the client one way only: client_secret or client_assertion")
	}
	switch {
	case req.GrantType == "":
		return nil, badRequest("invalid_request", "grant_type is missing; it is client_credentials")
	case req.GrantType != grantClientCredentials:
		return nil, badRequest("unsupported_grant_type", "the only grant type is client_credentials")
	}
	return &req, nil
}

// parseBasic reads HTTP Basic credentials, form-decoded as RFC 6749
// §2.3.1 wants.
func parseBasic(h string) (id, secret string, err error) {
	scheme, enc, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", errors.New("the Authorization header of the token endpoint is HTTP Basic")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", errors.New("the Basic credentials are not base64")
	}
	id, secret, ok = strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errors.New("the Basic credentials are not client_id:client_secret")
	}
	if id, err = url.QueryUnescape(id); err == nil {
		secret, err = url.QueryUnescape(secret)
	}
	if err != nil {
		return "", "", errors.New("the Basic credentials are not form-encoded")
	}
	return id, secret, nil
}

type tokenInput struct {
	ctx huma.Context
}

// Resolve keeps the request: the endpoint reads its body itself, since
// it takes a form or JSON and answers errors in OAuth's shape.
func (in *tokenInput) Resolve(ctx huma.Context) []error {
	in.ctx = ctx
	return nil
}

type tokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Pragma       string `header:"Pragma"`
	Body         tokenAnswer
}

func (s *Server) registerToken() {
	reg := s.api.OpenAPI().Components.Schemas
	form := reg.Schema(reflect.TypeFor[tokenForm](), true, "")
	oauthErr := &huma.Response{Description: "An OAuth error (RFC 6749 §5.2).",
		Content: map[string]*huma.MediaType{"application/json": {Schema: reg.Schema(reflect.TypeFor[oauthError](), true, "")}}}
	huma.Register(s.api, huma.Operation{
		OperationID: "issue-token", Method: http.MethodPost, Path: "/oauth2/token", Tags: []string{"auth"},
		Summary: "Get an access token (OAuth 2.0 client credentials)",
		Description: "RFC 6749 §4.4. The client authenticates with HTTP Basic, with client_id and client_secret in the body, " +
			"or with a JWT assertion signed by its key (RFC 7523). Repeated failures from one address are answered 429.",
		Responses: map[string]*huma.Response{"400": oauthErr, "401": oauthErr},
		Errors:    []int{http.StatusRequestEntityTooLarge, http.StatusTooManyRequests},
	}, s.issueToken)
	s.readsBody(http.MethodPost, "/oauth2/token", &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"application/x-www-form-urlencoded": {Schema: form}, "application/json": {Schema: form}}})
}

func (s *Server) issueToken(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
	now := s.now()
	addr := in.ctx.RemoteAddr()
	if wait := s.limiter.Blocked(addr, now); wait > 0 {
		return nil, problem(http.StatusTooManyRequests, "too many failed token requests from this address; try again later").retryAfter(wait)
	}
	body, err := io.ReadAll(io.LimitReader(in.ctx.BodyReader(), MaxJSONBody+1))
	if err != nil {
		return nil, problem(http.StatusBadRequest, "the request body could not be read")
	}
	if len(body) > MaxJSONBody {
		return nil, problem(http.StatusRequestEntityTooLarge, "a token request is at most 1 MiB")
	}
	req, oerr := parseTokenRequest(in.ctx.Header("Content-Type"), body, in.ctx.Header("Authorization"))
	var out *tokenOutput
	if oerr == nil {
		out, err = s.grant(ctx, req, now)
		if !errors.As(err, &oerr) && err != nil {
			return nil, s.fail(ctx, err)
		}
	}
	if oerr != nil {
		s.limiter.Fail(addr, now)
		return nil, oerr
	}
	return out, nil
}

// grant authenticates the client and issues a token.
func (s *Server) grant(ctx context.Context, req *tokenRequest, now time.Time) (*tokenOutput, error) {
	var (
		cl  *roster.Client
		err error
	)
	switch {
	case req.ClientAssertion != "" || req.ClientAssertionType != "":
		cl, err = s.assertion(ctx, req, now)
	case req.ClientID != "" && req.ClientSecret != "":
		cl, err = s.secret(ctx, req.ClientID, req.ClientSecret)
	default:
		return nil, badClient("authenticate the client: HTTP Basic, client_id and client_secret, or client_assertion")
	}
	if err != nil {
		return nil, err
	}
	scopes := cl.Scopes
	if strings.TrimSpace(req.Scope) != "" {
		want, err := roster.ParseScopes(req.Scope)
		if err != nil {
			return nil, badRequest("invalid_scope", roster.ErrorMessage(err))
		}
		for _, sc := range want {
			if !cl.Has(sc) {
				return nil, badRequest("invalid_scope", "the client does not hold the scope "+sc)
			}
		}
		scopes = want
	}
	// Signed, not stored: issuing a token writes nothing, so it does not
	// wait for an import that holds the directory's write lock.
	raw, _ := s.cfg.Keys.IssueToken(cl, scopes, now)
	infoFrom(ctx).clientID = cl.ID
	return &tokenOutput{CacheControl: "no-store", Pragma: "no-cache", Body: tokenAnswer{
		AccessToken: raw, TokenType: "Bearer", ExpiresIn: int(roster.TokenTTL / time.Second), Scope: strings.Join(scopes, " ")}}, nil
}

// active finds a client that may authenticate; the answer for an unknown
// client and a revoked one is the same as for a wrong secret.
func (s *Server) active(ctx context.Context, id string) (*roster.Client, error) {
	cl, err := s.cfg.Clients.Client(ctx, id)
	if roster.ErrorCode(err) == roster.ENOTFOUND || (err == nil && !cl.RevokedAt.IsZero()) {
		return nil, badClient("client authentication failed")
	}
	return cl, err
}

func (s *Server) secret(ctx context.Context, id, secret string) (*roster.Client, error) {
	hash := roster.HashSecret(secret)
	cl, err := s.active(ctx, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(hash, cl.SecretHash) != 1 {
		return nil, badClient("client authentication failed")
	}
	return cl, nil
}

// signingMethods are the JWT algorithms of RSA and EC keys; "none" and
// the HMAC ones, which a public key cannot check, are refused.
var signingMethods = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// tokenURL is the token endpoint's URL, the audience of assertions.
func (s *Server) tokenURL() string { return s.cfg.BaseURL + "/oauth2/token" }

// assertion authenticates a client by a JWT signed with its key (RFC 7523
// §2.2, §3).
func (s *Server) assertion(ctx context.Context, req *tokenRequest, now time.Time) (*roster.Client, error) {
	if req.ClientAssertionType != assertionJWTBearer {
		return nil, badRequest("invalid_request", "client_assertion_type must be "+assertionJWTBearer)
	}
	if req.ClientAssertion == "" {
		return nil, badRequest("invalid_request", "client_assertion is missing")
	}
	if s.cfg.BaseURL == "" {
		// Without its own URL the server cannot tell an assertion made
		// for it from one made for another.
		return nil, roster.Errorf(roster.EINTERNAL, "the server has no base URL to check assertions' audience against")
	}
	var (
		claims jwt.RegisteredClaims
		cl     *roster.Client
		stored error // a failure of the store, not of the client
	)
	_, err := jwt.ParseWithClaims(req.ClientAssertion, &claims, func(*jwt.Token) (any, error) {
		if claims.Issuer == "" || (req.ClientID != "" && req.ClientID != claims.Issuer) {
			return nil, errors.New("iss")
		}
		c, err := s.active(ctx, claims.Issuer)
		if err != nil {
			if roster.ErrorCode(err) == roster.EINTERNAL && !isOAuth(err) {
				stored = err
			}
			return nil, err
		}
		if c.PublicKey == "" {
			return nil, errors.New("no key")
		}
		key, err := roster.ParsePublicKey(c.PublicKey)
		if err != nil {
			return nil, err
		}
		cl = c
		return key, nil
	}, jwt.WithValidMethods(signingMethods), jwt.WithExpirationRequired(), jwt.WithTimeFunc(s.now),
		jwt.WithLeeway(skew), jwt.WithAudience(s.tokenURL(), s.cfg.BaseURL))
	switch {
	case stored != nil:
		return nil, stored
	case err == nil:
	case cl == nil || errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, jwt.ErrTokenMalformed) || errors.Is(err, jwt.ErrTokenUnverifiable):
		// Nothing more is said about an assertion not signed by a known
		// client's key.
		return nil, badClient("client authentication failed")
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, badClient("the client assertion has expired")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, badClient("the client assertion's aud must be " + s.tokenURL())
	default:
		return nil, badClient("the client assertion is not valid: " + err.Error())
	}
	switch {
	case claims.Subject != claims.Issuer:
		return nil, badClient("the client assertion's sub must be its iss, the client_id")
	case claims.ExpiresAt.After(now.Add(maxAssertionAhead + skew)):
		return nil, badClient("the client assertion's exp is more than 5 minutes ahead")
	case claims.ID == "":
		return nil, badClient("the client assertion has no jti")
	}
	err = s.cfg.Clients.UseAssertion(ctx, cl.ID, claims.ID, claims.ExpiresAt.Add(skew), now)
	if roster.ErrorCode(err) == roster.ECONFLICT {
		return nil, badClient("the client assertion was already used: each one needs a new jti")
	}
	return cl, err
}

func isOAuth(err error) bool {
	var o *oauthError
	return errors.As(err, &o)
}
