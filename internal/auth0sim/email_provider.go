package auth0sim

import "net/http"

// EmailProvider is the tenant's email provider. Credentials hold an API key
// a collector must never store (SecretValues reports it). A free-plan
// tenant of the simulator has none configured (GET answers 404).
type EmailProvider struct {
	Name               string
	Enabled            bool
	DefaultFromAddress string
	Credentials        map[string]any
}

func (s *Sim) genEmailProvider(r *rng) {
	s.emailProvider = &EmailProvider{Name: "sendgrid", Enabled: true, DefaultFromAddress: "no-reply@" + s.slug + ".example",
		Credentials: map[string]any{"api_key": "SG." + secretString(r, 22) + "." + secretString(r, 43)}}
}

// emailProviderNow is the provider the tenant serves (nil: none).
func (s *Sim) emailProviderNow() *EmailProvider {
	if s.plan == PlanFree {
		return nil
	}
	return s.emailProvider
}

func (s *Sim) getEmailProvider(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.emailProviderNow()
	if p == nil {
		s.notFound(c, "Email provider is not configured", "inexistent_email_provider")
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"name": p.Name, "enabled": p.Enabled,
		"default_from_address": p.DefaultFromAddress, "credentials": cloneAnyMap(p.Credentials), "settings": map[string]any{}})
}
