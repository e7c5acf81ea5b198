package auth0sim

import "net/http"

// GuardianFactor is one MFA factor of the tenant (GET /guardian/factors).
type GuardianFactor struct {
	Name         string
	Enabled      bool
	TrialExpired bool
}

// genGuardianFactors enables one-time passwords and push on a paid tenant,
// one-time passwords only on a free one; the rest are off, as Auth0 lists
// them.
func (s *Sim) genGuardianFactors() {
	for _, name := range []string{"sms", "push-notification", "otp", "email", "duo", "webauthn-roaming", "webauthn-platform", "recovery-code"} {
		s.guardianFactors = append(s.guardianFactors, &GuardianFactor{Name: name, Enabled: name == "otp" || name == "push-notification"})
	}
}

// guardianFactorsNow is what the tenant serves: a free plan has no push.
func (s *Sim) guardianFactorsNow() []GuardianFactor {
	out := make([]GuardianFactor, 0, len(s.guardianFactors))
	for _, f := range s.guardianFactors {
		g := *f
		if s.plan == PlanFree && g.Name == "push-notification" {
			g.Enabled = false
		}
		out = append(out, g)
	}
	return out
}

func (s *Sim) listGuardianFactors(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	items := []any{}
	for _, f := range s.guardianFactorsNow() {
		items = append(items, map[string]any{"name": f.Name, "enabled": f.Enabled, "trial_expired": f.TrialExpired})
	}
	writeJSON(c.w, http.StatusOK, items)
}
