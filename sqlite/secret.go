package sqlite

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/roster-dev/roster"
)

// A sealer seals and opens the secrets a platform must be able to read back
// (SIP secrets, voicemail and call-permission PINs: phones and the PBX need
// them in clear, and export --with-secrets must return them), so that the
// database file alone holds none of them in plaintext. The key lives in a
// file of its own beside the database, <db>.key, readable by its owner only.
// Passwords of users are not here: they are only ever stored as hashes.
//
// The key file is read when a secret is first sealed or opened, never
// before, so that reading a directory without its secrets (a plain export)
// does not need it. It is created once, by the first transaction that
// seals a secret: that transaction holds the directory's write lock, so no
// other run can make a second key. The same transaction records in the
// directory's settings a check value of the key; from then on the
// directory refuses to open without its key file (Open), and refuses a key
// file whose check value is not the recorded one before sealing or opening
// anything with it.
type sealer struct {
	path     string // the key file
	withhold bool   // leaves secrets out instead of opening them
	recorded string // the check value recorded in the directory when it was opened

	mu  sync.Mutex // held while the key file is read or made
	key atomic.Pointer[key]
}

// A key is a directory's loaded key.
type key struct {
	aead  cipher.AEAD
	check string // keyCheck of the key
}

const sealedPrefix = "sealed:v1:"

// keyCheck is the check value of a key: it tells keys apart and says
// nothing of the key itself.
func keyCheck(raw []byte) string {
	m := hmac.New(sha256.New, raw)
	m.Write([]byte("roster key check v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func newKey(raw []byte) (*key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &key{aead: aead, check: keyCheck(raw)}, nil
}

// load returns the key, reading the key file the first time.
func (s *sealer) load() (*key, error) {
	return s.get(false)
}

// loadOrCreate returns the key, creating the key file when there is none.
// Only a transaction that holds the write lock and finds no key recorded
// calls it.
func (s *sealer) loadOrCreate() (*key, error) {
	return s.get(true)
}

func (s *sealer) get(create bool) (*key, error) {
	if k := s.key.Load(); k != nil {
		return k, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.key.Load(); k != nil {
		return k, nil
	}
	var raw []byte
	err := fs.ErrExist
	if create {
		raw, err = createKeyFile(s.path)
	}
	if errors.Is(err, fs.ErrExist) {
		// Without create, the key file is the directory's. With create,
		// it is a key made by a run that did not commit, or one kept
		// when a directory was removed: no secret of this directory is
		// sealed with it yet, so it may serve.
		raw, err = readKeyFile(s.path)
		switch {
		case errors.Is(err, errNotAKey) && create:
			return nil, roster.Errorf(roster.EINVALID, "%s is not a roster key file; no secret of this directory is sealed with it yet, so remove it and run again", s.path)
		case errors.Is(err, errNotAKey):
			return nil, roster.Errorf(roster.EINVALID, "%s is not a roster key file: restore the directory's key file from its backup", s.path)
		}
	}
	if err != nil {
		return nil, err
	}
	k, err := newKey(raw)
	if err != nil {
		return nil, err
	}
	s.key.Store(k)
	return k, nil
}

// checked returns the key when it is the one recorded in the directory.
func (s *sealer) checked(recorded string) (*key, error) {
	k, err := s.load()
	if err != nil {
		return nil, err
	}
	if recorded != "" && k.check != recorded {
		return nil, roster.Errorf(roster.EINVALID, "%s is not the key of this directory: it did not seal the directory's secrets; "+
			"restore the directory's own key file from its backup", s.path)
	}
	return k, nil
}

// prepare makes the key ready for sealing the secrets of users, in tx,
// which holds the write lock: it creates the key when the directory has
// none recorded and records it, and checks the key against the record
// otherwise. The record is written in tx, with the secrets it seals, so
// that both are kept or undone together. Users without secrets need no key.
func (s *sealer) prepare(ctx context.Context, tx *sql.Tx, users []*roster.User) error {
	if !slices.ContainsFunc(users, hasSecret) {
		return nil
	}
	return s.ready(ctx, tx)
}

// ready makes the key ready for sealing, in tx, which holds the write lock:
// created and recorded when the directory has none, checked against the
// record otherwise.
func (s *sealer) ready(ctx context.Context, tx *sql.Tx) error {
	var recorded string
	switch err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'key'`).Scan(&recorded); {
	case errors.Is(err, sql.ErrNoRows):
		k, err := s.loadOrCreate()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('key', ?)`, k.check)
		return err
	case err != nil:
		return err
	case recorded == "":
		return s.adopt(ctx, tx)
	}
	_, err := s.checked(recorded)
	return err
}

// adopt records the key of a directory that sealed secrets before keys were
// recorded, once the key file opens one of them.
func (s *sealer) adopt(ctx context.Context, tx *sql.Tx) error {
	k, err := s.load()
	if err != nil {
		return err
	}
	var sample string
	err = tx.QueryRowContext(ctx, `SELECT sip_secret FROM lines WHERE sip_secret <> ''
		UNION ALL SELECT password FROM voicemails WHERE password <> ''
		UNION ALL SELECT call_permission_password FROM users WHERE call_permission_password <> '' LIMIT 1`).Scan(&sample)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if sample != "" {
		if _, err := k.open(sample); err != nil {
			return roster.Errorf(roster.EINVALID, "%s is not the key of this directory: it does not open the directory's secrets; "+
				"restore the directory's own key file from its backup", s.path)
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE settings SET value = ? WHERE name = 'key'`, k.check)
	return err
}

func hasSecret(u *roster.User) bool {
	return u.CallPermissionPassword != "" || u.Line != nil && u.Line.SIPSecret != "" || u.Voicemail != nil && u.Voicemail.Password != ""
}

// seal encrypts a secret; empty stays empty. prepare has loaded the key.
func (s *sealer) seal(plain string) string {
	if plain == "" {
		return ""
	}
	k := s.key.Load()
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// open decrypts a sealed secret, reading the key the first time; empty
// stays empty, and a withholding sealer gives every secret as empty.
func (s *sealer) open(stored string) (string, error) {
	if stored == "" || s.withhold {
		return "", nil
	}
	k, err := s.checked(s.recorded)
	if err != nil {
		return "", err
	}
	return k.open(stored)
}

func (k *key) open(stored string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(stored, sealedPrefix))
	n := k.aead.NonceSize()
	if err != nil || !strings.HasPrefix(stored, sealedPrefix) || len(b) < n {
		return "", errors.New("a stored secret is damaged")
	}
	plain, err := k.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", roster.Errorf(roster.EINVALID, "a stored secret cannot be decrypted: is this the directory's key file?")
	}
	return string(plain), nil
}

var errNotAKey = errors.New("not a roster key file")

// readKeyFile reads a key file: a regular file, not a link, that only its
// owner may read, holding 32 bytes in base64.
func readKeyFile(path string) ([]byte, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s is a link: roster reads a key only from a file of its own beside the database; put the key itself there", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, roster.Errorf(roster.EINVALID, "the key file %s of the directory is missing: restore it from the backup of the directory (the key and the database go together)", path)
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
		return nil, errNotAKey
	}
	return raw, nil
}

// createKeyFile makes a new key file, exclusively (an existing file, or a
// link, fails with fs.ErrExist), with mode 0600, synced with its folder
// before the key seals anything. A key that could not be written whole is
// removed: nothing is sealed with it.
func createKeyFile(path string) ([]byte, error) {
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
	return raw, nil
}
