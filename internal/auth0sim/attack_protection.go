package auth0sim

import "net/http"

// AttackProtection is the tenant's attack protection settings
// (GET /attack-protection/…), in the shapes Auth0 answers.
type AttackProtection struct {
	BruteForce       map[string]any
	SuspiciousIP     map[string]any
	BreachedPassword map[string]any
}

// genAttackProtection plants the tenant-wide misconfigurations of the
// attack protection rules: brute-force protection on but only notifying,
// suspicious-IP throttling and breached-password detection off. Hardened
// turns all three on and blocking.
func (s *Sim) genAttackProtection() {
	h := s.cfg.Hardened
	bfShields := []any{"user_notification"}
	if h {
		bfShields = []any{"block", "user_notification"}
	}
	bpShields := []any{}
	if h {
		bpShields = []any{"block", "admin_notification"}
	}
	s.attackProtection = AttackProtection{
		BruteForce: map[string]any{"enabled": true, "shields": bfShields, "mode": "count_per_identifier_and_ip",
			"allowlist": []any{}, "max_attempts": 10},
		SuspiciousIP: map[string]any{"enabled": h, "shields": []any{"admin_notification", "block"}, "allowlist": []any{"203.0.113.0/24"},
			"stage": map[string]any{
				"pre-login":             map[string]any{"max_attempts": 100, "rate": 864000},
				"pre-user-registration": map[string]any{"max_attempts": 50, "rate": 1200},
			}},
		BreachedPassword: map[string]any{"enabled": h, "shields": bpShields, "admin_notification_frequency": []any{"daily"},
			"method": "standard", "stage": map[string]any{
				"pre-user-registration": map[string]any{"shields": bpShields},
				"pre-change-password":   map[string]any{"shields": bpShields},
			}},
	}
}

func (s *Sim) getAttackProtection(which func(*AttackProtection) map[string]any) func(c *reqCtx) {
	return func(c *reqCtx) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		writeJSON(c.w, http.StatusOK, cloneAnyMap(which(&s.attackProtection)))
	}
}
