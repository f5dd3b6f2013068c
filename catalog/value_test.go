package catalog_test

import (
	"testing"

	"github.com/roster-dev/roster/catalog"
)

// TestPasswordHashesWithinBounds: password_hash takes argon2id and bcrypt
// hashes whose verifying costs seconds at most, and names the kinds it
// takes when it refuses one.
func TestPasswordHashesWithinBounds(t *testing.T) {
	col := catalog.Lookup("password_hash")
	const salt = "abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234"
	for _, c := range []struct {
		hash string
		ok   bool
	}{
		{"$2b$10$" + salt, true},
		{"$2a$04$" + salt, true},
		{"$2y$16$" + salt, true},
		{"$2b$17$" + salt, false},
		{"$2b$31$" + salt, false},
		{"$2b$03$" + salt, false},
		{"$2b$1x$" + salt, false},
		{"$2b$10$" + salt[1:], false},
		{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", true},
		{"$argon2id$v=19$m=4194305,t=2,p=1$c2FsdA$aGFzaA", false},
		{"$argon2id$v=19$m=19456,t=17,p=1$c2FsdA$aGFzaA", false},
	} {
		_, msg := col.Normalize(c.hash)
		if (msg == "") != c.ok {
			t.Errorf("%s: accepted %v (%q), want %v", c.hash, msg == "", msg, c.ok)
		}
		if _, ok := catalog.BcryptCost(c.hash); ok && !c.ok {
			t.Errorf("%s: BcryptCost accepts it", c.hash)
		}
	}
}
