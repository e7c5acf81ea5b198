package auth0sim

import "net/http"

// LegacyRule is a rule (Auth0's extensibility before Actions). Script is
// code a collector must never store; the credential hard-coded in one of
// them is reported by SecretValues.
type LegacyRule struct {
	ID      string
	Name    string
	Script  string
	Order   int
	Stage   string
	Enabled bool
}

func (s *Sim) genLegacyRules(r *rng) {
	key := secretString(r, 32)
	s.legacyRuleSecret = key
	s.legacyRules = []*LegacyRule{
		{ID: s.newID(r, "rul_"), Name: "Add roles to ID token", Order: 1, Stage: "login_success", Enabled: true,
			Script: "function (user, context, callback) {\n  context.idToken['https://" + s.slug + ".example/roles'] = (context.authorization || {}).roles;\n  callback(null, user, context);\n}"},
		{ID: s.newID(r, "rul_"), Name: "Sync profile to CRM", Order: 2, Stage: "login_success", Enabled: true,
			Script: "function (user, context, callback) {\n  const apiKey = '" + key + "';\n  callback(null, user, context);\n}"},
		{ID: s.newID(r, "rul_"), Name: "Old geo block", Order: 3, Stage: "login_success", Enabled: false,
			Script: "function (user, context, callback) { callback(null, user, context); }"},
	}
}

func renderLegacyRule(x *LegacyRule) map[string]any {
	return map[string]any{"id": x.ID, "name": x.Name, "script": x.Script, "order": x.Order, "stage": x.Stage, "enabled": x.Enabled}
}

func (s *Sim) listLegacyRules(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	all := make([]map[string]any, 0, len(s.legacyRules))
	for _, x := range s.legacyRules {
		all = append(all, renderLegacyRule(x))
	}
	s.mu.RUnlock()
	lo, hi := p.window(len(all))
	writeOffset(c, p, "rules", all[lo:hi], len(all), false)
}

func (s *Sim) getLegacyRule(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, x := range s.legacyRules {
		if x.ID == c.seg[1] {
			writeJSON(c.w, http.StatusOK, renderLegacyRule(x))
			return
		}
	}
	s.notFound(c, "The rule does not exist.", "inexistent_rule")
}
