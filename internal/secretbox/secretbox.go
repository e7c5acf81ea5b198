// Package secretbox encrypts the secrets authgraph keeps in the graph (a
// connected tenant's client secret, a channel's URL and signing secret) with
// AES-256-GCM. The key comes from AUTHGRAPH_SECRET_KEY (base64 of 32 bytes)
// or from a key file that authgraph creates with mode 0600 on first use.
//
// A sealed value is "v1:" + base64(nonce ‖ ciphertext ‖ tag). Each value is
// bound to what it belongs to (the additional data, e.g.
// "tenant/acme/client_secret"), so a ciphertext copied onto another record
// does not open there.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgraph/authgraph/internal/apperr"
)

// Environment variables that give the key.
const (
	// EnvKey holds the key itself, base64 (standard or URL alphabet) of 32 bytes.
	EnvKey = "AUTHGRAPH_SECRET_KEY"
	// EnvKeyFile names the key file (default DefaultKeyFile).
	EnvKeyFile = "AUTHGRAPH_SECRET_KEY_FILE"
	// DefaultKeyFile is where the key file lives when EnvKeyFile is unset,
	// relative to the working directory (beside the managed Neo4j).
	DefaultKeyFile = ".authgraph/secret.key"
)

const prefix = "v1:"

// ErrNoKey is returned by Load when no key is configured and create is false.
var ErrNoKey = errors.New("no secret key")

// Box seals and opens secrets with one key.
type Box struct {
	aead   cipher.AEAD
	source string // where the key came from, for messages (never the key)
}

// New returns a Box for a 32-byte key.
func New(key []byte, source string) (*Box, error) {
	if len(key) != 32 {
		return nil, apperr.New(apperr.Invalid, "the secret key from %s must be 32 bytes (base64 of 32 random bytes), got %d bytes", source, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, source: source}, nil
}

// Load finds the key: EnvKey when set, else the key file (EnvKeyFile or
// DefaultKeyFile). When no key exists and create is true, a new random key is
// written to the key file with mode 0600; when create is false, Load returns
// an error wrapping ErrNoKey that says how to provide one.
func Load(create bool) (*Box, error) {
	if v := strings.TrimSpace(os.Getenv(EnvKey)); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "%s is not base64 of 32 bytes (generate one with `head -c32 /dev/urandom | base64`)", EnvKey)
		}
		return New(key, EnvKey)
	}
	path := os.Getenv(EnvKeyFile)
	if path == "" {
		path = DefaultKeyFile
	}
	return LoadFile(path, create)
}

// LoadFile reads the key file at path, creating it (mode 0600, its folder
// 0700) with a random key when it does not exist and create is true.
func LoadFile(path string, create bool) (*Box, error) {
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if fi, serr := os.Stat(path); serr == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, apperr.New(apperr.Invalid, "the secret key file %s is readable by others (mode %o); run chmod 600 %s", path, fi.Mode().Perm(), path)
		}
		key, derr := decodeKey(strings.TrimSpace(string(b)))
		if derr != nil {
			return nil, apperr.New(apperr.Invalid, "the secret key file %s does not hold base64 of 32 bytes", path)
		}
		return New(key, path)
	case errors.Is(err, os.ErrNotExist) && create:
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, apperr.Wrap(apperr.Unavailable, err, "cannot create the secret key's folder")
		}
		// O_EXCL: two processes creating the key at once must not end with
		// different keys; the loser reads the winner's file.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadFile(path, false)
		}
		if err != nil {
			return nil, apperr.Wrap(apperr.Unavailable, err, "cannot create the secret key file")
		}
		_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return nil, apperr.Wrap(apperr.Unavailable, werr, "cannot write the secret key file")
		}
		return New(key, path)
	case errors.Is(err, os.ErrNotExist):
		return nil, apperr.Wrap(apperr.Invalid, ErrNoKey, fmt.Sprintf("no secret key: set %s (base64 of 32 bytes) or provide the key file %s that `authgraph tenants add` created", EnvKey, path))
	default:
		return nil, apperr.Wrap(apperr.Unavailable, err, "cannot read the secret key file")
	}
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// Source names where the key came from (an environment variable or a path).
func (b *Box) Source() string { return b.source }

// Seal encrypts plaintext bound to ad (what the value belongs to).
func (b *Box) Seal(plaintext, ad string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(ad))
	return prefix + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same ad. A wrong key (or a
// value moved to another record) gives a clear error that never contains
// the value.
func (b *Box) Open(sealed, ad string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", apperr.New(apperr.Invalid, "stored secret for %s is not in a known format", ad)
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize()+b.aead.Overhead() {
		return "", apperr.New(apperr.Invalid, "stored secret for %s is damaged", ad)
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, data[:n], data[n:], []byte(ad))
	if err != nil {
		return "", apperr.New(apperr.Forbidden, "cannot decrypt the stored secret for %s: the secret key (%s) is not the one it was stored with", ad, b.source)
	}
	return string(pt), nil
}
