package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/provision"
)

// Users: one at a time, in pages, and deleted in bulk.

// refInput names one user in the path. Inputs repeat its fields rather
// than embed it: huma takes no parameter from an unexported embedded type.
type refInput struct {
	Ref string `path:"ref" doc:"The user: a uuid, a username or an email (usernames and emails in any case)."`
	Key string `query:"key" enum:"uuid,username,email" doc:"Which key ref is, when it may also be another user's value of another key (a username that is someone's email): then it is that key only."`
}

type userGetInput struct {
	Ref         string `path:"ref" doc:"The user: a uuid, a username or an email (usernames and emails in any case)."`
	Key         string `query:"key" enum:"uuid,username,email" doc:"Which key ref is, when it may also be another user's value of another key: then it is that key only."`
	WithSecrets bool   `query:"with_secrets" doc:"include the secret columns (scope secrets:read)"`
}

type userWriteInput struct {
	Ref     string `path:"ref" doc:"The user: a uuid, a username or an email (usernames and emails in any case)."`
	Key     string `query:"key" enum:"uuid,username,email" doc:"Which key ref is, when it may also be another user's value of another key: then it is that key only."`
	IfMatch string `header:"If-Match" doc:"the user's ETag as read: the write is made only if the user is still that version (412 otherwise)"`
	hctx    huma.Context
}

func (in *userWriteInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	return nil
}

func (in *userWriteInput) ref() refInput { return refInput{Ref: in.Ref, Key: in.Key} }

type userOutput struct {
	ETag     string `header:"ETag" doc:"the user's version; send it back in If-Match to write only that version"`
	Location string `header:"Location"`
	Body     userJSON
}

type listUsersInput struct {
	Q           string `query:"q" maxLength:"256" doc:"keep the users whose username, email, firstname, lastname or extension starts with this (names in any case)"`
	Group       string `query:"group" doc:"keep the members of this group"`
	Room        string `query:"room" doc:"keep the members of this room"`
	Limit       int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"users per page"`
	Cursor      string `query:"cursor" doc:"the next_cursor of the previous page"`
	WithSecrets bool   `query:"with_secrets" doc:"include the secret columns (scope secrets:read)"`
}

type listUsersOutput struct {
	Body struct {
		Items      []userJSON `json:"items"`
		NextCursor *string    `json:"next_cursor" doc:"where the next page starts; null on the last page"`
	}
}

type deleteUsersInput struct {
	DryRun bool `query:"dry_run" doc:"only plan the deletion (a JSON body may say dry_run too)"`
	hctx   huma.Context
}

func (in *deleteUsersInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	return nil
}

type resultOutput struct {
	Body *roster.Result
}

var (
	readErrors  = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict}
	writeErrors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict,
		http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}
)

func (s *Server) registerUsers() {
	huma.Register(s.api, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: "/api/v1/users", Tags: []string{"users"},
		Summary:     "A page of users",
		Description: "Sorted as export sorts them (tenant, lastname, firstname, uuid). Follow next_cursor for the next page.",
		Security:    secured(roster.ScopeUsersRead), Errors: readErrors,
	}, func(ctx context.Context, in *listUsersInput) (*listUsersOutput, error) {
		if err := s.secrets(ctx, in.WithSecrets); err != nil {
			return nil, err
		}
		q := roster.UserQuery{Tenant: PrincipalFrom(ctx).Tenant, Prefix: strings.TrimSpace(in.Q), Group: strings.TrimSpace(in.Group),
			Room: strings.TrimSpace(in.Room), Limit: in.Limit, Secrets: in.WithSecrets}
		if in.Cursor != "" {
			c, err := roster.ParseCursor(in.Cursor)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			q.After = c
		}
		page, err := s.cfg.Directory.ListUsers(ctx, q)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &listUsersOutput{}
		out.Body.Items = make([]userJSON, len(page.Users))
		for i, u := range page.Users {
			out.Body.Items[i] = userJSON{u: u, secrets: in.WithSecrets}
		}
		out.Body.NextCursor = cursorText(page.Next)
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-user", Method: http.MethodGet, Path: "/api/v1/users/{ref}", Tags: []string{"users"},
		Summary: "A user", Security: secured(roster.ScopeUsersRead), Errors: readErrors,
	}, func(ctx context.Context, in *userGetInput) (*userOutput, error) {
		if err := s.secrets(ctx, in.WithSecrets); err != nil {
			return nil, err
		}
		u, err := s.find(ctx, refInput{Ref: in.Ref, Key: in.Key}, in.WithSecrets)
		if err != nil {
			return nil, err
		}
		return &userOutput{ETag: etag(u), Body: userJSON{u: u, secrets: in.WithSecrets}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: "/api/v1/users", Tags: []string{"users"},
		Summary:     "Create a user",
		Description: "The user passes the same checks as one row of an import (the keys are the columns); 422 lists its problems.",
		Security:    secured(roster.ScopeUsersWrite), Errors: writeErrors, DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *bodyInput) (*userOutput, error) {
		body, err := readJSON(in.hctx)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		fields, problems, err := parseUser(body)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		p := PrincipalFrom(ctx)
		var row []field
		empty := true
		for _, f := range fields {
			switch {
			case f.col.Name == "avatar" && f.cell != "":
				problems = append(problems, roster.Problem{Column: "avatar", Value: cut(f.cell), Message: "a picture is sent on its own: PUT /api/v1/users/{ref}/avatar"})
			case f.col.Name != "avatar":
				row = append(row, f)
				empty = empty && (f.cell == "" || f.col.Name == "tenant")
			}
		}
		if len(problems) > 0 {
			return nil, rowProblems("the user cannot be created as it is", problems)
		}
		if empty {
			return nil, rowProblems("the user cannot be created as it is", []roster.Problem{{Column: "firstname",
				Message: "the user has no value: give at least a firstname, a display_name or a username"}})
		}
		if !hasColumn(row, "tenant") {
			// The tenant the request acts on; without one, the default.
			row = append([]field{{catalog.Lookup("tenant"), p.Tenant}}, row...)
		}
		res, id, err := runRow(ctx, view{Directory: s.cfg.Directory, tenant: p.Tenant}, false, row, nil)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		if res.Failed > 0 || id == "" {
			return nil, rowProblems("the user cannot be created as it is", res.Errors)
		}
		return s.userAnswer(ctx, id, "/api/v1/users/"+id)
	})
	s.readsBody(http.MethodPost, "/api/v1/users", userBody("The user: keys are column names; absent keys take the catalogue's defaults.", "application/json"))

	huma.Register(s.api, huma.Operation{
		OperationID: "update-user", Method: http.MethodPatch, Path: "/api/v1/users/{ref}", Tags: []string{"users"},
		Summary: "Change a user (JSON merge patch)",
		Description: "RFC 7396: an absent key is left as it is, null clears, an array replaces the whole set. " +
			"The rules of an update hold (a line's protocol cannot change; clearing a required value fails: 422).",
		Security: secured(roster.ScopeUsersWrite), Errors: writeErrors,
	}, func(ctx context.Context, in *userWriteInput) (*userOutput, error) {
		body, err := readJSON(in.hctx, "application/merge-patch+json")
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		fields, problems, err := parseUser(body)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		u, err := s.writable(ctx, in)
		if err != nil {
			return nil, err
		}
		row := []field{{catalog.Lookup("uuid"), u.UUID}}
		for _, f := range fields {
			switch f.col.Name {
			case "uuid":
				if !strings.EqualFold(f.cell, u.UUID) {
					problems = append(problems, roster.Problem{Column: "uuid", Value: cut(f.cell), Message: "a user's uuid cannot change"})
				}
			case "avatar":
				switch {
				case f.cell == "":
					row = append(row, f) // null removes the picture
				case u.Avatar == nil || f.cell != avatarPath(u):
					problems = append(problems, roster.Problem{Column: "avatar", Value: cut(f.cell), Message: "a picture is sent on its own: PUT /api/v1/users/{ref}/avatar"})
				}
			default:
				row = append(row, f)
			}
		}
		if len(problems) > 0 {
			return nil, rowProblems("the patch cannot be applied as it is", problems)
		}
		if len(row) == 1 {
			return &userOutput{ETag: etag(u), Body: userJSON{u: u}}, nil // changes nothing
		}
		if err := s.updateRow(ctx, u, in.IfMatch, row, nil, "the patch cannot be applied as it is"); err != nil {
			return nil, err
		}
		return s.userAnswer(ctx, u.UUID, "")
	})
	s.readsBody(http.MethodPatch, "/api/v1/users/{ref}", userBody("A JSON merge patch of the user: the keys to change; null clears.",
		"application/merge-patch+json", "application/json"))

	huma.Register(s.api, huma.Operation{
		OperationID: "delete-user", Method: http.MethodDelete, Path: "/api/v1/users/{ref}", Tags: []string{"users"},
		Summary:  "Delete a user, with its line, extension, incalls, voicemail, memberships and picture",
		Security: secured(roster.ScopeUsersWrite), Errors: writeErrors,
	}, func(ctx context.Context, in *userWriteInput) (*struct{}, error) {
		u, err := s.writable(ctx, in)
		if err != nil {
			return nil, err
		}
		p := PrincipalFrom(ctx)
		dir := view{Directory: s.cfg.Directory, tenant: p.Tenant, hide: true, guard: &guard{uuid: u.UUID, ifMatch: in.IfMatch}}
		res, err := deleteUsers(ctx, dir, []provision.Ref{{Key: "uuid", Value: u.UUID}}, false)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		if *res.Deleted == 0 {
			return nil, problem(http.StatusNotFound, "the user "+u.UUID+" no longer exists")
		}
		return nil, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "delete-users", Method: http.MethodPost, Path: "/api/v1/users/delete", Tags: []string{"users"},
		Summary: "Delete users in bulk",
		Description: "As roster delete users: the users of a JSON list or of a file (a sheet with a uuid, username or email column, " +
			"or one reference per line). Unknown references are listed in not_found; a reference that names two users makes " +
			"nothing deleted (errors). The answer is the command's result.",
		Security: secured(roster.ScopeUsersWrite), Errors: writeErrors,
	}, func(ctx context.Context, in *deleteUsersInput) (*resultOutput, error) {
		refs, dryRun, err := readRefs(in.hctx)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		p := PrincipalFrom(ctx)
		res, err := deleteUsers(ctx, view{Directory: s.cfg.Directory, tenant: p.Tenant, hide: true}, refs, dryRun || in.DryRun)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &resultOutput{Body: res}, nil
	})
	s.readsBody(http.MethodPost, "/api/v1/users/delete", refsBody())

	s.registerAvatar()
}

// find returns the user a request names, in the request's tenant.
func (s *Server) find(ctx context.Context, in refInput, secrets bool) (*roster.User, error) {
	u, err := s.cfg.Directory.FindUser(ctx, PrincipalFrom(ctx).Tenant, in.Key, in.Ref, secrets)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return u, nil
}

// writable returns the user a write names, once If-Match lets the write go
// ahead (it is checked again under the write lock).
func (s *Server) writable(ctx context.Context, in *userWriteInput) (*roster.User, error) {
	u, err := s.find(ctx, in.ref(), false)
	if err != nil {
		return nil, err
	}
	if !matches(in.IfMatch, etag(u)) {
		return nil, problem(http.StatusPreconditionFailed, "the user changed since the version of If-Match was read: read it again (its ETag is "+etag(u)+")")
	}
	return u, nil
}

// updateRow updates a user with the rules of update, from a row of its
// uuid and the columns to change (and the picture the avatar column
// names), in the user's tenant unless the row names another; the write is
// made only if the user is still the version If-Match expects.
func (s *Server) updateRow(ctx context.Context, u *roster.User, ifMatch string, row []field, picture []byte, failure string) error {
	if !hasColumn(row, "tenant") {
		// The references of the row are checked in the user's tenant.
		row = append(row, field{catalog.Lookup("tenant"), u.Tenant})
	}
	dir := view{Directory: s.cfg.Directory, tenant: PrincipalFrom(ctx).Tenant, guard: &guard{uuid: u.UUID, ifMatch: ifMatch}}
	res, _, err := runRow(ctx, dir, true, row, picture)
	if err != nil {
		return s.fail(ctx, err)
	}
	if res.Failed > 0 {
		return rowProblems(failure, res.Errors)
	}
	return nil
}

// userAnswer answers a write with the user as it is now.
func (s *Server) userAnswer(ctx context.Context, uuid, location string) (*userOutput, error) {
	u, err := s.find(ctx, refInput{Key: "uuid", Ref: uuid}, false)
	if err != nil {
		return nil, err
	}
	return &userOutput{ETag: etag(u), Location: location, Body: userJSON{u: u}}, nil
}

// secrets refuses secrets to a token without secrets:read.
func (s *Server) secrets(ctx context.Context, want bool) error {
	if want && !PrincipalFrom(ctx).Has(roster.ScopeSecretsRead) {
		return problem(http.StatusForbidden, "with_secrets needs a token with the scope secrets:read").
			with("WWW-Authenticate", `Bearer realm="roster", error="insufficient_scope", scope="`+roster.ScopeSecretsRead+`"`)
	}
	return nil
}

func hasColumn(fields []field, name string) bool {
	for _, f := range fields {
		if f.col.Name == name {
			return true
		}
	}
	return false
}

// userBody documents a body that is a user object, in its media types.
func userBody(doc string, types ...string) *huma.RequestBody {
	ref := &huma.Schema{Ref: "#/components/schemas/" + userSchemaName}
	body := &huma.RequestBody{Required: true, Description: doc, Content: map[string]*huma.MediaType{}}
	for _, t := range types {
		body.Content[t] = &huma.MediaType{Schema: ref}
	}
	return body
}

// refsBody documents a body that names users: JSON, or a file.
func refsBody() *huma.RequestBody {
	body := &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{},
		Description: "{\"users\": [reference, …], \"dry_run\": false}, or a file as the command line takes it: a sheet with a uuid, " +
			"username or email column, or one reference per line (as Symphony's userIDs.csv)."}
	for _, t := range refsMedia {
		body.Content[t] = &huma.MediaType{Schema: &huma.Schema{Type: "string", Format: "binary"}}
	}
	body.Content["application/json"] = &huma.MediaType{Schema: &huma.Schema{Type: "object", AdditionalProperties: false,
		Required: []string{"users"}, Properties: map[string]*huma.Schema{
			"users":   {Type: "array", Items: &huma.Schema{Type: "string"}, Description: "each by uuid, username or email"},
			"dry_run": {Type: "boolean", Description: "only plan: the result says what would change"}}}}
	return body
}
