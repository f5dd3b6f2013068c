package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/provision"
	"github.com/roster-dev/roster/sheet"
)

// The files of a job's folder.
const (
	uploadFile      = "upload"      // the file, as it came
	descriptionFile = "job.json"    // the job and its settings, before its row is recorded
	planFile        = "plan.ndjson" // the plan of every row, one JSON object a line
	reportsDir      = "reports"     // errors.<ext> and success.csv
)

// folder is the jobs folder of the data folder, Dir/jobs: one folder per
// job, named by its ID. Everything in it is reached through an os.Root,
// which follows no link out of it: nothing a client sends is written, or
// read, outside it.
type folder struct {
	root *os.Root
	path string
}

func openFolder(dir string) (*folder, error) {
	if dir == "" {
		return nil, roster.Errorf(roster.EINVALID, "the server needs a data folder for its jobs")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, roster.Errorf(roster.EINVALID, "making the data folder %s: %v", dir, err)
	}
	path := filepath.Join(dir, "jobs")
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, roster.Errorf(roster.EINVALID, "making %s: %v", path, err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "%s: %v", path, err)
	}
	if !fi.IsDir() {
		return nil, roster.Errorf(roster.EINVALID, "%s is not a folder (a link is refused: jobs are kept only in the data folder)", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, roster.Errorf(roster.EINVALID, "%s can be read by other users; it holds uploaded files and passwords (chmod 700 %s)", path, path)
	}
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "opening %s: %v", path, err)
	}
	if st, err := root.Stat("."); err != nil || !os.SameFile(fi, st) {
		root.Close()
		return nil, roster.Errorf(roster.EINVALID, "%s changed while it was opened", path)
	}
	return &folder{root: root, path: path}, nil
}

func (f *folder) close() { f.root.Close() }

// validID tells a job's ID from anything else, before it names a folder.
func validID(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// ids lists the jobs that have a folder.
func (f *folder) ids() []string {
	d, err := f.root.Open(".")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	var out []string
	for _, n := range names {
		if validID(n) {
			out = append(out, n)
		}
	}
	return out
}

// untouchedSince tells a job's folder that changed last before t.
func (f *folder) untouchedSince(id string, t time.Time) bool {
	fi, err := f.root.Stat(id)
	return err == nil && fi.ModTime().Before(t)
}

// remove removes a job's folder and everything in it.
func (f *folder) remove(id string) {
	if validID(id) {
		f.root.RemoveAll(id)
	}
}

// Upload is the file of a job being received, in the job's new folder.
type Upload struct {
	id      string
	data    *folder
	file    *os.File
	applies *string
	kept    bool
}

// NewUpload makes the folder of a new job and the file its upload goes to.
// Write the upload to it, then Submit it (or Discard it).
func (r *Runner) NewUpload() (*Upload, error) {
	return r.data.newUpload()
}

// make makes a new job's folder and returns the job's ID.
func (f *folder) make() (string, error) {
	u, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	id := u.String()
	if err := f.root.Mkdir(id, 0o700); err != nil {
		return "", fmt.Errorf("making a job's folder: %w", err)
	}
	return id, nil
}

func (f *folder) newUpload() (*Upload, error) {
	id, err := f.make()
	if err != nil {
		return nil, err
	}
	file, err := f.root.OpenFile(id+"/"+uploadFile, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		f.remove(id)
		return nil, fmt.Errorf("making a job's file: %w", err)
	}
	return &Upload{id: id, data: f, file: file}, nil
}

// link makes a new job's folder whose upload is the same file as a job's
// (a hard link: nothing is copied).
func (f *folder) link(id string) (*Upload, error) {
	if !validID(id) {
		return nil, notFound(id)
	}
	nid, err := f.make()
	if err != nil {
		return nil, err
	}
	if err := f.root.Link(id+"/"+uploadFile, nid+"/"+uploadFile); err != nil {
		f.remove(nid)
		return nil, fmt.Errorf("the file of job %s: %w", id, err)
	}
	file, err := f.root.OpenFile(nid+"/"+uploadFile, os.O_RDONLY, 0)
	if err != nil {
		f.remove(nid)
		return nil, err
	}
	return &Upload{id: nid, data: f, file: file}, nil
}

// Write appends to the upload. Its errors are WriteErrors: the server's,
// not the client's.
func (u *Upload) Write(p []byte) (int, error) {
	n, err := u.file.Write(p)
	if err != nil {
		err = &WriteError{Err: err}
	}
	return n, err
}

// WriteError is an upload that could not be kept on the server's disk (a
// full disk, ENOSPC, among others).
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return "keeping the upload: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Discard removes an upload that will be no job.
func (u *Upload) Discard() { u.discard() }

func (u *Upload) discard() {
	if u.file != nil {
		u.file.Close()
		u.file = nil
	}
	if !u.kept {
		u.data.remove(u.id)
		u.kept = true // removed once
	}
}

// finish makes the upload durable and returns its size.
func (u *Upload) finish() (int64, error) {
	if err := u.file.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return 0, fmt.Errorf("saving the upload: %w", err)
	}
	st, err := u.file.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// description is what a job's folder says of it before its row is recorded.
type description struct {
	Job      *roster.Job        `json:"job"`
	Key      string             `json:"idempotency_key,omitempty"`
	Settings provision.Settings `json:"settings"`
}

// describe writes a new job's description into its folder, durably.
func (f *folder) describe(j *roster.Job, s provision.Settings) error {
	b, err := json.Marshal(description{Job: j, Key: j.IdempotencyKey, Settings: s})
	if err != nil {
		return err
	}
	fh, err := f.root.OpenFile(j.ID+"/"+descriptionFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("describing job %s: %w", j.ID, err)
	}
	_, err = fh.Write(b)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(f.root, j.ID)
	}
	if err == nil {
		err = syncDir(f.root, ".")
	}
	if err != nil {
		return fmt.Errorf("describing job %s: %w", j.ID, err)
	}
	return nil
}

func syncDir(r *os.Root, name string) error {
	d, err := r.Open(name)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// description reads a job's description: the job as submitted, and its
// settings as given (secret values unmasked).
func (f *folder) description(id string) (*roster.Job, provision.Settings, error) {
	var d description
	if !validID(id) {
		return nil, d.Settings, notFound(id)
	}
	b, err := f.root.ReadFile(id + "/" + descriptionFile)
	if err != nil {
		return nil, d.Settings, fmt.Errorf("the description of job %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &d); err != nil || d.Job == nil || d.Job.ID != id {
		return nil, d.Settings, fmt.Errorf("the description of job %s is damaged", id)
	}
	d.Job.IdempotencyKey = d.Key
	return d.Job, d.Settings, nil
}

// jobFolder is one job's folder, open while it runs.
type jobFolder struct {
	root *os.Root
	dir  string
}

func (f *folder) open(id string) (*jobFolder, error) {
	r, err := f.root.OpenRoot(id)
	if err != nil {
		return nil, err
	}
	return &jobFolder{root: r, dir: filepath.Join(f.path, id)}, nil
}

func (jf *jobFolder) close() { jf.root.Close() }

func (jf *jobFolder) path(name string) string { return filepath.Join(jf.dir, name) }

// openSource opens a job's folder and its upload for the engine; the caller
// closes both. The upload is named as it was sent: its extension tells the
// format when the content does not (a .tsv). It brings no folder of
// pictures: a job reads nothing beside its file (a ZIP brings its own).
func (f *folder) openSource(id, name string) (*jobFolder, *sheet.Source, error) {
	jf, err := f.open(id)
	if err != nil {
		return nil, nil, err
	}
	fh, err := jf.root.Open(uploadFile)
	if err != nil {
		jf.close()
		return nil, nil, err
	}
	src, err := sheet.FileSource(name, fh)
	if err != nil {
		jf.close()
		return nil, nil, err
	}
	return jf, src, nil
}

// create makes a new file in the job's folder.
func (jf *jobFolder) create(name string) (*os.File, error) {
	return jf.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// openPlan opens a job's plan, up to its last whole line: while the job
// runs, the line being written is not given.
func (f *folder) openPlan(id string) (io.ReadCloser, error) {
	if !validID(id) {
		return nil, notFound(id)
	}
	fh, err := f.root.Open(id + "/" + planFile)
	if errors.Is(err, os.ErrNotExist) {
		return io.NopCloser(strings.NewReader("")), nil // queued: no plan yet
	}
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	end := st.Size()
	buf := make([]byte, 64<<10)
	for end > 0 {
		n := int64(len(buf))
		if end < n {
			n = end
		}
		if _, err := fh.ReadAt(buf[:n], end-n); err != nil && err != io.EOF {
			fh.Close()
			return nil, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			end = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(fh, 0, end), fh}, nil
}

// reportNames are the report files a job may serve.
var reportNames = map[string]bool{"errors.csv": true, "errors.tsv": true, "errors.xlsx": true, "success.csv": true}

func (f *folder) openReport(id, name string) (*os.File, error) {
	if !validID(id) || !reportNames[name] {
		return nil, notFound(id)
	}
	return f.root.Open(id + "/" + reportsDir + "/" + name)
}

func (f *folder) removeReport(id, name string) error {
	if !validID(id) || !reportNames[name] {
		return notFound(id)
	}
	if err := f.root.Remove(id + "/" + reportsDir + "/" + name); err != nil {
		return err
	}
	return syncDir(f.root, id+"/"+reportsDir)
}

// cut splits NAME=VALUE.
func cut(kv string) (string, string, bool) {
	k, v, ok := strings.Cut(kv, "=")
	return strings.TrimSpace(k), v, ok
}
