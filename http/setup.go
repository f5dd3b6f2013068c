package http

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/setupfile"
)

// The reference data, as `roster setup` reads and shows it.

type setupGetInput struct {
	Accept string `header:"Accept" doc:"application/json for JSON; YAML otherwise"`
}

type setupPutInput struct {
	Prune bool `query:"prune" doc:"also remove the objects the body does not declare"`
	ctx   huma.Context
}

func (in *setupPutInput) Resolve(ctx huma.Context) []error {
	in.ctx = ctx
	return nil
}

type setupPutOutput struct {
	Body struct {
		Changes []string `json:"changes" doc:"what changed, in words; empty when nothing did"`
	}
}

const yamlType = "application/yaml"

func (s *Server) registerSetup() {
	ref := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[roster.Reference](), true, "")
	both := map[string]*huma.MediaType{yamlType: {Schema: ref}, "application/json": {Schema: ref}}
	huma.Register(s.api, huma.Operation{
		OperationID: "get-setup", Method: http.MethodGet, Path: "/api/v1/setup", Tags: []string{"setup"},
		Summary:  "The reference data: tenants, contexts and ranges, roles, profiles, permissions",
		Security: secured(roster.ScopeUsersRead),
		Responses: map[string]*huma.Response{"200": {Description: "The reference data, as roster setup --show prints it; " +
			"a client bound to a tenant sees that tenant only", Content: both}},
	}, func(ctx context.Context, in *setupGetInput) (*rawOutput, error) {
		ref, err := s.cfg.Directory.Reference(ctx)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		if p := PrincipalFrom(ctx); p.Tenant != "" {
			ref = ref.Only(p.Tenant)
		}
		if strings.Contains(in.Accept, "application/json") {
			b, err := json.Marshal(ref)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &rawOutput{ContentType: "application/json", Body: b}, nil
		}
		var buf bytes.Buffer
		if err := setupfile.Write(&buf, ref); err != nil {
			return nil, s.fail(ctx, err)
		}
		return &rawOutput{ContentType: yamlType, Body: buf.Bytes()}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "put-setup", Method: http.MethodPut, Path: "/api/v1/setup", Tags: []string{"setup"},
		Summary:     "Declare reference data",
		Description: "As roster setup FILE: adds and updates, removes only with prune=true, idempotent. The reference data is the whole directory's, so this needs a client of all tenants.",
		Security:    secured(roster.ScopeSetupWrite),
		Errors:      []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *setupPutInput) (*setupPutOutput, error) {
		if !PrincipalFrom(ctx).AllTenants {
			return nil, problem(http.StatusForbidden, "the reference data is the whole directory's: changing it needs a client of all tenants")
		}
		body, err := readAll(in.ctx.BodyReader(), MaxJSONBody, "a setup body is at most 1 MiB")
		if err != nil {
			return nil, err
		}
		ref, err := parseSetup(in.ctx.Header("Content-Type"), body)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		changes, err := s.cfg.Directory.SetReference(ctx, ref, in.Prune)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &setupPutOutput{}
		out.Body.Changes = append([]string{}, changes...)
		return out, nil
	})
	s.readsBody(http.MethodPut, "/api/v1/setup", &huma.RequestBody{Required: true, Content: both})
}

// parseSetup reads a setup body: YAML as roster setup reads it, or JSON,
// which is YAML too, with the same keys.
func parseSetup(contentType string, body []byte) (*roster.Reference, error) {
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "", yamlType, "application/x-yaml", "text/yaml", "text/x-yaml", "application/json", "text/plain":
	default:
		return nil, problem(http.StatusUnsupportedMediaType, "send the reference data as YAML (application/yaml) or JSON (application/json)")
	}
	ref, err := setupfile.Read(bytes.NewReader(body))
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "the setup body: %v", err)
	}
	return ref, nil
}
