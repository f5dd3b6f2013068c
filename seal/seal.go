// Package seal encrypts the secrets a directory must be able to read back
// (SIP secrets, voicemail and call-permission PINs: phones and the PBX need
// them in clear, and export --with-secrets returns them), so that the
// database alone holds none of them in plaintext. Sealed values are
// AES-256-GCM with a random nonce, under a key kept in a file of its own,
// readable by its owner only. Users' passwords are never here: they are only
// ever stored as hashes.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Prefix starts every sealed value, so that a value stored in clear by
// mistake is told from a sealed one.
const Prefix = "sealed:v1:"

// Sealer seals and opens secrets under one key.
type Sealer struct {
	aead cipher.AEAD
	id   string
}

// New returns a sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("a roster key is 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The key's ID lets a directory tell its own key from another one
	// before any secret fails to open; it reveals nothing of the key.
	sum := sha256.Sum256(append([]byte("roster key id\x00"), key...))
	return &Sealer{aead: aead, id: base64.RawURLEncoding.EncodeToString(sum[:12])}, nil
}

// NewRandom returns a sealer with a new random key, and the key.
func NewRandom() (*Sealer, []byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	s, err := New(key)
	return s, key, err
}

// ID names the key without revealing it.
func (s *Sealer) ID() string { return s.id }

// Seal encrypts a secret; empty stays empty.
func (s *Sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return Prefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts a sealed secret; empty stays empty.
func (s *Sealer) Open(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, Prefix))
	n := s.aead.NonceSize()
	if err != nil || !strings.HasPrefix(stored, Prefix) || len(b) < n {
		return "", errors.New("a stored secret is damaged")
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", errors.New("a stored secret cannot be decrypted: is this the directory's key file?")
	}
	return string(plain), nil
}

// ReadKeyFile reads a key file: the key in base64 on one line. It reports
// fs.ErrNotExist when there is none, and refuses a symlink, which could
// make roster read (and later trust) a file someone else controls.
func ReadKeyFile(path string) (*Sealer, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link; a key file must be a plain file", path)
		}
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 1024)
	n, err := f.Read(b)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("%s is not a roster key file", path)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b[:n])))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s is not a roster key file", path)
	}
	return New(key)
}

// CreateKeyFile writes a new random key to path, which must not exist:
// the file is created new (never through a symlink, never over another
// key), mode 0600, and synced before it is used, since secrets sealed under
// a key that a crash lost could never be opened. Its folder is created,
// mode 0700, when missing. When another process created the file first,
// fs.ErrExist is returned and the caller reads that one.
func CreateKeyFile(path string) (*Sealer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the key file's folder: %w", err)
	}
	s, key, err := NewRandom()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("creating the key file: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing the key file: %w", err)
	}
	return s, nil
}

// syncDir makes a new file's name survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
