package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/internal/scratch"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// MaxRefsBody bounds a file of user references (a bulk delete, a list of
// members): some two million references, which the engine holds in memory.
const MaxRefsBody = 64 << 20

// bodyInput gives a handler the request, to read a body that its operation
// does not declare (see readsBody).
type bodyInput struct{ hctx huma.Context }

func (b *bodyInput) Resolve(ctx huma.Context) []error {
	b.hctx = ctx
	return nil
}

func mediaType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt
}

// readAll reads a body of at most limit bytes; past it, 413 with tooLarge.
func readAll(r io.Reader, limit int64, tooLarge string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, problem(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(b)) > limit {
		return nil, problem(http.StatusRequestEntityTooLarge, tooLarge)
	}
	return b, nil
}

// readJSON reads a JSON body: 415 for another media type (also names more
// that are JSON, such as application/merge-patch+json), 413 past 1 MiB.
func readJSON(ctx huma.Context, also ...string) ([]byte, error) {
	if mt := mediaType(ctx.Header("Content-Type")); mt != "" && mt != "application/json" && !slices.Contains(also, mt) {
		return nil, problem(http.StatusUnsupportedMediaType, "send the body as JSON ("+strings.Join(append([]string{"application/json"}, also...), " or ")+")")
	}
	return readAll(ctx.BodyReader(), MaxJSONBody, "a JSON body is at most 1 MiB")
}

// refsRequest is the JSON body that names users.
type refsRequest struct {
	Users  []string `json:"users"`
	DryRun bool     `json:"dry_run"`
}

// refsMedia are the media types of the bodies that name users: JSON, or a
// file as the command line takes it.
var refsMedia = []string{"application/json", "text/csv", "text/plain", "text/tab-separated-values", "application/octet-stream",
	mediaTypes[sheet.XLSX], "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet", "application/zip"}

// readRefs reads the users a request names: {"users": [...], "dry_run":
// false} in JSON, or a file, as `roster delete users FILE` and `roster
// rooms add ROOM FILE` read it (a sheet with a uuid, username or email
// column, or one reference per line, as Symphony's userIDs.csv). A
// reference of the JSON list is numbered by its place in the list, from
// 1, as a file's are by their row.
func readRefs(ctx huma.Context) ([]provision.Ref, bool, error) {
	mt := mediaType(ctx.Header("Content-Type"))
	if mt == "application/json" {
		body, err := readJSON(ctx)
		if err != nil {
			return nil, false, err
		}
		refs, dryRun, err := parseRefs(body)
		return refs, dryRun, err
	}
	if mt != "" && !slices.Contains(refsMedia, mt) {
		return nil, false, problem(http.StatusUnsupportedMediaType, "send the users as JSON ({\"users\": [...]}) or as a file: CSV, text, XLSX, XLS, ODS or ZIP")
	}
	f, err := scratch.New("roster-refs-*")
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(ctx.BodyReader(), MaxRefsBody+1))
	switch {
	case err != nil:
		return nil, false, problem(http.StatusBadRequest, "the request body could not be read")
	case n > MaxRefsBody:
		return nil, false, problem(http.StatusRequestEntityTooLarge, "a file of users is at most 64 MiB")
	}
	var format sheet.Format
	if mt == "text/tab-separated-values" {
		format = sheet.TSV
	}
	refs, err := readRefsFile(f, format)
	if err != nil {
		return nil, false, err
	}
	if len(refs) == 0 {
		return nil, false, roster.Errorf(roster.EINVALID, "the file names no user")
	}
	return refs, false, nil
}

// parseRefs reads {"users": [ref, …], "dry_run": bool}; any other key, a
// reference that is not a string, or no reference at all is refused.
func parseRefs(body []byte) ([]provision.Ref, bool, error) {
	var req refsRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, false, roster.Errorf(roster.EINVALID, "the body must be {\"users\": [reference, …], \"dry_run\": false}: %s", cut(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false, roster.Errorf(roster.EINVALID, "the body holds more than one JSON value")
	}
	var refs []provision.Ref
	for i, v := range req.Users {
		if v = strings.TrimSpace(v); v != "" {
			refs = append(refs, provision.Ref{Row: i + 1, Value: v})
		}
	}
	if len(refs) == 0 {
		return nil, false, roster.Errorf(roster.EINVALID, "the body names no user: {\"users\": [reference, …]}")
	}
	return refs, req.DryRun, nil
}

// pictureMedia are the media types of a picture sent as the body itself.
var pictureMedia = []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/octet-stream"}

// readPicture reads a user's picture: the body itself, or the part named
// image of a multipart/form-data body. It is at most 1 MiB, as in an
// import; what it holds is checked by the import's own rules.
func readPicture(ctx huma.Context) ([]byte, error) {
	return pictureOf(ctx.Header("Content-Type"), ctx.BodyReader())
}

func pictureOf(contentType string, r io.Reader) ([]byte, error) {
	tooLarge := "a picture is at most 1 MiB"
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case slices.Contains(pictureMedia, mt):
		return readAll(r, catalog.MaxPictureBytes, tooLarge)
	case mt != "multipart/form-data" || params["boundary"] == "":
		return nil, problem(http.StatusUnsupportedMediaType, "send the picture as the body (image/png, image/jpeg, image/gif or image/webp), or as the part image of multipart/form-data")
	}
	// The other parts are read past, and a body is bounded whole, so that
	// a huge part before the picture cannot take the server's time.
	body := io.LimitReader(r, 2*catalog.MaxPictureBytes)
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return nil, roster.Errorf(roster.EINVALID, "the form has no part named image")
		case err != nil:
			return nil, roster.Errorf(roster.EINVALID, "the form cannot be read: %s", cut(err.Error()))
		}
		if part.FormName() == "image" {
			return readAll(part, catalog.MaxPictureBytes, tooLarge)
		}
	}
}
