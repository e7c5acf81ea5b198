package access

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// TokenPrefix starts every API token, so a leaked one can be recognised
// (secret scanners, log greps): agt_<public id>_<secret>.
const TokenPrefix = "agt_"

const (
	publicIDBytes = 8  // 16 hex characters: names the token in lists and logs
	secretBytes   = 32 // 256 bits: a hash of it is all that is stored
)

// NewToken draws a token: its public id and the whole token string (shown
// once). Only Hash(secret) is ever stored.
func NewToken() (publicID, token string) {
	id := make([]byte, publicIDBytes)
	sec := make([]byte, secretBytes)
	rand.Read(id) // never fails (crypto/rand panics if it cannot read)
	rand.Read(sec)
	publicID = hex.EncodeToString(id)
	return publicID, TokenPrefix + publicID + "_" + hex.EncodeToString(sec)
}

// ParseToken splits a token into its public id and secret; ok is false for
// anything not shaped like one.
func ParseToken(token string) (publicID, secret string, ok bool) {
	rest, found := strings.CutPrefix(token, TokenPrefix)
	if !found {
		return "", "", false
	}
	publicID, secret, found = strings.Cut(rest, "_")
	if !found || len(publicID) != 2*publicIDBytes || len(secret) != 2*secretBytes || !isHex(publicID) || !isHex(secret) {
		return "", "", false
	}
	return publicID, secret, true
}

// Hash is the stored form of a secret (a token's, a session id): hex
// SHA-256. The secrets are 256 random bits, so a fast hash is enough.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// HashEqual compares two hashes in constant time.
func HashEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NewSecret returns 256 random bits, hex (session ids, OIDC state, nonce).
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
