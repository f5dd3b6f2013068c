package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/sheet"
)

// batchSize is how many rows are looked up and written together.
const batchSize = 512

// Check is an import dry run against a new directory that holds only the
// default reference data. It needs no database and writes nothing.
func Check(ctx context.Context, src *sheet.Source, opt Options) (*roster.Result, error) {
	opt.DryRun = true
	return start(ctx, nil, src, opt, "check")
}

// Import creates the users of a file.
func Import(ctx context.Context, dir roster.Directory, src *sheet.Source, opt Options) (*roster.Result, error) {
	return start(ctx, dir, src, opt, "import")
}

// Update changes the users of a file, found by their key column.
func Update(ctx context.Context, dir roster.Directory, src *sheet.Source, opt Options) (*roster.Result, error) {
	return start(ctx, dir, src, opt, "update")
}

// run is one import, update or check.
type run struct {
	ctx     context.Context
	opt     Options
	command string
	update  bool // rows change existing users

	tx      roster.Tx // nil for check
	ref     *roster.Reference
	empty   bool // the directory had no users when the run began
	file    *sheet.File
	header  *catalog.Header
	checker *catalog.Checker
	hasher  *hasher
	numbers map[[3]string]map[string]bool // numbers used in the directory, by key and context
	cursor  map[[3]string]int             // where the search for a free number resumes
	res     *roster.Result
	reports *reports
	guard   *guard
	failed  int         // rows failed so far, in row order
	stopped atomic.Bool // MaxErrors was reached
	// plansOnly: a dry run on an empty directory that generates nothing
	// and has no line or CTI profile to check needs no user built for its
	// creates, only their uuid for the plan (a million-row check builds a
	// million users otherwise, a fifth of its work).
	plansOnly bool
	rowsRead  atomic.Int64
	reserved  bool
	src       *sheet.Source // read again by prime and the error report
	workers   *Workers
	id        uint64 // the run's number among the workers' runs
	log       *slog.Logger
	stage     atomic.Int32 // an index of stages
	// progressMu makes the calls of Options.Progress one at a time: the
	// reader and the stages that begin call it.
	progressMu sync.Mutex
	checkedTo  int // the last row whose values the checker has claimed
	primed     bool
	primeErr   error
	wrote      bool // something was written
	genCount   int  // secrets generated for written users

	// usernames tells whether the directory holds the usernames that the
	// rows of a batch would be given first (see lookUpUsernames).
	usernames map[string]bool
}

// item is one row on its way through the run.
type item struct {
	row      int
	cells    []string
	values   []string
	failed   []bool
	rec      *catalog.Record // the batch's, for this row
	avatar   *roster.Picture
	problems []roster.Problem
	action   roster.Action
	user     *roster.User // the user to create, or the updated state
	old      *roster.User
	changes  []roster.Change
	password string          // a generated password, for success.csv
	samePass bool            // the row's password is the one the user it updates has
	uuid     string          // the uuid of a planned create, when no user is built
	stored   *roster.User    // the memory of user, the batch's for this row
	skipped  bool            // after MaxErrors: neither checked nor applied
	found    *catalog.Column // the key that found an existing user
}

func (it *item) fail(column, value, message string) {
	it.problems = append(it.problems, roster.Problem{Row: it.row, Column: column, Value: value, Message: message})
}

func (it *item) ok() bool { return len(it.problems) == 0 && !it.skipped }

func start(ctx context.Context, dir roster.Directory, src *sheet.Source, opt Options, command string) (res *roster.Result, err error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if opt.Generate.Has(GeneratePassword) && !opt.DryRun && opt.Reports == nil {
		return nil, roster.Errorf(roster.EINVALID, "generated passwords need a place for success.csv, and the run has no report sink")
	}
	r := &run{ctx: ctx, opt: opt, command: command, update: command == "update", src: src, workers: opt.Workers, log: opt.Log,
		numbers: map[[3]string]map[string]bool{}, cursor: map[[3]string]int{}, usernames: map[string]bool{}}
	if r.workers == nil {
		r.workers = NewWorkers(0)
	}
	r.id = r.workers.run()
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	zero := func() *int { return new(int) }
	r.res = &roster.Result{Command: command, File: src.Name, DryRun: opt.DryRun, Mode: string(opt.Mode),
		Created: zero(), Updated: zero(), Skipped: zero(), Errors: []roster.Problem{}, IgnoredColumns: []roster.IgnoredColumn{}}
	if r.file, err = src.Open(opt.Sheet); err != nil {
		return nil, Unreadable(err)
	}
	defer r.file.Close()
	r.res.Format = string(r.file.Format)
	head, err := r.file.Next()
	if err == io.EOF {
		return nil, roster.Errorf(roster.EINVALID, "%s is empty: it has no header row", filepath.Base(src.Name))
	}
	if err != nil {
		return nil, Unreadable(err)
	}
	if r.header, err = catalog.ParseHeader(slices.Clone(head.Cells), opt.Header); err != nil {
		return nil, r.otherSheets(err)
	}
	if r.header.Ignored != nil {
		r.res.IgnoredColumns = r.header.Ignored
	}
	if err := r.checkHeader(); err != nil {
		return nil, err
	}
	r.ref = roster.DefaultReference()
	r.empty = true
	if dir != nil {
		// A dry run writes nothing: it reads a snapshot, and waits for
		// no run that writes.
		begin := dir.Begin
		if opt.DryRun {
			begin = dir.Snapshot
		}
		if r.tx, err = begin(ctx); err != nil {
			return nil, err
		}
		defer r.tx.Rollback()
		r.ref = r.tx.Reference()
		has, err := r.tx.HasUsers(ctx)
		if err != nil {
			return nil, err
		}
		r.empty = !has
		if r.empty && !opt.DryRun {
			if err := r.tx.Bulk(ctx); err != nil {
				return nil, err
			}
		}
	}
	if opt.Tenant != "" {
		// The run sees its tenant only: a row naming another fails as an
		// unknown tenant would, and a row without one is the tenant's.
		t := r.ref.Tenant(opt.Tenant)
		if t == nil {
			return nil, roster.Errorf(roster.ENOTFOUND, "there is no tenant %q", opt.Tenant)
		}
		r.ref = r.ref.Only(t.Name)
	}
	// Rows that may update an existing user have their required columns
	// checked once merged with that user, not on their own.
	mayUpdate := r.update || opt.OnExisting == OnExistingUpdate
	r.plansOnly = opt.DryRun && r.empty && opt.Generate == 0 &&
		!resourceTouched(r.header, catalog.Line) && !resourceTouched(r.header, catalog.CTIProfile)
	r.checker = catalog.NewChecker(r.header, catalog.CheckOptions{Reference: r.ref, Assets: r.file.Assets, Update: mayUpdate,
		Pictures: r.workers.pictures})
	r.guard = newGuard(r.header, r.file.Format)
	if !opt.DryRun && opt.Reports != nil {
		r.reports = newReports(r, opt.Reports)
		defer r.reports.close()
	}
	if err := r.pipeline(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled after the last row: nothing is committed
	}
	return r.finish()
}

// Unreadable returns the error of a file that could not be read: an
// application error with the code EUNREADABLE, whose message names the
// place, and which names the reader's option that would read it, if one
// would.
func Unreadable(err error) error {
	if roster.ErrorCode(err) != roster.EINTERNAL {
		return err
	}
	e := roster.Errorf(roster.EUNREADABLE, "%v", err)
	var h *sheet.HintError
	if errors.As(err, &h) {
		e.Hint = &roster.Hint{Option: h.Option, Values: []string{h.Value}}
	}
	return e
}

// checkHeader refuses headers that cannot work for the command.
func (r *run) checkHeader() error {
	if r.update {
		key := catalog.Lookup(string(r.opt.Key))
		if !r.header.InFile(key) {
			e := roster.Errorf(roster.EINVALID, "an update finds users by their %s, and the file has no %s column", key.Name, key.Name)
			var others []string
			for _, k := range []Key{KeyUUID, KeyUsername, KeyEmail} {
				if k != r.opt.Key {
					others = append(others, string(k))
				}
			}
			e.Hint = &roster.Hint{Option: "key", Values: others, Purpose: "to find them otherwise"}
			return e
		}
	}
	return nil
}

// prime records the explicit usernames and extensions of the rows not yet
// checked, so that numbers and usernames generated for earlier rows avoid
// the ones later rows give. It reads the file again, so it is called only
// when the first value is generated: a file that generates nothing is read
// once.
func (r *run) prime() {
	if r.primed {
		return
	}
	r.primed = true
	f, err := r.src.Open(r.opt.Sheet)
	if err != nil {
		r.primeErr = Unreadable(err)
		return
	}
	defer f.Close()
	if _, err := f.Next(); err != nil {
		r.primeErr = Unreadable(err)
		return
	}
	for {
		row, err := f.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			r.primeErr = Unreadable(err)
			return
		}
		if row.Num > r.checkedTo {
			r.checker.Prime(row.Cells, row.Num)
		}
	}
}

// plan decides what each checked row does, against the directory.
func (r *run) plan(b *batch) error {
	if !r.reserved {
		r.reserved = true
		// Size the duplicate checks for the whole file at once, from how
		// many bytes the rows read so far took.
		if done, size := r.file.Progress(); done > 0 {
			r.checker.Reserve(int(float64(size) / float64(done) * float64(r.rowsRead.Load())))
		}
	}
	for _, it := range b.items {
		if !it.skipped {
			r.checker.Prefetch(it.record())
		}
	}
	for _, it := range b.items {
		if !it.skipped {
			it.problems = r.checker.Unique(it.record(), it.problems)
		}
		r.checkedTo = it.row
	}
	if err := r.identify(b); err != nil {
		return err
	}
	if err := r.lookUpUsernames(b); err != nil {
		return err
	}
	r.comparePasswords(b)
	for _, it := range b.items {
		if !it.ok() {
			r.recheck(it)
			continue
		}
		switch it.action {
		case roster.Create:
			if r.opt.OnExisting == OnExistingUpdate {
				r.requireNew(it)
				if !it.ok() {
					continue
				}
			}
			if it.user == nil && !r.plansOnly {
				it.user = r.newUser(it, &b.ids)
			}
		case roster.Update:
			r.merge(it)
		}
		if it.ok() && it.user != nil {
			r.generate(it)
			r.requireLogin(it)
		}
	}
	if r.primeErr != nil {
		return r.primeErr
	}
	if err := r.claims(b); err != nil {
		return err
	}
	for _, it := range b.items {
		if r.opt.DryRun {
			break // nothing is written, so nothing needs a hash
		}
		if it.ok() && it.user != nil && it.user.Password != "" && (it.action == roster.Create || it.action == roster.Update) {
			r.reach(StageHashing)
			r.hasher.hash(it.user.Password, &it.user.PasswordHash, &b.hashes)
		}
	}
	return nil
}

// otherSheets adds to the header error of a workbook's first sheet, read
// because no sheet was named, the names of its other sheets: HR workbooks
// often open with a sheet of instructions.
func (r *run) otherSheets(err error) error {
	if r.opt.Sheet.Sheet != "" {
		return err
	}
	names, lerr := r.file.Sheets()
	if lerr != nil || len(names) < 2 {
		return err
	}
	q := make([]string, len(names)-1)
	for i, n := range names[1:] {
		q[i] = strconv.Quote(n)
	}
	e := roster.Errorf(roster.ErrorCode(err), "%s (sheet %q). The workbook has other sheets: %s",
		strings.TrimSuffix(roster.ErrorMessage(err), "."), names[0], strings.Join(q, ", "))
	e.Hint = &roster.Hint{Option: "sheet", Purpose: "to name one"}
	return e
}

// identityColumns are the columns that make a row's user an existing one.
var identityColumns = []*catalog.Column{catalog.Lookup("uuid"), catalog.Lookup("username"), catalog.Lookup("email")}

// identify finds the existing user of each row.
func (r *run) identify(b *batch) error {
	if r.empty && !r.update {
		// Nobody exists yet: every row creates.
		for _, it := range b.items {
			if r.looksUp(it) {
				it.action = roster.Create
			}
		}
		return nil
	}
	keys := identityColumns
	if r.update {
		keys = []*catalog.Column{catalog.Lookup(string(r.opt.Key))}
	}
	var claims []roster.Claim
	for _, it := range b.items {
		if !r.looksUp(it) {
			continue
		}
		for _, k := range keys {
			if v := it.values[k.Index]; v != "" {
				claims = append(claims, roster.Claim{Key: k.Name, Value: v})
			}
		}
	}
	owners := map[roster.Claim]int64{}
	if !r.empty && len(claims) > 0 {
		var err error
		if owners, err = r.tx.Owners(r.ctx, claims); err != nil {
			return err
		}
	}
	var need []int64
	for _, it := range b.items {
		if !r.looksUp(it) {
			continue
		}
		var ids []int64
		var first *catalog.Column // the key that found the user
		conflict := false
		for _, k := range keys {
			v := it.values[k.Index]
			id, ok := owners[roster.Claim{Key: k.Name, Value: v}]
			if v == "" || !ok {
				continue
			}
			if len(ids) > 0 && !slices.Contains(ids, id) {
				it.fail(k.Name, v, fmt.Sprintf("belongs to another user than the %s of this row", first.Name))
				conflict = true
				break
			}
			if len(ids) == 0 {
				first = k
			}
			ids = append(ids, id)
		}
		if conflict {
			continue
		}
		it.found = first
		switch {
		case r.update && len(ids) == 0:
			it.fail(keys[0].Name, it.values[keys[0].Index], "no user has this "+keys[0].Name)
		case r.update:
			it.action = roster.Update
		case len(ids) == 0:
			it.action = roster.Create
		case r.opt.OnExisting == OnExistingSkip:
			it.action = roster.Skip
		case r.opt.OnExisting == OnExistingUpdate:
			it.action = roster.Update
		default:
			it.fail(first.Name, it.values[first.Index], "a user with this "+first.Name+" already exists")
			it.problems[len(it.problems)-1].Hint = existingHint
		}
		if it.ok() && it.action != roster.Create {
			it.user = nil // built in advance for a create
		}
		if it.action == roster.Update || it.action == roster.Skip {
			it.old = &roster.User{ID: ids[0]}
		}
	}
	if r.opt.Tenant != "" {
		if err := r.outsiders(b); err != nil {
			return err
		}
	}
	for _, it := range b.items {
		if it.old != nil && it.action == roster.Update {
			need = append(need, it.old.ID)
		} else {
			it.old = nil
		}
	}
	if len(need) == 0 {
		return nil
	}
	users, err := r.tx.Users(r.ctx, need)
	if err != nil {
		return err
	}
	for _, it := range b.items {
		if it.old != nil {
			it.old = users[it.old.ID]
		}
	}
	return nil
}

// outsiders fails the rows of a run bound to a tenant that name a user of
// another tenant: such a user is not the run's to update or skip, and a
// row cannot create a second user with its keys either.
func (r *run) outsiders(b *batch) error {
	var ids []int64
	for _, it := range b.items {
		if it.old != nil {
			ids = append(ids, it.old.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	names, err := r.tx.UserNames(r.ctx, ids)
	if err != nil {
		return err
	}
	own := r.ref.Tenant("").Name
	for _, it := range b.items {
		if it.old == nil || strings.EqualFold(names[it.old.ID].Tenant, own) {
			continue
		}
		k := it.found
		if r.update {
			it.fail(k.Name, it.values[k.Index], "no user has this "+k.Name)
		} else {
			it.fail(k.Name, it.values[k.Index], "a user with this "+k.Name+" already exists")
		}
		it.action, it.old = "", nil
	}
	return nil
}

// existingHint is the option that lets rows name existing users.
var existingHint = &roster.Hint{Option: "on_existing", Values: []string{string(OnExistingSkip), string(OnExistingUpdate)}}

// newUser builds the user a row creates, with the catalogue's defaults,
// and a uuid from ids unless the row gives one.
func (r *run) newUser(it *item, ids *uuids) *roster.User {
	u := it.stored
	u.Reset()
	for _, c := range r.header.Present() {
		if v := it.values[c.Index]; v != "" {
			c.Set(u, v)
		}
	}
	u.Avatar = it.avatar
	tenant := r.ref.Tenant(u.Tenant)
	u.Tenant = tenant.Name
	if u.Role == "" {
		u.Role = tenant.DefaultRole
	}
	if u.DisplayName == "" {
		u.DisplayName = catalog.DisplayName(u.Firstname, u.Lastname, u.Username)
	}
	if u.UUID == "" {
		u.UUID = ids.make()
	}
	return u
}

// finish writes the reports, commits or rolls back, and completes the
// result.
func (r *run) finish() (*roster.Result, error) {
	res := r.res
	if r.tx != nil {
		groups, rooms := r.tx.Created()
		res.GroupsCreated, res.RoomsCreated = groups, rooms
	}
	applied := r.wrote && !r.opt.DryRun && (r.opt.Mode == Partial || res.Failed == 0)
	if !applied {
		res.GroupsCreated, res.RoomsCreated = nil, nil
	}
	res.Applied = applied
	if res.GroupsCreated == nil {
		res.GroupsCreated = []string{}
	}
	if res.RoomsCreated == nil {
		res.RoomsCreated = []string{}
	}
	res.Reports = &roster.Reports{} // a dry run writes none
	if r.reports != nil {
		// Before the commit: generated passwords are on disk before the
		// users they open exist, and a run whose reports cannot be
		// written writes nothing.
		failures := res.Failed > 0 || len(res.NotApplied) > 0
		rep, err := r.reports.save(failures, applied && (failures || r.genCount > 0))
		if err != nil {
			return nil, roster.Errorf(roster.EUNWRITABLE, "the reports could not be written, so nothing was written to the directory: %v", err)
		}
		rep.Passwords = rep.Success != nil && r.genCount > 0
		res.Reports = rep
	}
	if applied {
		r.reach(StageWriting)
		if err := r.tx.Commit(); err != nil {
			if r.reports != nil {
				r.reports.abandon()
			}
			return nil, err
		}
	}
	return res, nil
}
