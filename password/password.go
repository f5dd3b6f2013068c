// Package password hashes the passwords people choose and checks them
// against stored hashes: the users' passwords that imports store, and the
// operators' who sign in to the console. One definition, so that both are
// hashed with the same parameters and checked within the same bounds.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-dev/roster/catalog"
)

// Argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane). Each
// hash runs on one core; an import's hasher runs one per core.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// Hash returns the argon2id PHC string of a password.
func Hash(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Matches says whether a password matches a stored argon2id or bcrypt
// hash within the bounds the catalogue accepts; any other hash matches
// nothing, so that a hash cannot make roster work for days.
func Matches(hash, password string) bool {
	if _, ok := catalog.BcryptCost(hash); ok {
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	}
	a, ok := catalog.ParseArgon2id(hash)
	if !ok {
		return false
	}
	got := argon2.IDKey([]byte(password), a.Salt, a.Time, a.Memory, a.Threads, uint32(len(a.Key)))
	return subtle.ConstantTimeCompare(got, a.Key) == 1
}
