package password_test

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/roster-dev/roster/catalog"
	"github.com/roster-dev/roster/password"
)

func TestPasswordsAreHashedWithArgon2idAndVerify(t *testing.T) {
	h := password.Hash("correct horse")
	if len(h) < 60 || h[:len("$argon2id$v=19$m=19456,t=2,p=1$")] != "$argon2id$v=19$m=19456,t=2,p=1$" {
		t.Fatalf("hash %q", h)
	}
	if !password.Matches(h, "correct horse") || password.Matches(h, "correct horsE") {
		t.Fatal("argon2id verification is wrong")
	}
	b, _ := bcrypt.GenerateFromPassword([]byte("pw1234"), bcrypt.MinCost)
	if !password.Matches(string(b), "pw1234") || password.Matches(string(b), "pw12345") {
		t.Fatal("bcrypt verification is wrong")
	}
}

// TestHashesTooCostlyToVerifyMatchNothing: a bcrypt hash of cost 31 would
// take days to verify, and the 76 s of cost 20 was enough to stop a fuzz
// run; both are refused at once, as the catalogue refuses them in a file.
func TestHashesTooCostlyToVerifyMatchNothing(t *testing.T) {
	for _, h := range []string{
		"$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
		"$2$2000700000700000000000000000000 000000000000000000000000000",
		"$2a$17$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
	} {
		if password.Matches(h, "pw") {
			t.Errorf("%s matches", h)
		}
	}
}

// FuzzMatches checks stored hashes from outside (password_hash
// cells): never a panic, and never a match for a malformed hash.
func FuzzMatches(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", "pw")
	f.Add("$2b$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234", "pw")
	f.Add("$argon2id$v=19$m=4194305,t=2,p=1$c2FsdA$aGFzaA", "pw")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// A valid hash may legitimately take seconds to verify; the
		// fuzzer checks parsing, and verifies only cheap ones.
		if a, ok := catalog.ParseArgon2id(hash); ok && uint64(a.Memory)*uint64(a.Time) > 1<<12 {
			return
		}
		if cost, ok := catalog.BcryptCost(hash); ok && cost > 6 {
			return
		}
		password.Matches(hash, pw)
	})
}
