// Package directorytest is the contract of roster.Directory, and of the
// clients and operators a directory keeps for the server
// (roster.ClientService, roster.OperatorService), as tests: one suite that
// every store runs (sqlite and postgres), so that a directory behaves the
// same whichever store holds it. A store's own tests call Run
// with a Store that makes and opens its directories.
package directorytest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster"
)

// Store makes and opens the directories of one kind of store.
type Store struct {
	// New makes a new, empty directory and returns its name (a path, a URL).
	New func(t *testing.T) string
	// Open opens a directory by name, as another process would: each call
	// is a new handle, closed when the test ends. A directory that does not
	// exist yet is made.
	Open func(t *testing.T, name string) (roster.Directory, error)
	// KeyFile names the file of the key that seals a directory's secrets.
	KeyFile func(t *testing.T, name string) string
	// LockWait sets how long a write waits for another one, in the handles
	// opened and the waits begun until the function it returns restores
	// the wait.
	LockWait func(d time.Duration) (restore func())
}

// Run runs the contract's tests against a store.
func Run(t *testing.T, s Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, Store)
	}{
		{"NewDirectoryHoldsTheDefaultReferenceData", newDirectoryHoldsTheDefaultReferenceData},
		{"ReopeningMigratesNothingTwice", reopeningMigratesNothingTwice},
		{"UsernamesAndEmailsAreUniqueWhateverTheCase", usernamesAndEmailsAreUniqueWhateverTheCase},
		{"IdentitiesAreComparedFolded", identitiesAreComparedFolded},
		{"NumbersAreUniquePerContext", numbersAreUniquePerContext},
		{"ALineKeepsItsProtocol", aLineKeepsItsProtocol},
		{"AUserReadsBackAsStored", aUserReadsBackAsStored},
		{"OwnersFindTheHoldersOfClaims", ownersFindTheHoldersOfClaims},
		{"UpdateReplacesAndDeleteCascades", updateReplacesAndDeleteCascades},
		{"SetsAndTheirMembers", setsAndTheirMembers},
		{"TryUndoesItsWritesAlone", tryUndoesItsWritesAlone},
		{"ReadsGoOnAfterARefusedWrite", readsGoOnAfterARefusedWrite},
		{"TwoGoroutinesShareATransaction", twoGoroutinesShareATransaction},
		{"BulkLoadChecksUniqueness", bulkLoadChecksUniqueness},
		{"AWriteOutlivesTheContextOfItsCall", aWriteOutlivesTheContextOfItsCall},
		{"ABulkLoadKeepsEveryRule", aBulkLoadKeepsEveryRule},
		{"SetReferenceAddsUpdatesAndPrunes", setReferenceAddsUpdatesAndPrunes},
		{"ReplaceReferenceKeepsIDs", replaceReferenceKeepsIDs},
		{"ExportIsSortedByTenantNameAndUUID", exportIsSortedByTenantNameAndUUID},
		{"ExportStopsAtTheFirstErrorOfItsCaller", exportStopsAtTheFirstErrorOfItsCaller},
		{"OneWriterAtATime", oneWriterAtATime},
		{"ReadersNeverWaitForAWriter", readersNeverWaitForAWriter},
		{"AWriterWaitsNoLongerThanItsContext", aWriterWaitsNoLongerThanItsContext},
		{"ExportReadsOneSnapshot", exportReadsOneSnapshot},
		{"CloseEndsTheTransactionsLeftOpen", closeEndsTheTransactionsLeftOpen},
		{"TenFirstSealsMakeOneKey", tenFirstSealsMakeOneKey},
		{"NoKeyUntilASecretIsSealed", noKeyUntilASecretIsSealed},
		{"ADirectoryWithoutItsKeyRefusesToOpen", aDirectoryWithoutItsKeyRefusesToOpen},
		{"AnotherDirectorysKeyIsRefused", anotherDirectorysKeyIsRefused},
		{"AKeyOthersCanReadIsRefused", aKeyOthersCanReadIsRefused},
		{"AKeyFileLeftWithoutARecord", aKeyFileLeftWithoutARecord},
		{"ClientsAssertionsAndRevocation", clientsAssertionsAndRevocation},
		{"ClientValidation", clientValidation},
		{"TheSigningKeyIsMadeOnceAndSealed", theSigningKeyIsMadeOnceAndSealed},
		{"TwoHandlesMakeOneSigningKey", twoHandlesMakeOneSigningKey},
		{"MarksAreKnownAtOnceDuringAWrite", marksAreKnownAtOnceDuringAWrite},
		{"OperatorsAreUniqueByFoldedNameAndDisabledEverywhere", operatorsAreUniqueByFoldedNameAndDisabledEverywhere},
		{"EndedSessions", endedSessions},
		{"ListsAreOldestFirstWithinASecond", listsAreOldestFirstWithinASecond},
		{"AServedDirectorysReadersNeverWaitForItsFirstImport", aServedDirectorysReadersNeverWaitForItsFirstImport},
		{"ServerStateMoves", serverStateMoves},
		{"PagesHoldEveryUserOnceInExportOrder", pagesHoldEveryUserOnceInExportOrder},
		{"FindUserByReference", findUserByReference},
		{"EveryWriteOfAUserChangesItsVersion", everyWriteOfAUserChangesItsVersion},
		{"JobsAreSavedListedAndInterrupted", jobsAreSavedListedAndInterrupted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s) })
	}
}

func (s Store) open(t *testing.T) (roster.Directory, string) {
	t.Helper()
	name := s.New(t)
	return s.MustOpen(t, name), name
}

// MustOpen opens a directory by name, failing the test when it cannot.
func (s Store) MustOpen(t *testing.T, name string) roster.Directory {
	t.Helper()
	db, err := s.Open(t, name)
	if err != nil {
		t.Fatalf("opening a directory: %v", err)
	}
	return db
}

// User returns a user of the default tenant with the catalogue's defaults.
func User(uuid, username, email string) *roster.User {
	u := roster.NewUser()
	u.UUID, u.Username, u.Email, u.Firstname, u.Tenant, u.Role = uuid, username, email, "Test", "default", "user"
	return u
}

func id(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// begin starts a write transaction, rolled back when the test ends unless
// it committed.
func begin(t *testing.T, db roster.Directory) roster.Tx {
	t.Helper()
	tx, err := db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	return tx
}

// Create stores users in one transaction and returns its error.
func Create(t testing.TB, db roster.Directory, users ...*roster.User) error {
	t.Helper()
	ctx := t.Context()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Create(ctx, users); err != nil {
		return err
	}
	return tx.Commit()
}

func mustCreate(t testing.TB, db roster.Directory, users ...*roster.User) {
	t.Helper()
	if err := Create(t, db, users...); err != nil {
		t.Fatal(err)
	}
}

// all returns the users of a directory in export order.
func all(t *testing.T, db roster.Directory) []*roster.User {
	t.Helper()
	var out []*roster.User
	if err := db.Export(t.Context(), "", true, func(u *roster.User) error {
		out = append(out, u)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	unversioned(t, out...)
	return out
}

// unversioned checks that users read back have a version, then clears it,
// so that they compare with the users written (versions are the store's).
func unversioned(t *testing.T, users ...*roster.User) {
	t.Helper()
	for _, u := range users {
		if u.Version == 0 {
			t.Fatalf("the user %s reads back without a version", u.UUID)
		}
		u.Version = 0
	}
}

// count returns how many of the users of IDs 1 to max a transaction sees.
func count(t *testing.T, tx roster.Tx, max int64) int {
	t.Helper()
	ids := make([]int64, max)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	users, err := tx.UserNames(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return len(users)
}

func usernames(us []*roster.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func newDirectoryHoldsTheDefaultReferenceData(t *testing.T, s Store) {
	db, _ := s.open(t)
	ref, err := db.Reference(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Objects of all kinds share one sequence of IDs in a directory.
	want := roster.DefaultReference()
	for i := range want.Tenants[0].CTIProfiles {
		want.Tenants[0].CTIProfiles[i].ID += int64(len(want.Tenants[0].Roles))
	}
	for _, kind := range []string{roster.KindCallPermission, roster.KindSkillGroup, roster.KindDesk} {
		*want.Tenants[0].Objects(kind) = []roster.Object{}
		if list := ref.Tenants[0].Objects(kind); *list == nil {
			*list = []roster.Object{}
		}
	}
	if !reflect.DeepEqual(ref, want) {
		t.Fatalf("reference data %+v, want the default %+v", ref, want)
	}
}

func reopeningMigratesNothingTwice(t *testing.T, s Store) {
	_, name := s.open(t)
	for range 2 {
		ref, err := s.MustOpen(t, name).Reference(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(ref.Tenants) != 1 || len(ref.Tenants[0].Roles) != 4 {
			t.Fatalf("reference data after reopening: %+v", ref)
		}
	}
}

func usernamesAndEmailsAreUniqueWhateverTheCase(t *testing.T, s Store) {
	db, _ := s.open(t)
	mustCreate(t, db, User(id(1), "Bob", "Bob@Example.com"))
	for _, u := range []*roster.User{
		User(id(2), "bob", "other@example.com"),
		User(id(3), "other", "bob@example.com"),
		User(id(1), "third", "third@example.com"),
	} {
		if err := Create(t, db, u); roster.ErrorCode(err) != roster.ECONFLICT {
			t.Errorf("%s/%s/%s: got %v, want a conflict", u.UUID, u.Username, u.Email, err)
		}
	}
	// Users may have neither a username nor an email.
	mustCreate(t, db, User(id(4), "", ""), User(id(5), "", ""))
}

// identitiesAreComparedFolded: usernames and emails are the same when
// roster.FoldIdentity makes them the same (NFKC and full case folding),
// both for the schema and for Owners.
func identitiesAreComparedFolded(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	mustCreate(t, db, User(id(5), "ΣΟΦΙΑ", "josé@example.com"), User(id(6), "ｂｏｂ", ""))
	for _, u := range []*roster.User{
		User(id(7), "σοφια", ""),
		User(id(8), "bob", ""),
		User(id(9), "", "jose\u0301@example.com"),
		User(id(9), "", "JOSÉ@EXAMPLE.COM"),
	} {
		if err := Create(t, db, u); roster.ErrorCode(err) != roster.ECONFLICT {
			t.Errorf("%q/%q: got %v, want a conflict", u.Username, u.Email, err)
		}
	}
	tx := begin(t, db)
	claims := []roster.Claim{{Key: "username", Value: "σοφια"}, {Key: "username", Value: "BOB"}, {Key: "email", Value: "JOSÉ@example.com"}}
	owners, err := tx.Owners(ctx, claims)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{1, 2, 1} {
		if owners[claims[i]] != want {
			t.Errorf("%+v: owner %d, want %d", claims[i], owners[claims[i]], want)
		}
	}
}

func numbersAreUniquePerContext(t *testing.T, s Store) {
	db, _ := s.open(t)
	a := User(id(10), "a", "")
	a.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", SIPUsername: "a", ProvisioningCode: "111111"}
	a.Voicemail = &roster.Voicemail{Name: "A", Number: "1000", Context: "default"}
	a.Incalls = []roster.Incall{{Exten: "2000", Context: "from-extern"}}
	mustCreate(t, db, a)
	for _, c := range []struct {
		name string
		edit func(*roster.User)
		want string
	}{
		{"exten", func(u *roster.User) { u.Line.Exten = "1000" }, "extension"},
		{"sip username", func(u *roster.User) { u.Line.SIPUsername = "a" }, "SIP username"},
		{"provisioning code", func(u *roster.User) { u.Line.ProvisioningCode = "111111" }, "provisioning code"},
		{"voicemail", func(u *roster.User) { u.Voicemail = &roster.Voicemail{Name: "B", Number: "1000", Context: "default"} }, "voicemail number"},
		{"incall", func(u *roster.User) { u.Incalls = []roster.Incall{{Exten: "2000", Context: "from-extern"}} }, "incoming number"},
	} {
		b := User(id(11), "b", "")
		b.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1001", SIPUsername: "b", ProvisioningCode: "222222"}
		c.edit(b)
		err := Create(t, db, b)
		if roster.ErrorCode(err) != roster.ECONFLICT || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a conflict about the %s", c.name, err, c.want)
		}
	}
}

func aLineKeepsItsProtocol(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	u := User(id(20), "a", "")
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", ProvisioningCode: "111111"}
	mustCreate(t, db, u)
	tx := begin(t, db)
	u.Line.Protocol = "sccp"
	if err := tx.Update(ctx, []*roster.User{u}); err == nil || !strings.Contains(err.Error(), "protocol") {
		t.Fatalf("got %v, want the protocol refused", err)
	}
}

// Rich returns a user with every field and resource set.
func Rich(uuid, username string) *roster.User {
	u := User(uuid, username, username+"@example.com")
	u.Firstname, u.Lastname, u.DisplayName = "Zoë", "Ørsted", "Zoë Ørsted"
	u.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	u.Language, u.MobilePhoneNumber, u.OutgoingCallerID = "fr_FR", "+33612345678", "anonymous"
	u.Enabled, u.SupervisionEnabled, u.CallTransferEnabled, u.DTMFHangupEnabled = false, false, true, true
	u.SimultaneousCalls, u.RingSeconds = 3, 45
	u.CallPermissionPassword, u.Role, u.AuthType = "73915", "agent", "totp"
	u.Groups, u.Rooms = []string{"alpha", "Beta", "gamma"}, []string{"Atlas"}
	u.SkillGroups, u.CallPermissions, u.Desk = []string{"sales", "support"}, []string{"intl"}, "D1"
	u.Tags = []string{"a-tag", "b-tag"}
	u.Avatar = &roster.Picture{Type: "png", Data: []byte("\x89PNG\r\n\x1a\nnot really")}
	u.CTIProfile = &roster.CTIProfile{Enabled: true, Name: "Agent"}
	u.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1042", SIPUsername: "sip" + username,
		SIPSecret: "Sip-Secret-7391", ProvisioningCode: "123456"}
	u.Incalls = []roster.Incall{{Exten: "2042", Context: "from-extern", RingSeconds: "20"}, {Exten: "2043", Context: "from-extern"}}
	u.Voicemail = &roster.Voicemail{Name: "Zoë", Number: "1042", Context: "default", Password: "918273645",
		Email: "vm@example.com", AttachAudio: true, DeleteMessages: true}
	return u
}

// SetTestReference adds the objects Rich users name to the default tenant.
func SetTestReference(t *testing.T, db roster.Directory) {
	t.Helper()
	ref := &roster.Reference{Tenants: []roster.Tenant{{
		Name:            "default",
		CallPermissions: []roster.Object{{Name: "intl"}, {Name: "national"}},
		SkillGroups:     []roster.Object{{Name: "support"}, {Name: "sales"}},
		Desks:           []roster.Object{{Name: "D1"}},
	}}}
	if _, err := db.SetReference(t.Context(), ref, false); err != nil {
		t.Fatalf("setting reference data: %v", err)
	}
}

func aUserReadsBackAsStored(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	SetTestReference(t, db)
	want := Rich(id(30), "zoe")
	mustCreate(t, db, want.Clone())
	tx := begin(t, db)
	got, err := tx.Users(ctx, []int64{1, 999})
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	want.ID = 1
	if got[1] != nil {
		unversioned(t, got[1])
	}
	if len(got) != 1 || !reflect.DeepEqual(got[1], want) {
		t.Fatalf("read back:\n%+v\nwant\n%+v", got[1], want)
	}
	exported := all(t, db)
	if len(exported) != 1 || !reflect.DeepEqual(exported[0], want) {
		t.Fatalf("exported:\n%+v\nwant\n%+v", exported, want)
	}
}

func ownersFindTheHoldersOfClaims(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	SetTestReference(t, db)
	mustCreate(t, db, Rich(id(40), "zoe"))
	tx := begin(t, db)
	held := []roster.Claim{
		{Key: "uuid", Value: strings.ToUpper(id(40))},
		{Key: "username", Value: "ZOE"},
		{Key: "email", Value: "Zoe@Example.COM"},
		{Key: "sip_username", Value: "sipzoe"},
		{Key: "provisioning_code", Value: "123456"},
		{Key: "exten", Tenant: "default", Context: "default", Value: "1042"},
		{Key: "incall_exten", Tenant: "default", Context: "from-extern", Value: "2043"},
		{Key: "voicemail_number", Tenant: "default", Context: "default", Value: "1042"},
	}
	free := []roster.Claim{
		{Key: "username", Value: "zoe2"},
		{Key: "exten", Tenant: "default", Context: "default", Value: "1043"},
		{Key: "exten", Tenant: "default", Context: "nowhere", Value: "1042"},
	}
	owners, err := tx.Owners(ctx, append(slices.Clone(held), free...))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range held {
		if owners[c] != 1 {
			t.Errorf("%+v: owner %d, want 1", c, owners[c])
		}
	}
	for _, c := range free {
		if id, ok := owners[c]; ok {
			t.Errorf("%+v: owner %d, want none", c, id)
		}
	}
	if has, err := tx.HasUsers(ctx); err != nil || !has {
		t.Errorf("HasUsers: %v, %v", has, err)
	}
	used, err := tx.Numbers(ctx, "incall_exten", "default", "from-extern")
	if err != nil || !reflect.DeepEqual(used, map[string]bool{"2042": true, "2043": true}) {
		t.Errorf("incall numbers: %v, %v", used, err)
	}
}

func updateReplacesAndDeleteCascades(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	SetTestReference(t, db)
	plain := Rich(id(51), "max")
	plain.Line, plain.Voicemail, plain.Incalls = nil, nil, nil
	mustCreate(t, db, Rich(id(50), "zoe"), plain)
	tx := begin(t, db)
	users, err := tx.Users(ctx, []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	zoe, max := users[1], users[2]
	zoe.Lastname, zoe.Groups, zoe.Tags, zoe.Incalls, zoe.Voicemail = "Z", []string{"delta"}, nil, nil, nil
	zoe.Line.Exten, zoe.Line.SIPSecret = "1043", "New-Secret"
	zoe.Username = "Zoé"
	max.Line = &roster.Line{Protocol: "webrtc", Context: "default", Exten: "1042", ProvisioningCode: "654321"}
	max.Voicemail = &roster.Voicemail{Name: "Max", Number: "1042", Context: "default", AskPassword: true}
	if err := tx.Update(ctx, []*roster.User{zoe, max}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := all(t, db)
	zoe.Version, max.Version = 0, 0
	want := []*roster.User{zoe, max} // "Z" sorts before "Ørsted"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after update:\n%+v\nwant\n%+v", got, want)
	}
	tx, err = db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Delete(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	used, err := tx.Numbers(ctx, "exten", "default", "default")
	if err != nil || !reflect.DeepEqual(used, map[string]bool{"1042": true}) {
		t.Fatalf("extensions after deleting zoe: %v, %v", used, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := usernames(all(t, db)); !slices.Equal(got, []string{"max"}) {
		t.Fatalf("users after delete: %v", got)
	}
}

func setsAndTheirMembers(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	mustCreate(t, db, User(id(60), "a", ""), User(id(61), "b", ""), User(id(62), "c", ""))
	tx := begin(t, db)
	if _, ok, err := tx.FindSet(ctx, "room", "", "Atlas"); ok || err != nil {
		t.Fatalf("a room that does not exist: %v %v", ok, err)
	}
	room, err := tx.CreateSet(ctx, "room", "", "Atlas")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := tx.FindSet(ctx, "room", "default", "ATLAS"); got != room || !ok || err != nil {
		t.Fatalf("FindSet by another case: %d %v %v, want %d", got, ok, err, room)
	}
	if _, ok, _ := tx.FindSet(ctx, "group", "", "Atlas"); ok {
		t.Fatal("a room found as a group")
	}
	if err := tx.AddMembers(ctx, "room", room, []int64{1, 2, 2}); err != nil {
		t.Fatal(err)
	}
	if err := tx.AddMembers(ctx, "room", room, []int64{3}); err != nil {
		t.Fatal(err)
	}
	if err := tx.RemoveMembers(ctx, "room", room, []int64{1}); err != nil {
		t.Fatal(err)
	}
	ids, err := tx.Members(ctx, "room", room)
	if slices.Sort(ids); err != nil || !slices.Equal(ids, []int64{2, 3}) {
		t.Fatalf("members %v, %v; want 2 3", ids, err)
	}
	if _, rooms := tx.Created(); !slices.Equal(rooms, []string{"Atlas"}) {
		t.Fatalf("rooms created: %v", rooms)
	}
	if err := tx.DeleteSet(ctx, "room", room); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := all(t, db); len(got) != 3 || got[1].Rooms != nil {
		t.Fatalf("users after deleting their room: %+v", got)
	}
}

func tryUndoesItsWritesAlone(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	mustCreate(t, db, User(id(70), "taken", ""))
	tx := begin(t, db)
	good := User(id(71), "good", "")
	good.Groups = []string{"Kept"}
	if err := tx.Try(ctx, func() error { return tx.Create(ctx, []*roster.User{good}) }); err != nil {
		t.Fatal(err)
	}
	bad := User(id(72), "TAKEN", "")
	bad.Groups = []string{"Undone"}
	if err := tx.Try(ctx, func() error { return tx.Create(ctx, []*roster.User{bad}) }); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a repeated username in Try: %v, want a conflict", err)
	}
	if groups, _ := tx.Created(); !slices.Equal(groups, []string{"Kept"}) {
		t.Fatalf("groups created %v, want Kept only", groups)
	}
	later := User(id(73), "later", "")
	later.Groups = []string{"Undone"}
	if err := tx.Create(ctx, []*roster.User{later}); err != nil {
		t.Fatalf("writing after an undone Try: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := usernames(all(t, db)); !slices.Equal(got, []string{"taken", "good", "later"}) {
		t.Fatalf("users %v", got)
	}
}

// readsGoOnAfterARefusedWrite: an atomic run goes on checking its other
// rows after the directory refused a batch, so reads must still work.
func readsGoOnAfterARefusedWrite(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	mustCreate(t, db, User(id(80), "taken", ""))
	tx := begin(t, db)
	if err := tx.Create(ctx, []*roster.User{User(id(81), "Taken", "")}); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("got %v, want a conflict", err)
	}
	owners, err := tx.Owners(ctx, []roster.Claim{{Key: "username", Value: "taken"}})
	if err != nil || len(owners) != 1 {
		t.Fatalf("Owners after a refused write: %v, %v", owners, err)
	}
	if _, err := tx.Numbers(ctx, "exten", "", "default"); err != nil {
		t.Fatalf("Numbers after a refused write: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := usernames(all(t, db)); !slices.Equal(got, []string{"taken"}) {
		t.Fatalf("users %v", got)
	}
}

// twoGoroutinesShareATransaction: the engine plans a batch (Owners) on one
// goroutine while it writes the one before (Create) on another.
func twoGoroutinesShareATransaction(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	mustCreate(t, db, User(id(1), "first", ""))
	tx := begin(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() {
		for i := range 20 {
			if err := tx.Create(ctx, []*roster.User{User(id(100+i), fmt.Sprintf("u%d", i), "")}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for range 20 {
			if _, err := tx.Owners(ctx, []roster.Claim{{Key: "username", Value: "first"}, {Key: "uuid", Value: id(1)}}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := count(t, tx, 100); n != 21 {
		t.Fatalf("%d users, want 21", n)
	}
}

func bulkLoadChecksUniqueness(t *testing.T, s Store) {
	ctx := t.Context()
	db, _ := s.open(t)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Bulk(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, []*roster.User{User(id(90), "a", "a@example.com")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := Create(t, db, User(id(91), "A", "b@example.com")); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("got %v, want a conflict", err)
	}
	// A bulk load whose rows break a unique rule fails, at Create or at
	// Commit, and leaves nothing.
	db2, _ := s.open(t)
	tx, err = db2.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tx.Bulk(ctx)
	err = tx.Create(ctx, []*roster.User{User(id(92), "a", ""), User(id(93), "A", "")})
	if err == nil {
		err = tx.Commit()
	}
	if err == nil {
		t.Fatal("a bulk load with a repeated username committed")
	}
	tx.Rollback()
	if n := len(all(t, db2)); n != 0 {
		t.Fatalf("%d users after a failed bulk load", n)
	}
}

// aWriteOutlivesTheContextOfItsCall: the engine's writer calls Create with
// the context of its pipeline, which ends before Commit; what Create wrote
// (or queued) is committed all the same.
func aWriteOutlivesTheContextOfItsCall(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	tx := begin(t, db)
	if err := tx.Bulk(ctx); err != nil {
		t.Fatal(err)
	}
	call, cancel := context.WithCancel(ctx)
	for b := range 25 {
		var users []*roster.User
		for i := range 512 {
			n := b*512 + i
			users = append(users, User(id(n), fmt.Sprintf("u%05d", n), fmt.Sprintf("u%05d@example.com", n)))
		}
		if err := tx.Create(call, users); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit after the calls' context ended: %v", err)
	}
	if n := len(all(t, db)); n != 25*512 {
		t.Fatalf("%d users, want %d", n, 25*512)
	}
}

// aBulkLoadKeepsEveryRule: what a store turns off for a bulk load (index
// upkeep, row-by-row checks) does not let a rule break in the same
// transaction: a line keeps its protocol, and deletes cascade.
func aBulkLoadKeepsEveryRule(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	tx := begin(t, db)
	if err := tx.Bulk(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := User(id(1), "a", ""), User(id(2), "b", "")
	a.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1000", ProvisioningCode: "111111"}
	b.Line = &roster.Line{Protocol: "sip", Context: "default", Exten: "1001", ProvisioningCode: "222222"}
	a.Groups, b.Groups = []string{"G"}, []string{"G"}
	if err := tx.Create(ctx, []*roster.User{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Delete(ctx, []int64{b.ID}); err != nil {
		t.Fatal(err)
	}
	used, err := tx.Numbers(ctx, "exten", "", "default")
	if err != nil || !reflect.DeepEqual(used, map[string]bool{"1000": true}) {
		t.Fatalf("extensions after deleting b: %v, %v", used, err)
	}
	set, _, err := tx.FindSet(ctx, "group", "", "G")
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := tx.Members(ctx, "group", set); err != nil || !slices.Equal(ids, []int64{a.ID}) {
		t.Fatalf("members of G after deleting b: %v, %v", ids, err)
	}
	a.Line.Protocol = "sccp"
	err = tx.Try(ctx, func() error { return tx.Update(ctx, []*roster.User{a}) })
	if err == nil || !strings.Contains(err.Error(), "protocol") {
		t.Fatalf("changing a protocol in a bulk load: %v, want it refused", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := all(t, db); len(got) != 1 || got[0].Line.Protocol != "sip" || !slices.Equal(got[0].Groups, []string{"G"}) {
		t.Fatalf("after the load: %+v", got)
	}
}

func setReferenceAddsUpdatesAndPrunes(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	ref := roster.DefaultReference()
	t0 := &ref.Tenants[0]
	t0.Contexts[0].Ranges = append(t0.Contexts[0].Ranges, "5000-5999")
	t0.CallPermissions = []roster.Object{{Name: "intl"}}
	changes, err := db.SetReference(ctx, ref, false)
	if err != nil || len(changes) != 2 {
		t.Fatalf("changes %q, %v", changes, err)
	}
	if changes, err = db.SetReference(ctx, ref, false); err != nil || len(changes) != 0 {
		t.Fatalf("second apply: changes %q, %v", changes, err)
	}
	u := User(id(100), "a", "")
	u.CallPermissions = []string{"intl"}
	mustCreate(t, db, u)
	t0.CallPermissions = nil
	if _, err := db.SetReference(ctx, ref, true); roster.ErrorCode(err) != roster.ECONFLICT || !strings.Contains(err.Error(), "intl") {
		t.Fatalf("pruning a permission in use: %v", err)
	}
	other := roster.DefaultReference()
	other.Tenants = append(other.Tenants, roster.Tenant{Name: "acme", Contexts: []roster.Context{{Name: "acme-int", Kind: roster.Internal, Ranges: []string{"100-199"}}},
		Roles: []roster.Object{{Name: "user"}}, DefaultRole: "user"})
	other.Tenants[0].CallPermissions = []roster.Object{{Name: "intl"}}
	if changes, err = db.SetReference(ctx, other, true); err != nil || len(changes) != 4 {
		t.Fatalf("adding a tenant and pruning a range: %q, %v", changes, err)
	}
	got, err := db.Reference(ctx)
	if err != nil || len(got.Tenants) != 2 || got.Tenant("acme").Context("acme-int") == nil || len(got.Tenants[0].Contexts[0].Ranges) != 1 {
		t.Fatalf("reference after pruning: %+v, %v", got, err)
	}
	bad := roster.DefaultReference()
	bad.Tenants[0].Contexts[0].Ranges = []string{"10-9"}
	if _, err := db.SetReference(ctx, bad, false); roster.ErrorCode(err) != roster.EINVALID {
		t.Fatalf("bad range: %v", err)
	}
}

func exportIsSortedByTenantNameAndUUID(t *testing.T, s Store) {
	db, _ := s.open(t)
	mk := func(n int, first, last string) *roster.User {
		u := User(id(n), "", "")
		u.Firstname, u.Lastname = first, last
		return u
	}
	// Byte order: "Zed" before "abel", "Émile" after both.
	mustCreate(t, db, mk(3, "Ann", "Zed"), mk(2, "Bob", "Abel"), mk(1, "Bob", "Abel"), mk(4, "Al", "Abel"),
		mk(5, "Al", "abel"), mk(6, "Al", "Émile"))
	var got []string
	for _, u := range all(t, db) {
		got = append(got, u.UUID[len(u.UUID)-1:])
	}
	if strings.Join(got, "") != "412356" {
		t.Fatalf("export order %v, want 4 1 2 3 5 6", got)
	}
	n := 0
	if err := db.Export(t.Context(), "nowhere", true, func(*roster.User) error { n++; return nil }); err == nil || n != 0 {
		t.Fatalf("export of a tenant that does not exist: %v after %d users", err, n)
	}
}

func exportStopsAtTheFirstErrorOfItsCaller(t *testing.T, s Store) {
	db, _ := s.open(t)
	ctx := t.Context()
	var users []*roster.User
	for i := range 2000 {
		users = append(users, User(id(i), fmt.Sprintf("u%d", i), ""))
	}
	mustCreate(t, db, users...)
	full := errors.New("disk full")
	n := 0
	err := db.Export(ctx, "", true, func(*roster.User) error {
		if n++; n == 10 {
			return full
		}
		return nil
	})
	if !errors.Is(err, full) || n != 10 {
		t.Fatalf("export returned %v after %d users, want the caller's error after 10", err, n)
	}
	n = 0
	if err := db.Export(ctx, "", true, func(*roster.User) error { n++; return nil }); err != nil || n != 2000 {
		t.Fatalf("the next export: %v after %d users, want 2000", err, n)
	}
}

// withUsers makes a directory with users in it, and returns its name: a
// directory that has users is in its everyday state (SQLite runs a new
// directory's first import with another journal).
func withUsers(t *testing.T, s Store, users ...*roster.User) string {
	t.Helper()
	name := s.New(t)
	db := s.MustOpen(t, name)
	mustCreate(t, db, users...)
	db.Close()
	return name
}

func oneWriterAtATime(t *testing.T, s Store) {
	ctx := t.Context()
	name := withUsers(t, s, User(id(110), "a", ""))
	defer s.LockWait(200 * time.Millisecond)()
	first, second := s.MustOpen(t, name), s.MustOpen(t, name)
	tx, err := first.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Create(ctx, []*roster.User{User(id(111), "b", "")}); err != nil {
		t.Fatal(err)
	}
	if tx2, err := second.Begin(ctx); roster.ErrorCode(err) != roster.ECONFLICT {
		if err == nil {
			tx2.Rollback()
		}
		t.Fatalf("a second writer: %v, want a conflict after waiting", err)
	}
	if _, err := second.SetReference(ctx, roster.DefaultReference(), false); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a second writer of reference data: %v, want a conflict after waiting", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tx2, err := second.Begin(ctx)
	if err != nil {
		t.Fatalf("a second writer after the first committed: %v", err)
	}
	defer tx2.Rollback()
	if n := count(t, tx2, 10); n != 2 {
		t.Fatalf("the second writer sees %d users, want 2", n)
	}
}

// readersNeverWaitForAWriter holds a write open on one handle while
// another, opened after it began, reads in every way a reader can: none
// waits, and each sees the directory as it was before the write.
func readersNeverWaitForAWriter(t *testing.T, s Store) {
	ctx := t.Context()
	a, b := User(id(120), "a", ""), User(id(121), "b", "")
	a.Rooms, b.Rooms = []string{"Atlas"}, []string{"Atlas"}
	name := withUsers(t, s, a, b)
	// A reader that waited would fail here rather than hang the suite.
	defer s.LockWait(200 * time.Millisecond)()
	writer := s.MustOpen(t, name)
	tx, err := writer.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Delete(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, []*roster.User{User(id(122), "c", "")}); err != nil {
		t.Fatal(err)
	}
	reader := s.MustOpen(t, name)
	if got := usernames(all(t, reader)); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("a reader during a write sees %v, want a and b", got)
	}
	if _, err := reader.Reference(ctx); err != nil {
		t.Fatalf("reading reference data during a write: %v", err)
	}
	if sets, err := reader.Sets(ctx, "room", ""); err != nil || !reflect.DeepEqual(sets, []roster.Set{{Name: "Atlas", Members: 2}}) {
		t.Fatalf("rooms during a write: %v, %v", sets, err)
	}
	snap, err := reader.Snapshot(ctx)
	if err != nil {
		t.Fatalf("a snapshot during a write: %v", err)
	}
	defer snap.Rollback()
	owners, err := snap.Owners(ctx, []roster.Claim{{Key: "username", Value: "a"}, {Key: "username", Value: "c"}})
	if err != nil || !reflect.DeepEqual(owners, map[roster.Claim]int64{{Key: "username", Value: "a"}: 1}) {
		t.Fatalf("owners in a snapshot during a write: %v, %v", owners, err)
	}
	room, ok, err := snap.FindSet(ctx, "room", "", "atlas")
	if err != nil || !ok {
		t.Fatalf("a room in a snapshot: %v %v", ok, err)
	}
	ids, err := snap.Members(ctx, "room", room)
	if slices.Sort(ids); err != nil || !slices.Equal(ids, []int64{1, 2}) {
		t.Fatalf("members in a snapshot during a write: %v, %v", ids, err)
	}
	if n := count(t, snap, 3); n != 2 {
		t.Fatalf("a snapshot during a write sees %d users, want 2", n)
	}
	if err := snap.Create(ctx, []*roster.User{User(id(123), "d", "")}); err == nil {
		t.Fatal("a snapshot wrote")
	}
}

// aWriterWaitsNoLongerThanItsContext: a write that waits for another one
// stops waiting when its caller cancels (context.Canceled, so that Ctrl-C
// stops a queued run at once) or its deadline passes (a conflict, as when
// the store's own bound passes), and the handle writes once the other is
// done.
func aWriterWaitsNoLongerThanItsContext(t *testing.T, s Store) {
	name := withUsers(t, s, User(id(140), "a", ""))
	defer s.LockWait(30 * time.Second)()
	first, second := s.MustOpen(t, name), s.MustOpen(t, name)
	tx := begin(t, first)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if tx2, err := second.Begin(ctx); !errors.Is(err, context.Canceled) {
		if err == nil {
			tx2.Rollback()
		}
		t.Fatalf("a wait cancelled: %v, want context.Canceled", err)
	}
	ctx, stop := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer stop()
	if tx2, err := second.Begin(ctx); roster.ErrorCode(err) != roster.ECONFLICT {
		if err == nil {
			tx2.Rollback()
		}
		t.Fatalf("a wait past its deadline: %v, want a conflict", err)
	}
	tx.Rollback()
	mustCreate(t, second, User(id(141), "b", ""))
}

func exportReadsOneSnapshot(t *testing.T, s Store) {
	ctx := t.Context()
	var users []*roster.User
	for i := range 1000 {
		users = append(users, User(id(200+i), fmt.Sprintf("u%04d", i), ""))
	}
	name := withUsers(t, s, users...)
	// A writer that waited for the export would fail rather than hang.
	defer s.LockWait(200 * time.Millisecond)()
	reader, writer := s.MustOpen(t, name), s.MustOpen(t, name)
	n := 0
	err := reader.Export(ctx, "", true, func(u *roster.User) error {
		if n++; n == 1 {
			// Another run deletes every user and adds one, meanwhile.
			tx, err := writer.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			ids := make([]int64, 1000)
			for i := range ids {
				ids[i] = int64(i + 1)
			}
			if err := tx.Delete(ctx, ids); err != nil {
				return err
			}
			if err := tx.Create(ctx, []*roster.User{User(id(5000), "new", "")}); err != nil {
				return err
			}
			return tx.Commit()
		}
		return nil
	})
	if err != nil || n != 1000 {
		t.Fatalf("export during a write: %v after %d users, want the 1000 of its start", err, n)
	}
	if got := usernames(all(t, reader)); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("the next export: %v, want new", got)
	}
}

// closeEndsTheTransactionsLeftOpen: closing a directory rolls back the
// transactions its caller left open (a pending change never applied nor
// released), instead of waiting for them, and frees the write lock.
func closeEndsTheTransactionsLeftOpen(t *testing.T, s Store) {
	ctx := t.Context()
	name := withUsers(t, s, User(id(130), "a", ""))
	defer s.LockWait(5 * time.Second)()
	db := s.MustOpen(t, name)
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Create(ctx, []*roster.User{User(id(131), "b", "")}); err != nil {
		t.Fatal(err)
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("closing: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for the transactions left open")
	}
	snap.Rollback()
	other := s.MustOpen(t, name)
	tx2, err := other.Begin(ctx)
	if err != nil {
		t.Fatalf("a writer after the directory was closed with a transaction open: %v", err)
	}
	tx2.Rollback()
	if got := usernames(all(t, other)); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("after closing with a transaction open: %v, want a only", got)
	}
}

// replaceReferenceKeepsIDs: the reference data of one directory, IDs and
// their gaps included, replaces that of a directory without users, which
// then gives out IDs past them; a directory with users refuses.
func replaceReferenceKeepsIDs(t *testing.T, s Store) {
	ctx := t.Context()
	from, _ := s.open(t)
	ref := roster.DefaultReference()
	ref.Tenants[0].CallPermissions = []roster.Object{{Name: "gone"}, {Name: "intl"}}
	ref.Tenants = append(ref.Tenants, roster.Tenant{Name: "acme", Contexts: []roster.Context{{Name: "acme-int", Kind: roster.Internal, Ranges: []string{"100-199"}}},
		Roles: []roster.Object{{Name: "user"}}, DefaultRole: "user"})
	if _, err := from.SetReference(ctx, ref, false); err != nil {
		t.Fatal(err)
	}
	ref.Tenants[0].CallPermissions = ref.Tenants[0].CallPermissions[1:]
	if _, err := from.SetReference(ctx, ref, true); err != nil {
		t.Fatal(err)
	}
	want, err := from.Reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to, _ := s.open(t)
	replace := func(db roster.Directory) error {
		return db.(interface {
			ReplaceReference(context.Context, *roster.Reference) error
		}).ReplaceReference(ctx, want)
	}
	if err := replace(to); err != nil {
		t.Fatal(err)
	}
	if got, err := to.Reference(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("replaced reference data:\n%+v (%v)\nwant\n%+v", got, err, want)
	}
	more := roster.DefaultReference()
	more.Tenants[0].SkillGroups = []roster.Object{{Name: "sales"}}
	if _, err := to.SetReference(ctx, more, false); err != nil {
		t.Fatal(err)
	}
	got, _ := to.Reference(ctx)
	var top int64
	for _, tn := range want.Tenants {
		for _, kind := range roster.ObjectKinds {
			for _, o := range *tn.Objects(kind) {
				top = max(top, o.ID)
			}
		}
	}
	if sales := got.Tenants[0].SkillGroups; len(sales) != 1 || sales[0].ID <= top {
		t.Fatalf("an object added after the replacement: %+v, want an ID past %d", sales, top)
	}
	mustCreate(t, to, User(id(1), "a", ""))
	if err := replace(to); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("replacing the reference data of a directory with users: %v", err)
	}
}
