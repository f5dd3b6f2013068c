package http

import (
	"bufio"
	"context"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/sheet"
)

type exportInput struct {
	Format      string `query:"format" enum:"csv,xlsx,ods,zip" default:"csv" doc:"csv, xlsx, ods, or zip (users.csv and avatars/)"`
	WithSecrets bool   `query:"with_secrets" doc:"include password hashes, SIP secrets and PINs (scope secrets:read)"`
}

// exportMedia are the media types of export files.
var exportMedia = map[sheet.Format]string{
	sheet.CSV:  mediaTypes[sheet.CSV],
	sheet.XLSX: mediaTypes[sheet.XLSX],
	sheet.ODS:  "application/vnd.oasis.opendocument.spreadsheet",
	sheet.ZIP:  "application/zip",
}

func (s *Server) registerExport() {
	content := map[string]*huma.MediaType{}
	for _, t := range exportMedia {
		content[t] = &huma.MediaType{Schema: &huma.Schema{Type: "string", Format: "binary"}}
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "export", Method: http.MethodGet, Path: "/api/v1/export", Tags: []string{"users"},
		Summary: "Every user of the tenant, as roster export writes them",
		Description: "Streamed as it is written: the file is never held whole. Sorted by tenant, lastname, firstname and uuid; " +
			"imports back as it is, and an update of it changes nothing.",
		Security: secured(roster.ScopeUsersRead), Errors: []int{http.StatusUnauthorized, http.StatusForbidden},
		Responses: map[string]*huma.Response{"200": {Description: "The export file, as an attachment named users-DATE.EXT", Content: content}},
	}, func(ctx context.Context, in *exportInput) (*huma.StreamResponse, error) {
		if err := s.secrets(ctx, in.WithSecrets); err != nil {
			return nil, err
		}
		format, tenant := sheet.Format(in.Format), PrincipalFrom(ctx).Tenant
		name := "users-" + s.now().UTC().Format("2006-01-02") + "." + in.Format
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", exportMedia[format])
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+name+`"`)
			if in.WithSecrets {
				hctx.SetHeader("Cache-Control", "no-store")
			}
			out := &sentWriter{w: hctx.BodyWriter()}
			w := bufio.NewWriterSize(out, 64<<10)
			err := export(hctx.Context(), s.cfg.Directory, w, format, tenant, in.WithSecrets)
			if err == nil {
				err = w.Flush()
			}
			switch {
			case err == nil:
			case !out.sent:
				// Nothing has gone out yet: the answer can still be a problem.
				_, rw := humago.Unwrap(hctx)
				rw.Header().Del("Content-Disposition")
				rw.Header().Del("Cache-Control")
				writeProblem(hctx, s.fail(hctx.Context(), err).(*Problem))
			default:
				// Half a file must not look whole: cut the connection, so
				// that the client sees the answer fail.
				s.log.ErrorContext(hctx.Context(), "export cut off", "err", err)
				panic(http.ErrAbortHandler)
			}
		}}, nil
	})
}

// sentWriter tells whether anything was written through it.
type sentWriter struct {
	w    io.Writer
	sent bool
}

func (s *sentWriter) Write(b []byte) (int, error) {
	s.sent = s.sent || len(b) > 0
	return s.w.Write(b)
}
