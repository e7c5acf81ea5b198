package auth0sim

import (
	"net/http"
	"time"
)

// TenantSigningKey is one of the tenant's token signing keys (GET /keys/signing).
// Cert and Pkcs7 are the key's certificates, which a collector must never
// store: SecretValues reports them.
type TenantSigningKey struct {
	KID          string
	Cert, Pkcs7  string
	Fingerprint  string
	Thumbprint   string
	Current      bool
	Next         bool
	Previous     bool
	Revoked      bool
	CurrentSince *time.Time
	CurrentUntil *time.Time
	RevokedAt    *time.Time
}

// genTenantKeys makes the usual set after a few rotations: a revoked old
// key, the previous key, the current one and the next; on the planted
// tenant the current key is revoked too. Their dates count
// back from when the process started (a key's age is read against today;
// the same instant for every simulator of the process, so equal configs
// still give equal tenants): the current key became current Config.KeyAge
// before it.
func (s *Sim) genTenantKeys(r *rng) {
	start := keysAnchor
	age := s.cfg.KeyAge
	if age <= 0 {
		age = 400 * 24 * time.Hour
		if s.cfg.Hardened {
			age = 30 * 24 * time.Hour
		}
	}
	ageDays := int(age / (24 * time.Hour))
	day := func(daysAgo int) *time.Time {
		t := start.Add(-time.Duration(daysAgo) * 24 * time.Hour).UTC().Truncate(time.Millisecond)
		return &t
	}
	key := func() *TenantSigningKey {
		return &TenantSigningKey{KID: r.str(22, alnum+"-_"), Cert: pemBlock(r, "CERTIFICATE", 20), Pkcs7: pemBlock(r, "PKCS7", 22),
			Fingerprint: r.hex(40), Thumbprint: r.hex(40)}
	}
	old, prev, cur, next := key(), key(), key(), key()
	old.Previous, old.Revoked = true, true
	_ = r.intn(60) // (the rotation's date was random once: the generator's draws stay as they were)
	old.CurrentSince, old.CurrentUntil, old.RevokedAt = day(ageDays+380), day(ageDays+180), day(ageDays+130)
	prev.Previous = true
	prev.CurrentSince, prev.CurrentUntil = day(ageDays+180), day(ageDays)
	cur.Current = true
	cur.CurrentSince = prev.CurrentUntil
	if !s.cfg.Hardened {
		// Revoked a week ago and still listed as current, still signing
		// (signing-key-revoked-but-current): what Auth0 answered go-auth0's
		// recorded revoke of the current key. The Hardened tenant's current key
		// is not revoked.
		cur.Revoked, cur.RevokedAt = true, day(7)
	}
	next.Next = true
	s.tenantKeys = []*TenantSigningKey{old, prev, cur, next}
}

// keysAnchor is what signing keys' dates count back from.
var keysAnchor = time.Now().UTC().Truncate(time.Hour)

// renderSigningKey is Auth0's shape: the dates only when set.
func renderSigningKey(k *TenantSigningKey) map[string]any {
	m := map[string]any{"kid": k.KID, "cert": k.Cert, "pkcs7": k.Pkcs7, "current": k.Current, "next": k.Next,
		"previous": k.Previous, "fingerprint": k.Fingerprint, "thumbprint": k.Thumbprint, "revoked": k.Revoked}
	for name, t := range map[string]*time.Time{"current_since": k.CurrentSince, "current_until": k.CurrentUntil, "revoked_at": k.RevokedAt} {
		if t != nil {
			m[name] = t.Format("2006-01-02T15:04:05.000Z")
		}
	}
	return m
}

func (s *Sim) listSigningKeys(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	items := []any{}
	for _, k := range s.tenantKeys {
		items = append(items, renderSigningKey(k))
	}
	writeJSON(c.w, http.StatusOK, items)
}

func (s *Sim) getSigningKey(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, k := range s.tenantKeys {
		if k.KID == c.seg[2] {
			writeJSON(c.w, http.StatusOK, renderSigningKey(k))
			return
		}
	}
	s.notFound(c, "Signing key not found", "inexistent_signing_key")
}
