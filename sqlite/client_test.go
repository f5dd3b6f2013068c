package sqlite_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"testing"
	"time"

	"github.com/roster-dev/roster"
	"github.com/roster-dev/roster/directorytest"
	"github.com/roster-dev/roster/sqlite"
)

// TestTheSigningKeyIsSealedAtRest: the database file does not hold the
// signing key in clear.
func TestTheSigningKeyIsSealedAtRest(t *testing.T) {
	ctx := context.Background()
	db, path := MustOpenDB(t)
	key, err := db.SigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, key) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(key))) {
		t.Fatal("the database file holds the signing key in clear")
	}
}

// A directory with API clients or operators stays in WAL mode when it
// takes its first users: a server reads it at any time (each token's
// client, each page's operator), and with a rollback journal a large
// first import would make those reads wait.
func TestADirectoryWithClientsKeepsWAL(t *testing.T) {
	ctx := context.Background()
	db, _ := MustOpenDB(t)
	if err := db.CreateClient(ctx, &roster.Client{ID: "c", Name: "c", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		SecretHash: roster.HashSecret("s"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := directorytest.Create(t, db, directorytest.User("00000000-0000-4000-8000-000000000001", "first", "")); err != nil {
		t.Fatal(err)
	}
	if m, err := db.JournalMode(ctx); err != nil || m != "wal" {
		t.Fatalf("journal mode %q: %v", m, err)
	}
}

// A used assertion that the directory refuses (its client is gone) is
// dropped when the marks that waited are written, instead of keeping the
// others from being written.
func TestAMarkTheDirectoryRefusesDoesNotStopTheOthers(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	db, path := MustOpenDB(t)
	if err := db.CreateClient(ctx, &roster.Client{ID: "bot", Name: "bot", AllTenants: true, Scopes: []string{roster.ScopeUsersRead},
		PublicKey: directorytest.ECKeyPEM(t), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	tx := holdWrite(t, path)
	for _, client := range []string{"gone", "bot"} {
		if err := db.UseAssertion(ctx, client, "j1", now.Add(time.Minute), now); err != nil {
			t.Fatal(err)
		}
	}
	tx.Rollback()
	db.Close()
	other, err := sqlite.OpenExisting(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.UseAssertion(ctx, "bot", "j1", now.Add(time.Minute), now); roster.ErrorCode(err) != roster.ECONFLICT {
		t.Fatalf("the replay on another handle: %v", err)
	}
}
