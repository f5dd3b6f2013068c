package http

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
)

// A user's picture.

type avatarOutput struct {
	ETag string `header:"ETag" doc:"the user's version, which the picture is part of"`
}

func (s *Server) registerAvatar() {
	pictures := map[string]*huma.MediaType{}
	for _, t := range pictureMedia[:4] {
		pictures[t] = &huma.MediaType{Schema: &huma.Schema{Type: "string", Format: "binary"}}
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "get-avatar", Method: http.MethodGet, Path: "/api/v1/users/{ref}/avatar", Tags: []string{"users"},
		Summary: "A user's picture", Security: secured(roster.ScopeUsersRead), Errors: readErrors,
		Responses: map[string]*huma.Response{"200": {Description: "The picture, with its media type", Content: pictures}},
	}, func(ctx context.Context, in *refInput) (*rawOutput, error) {
		u, err := s.find(ctx, *in, false)
		if err != nil {
			return nil, err
		}
		if u.Avatar == nil {
			return nil, problem(http.StatusNotFound, "the user "+u.UUID+" has no picture")
		}
		return &rawOutput{ContentType: "image/" + u.Avatar.Type, Body: u.Avatar.Data}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "put-avatar", Method: http.MethodPut, Path: "/api/v1/users/{ref}/avatar", Tags: []string{"users"},
		Summary: "Set a user's picture",
		Description: "The picture as the body, or as the part image of multipart/form-data. It is checked as in an import: PNG, " +
			"JPEG, GIF or WebP by its content, decoded whole, at most 1 MiB and 4096×4096 (422 otherwise).",
		Security: secured(roster.ScopeUsersWrite), Errors: writeErrors, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *userWriteInput) (*avatarOutput, error) {
		picture, err := readPicture(in.hctx)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return s.setAvatar(ctx, in, picture)
	})
	body := &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{}}
	for t, m := range pictures {
		body.Content[t] = m
	}
	body.Content["multipart/form-data"] = &huma.MediaType{Schema: &huma.Schema{Type: "object", Required: []string{"image"},
		Properties: map[string]*huma.Schema{"image": {Type: "string", Format: "binary"}}}}
	s.readsBody(http.MethodPut, "/api/v1/users/{ref}/avatar", body)

	huma.Register(s.api, huma.Operation{
		OperationID: "delete-avatar", Method: http.MethodDelete, Path: "/api/v1/users/{ref}/avatar", Tags: []string{"users"},
		Summary: "Remove a user's picture", Security: secured(roster.ScopeUsersWrite), Errors: writeErrors,
		DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *userWriteInput) (*avatarOutput, error) {
		return s.setAvatar(ctx, in, nil)
	})
}

// setAvatar updates a user's avatar column: to the picture, or with none
// to no picture.
func (s *Server) setAvatar(ctx context.Context, in *userWriteInput, picture []byte) (*avatarOutput, error) {
	u, err := s.writable(ctx, in)
	if err != nil {
		return nil, err
	}
	cell := ""
	if picture != nil {
		cell = pictureName
	} else if u.Avatar == nil {
		return nil, problem(http.StatusNotFound, "the user "+u.UUID+" has no picture")
	}
	row := []field{{catalog.Lookup("uuid"), u.UUID}, {catalog.Lookup("avatar"), cell}}
	if err := s.updateRow(ctx, u, in.IfMatch, row, picture, "the picture cannot be the user's"); err != nil {
		return nil, err
	}
	now, err := s.find(ctx, refInput{Key: "uuid", Ref: u.UUID}, false)
	if err != nil {
		return nil, err
	}
	return &avatarOutput{ETag: etag(now)}, nil
}
