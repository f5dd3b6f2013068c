// Package seal encrypts the secrets a directory must be able to read back
// (SIP secrets, voicemail and call-permission PINs, the signing key of
// tokens: phones, the PBX and the server need them in clear, and export
// --with-secrets returns them), so that the database alone holds none of
// them in plaintext. Sealed values are AES-256-GCM with a random nonce,
// under a key kept in a file of its own, readable by its owner only. Users'
// passwords are never here: they are only ever stored as hashes. Both
// stores, sqlite and postgres, seal through this package.
package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/roster-dev/roster"
)

// Prefix starts every sealed value, so that a value stored in clear by
// mistake is told from a sealed one.
const Prefix = "sealed:v1:"

// A Key is a directory's loaded key.
type Key struct {
	aead  cipher.AEAD
	check string
}

// NewKey returns the key of 32 raw bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != 32 {
		return nil, errors.New("a roster key is 32 bytes")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("roster key check v1"))
	return &Key{aead: aead, check: hex.EncodeToString(m.Sum(nil)[:16])}, nil
}

// NewRandomKey returns a new random key, which no file holds.
func NewRandomKey() *Key {
	raw := make([]byte, 32)
	rand.Read(raw)
	k, _ := NewKey(raw)
	return k
}

// Check is the key's check value: directories record it, to tell their
// own key from another; it says nothing of the key itself.
func (k *Key) Check() string { return k.check }

// Seal encrypts a secret; empty stays empty.
func (k *Key) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return Prefix + base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts a sealed secret; empty stays empty.
func (k *Key) Open(stored string) (string, error) {
	if stored == "" {
		return "", nil
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, Prefix))
	n := k.aead.NonceSize()
	if err != nil || !strings.HasPrefix(stored, Prefix) || len(b) < n {
		return "", errors.New("a stored secret is damaged")
	}
	plain, err := k.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "a stored secret cannot be decrypted: is this the directory's key file?")
	}
	return string(plain), nil
}

// ErrNotAKey is the error of a file that does not hold a key.
var ErrNotAKey = errors.New("not a roster key file")

// ReadKeyFile reads a key file: a regular file, not a link, that only its
// owner may read, holding 32 bytes in base64. A missing file is an error
// that wraps fs.ErrNotExist.
func ReadKeyFile(path string) (*Key, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s is a link: roster reads a key only from a file of its own; put the key itself there", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s cannot be read: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s is not a regular file", path)
	}
	// Windows has no such modes: its files are guarded by access lists.
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s can be read or changed by other users (mode %04o): make it its owner's only, with chmod 600 %s", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 256))
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != 32 {
		return nil, ErrNotAKey
	}
	return NewKey(raw)
}

// CreateKeyFile makes a new key file, exclusively (an existing file, or a
// link, fails with fs.ErrExist), with mode 0600, synced with its folder
// before the key seals anything: secrets sealed under a key that a crash
// lost could never be opened. Its folder is made, mode 0700, when missing.
// A key that could not be written whole is removed.
func CreateKeyFile(path string) (*Key, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, roster.Errorf(roster.EINVALID, "the folder of the key file %s cannot be made: %v", path, err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if err != nil {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s cannot be created: %v", path, err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
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
		return nil, roster.Errorf(roster.EINVALID, "the key file %s cannot be written: %v", path, err)
	}
	return NewKey(raw)
}

// A Sealer is a directory's key as the directory uses it: read from its
// file when a secret is first sealed or opened, never before, so that
// reading a directory without its secrets (a plain export) does not need
// it. The key file is created once, by the first transaction that seals a
// secret: that transaction holds the directory's write lock, so no other
// run can make a second key. The same transaction records the key's check
// value in the directory; from then on the directory refuses to open
// without its key file, and refuses a key file whose check value is not
// the recorded one before sealing or opening anything with it.
type Sealer struct {
	Path     string // the key file
	Withhold bool   // leaves secrets out instead of opening them
	Recorded string // the check value recorded in the directory when it was opened
	// Hint ends the messages about a missing key file: a sentence that
	// says how to name another.
	Hint string

	mu  sync.Mutex // held while the key file is read or made
	key atomic.Pointer[Key]
}

// Load returns the key, reading the key file the first time.
func (s *Sealer) Load() (*Key, error) { return s.get(false) }

// loadOrCreate returns the key, creating the key file when there is none.
// Only a transaction that holds the write lock and finds no key recorded
// calls it.
func (s *Sealer) loadOrCreate() (*Key, error) { return s.get(true) }

func (s *Sealer) get(create bool) (*Key, error) {
	if k := s.key.Load(); k != nil {
		return k, nil
	}
	if s.Path == "" {
		return nil, roster.Errorf(roster.EINVALID, "no key file is named for the directory, which it needs to seal and read its secrets.%s", s.hint())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.key.Load(); k != nil {
		return k, nil
	}
	var k *Key
	err := fs.ErrExist
	if create {
		k, err = CreateKeyFile(s.Path)
	}
	if errors.Is(err, fs.ErrExist) {
		// Without create, the key file is the directory's. With create,
		// it is a key made by a run that did not commit, or one kept
		// when a directory was removed: no secret of this directory is
		// sealed with it yet, so it may serve.
		k, err = ReadKeyFile(s.Path)
		switch {
		case errors.Is(err, ErrNotAKey) && create:
			return nil, roster.Errorf(roster.EINVALID, "%s is not a roster key file; no secret of this directory is sealed with it yet, so remove it and run again", s.Path)
		case errors.Is(err, ErrNotAKey):
			return nil, roster.Errorf(roster.EINVALID, "%s is not a roster key file: restore the directory's key file from its backup", s.Path)
		case errors.Is(err, fs.ErrNotExist):
			return nil, s.Missing()
		}
	}
	if err != nil {
		return nil, err
	}
	s.key.Store(k)
	return k, nil
}

// Missing is the error of a directory whose key file is missing.
func (s *Sealer) Missing() error {
	return roster.Errorf(roster.EINVALID, "the key file %s of the directory is missing: restore it from the backup of the directory "+
		"(the key and the database go together); without it, the directory's SIP secrets and PINs cannot be read.%s", s.Path, s.hint())
}

func (s *Sealer) hint() string {
	if s.Hint == "" {
		return ""
	}
	return " " + s.Hint
}

// Checked returns the key when it is the one recorded in the directory.
func (s *Sealer) Checked(recorded string) (*Key, error) {
	k, err := s.Load()
	if err != nil {
		return nil, err
	}
	if recorded != "" && k.check != recorded {
		return nil, roster.Errorf(roster.EINVALID, "%s is not the key of this directory: it did not seal the directory's secrets; "+
			"restore the directory's own key file from its backup", s.Path)
	}
	return k, nil
}

// Settings is what Ready needs of a write transaction: the directory's
// record of its key.
type Settings interface {
	// KeyRecord returns the check value recorded, and whether there is a
	// record at all.
	KeyRecord(ctx context.Context) (check string, ok bool, err error)
	// RecordKey records a check value, in place of an empty record.
	RecordKey(ctx context.Context, check string) error
	// SealedSample returns one of the directory's sealed secrets, or ""
	// when it holds none.
	SealedSample(ctx context.Context) (string, error)
}

// Ready makes the key ready for sealing, in a transaction that holds the
// write lock: created and recorded when the directory has none, checked
// against the record otherwise. The record is written in that transaction,
// with the secrets it seals, so that both are kept or undone together.
func (s *Sealer) Ready(ctx context.Context, st Settings) (*Key, error) {
	recorded, ok, err := st.KeyRecord(ctx)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		k, err := s.loadOrCreate()
		if err != nil {
			return nil, err
		}
		return k, st.RecordKey(ctx, k.check)
	case recorded == "":
		return s.adopt(ctx, st)
	}
	return s.Checked(recorded)
}

// adopt records the key of a directory that sealed secrets before keys
// were recorded, once the key file opens one of them.
func (s *Sealer) adopt(ctx context.Context, st Settings) (*Key, error) {
	k, err := s.Load()
	if err != nil {
		return nil, err
	}
	sample, err := st.SealedSample(ctx)
	if err != nil {
		return nil, err
	}
	if sample != "" {
		if _, err := k.Open(sample); err != nil {
			return nil, roster.Errorf(roster.EINVALID, "%s is not the key of this directory: it does not open the directory's secrets; "+
				"restore the directory's own key file from its backup", s.Path)
		}
	}
	return k, st.RecordKey(ctx, k.check)
}

// Seal encrypts a secret with the key Ready made ready; empty stays empty.
func (s *Sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	return s.key.Load().Seal(plain)
}

// Open decrypts a sealed secret, reading the key the first time; empty
// stays empty, and a withholding sealer gives every secret as empty.
func (s *Sealer) Open(stored string) (string, error) {
	if stored == "" || s.Withhold {
		return "", nil
	}
	k, err := s.Checked(s.Recorded)
	if err != nil {
		return "", err
	}
	return k.Open(stored)
}
