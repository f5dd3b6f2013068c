package sqlite

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// sealer encrypts the secrets a platform must be able to read back (SIP
// secrets, voicemail and call-permission PINs: phones and the PBX need them
// in clear, and export --with-secrets must return them), so that the
// database file alone holds none of them in plaintext. The key lives in a
// file of its own beside the database, readable by its owner only.
// Passwords of users are not here: they are only ever stored as hashes.
type sealer struct {
	aead cipher.AEAD
}

const sealedPrefix = "sealed:v1:"

// loadSealer reads the key file, creating it with a new random key when it
// does not exist. An empty path gives a key that lives in memory only.
func loadSealer(path string) (*sealer, error) {
	key := make([]byte, 32)
	switch b, err := os.ReadFile(path); {
	case path == "":
		rand.Read(key)
	case err == nil:
		if key, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s is not a roster key file", path)
		}
	case errors.Is(err, os.ErrNotExist):
		rand.Read(key)
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("writing the key file: %w", err)
		}
	default:
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts a secret; empty stays empty.
func (s *sealer) seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// open decrypts a sealed secret.
func (s *sealer) open(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	n := s.aead.NonceSize()
	if err != nil || !strings.HasPrefix(stored, sealedPrefix) || len(b) < n {
		return "", errors.New("a stored secret is damaged")
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", errors.New("a stored secret cannot be decrypted: is this the directory's key file?")
	}
	return string(plain), nil
}
