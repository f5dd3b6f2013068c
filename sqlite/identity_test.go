package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/internal/dirrow"
)

func openTest(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// createUsers stores users in one transaction, in bulk when asked.
func createUsers(t testing.TB, db *DB, bulk bool, users ...*roster.User) error {
	t.Helper()
	ctx := t.Context()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if bulk {
		if err := tx.Bulk(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Create(ctx, users); err != nil {
		return err
	}
	return tx.Commit()
}

// owners looks claims up in a transaction that it rolls back.
func owners(t *testing.T, db *DB, claims ...roster.Claim) map[roster.Claim]int64 {
	t.Helper()
	tx, err := db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	out, err := tx.Owners(t.Context(), claims)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUsernamesAndEmailsAreUniqueOnceFolded: the schema refuses a username
// or an email that differs from a stored one only by Unicode case,
// normalisation or compatibility form (lower() folded ASCII only), in a
// bulk load too; Owners finds the stored user by any of those forms.
func TestUsernamesAndEmailsAreUniqueOnceFolded(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
		first := []*roster.User{
			directorytest.User("00000000-0000-4000-8000-000000000001", "ｂｏｂ", "ΣΟΦΙΑ@example.com"),
			directorytest.User("00000000-0000-4000-8000-000000000002", "jose\u0301", "jose\u0301@example.com"),
		}
		if err := createUsers(t, db, bulk, first...); err != nil {
			t.Fatal(err)
		}
		for _, u := range []*roster.User{
			directorytest.User("00000000-0000-4000-8000-000000000003", "BOB", ""),
			directorytest.User("00000000-0000-4000-8000-000000000004", "", "σοφια@example.com"),
			directorytest.User("00000000-0000-4000-8000-000000000005", "JOSÉ", ""),
			directorytest.User("00000000-0000-4000-8000-000000000006", "", "josé@EXAMPLE.COM"),
		} {
			if err := createUsers(t, db, false, u); roster.ErrorCode(err) != roster.ECONFLICT {
				t.Errorf("bulk %v: %q/%q: got %v, want a conflict", bulk, u.Username, u.Email, err)
			}
		}
		got := owners(t, db,
			roster.Claim{Key: "username", Value: "Bob"}, roster.Claim{Key: "username", Value: "BOB"},
			roster.Claim{Key: "email", Value: "σοφια@example.com"}, roster.Claim{Key: "email", Value: "ΣΟΦΙΑ@EXAMPLE.COM"},
			roster.Claim{Key: "username", Value: "josé"}, roster.Claim{Key: "email", Value: "nobody@example.com"})
		want := map[roster.Claim]int64{
			{Key: "username", Value: "Bob"}: 1, {Key: "username", Value: "BOB"}: 1,
			{Key: "email", Value: "σοφια@example.com"}: 1, {Key: "email", Value: "ΣΟΦΙΑ@EXAMPLE.COM"}: 1,
			{Key: "username", Value: "josé"}: 2,
		}
		if len(got) != len(want) {
			t.Errorf("bulk %v: owners %v, want %v", bulk, got, want)
		}
		for c, id := range want {
			if got[c] != id {
				t.Errorf("bulk %v: owner of %s %q is %d, want %d", bulk, c.Key, c.Value, got[c], id)
			}
		}
	}
	// A bulk load that holds two forms of one email fails at commit.
	db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
	err := createUsers(t, db, true, directorytest.User("00000000-0000-4000-8000-000000000001", "", "ΣΟΦΙΑ@example.com"),
		directorytest.User("00000000-0000-4000-8000-000000000002", "", "σοφια@example.com"))
	if roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a bulk load with one email twice: %v, want a conflict", err)
	}
}

// versionOne makes a directory as the first version of the schema left it,
// holding users with the given usernames and emails (empty for NULL).
func versionOne(t *testing.T, identities ...[2]string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	sdb, err := sql.Open(driverName, dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	tx, err := sdb.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	body, err := migrations.ReadFile("migration/0001_directory.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE TABLE migrations (name TEXT PRIMARY KEY)`, string(body),
		`INSERT INTO migrations (name) VALUES ('migration/0001_directory.sql')`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := setReference(ctx, tx, roster.DefaultReference(), false); err != nil {
		t.Fatal(err)
	}
	for i, id := range identities {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (uuid, tenant_id, username, email) VALUES (?, 1, ?, ?)`,
			"00000000-0000-4000-8000-00000000000"+string(rune('1'+i)), dirrow.Nullable(id[0]), dirrow.Nullable(id[1]))
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMigrationFoldsStoredIdentities: a directory of the first schema
// version gets the folded keys of its usernames and emails, ASCII or not,
// so that the new rule holds for the users it already has.
func TestMigrationFoldsStoredIdentities(t *testing.T) {
	path := versionOne(t, [2]string{"Alice", "Alice@Example.com"}, [2]string{"", "ΣΟΦΙΑ@example.com"},
		[2]string{"jose\u0301", "jose\u0301@example.com"}, [2]string{"carol", ""})
	db := openTest(t, path)
	got := owners(t, db, roster.Claim{Key: "username", Value: "ALICE"}, roster.Claim{Key: "email", Value: "alice@example.com"},
		roster.Claim{Key: "email", Value: "σοφια@example.com"}, roster.Claim{Key: "username", Value: "JOSÉ"},
		roster.Claim{Key: "email", Value: "josé@example.com"}, roster.Claim{Key: "username", Value: "Carol"})
	for c, want := range map[roster.Claim]int64{
		{Key: "username", Value: "ALICE"}: 1, {Key: "email", Value: "alice@example.com"}: 1,
		{Key: "email", Value: "σοφια@example.com"}: 2, {Key: "username", Value: "JOSÉ"}: 3,
		{Key: "email", Value: "josé@example.com"}: 3, {Key: "username", Value: "Carol"}: 4,
	} {
		if got[c] != want {
			t.Errorf("owner of %s %q is %d, want %d", c.Key, c.Value, got[c], want)
		}
	}
	if err := createUsers(t, db, false, directorytest.User("00000000-0000-4000-8000-0000000000a1", "", "σοφια@EXAMPLE.com")); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("a second σοφια after the migration: %v, want a conflict", err)
	}
}

// TestMigrationRefusesIdentitiesThatNowCollide: two stored emails that the
// old rule told apart and the new one does not make the directory
// ambiguous. It is refused with both users named, and left as it was.
func TestMigrationRefusesIdentitiesThatNowCollide(t *testing.T) {
	path := versionOne(t, [2]string{"sofia1", "ΣΟΦΙΑ@example.com"}, [2]string{"sofia2", "σοφια@example.com"})
	_, err := Open(t.Context(), path)
	if roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("opening: %v, want a conflict", err)
	}
	msg := roster.ErrorMessage(err)
	for _, want := range []string{"ΣΟΦΙΑ@example.com", "σοφια@example.com", "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "nothing was changed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message does not name %q: %s", want, msg)
		}
	}
	sdb, err := sql.Open(driverName, dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var n int
	if err := sdb.QueryRow(`SELECT count(*) FROM migrations`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d migrations recorded (%v), want the first only", n, err)
	}
	if err := sdb.QueryRow(`SELECT count(*) FROM pragma_table_info('users') WHERE name = 'email_key'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the refused migration left its column (%d, %v)", n, err)
	}
}

// TestClaimLookupsSearchAnIndex: each query that finds the holders of
// claims searches an index. lower(username) IN (…) could not use the
// partial index on lower(username), so every batch of an import scanned
// the whole users table: 20 s for 10,000 users into a million.
func TestClaimLookupsSearchAnIndex(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
	tx, err := db.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	st := tx.(*Tx)
	for _, key := range []string{"uuid", "username", "email", "sip_username", "provisioning_code", "exten", "incall_exten", "voicemail_number"} {
		c := roster.Claim{Key: key, Tenant: "default", Context: "default", Value: "x"}
		if key == "incall_exten" {
			c.Context = "from-extern"
		}
		query, err := st.claimQuery(c)
		if err != nil || query == "" {
			t.Fatalf("%s: no query (%v)", key, err)
		}
		plan := queryPlan(t, st, fmt.Sprintf(query, "?, ?"), "a", "b")
		if len(plan) != 1 || !strings.HasPrefix(plan[0], "SEARCH") || !strings.Contains(plan[0], "INDEX") {
			t.Errorf("%s: the lookup does not search an index: %q", key, plan)
		}
	}
}

// TestIndexBuildsPutTheTemporaryStoreBack: the indexes a bulk load builds
// at commit are sorted with a temporary store in files and a small cache;
// the writer's connection is in memory and has its cache again afterwards,
// whether the build succeeded or failed on a repeated username.
func TestIndexBuildsPutTheTemporaryStoreBack(t *testing.T) {
	for _, users := range [][]*roster.User{
		{directorytest.User("00000000-0000-4000-8000-000000000001", "ann", "")},
		{directorytest.User("00000000-0000-4000-8000-000000000001", "bob", ""), directorytest.User("00000000-0000-4000-8000-000000000002", "BOB", "")},
	} {
		db := openTest(t, filepath.Join(t.TempDir(), "roster.db"))
		err := createUsers(t, db, true, users...)
		if len(users) == 1 && err != nil || len(users) == 2 && roster.ErrorCode(err) != roster.ECONFLICT {
			t.Fatalf("%d users: %v", len(users), err)
		}
		var store int
		if err := db.db.QueryRowContext(t.Context(), `PRAGMA temp_store`).Scan(&store); err != nil || store != 2 {
			t.Errorf("%d users: temp_store %d after the commit, want 2 (memory): %v", len(users), store, err)
		}
		var cache int
		if err := db.db.QueryRowContext(t.Context(), `PRAGMA cache_size`).Scan(&cache); err != nil || cache != -65536 {
			t.Errorf("%d users: cache_size %d after the commit, want -65536: %v", len(users), cache, err)
		}
	}
}
