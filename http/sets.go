package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
)

// Groups and rooms, and their members.

type setsOutput struct {
	Body struct {
		Items []roster.Set `json:"items"`
	}
}

type setInput struct {
	Name string `path:"name" doc:"the name, in any case"`
}

type setCreateOutput struct {
	Location string `header:"Location"`
	Body     roster.Set
}

type membersInput struct {
	Name   string `path:"name" doc:"the name, in any case"`
	Create bool   `query:"create" doc:"create the group or room when it does not exist (when adding)"`
	DryRun bool   `query:"dry_run" doc:"only plan the change (a JSON body may say dry_run too)"`
	hctx   huma.Context
}

func (in *membersInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	return nil
}

// memberJSON is a member as a list of members shows it: what names it.
type memberJSON struct {
	UUID        string `json:"uuid"`
	Tenant      string `json:"tenant"`
	Firstname   string `json:"firstname"`
	Lastname    string `json:"lastname"`
	DisplayName string `json:"display_name"`
	Username    string `json:"username"`
	Email       string `json:"email"`
}

type membersOutput struct {
	Body struct {
		Items []memberJSON `json:"items"`
	}
}

func (s *Server) registerSets() {
	for _, k := range []struct{ path, kind string }{{"groups", "group"}, {"rooms", "room"}} {
		base := "/api/v1/" + k.path
		kind := k.kind
		tags := []string{k.path}

		huma.Register(s.api, huma.Operation{
			OperationID: "list-" + k.path, Method: http.MethodGet, Path: base, Tags: tags,
			Summary:  "Every " + kind + " of the tenant, with its member count",
			Security: secured(roster.ScopeUsersRead), Errors: readErrors,
		}, func(ctx context.Context, _ *struct{}) (*setsOutput, error) {
			sets, err := s.cfg.Directory.Sets(ctx, kind, PrincipalFrom(ctx).Tenant)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			out := &setsOutput{}
			out.Body.Items = sets
			return out, nil
		})

		huma.Register(s.api, huma.Operation{
			OperationID: "create-" + kind, Method: http.MethodPost, Path: base, Tags: tags,
			Summary:  "Create a " + kind,
			Security: secured(roster.ScopeUsersWrite), Errors: writeErrors, DefaultStatus: http.StatusCreated,
		}, func(ctx context.Context, in *bodyInput) (*setCreateOutput, error) {
			body, err := readJSON(in.hctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			name, err := parseSetName(body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			p := PrincipalFrom(ctx)
			res, err := changeMembers(ctx, view{Directory: s.cfg.Directory, tenant: p.Tenant}, kind, "add", p.Tenant, name, nil, true, false)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			if len(res.GroupsCreated)+len(res.RoomsCreated) == 0 {
				return nil, problem(http.StatusConflict, "there is already a "+kind+" named "+quote(name))
			}
			return &setCreateOutput{Location: base + "/" + url.PathEscape(name), Body: roster.Set{Name: name}}, nil
		})
		s.readsBody(http.MethodPost, base, &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json": {Schema: &huma.Schema{Type: "object", Required: []string{"name"}, AdditionalProperties: false,
				Properties: map[string]*huma.Schema{"name": {Type: "string", Description: "the name, as a cell of " + k.path + " holds one"}}}}}})

		huma.Register(s.api, huma.Operation{
			OperationID: "delete-" + kind, Method: http.MethodDelete, Path: base + "/{name}", Tags: tags,
			Summary:  "Delete a " + kind + "; its members stay",
			Security: secured(roster.ScopeUsersWrite), Errors: writeErrors,
		}, func(ctx context.Context, in *setInput) (*struct{}, error) {
			p := PrincipalFrom(ctx)
			res, err := deleteSet(ctx, view{Directory: s.cfg.Directory, tenant: p.Tenant}, kind, p.Tenant, in.Name)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			if *res.Deleted == 0 {
				return nil, noSet(kind, in.Name, false)
			}
			return nil, nil
		})

		huma.Register(s.api, huma.Operation{
			OperationID: "list-" + kind + "-members", Method: http.MethodGet, Path: base + "/{name}/members", Tags: tags,
			Summary:  "The members of a " + kind + ", sorted by lastname, firstname and uuid",
			Security: secured(roster.ScopeUsersRead), Errors: readErrors,
		}, func(ctx context.Context, in *setInput) (*membersOutput, error) {
			p := PrincipalFrom(ctx)
			users, err := members(ctx, view{Directory: s.cfg.Directory, tenant: p.Tenant}, kind, p.Tenant, in.Name)
			if roster.ErrorCode(err) == roster.ENOTFOUND {
				return nil, noSet(kind, in.Name, false)
			}
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			out := &membersOutput{}
			out.Body.Items = make([]memberJSON, len(users))
			for i, u := range users {
				out.Body.Items[i] = memberJSON{UUID: u.UUID, Tenant: u.Tenant, Firstname: u.Firstname, Lastname: u.Lastname,
					DisplayName: u.DisplayName, Username: u.Username, Email: u.Email}
			}
			return out, nil
		})

		for _, a := range []struct{ method, action, summary string }{
			{http.MethodPost, "add", "Add users to a " + kind},
			{http.MethodDelete, "remove", "Remove users from a " + kind},
		} {
			action := a.action
			huma.Register(s.api, huma.Operation{
				OperationID: action + "-" + kind + "-members", Method: a.method, Path: base + "/{name}/members", Tags: tags,
				Summary: a.summary,
				Description: "As roster " + k.path + " " + action + ": the users of a JSON list or of a file (a sheet with a uuid, " +
					"username or email column, or one reference per line, as Symphony's userIDs.csv). A member already there (or " +
					"already gone) is unchanged; unknown references are listed in not_found; a reference that names two users " +
					"makes nothing change (errors). The answer is the command's result.",
				Security: secured(roster.ScopeUsersWrite), Errors: writeErrors,
			}, func(ctx context.Context, in *membersInput) (*resultOutput, error) {
				refs, dryRun, err := readRefs(in.hctx)
				if err != nil {
					return nil, s.fail(ctx, err)
				}
				p := PrincipalFrom(ctx)
				dir := view{Directory: s.cfg.Directory, tenant: p.Tenant, hide: true}
				res, err := changeMembers(ctx, dir, kind, action, p.Tenant, in.Name, refs, in.Create, dryRun || in.DryRun)
				if roster.ErrorCode(err) == roster.ENOTFOUND {
					return nil, noSet(kind, in.Name, action == "add")
				}
				if err != nil {
					return nil, s.fail(ctx, err)
				}
				return &resultOutput{Body: res}, nil
			})
			s.readsBody(a.method, base+"/{name}/members", refsBody())
		}
	}
}

// noSet is the 404 of a group or room that does not exist.
func noSet(kind, name string, canCreate bool) *Problem {
	msg := "there is no " + kind + " named " + quote(name)
	if canCreate {
		msg += " (add ?create=true to create it)"
	}
	p := problem(http.StatusNotFound, msg)
	p.Type = "urn:roster:problem:" + roster.ENOTFOUND
	return p
}

// parseSetName reads {"name": "…"}: one name, as a cell of groups or rooms
// would hold it (trimmed, in NFC, every character visible, no comma).
func parseSetName(body []byte) (string, error) {
	var req struct {
		Name *string `json:"name"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Name == nil || dec.More() {
		return "", roster.Errorf(roster.EINVALID, "the body must be {\"name\": \"…\"}")
	}
	col := catalog.Lookup("groups")
	name, msg := col.Normalize(*req.Name)
	switch {
	case msg != "":
		return "", rowProblems("the name cannot be used", []roster.Problem{{Column: "name", Value: cut(*req.Name), Message: msg}})
	case name == "" || strings.Contains(name, col.Sep):
		return "", rowProblems("the name cannot be used", []roster.Problem{{Column: "name", Value: cut(*req.Name),
			Message: "must be one name, without a comma"}})
	}
	return name, nil
}
