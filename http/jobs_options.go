package http

import (
	"mime"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
)

// APIWords names an option of a run as the API takes it: a parameter
// ("on_existing=skip or update"; "the sheet parameter" when its value is
// the client's to choose).
func APIWords(option string, values []string) string {
	if len(values) == 0 {
		return "the " + option + " parameter"
	}
	return option + "=" + strings.Join(values, " or ")
}

// jobRequest is what a client asks of a new job, besides its file: the
// options of the run, as query parameters or as the fields of a multipart
// body, named as the command line's flags in snake case.
type jobRequest struct {
	Command    string
	Settings   provision.Settings
	ExternalID *string
	Filename   string
}

// jobParams are the parameters a job takes; repeated ones may be given
// more than once.
var jobParams = map[string]bool{
	"command": false, "dry_run": false, "mode": false, "on_existing": false, "max_errors": false, "key": false,
	"blank": false, "generate": true, "password_digits": false, "map": true, "set": true, "sheet": false,
	"separator": false, "encoding": false, "format": false, "strict": false, "filename": false, "external_id": false,
}

// parseJobRequest reads the options of a job. wait is the one parameter
// that is not an option of the job; it is left to the caller.
func parseJobRequest(values url.Values) (*jobRequest, error) {
	req := &jobRequest{}
	s := &req.Settings
	for name, vs := range values {
		repeated, known := jobParams[name]
		switch {
		case name == "wait":
			continue
		case !known:
			return nil, roster.Errorf(roster.EINVALID, "unknown option %s; the options are the command line's flags in snake case (%s)",
				quote(name), strings.Join(sortedKeys(jobParams), ", "))
		case len(vs) > 1 && !repeated:
			return nil, roster.OptionErrorf(name, "is given %d times; give it once", len(vs))
		}
		for _, v := range vs {
			if !printable(v) || len(v) > 4096 {
				return nil, roster.OptionErrorf(name, "holds a character that is not printable, or more than 4,096 bytes")
			}
		}
	}
	var err error
	one := values.Get
	req.Command = one("command")
	if s.DryRun, err = flag(values, "dry_run"); err != nil {
		return nil, err
	}
	if s.Strict, err = flag(values, "strict"); err != nil {
		return nil, err
	}
	if s.PasswordDigits, err = flag(values, "password_digits"); err != nil {
		return nil, err
	}
	if v := one("max_errors"); v != "" {
		if s.MaxErrors, err = strconv.Atoi(v); err != nil || s.MaxErrors < 0 {
			return nil, roster.OptionErrorf("max_errors", "must be a number, 0 or more, not %s", quote(v))
		}
	}
	s.Mode, s.OnExisting, s.Key, s.Blank = one("mode"), one("on_existing"), one("key"), one("blank")
	s.Generate, s.Map, s.Set = values["generate"], values["map"], values["set"]
	s.Sheet, s.Separator, s.Encoding, s.Format = one("sheet"), one("separator"), one("encoding"), one("format")
	if _, ok := values["external_id"]; ok {
		ext := one("external_id")
		if len(ext) > 256 || strings.IndexFunc(ext, invisible) >= 0 {
			return nil, roster.OptionErrorf("external_id", "is at most 256 bytes, without invisible characters")
		}
		req.ExternalID = &ext
	}
	if req.Filename, err = fileName(one("filename")); err != nil {
		return nil, err
	}
	return req, nil
}

// flag reads a boolean parameter: true or false (also 1 or 0); given
// without a value, it is true.
func flag(values url.Values, name string) (bool, error) {
	vs, ok := values[name]
	if !ok {
		return false, nil
	}
	if vs[0] == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(vs[0])
	if err != nil {
		return false, roster.OptionErrorf(name, "must be true or false, not %s", quote(vs[0]))
	}
	return b, nil
}

// fileName checks a file's name as a client gives it: the base name only,
// printable, at most 255 bytes. It names the job's file and its format;
// it is never a path on the server.
func fileName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil
	}
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if base == "." || base == "/" || base == ".." || len(base) > 255 || !printable(base) || strings.IndexFunc(base, invisible) >= 0 {
		return "", roster.OptionErrorf("filename", "must be a file's name, such as users.xlsx, not %s", quote(name))
	}
	return base, nil
}

// invisible tells a format character (direction marks and overrides,
// zero-width spaces), which would make a file's name show as another.
func invisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// printable refuses control characters and invalid UTF-8.
func printable(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// uploadTypes are the media types of a raw upload, with the extension a
// file of that type is given when the client names none.
var uploadTypes = map[string]string{
	"text/csv":                  ".csv",
	"text/tab-separated-values": ".tsv",
	"text/plain":                ".csv",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
	"application/vnd.ms-excel":                       ".xls",
	"application/vnd.oasis.opendocument.spreadsheet": ".ods",
	"application/zip":                                ".zip",
	"application/x-zip-compressed":                   ".zip",
	"application/octet-stream":                       "",
}

// uploadName is the name of a raw upload: the filename parameter, else
// the Content-Disposition's, else "upload" with the extension of its
// media type.
func uploadName(given, disposition, mediaType string) (string, error) {
	if given != "" {
		return given, nil
	}
	if disposition != "" {
		if _, params, err := mime.ParseMediaType(disposition); err == nil && params["filename"] != "" {
			return fileName(params["filename"])
		}
	}
	return "upload" + uploadTypes[mediaType], nil
}

// MaxWait is the longest ?wait= of a job's submission.
const MaxWait = 60 * time.Second

// parseWait reads ?wait=: seconds, or a duration such as 30s or 1m; at
// most a minute.
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, nerr := strconv.ParseUint(s, 10, 16)
		if nerr != nil {
			return 0, roster.OptionErrorf("wait", "must be a duration such as 30s, or seconds, not %s", quote(s))
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || d > MaxWait {
		return 0, roster.OptionErrorf("wait", "must be between 0s and %s, not %s", MaxWait, quote(s))
	}
	return d, nil
}

// parseIdempotencyKey checks an Idempotency-Key header: 1 to 255
// printable ASCII characters.
func parseIdempotencyKey(h string) (string, error) {
	if h == "" {
		return "", nil
	}
	if len(h) > 255 {
		return "", roster.Errorf(roster.EINVALID, "the Idempotency-Key is at most 255 characters")
	}
	for i := 0; i < len(h); i++ {
		if h[i] < 0x20 || h[i] > 0x7e {
			return "", roster.Errorf(roster.EINVALID, "the Idempotency-Key holds a character that is not printable ASCII")
		}
	}
	return h, nil
}

// parseEventID reads a Last-Event-ID: the number of the last event the
// client saw. Anything else is read as none, so that a client with a stale
// or foreign ID gets the job's state again rather than an error.
func parseEventID(h string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(h), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// rowByHeader gives a row's cells by header (the runner gave secret cells
// as ***).
func rowByHeader(header, cells []string) map[string]string {
	row := map[string]string{}
	for i, h := range header {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		row[h] = v
	}
	return row
}
