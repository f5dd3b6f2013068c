// Package transfer moves a whole directory from one store to another (an
// SQLite file to a PostgreSQL schema, and back): its reference data, its
// groups and rooms, its users with every resource, membership and picture,
// their sealed secrets (opened with the source's key and sealed again with
// the target's), its clients and operators, and what its servers keep (the
// signing key and the marks in force), so that tokens and console sessions
// stay valid on the target. The target must be empty. Before the users are
// committed, each is read back from the target and compared with the
// source.
//
// The servers' import jobs move too: their rows. Their files (uploads,
// plans, reports) are in the servers' data folder, which is not the
// directory's: the target's servers are given that folder.
package transfer

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/roster-dev/roster"
)

// Directory is a store as a move reads and writes it: both stores are.
type Directory interface {
	roster.Directory
	roster.ClientService
	roster.OperatorService
	roster.JobService
	// ServerState reads the signing key and the marks in force, making
	// nothing.
	ServerState(ctx context.Context) (*roster.ServerState, error)
	// SetServerState stores them in a directory that has no signing key.
	SetServerState(ctx context.Context, st *roster.ServerState) error
	// ReplaceReference replaces the reference data of a directory that
	// has no user, IDs included: files may name tenants and objects by
	// their IDs.
	ReplaceReference(ctx context.Context, ref *roster.Reference) error
}

// Options of a move.
type Options struct {
	// Progress, when set, is called with the number of users moved so far.
	Progress func(users int)
}

// Result counts what a move moved.
type Result struct {
	Users     int `json:"users"`
	Groups    int `json:"groups"`
	Rooms     int `json:"rooms"`
	Clients   int `json:"clients"`
	Operators int `json:"operators"`
	Jobs      int `json:"jobs"`
	// SigningKey says whether the servers' signing key moved.
	SigningKey bool `json:"signing_key"`
}

// batch is how many users are written at once.
const batch = 1000

// step is one part of a move.
type step struct {
	what string // what the step moves, for its errors
	run  func(ctx context.Context, from, to Directory, opt Options, res *Result) error
}

// steps are the parts of a move, in order: the reference data first (users
// name it), the server's state last (it names clients).
var steps = []step{
	{"the reference data", moveReference},
	{"the users, groups and rooms", moveUsers},
	{"the clients", moveClients},
	{"the operators", moveOperators},
	{"the jobs", moveJobs},
	{"the signing key, used assertions and ended sessions", moveServerState},
}

// Move copies the directory from into the empty directory to. A step that
// fails leaves the steps before it done, and the target not empty: it is
// refused by the next move until it is emptied (a new file or schema).
func Move(ctx context.Context, from, to Directory, opt Options) (*Result, error) {
	if err := empty(ctx, to); err != nil {
		return nil, err
	}
	res := &Result{}
	for _, s := range steps {
		if err := s.run(ctx, from, to, opt, res); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			done := ""
			if s.what != steps[0].what {
				done = " The steps before it were done: empty the target (a new file or schema) before moving again."
			}
			return nil, roster.Errorf(roster.ErrorCode(err), "moving %s: %s.%s", s.what, roster.ErrorMessage(err), done)
		}
	}
	return res, nil
}

// empty refuses a target that holds anything but what a new directory
// holds: the default reference data.
func empty(ctx context.Context, to Directory) error {
	full := func(what string) error {
		return roster.Errorf(roster.EINVALID, "the target directory is not empty: it has %s; roster moves a directory only into a new one (a new file, or an empty schema)", what)
	}
	ref, err := to.Reference(ctx)
	if err != nil {
		return err
	}
	if !sameReference(ref, roster.DefaultReference()) {
		return full("reference data of its own")
	}
	tx, err := to.Snapshot(ctx)
	if err != nil {
		return err
	}
	has, err := tx.HasUsers(ctx)
	// Ended before the reads below, which take snapshots of their own: an
	// SQLite reader kept open while another handle commits can make that
	// commit, and the next reader, wait for each other.
	tx.Rollback()
	if err != nil || has {
		if err == nil {
			err = full("users")
		}
		return err
	}
	for _, kind := range []string{"group", "room"} {
		for _, t := range ref.Tenants {
			if sets, err := to.Sets(ctx, kind, t.Name); err != nil || len(sets) > 0 {
				if err == nil {
					err = full(kind + "s")
				}
				return err
			}
		}
	}
	if clients, err := to.Clients(ctx); err != nil || len(clients) > 0 {
		if err == nil {
			err = full("clients")
		}
		return err
	}
	if operators, err := to.Operators(ctx); err != nil || len(operators) > 0 {
		if err == nil {
			err = full("operators")
		}
		return err
	}
	if jobs, err := to.Jobs(ctx, roster.JobFilter{Limit: 1}); err != nil || len(jobs) > 0 {
		if err == nil {
			err = full("jobs")
		}
		return err
	}
	if st, err := to.ServerState(ctx); err != nil || st.SigningKey != nil {
		if err == nil {
			err = full("a signing key")
		}
		return err
	}
	return nil
}

// sameReference compares reference data by names, not IDs, which two
// stores give out in their own ways.
func sameReference(a, b *roster.Reference) bool {
	return reflect.DeepEqual(names(a), names(b))
}

func names(ref *roster.Reference) []string {
	var out []string
	for _, t := range ref.Tenants {
		out = append(out, "tenant "+t.Name+" "+t.DefaultRole)
		for _, c := range t.Contexts {
			out = append(out, fmt.Sprintf("context %s %s %s", c.Name, c.Kind, strings.Join(c.Ranges, ",")))
		}
		for _, kind := range roster.ObjectKinds {
			for _, o := range *t.Objects(kind) {
				out = append(out, kind+" "+o.Name)
			}
		}
	}
	return out
}

func moveReference(ctx context.Context, from, to Directory, _ Options, _ *Result) error {
	ref, err := from.Reference(ctx)
	if err != nil {
		return err
	}
	return to.ReplaceReference(ctx, ref)
}

// moveUsers copies the groups and rooms, then the users, in one write
// transaction of the target, as a bulk load. Before it commits, it reads
// the source again and compares every user with the one written, so that
// a target that differs (the source changed meanwhile, a store lost a
// value) is never committed.
func moveUsers(ctx context.Context, from, to Directory, opt Options, res *Result) error {
	tx, err := to.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Checked again under the write lock: another move into the same
	// target may have written its users since.
	if has, err := tx.HasUsers(ctx); err != nil || has {
		if err == nil {
			err = roster.Errorf(roster.ECONFLICT, "the target has users now: another run wrote to it during the move")
		}
		return err
	}
	if err := tx.Bulk(ctx); err != nil {
		return err
	}
	ref, err := from.Reference(ctx)
	if err != nil {
		return err
	}
	for _, t := range ref.Tenants {
		for _, kind := range []string{"group", "room"} {
			sets, err := from.Sets(ctx, kind, t.Name)
			if err != nil {
				return err
			}
			for _, s := range sets {
				if _, err := tx.CreateSet(ctx, kind, t.Name, s.Name); err != nil {
					return err
				}
			}
			if kind == "group" {
				res.Groups += len(sets)
			} else {
				res.Rooms += len(sets)
			}
		}
	}
	var ids []int64 // of the users written, in the source's order
	err = stream(ctx, from, func(users []*roster.User) error {
		for _, u := range users {
			u.ID = 0
		}
		if err := tx.Create(ctx, users); err != nil {
			return err
		}
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		res.Users += len(users)
		if opt.Progress != nil {
			opt.Progress(res.Users)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := compare(ctx, from, tx, ids); err != nil {
		return err
	}
	return tx.Commit()
}

// compare reads the source again and checks that its users are, in order,
// those the transaction wrote with the given IDs. A difference is named by
// the user's uuid and the field, never by the values, which may be secrets.
func compare(ctx context.Context, from roster.Directory, tx roster.Tx, ids []int64) error {
	next := 0 // ids[next] is the ID of the next source user
	err := stream(ctx, from, func(want []*roster.User) error {
		if next+len(want) > len(ids) {
			return roster.Errorf(roster.ECONFLICT, "the source has more users than were copied: it changed during the move")
		}
		written := ids[next : next+len(want)]
		next += len(want)
		got, err := tx.Users(ctx, written)
		if err != nil {
			return err
		}
		for i, w := range want {
			g := got[written[i]]
			if g == nil {
				return roster.Errorf(roster.EINTERNAL, "the user %s was not written", w.UUID)
			}
			// IDs and versions are the target's own: a version starts
			// from the time of the write that made the user.
			g.ID, w.ID, g.Version, w.Version = 0, 0, 0, 0
			if field := differs(g, w); field != "" {
				return roster.Errorf(roster.EINTERNAL, "the user %s reads back from the target with another %s than in the source", w.UUID, field)
			}
		}
		return nil
	})
	if err == nil && next != len(ids) {
		err = roster.Errorf(roster.ECONFLICT, "the source has fewer users than were copied: it changed during the move")
	}
	return err
}

// stream exports the source with its secrets on a goroutine of its own,
// and calls fn with each batch of users on the caller's, so that reading
// the source and writing (or reading) the target overlap.
func stream(ctx context.Context, from roster.Directory, fn func([]*roster.User) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*roster.User, 2)
	exported := make(chan error, 1)
	go func() {
		defer close(batches)
		var b []*roster.User
		send := func() error {
			select {
			case batches <- b:
				b = nil
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := from.Export(ctx, "", true, func(u *roster.User) error {
			if b = append(b, u); len(b) == batch {
				return send()
			}
			return nil
		})
		if err == nil && len(b) > 0 {
			err = send()
		}
		exported <- err
	}()
	for b := range batches {
		if err := fn(b); err != nil {
			cancel()
			for range batches { // let the export see the cancel and end
			}
			return err
		}
	}
	return <-exported
}

// differs names the first field in which two users (or jobs) differ, ""
// when none.
func differs[T any](a, b *T) string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return va.Type().Field(i).Name
		}
	}
	return ""
}

func moveClients(ctx context.Context, from, to Directory, _ Options, res *Result) error {
	clients, err := from.Clients(ctx)
	if err != nil {
		return err
	}
	for _, c := range clients {
		if err := to.CreateClient(ctx, c); err != nil {
			return err
		}
	}
	res.Clients = len(clients)
	return nil
}

func moveOperators(ctx context.Context, from, to Directory, _ Options, res *Result) error {
	operators, err := from.Operators(ctx)
	if err != nil {
		return err
	}
	for _, o := range operators {
		if err := to.CreateOperator(ctx, o); err != nil {
			return err
		}
	}
	res.Operators = len(operators)
	return nil
}

// moveJobs copies the jobs' rows, oldest first, and reads each back. Jobs
// left queued or running (a source whose servers were not stopped) stay
// so: the target's first server marks them interrupted. The progress of a
// running job is the source's server's, and is not compared.
func moveJobs(ctx context.Context, from, to Directory, _ Options, res *Result) error {
	jobs, err := from.Jobs(ctx, roster.JobFilter{})
	if err != nil {
		return err
	}
	slices.Reverse(jobs)
	for part := range slices.Chunk(jobs, batch) {
		if err := to.SaveJobs(ctx, part); err != nil {
			return err
		}
	}
	for _, want := range jobs {
		got, err := to.Job(ctx, want.ID)
		if err != nil {
			return err
		}
		got.Progress, want.Progress = nil, nil
		if field := differs(got, want); field != "" {
			return roster.Errorf(roster.EINTERNAL, "the job %s reads back from the target with another %s than in the source", want.ID, field)
		}
	}
	res.Jobs = len(jobs)
	return nil
}

func moveServerState(ctx context.Context, from, to Directory, _ Options, res *Result) error {
	st, err := from.ServerState(ctx)
	if err != nil {
		return err
	}
	// Only the marks of clients that moved: the others' would be refused.
	st.Assertions = slices.DeleteFunc(st.Assertions, func(a roster.UsedAssertion) bool {
		_, err := to.Client(ctx, a.ClientID)
		return err != nil
	})
	res.SigningKey = st.SigningKey != nil
	return to.SetServerState(ctx, st)
}
