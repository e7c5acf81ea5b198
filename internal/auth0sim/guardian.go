package auth0sim

import "net/http"

// GuardianFactor is one MFA factor of the tenant (GET /guardian/factors).
type GuardianFactor struct {
	Name         string
	Enabled      bool
	TrialExpired bool
}

// genGuardianFactors lists Auth0's eight factors, all off on the planted
// tenant (the misconfiguration of mfa-no-factor-enabled). Hardened enables
// one-time passwords and push on a paid tenant, one-time passwords only on a
// free one.
func (s *Sim) genGuardianFactors() {
	for _, name := range []string{"sms", "push-notification", "otp", "email", "duo", "webauthn-roaming", "webauthn-platform", "recovery-code"} {
		on := s.cfg.Hardened && (name == "otp" || name == "push-notification") || s.cfg.SMSFactor && name == "sms"
		s.guardianFactors = append(s.guardianFactors, &GuardianFactor{Name: name, Enabled: on})
	}
	s.phoneProvider = s.cfg.PhoneProvider
	if s.phoneProvider == "" {
		s.phoneProvider = "auth0"
		if s.cfg.Hardened {
			s.phoneProvider = "twilio"
		}
	}
}

// getPhoneProvider serves GET /guardian/factors/phone/selected-provider
// (go-auth0's MultiFactorPhone.Provider): {"provider": "twilio"}.
func (s *Sim) getPhoneProvider(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"provider": s.phoneProvider})
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

// genMfaPolicy: never on the planted tenant, always when Hardened.
func (s *Sim) genMfaPolicy() {
	s.mfaPolicies = []string{}
	if s.cfg.Hardened {
		s.mfaPolicies = []string{"all-applications"}
	}
}

func (s *Sim) listMfaPolicies(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	writeJSON(c.w, http.StatusOK, append([]string{}, s.mfaPolicies...))
}
