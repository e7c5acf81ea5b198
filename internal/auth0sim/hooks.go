package auth0sim

import "net/http"

// Hook is a legacy hook. Script is code a collector must never store; the
// credential hard-coded in one is reported by SecretValues.
type Hook struct {
	ID        string
	Name      string
	Script    string
	TriggerID string
	Enabled   bool
}

func (s *Sim) genHooks(r *rng) {
	key := secretString(r, 32)
	s.hookSecret = key
	id := func() string { return "01" + r.str(24, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") }
	s.hooks = []*Hook{
		{ID: id(), Name: "notify-registration", TriggerID: "pre-user-registration", Enabled: true,
			Script: "module.exports = function (user, context, cb) {\n  const token = '" + key + "';\n  cb(null, { user });\n};"},
		{ID: id(), Name: "password-change-audit", TriggerID: "post-change-password", Enabled: false,
			Script: "module.exports = function (user, context, cb) { cb(); };"},
	}
}

func renderHook(x *Hook) map[string]any {
	return map[string]any{"id": x.ID, "name": x.Name, "script": x.Script, "dependencies": map[string]any{},
		"triggerId": x.TriggerID, "enabled": x.Enabled}
}

func (s *Sim) listHooks(c *reqCtx) {
	p, ok := s.parseOffset(c)
	if !ok {
		return
	}
	s.mu.RLock()
	all := make([]map[string]any, 0, len(s.hooks))
	for _, x := range s.hooks {
		all = append(all, renderHook(x))
	}
	s.mu.RUnlock()
	lo, hi := p.window(len(all))
	writeOffset(c, p, "hooks", all[lo:hi], len(all), false)
}

func (s *Sim) getHook(c *reqCtx) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, x := range s.hooks {
		if x.ID == c.seg[1] {
			writeJSON(c.w, http.StatusOK, renderHook(x))
			return
		}
	}
	s.notFound(c, "The hook does not exist.", "inexistent_hook")
}
