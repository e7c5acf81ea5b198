package auth0sim

import (
	"encoding/json"
	"sort"
	"strings"
)

// New generates a tenant from cfg. Generation is deterministic: equal
// configs give equal tenants (ids, secrets and timestamps included).
func New(cfg Config) (*Sim, error) {
	c, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	s := &Sim{cfg: c, domain: c.Domain, plan: c.Plan, faults: cloneFaults(c.Faults),
		jobs: map[string]*exportJob{}, tokens: map[string]*tokenInfo{}, extraSecrets: map[string]bool{},
		roleAdds: map[int][]string{}, orgAdds: map[int][]string{}}
	co := companies[mix64(uint64(c.Seed)^0xc0)%uint64(len(companies))]
	s.company, s.slug = co.Name, co.Slug
	s.mgmtAPI = "https://" + s.domain + "/api/v2/"
	s.limiter = newBucket(c.RPS, c.Burst)
	s.generate()
	return s, nil
}

// tenantName is the tenant's short name: the first label of its domain.
func (s *Sim) tenantName() string {
	name, _, _ := strings.Cut(s.domain, ".")
	return name
}

// SecretValues returns every secret value the simulator can emit: client
// secrets, client signing keys (cert, pkcs7) and encryption keys, secret
// connection options, log stream sink credentials, resource server signing
// secrets, the key hard-coded in an action, and the dev client secret. A test
// can search a collected graph for each of them.
func (s *Sim) SecretValues() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	set := map[string]bool{s.cfg.ClientSecret: true}
	for v := range s.extraSecrets {
		set[v] = true
	}
	for _, c := range s.clients {
		set[c.ClientSecret] = true
		for _, k := range c.SigningKeys {
			set[k.Cert], set[k.Pkcs7] = true, true
		}
		if e := c.EncryptionKey; e != nil {
			set[e.Pub], set[e.Cert] = true, true
		}
	}
	for _, conn := range s.connections {
		collectSecretValues(conn.Options, set)
	}
	for _, ls := range s.logStreams {
		collectSecretValues(ls.Sink, set)
	}
	for _, k := range s.tenantKeys {
		set[k.Cert], set[k.Pkcs7] = true, true
	}
	set[s.legacyRuleSecret], set[s.hookSecret] = true, true
	if p := s.emailProvider; p != nil {
		collectSecretValues(p.Credentials, set)
	}
	for _, rs := range s.resourceServers {
		set[rs.SigningSecret] = true
	}
	for _, v := range s.actionSecrets {
		set[v] = true
	}
	delete(set, "")
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func collectSecretValues(m map[string]any, set map[string]bool) {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if isSecretKey(k) {
				set[x] = true
				if tok, ok := strings.CutPrefix(x, "Bearer "); ok {
					set[tok] = true
				}
			}
		case map[string]any:
			collectSecretValues(x, set)
		}
	}
}

// EachUser calls fn for every user in created_at order (generated users,
// then users created through the API), with RoleIDs and OrgIDs filled in.
// It holds the read lock only per chunk, so it suits a million users.
func (s *Sim) EachUser(fn func(User) bool) {
	s.eachUserIdx(func(idx int, u *User) bool {
		return fn(*u)
	}, true)
}

func (s *Sim) eachUserIdx(fn func(idx int, u *User) bool, withRefs bool) {
	const chunk = 2048
	type item struct {
		idx int
		u   User
	}
	for start := 0; ; start += chunk {
		s.mu.RLock()
		total := s.users.total()
		if start >= total {
			s.mu.RUnlock()
			return
		}
		end := min(start+chunk, total)
		batch := make([]item, 0, end-start)
		for u := start; u < end; u++ {
			usr, ok := s.user(u)
			if !ok {
				continue
			}
			if withRefs {
				for _, r := range s.userRoles(u) {
					usr.RoleIDs = append(usr.RoleIDs, r.ID)
				}
				for _, o := range s.userOrgs(u) {
					usr.OrgIDs = append(usr.OrgIDs, o.ID)
				}
			}
			batch = append(batch, item{u, usr})
		}
		s.mu.RUnlock()
		for k := range batch {
			if !fn(batch[k].idx, &batch[k].u) {
				return
			}
		}
	}
}

// Snapshot returns a deep, consistent copy of the ground truth. It builds
// every user (about 1 KB each with their role and organization ids), so for
// a million users prefer EachUser plus a Snapshot of a smaller tenant, or
// accept a heap in the gigabyte range.
func (s *Sim) Snapshot() *Tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := &Tenant{Domain: s.domain}
	total := s.users.total()
	ids := make([]string, total)
	for u := 0; u < total; u++ {
		usr, ok := s.user(u)
		if !ok {
			continue
		}
		ids[u] = usr.UserID
		for _, r := range s.userRoles(u) {
			usr.RoleIDs = append(usr.RoleIDs, r.ID)
		}
		for _, o := range s.userOrgs(u) {
			usr.OrgIDs = append(usr.OrgIDs, o.ID)
		}
		t.Users = append(t.Users, usr)
	}
	for _, r := range s.roles {
		role := r.Role
		role.Permissions = append([]Permission(nil), r.Permissions...)
		role.UserIDs = nil
		s.roleMemberSeq(r, 0, func(_, u int) bool {
			role.UserIDs = append(role.UserIDs, ids[u])
			return true
		})
		t.Roles = append(t.Roles, role)
	}
	for _, o := range s.orgs {
		org := o.Organization
		org.Metadata = cloneStringMap(o.Metadata)
		org.EnabledConnections = append([]OrgConnection(nil), o.EnabledConnections...)
		org.Invitations = nil
		for _, inv := range o.Invitations {
			inv.Roles = append([]string(nil), inv.Roles...)
			org.Invitations = append(org.Invitations, inv)
		}
		org.Members = nil
		s.orgMemberSeq(o, 0, func(_, u int) bool {
			org.Members = append(org.Members, Member{UserID: ids[u], Roles: append([]string(nil), s.memberRoleIDs(o, u)...)})
			return true
		})
		t.Organizations = append(t.Organizations, org)
	}
	for _, c := range s.clients {
		t.Clients = append(t.Clients, cloneClient(c))
	}
	for _, g := range s.clientGrants {
		cg := *g
		cg.Scope = append([]string(nil), g.Scope...)
		t.ClientGrants = append(t.ClientGrants, cg)
	}
	for _, g := range s.grants {
		gr := g.Grant
		gr.Scope = append([]string(nil), g.Scope...)
		t.Grants = append(t.Grants, gr)
	}
	for _, rs := range s.resourceServers {
		r := *rs
		r.Scopes = append([]Scope(nil), rs.Scopes...)
		t.ResourceServers = append(t.ResourceServers, r)
	}
	for _, cd := range s.customDomains {
		t.CustomDomains = append(t.CustomDomains, *cd)
	}
	t.Settings = s.settings
	t.Settings.Flags = map[string]bool{}
	for k, v := range s.settings.Flags {
		t.Settings.Flags[k] = v
	}
	t.Settings.EnabledLocales = append([]string(nil), s.settings.EnabledLocales...)
	t.Settings.AllowedLogoutURLs = append([]string(nil), s.settings.AllowedLogoutURLs...)
	t.Settings.SandboxVersionsAvailable = append([]string(nil), s.settings.SandboxVersionsAvailable...)
	for _, c := range s.connections {
		cc := *c
		cc.EnabledClients = append([]string(nil), c.EnabledClients...)
		cc.Realms = append([]string(nil), c.Realms...)
		cc.Options = cloneAnyMap(c.Options)
		cc.Metadata = cloneStringMap(c.Metadata)
		if c.ShowAsButton != nil {
			cc.ShowAsButton = ptrBool(*c.ShowAsButton)
		}
		t.Connections = append(t.Connections, cc)
	}
	for _, ls := range s.logStreams {
		l := *ls
		l.Sink = cloneAnyMap(ls.Sink)
		l.Filters = nil
		for _, f := range ls.Filters {
			l.Filters = append(l.Filters, cloneStringMap(f))
		}
		t.LogStreams = append(t.LogStreams, l)
	}
	for _, k := range s.tenantKeys {
		t.SigningKeys = append(t.SigningKeys, *k)
	}
	for _, x := range s.legacyRules {
		t.LegacyRules = append(t.LegacyRules, *x)
	}
	for _, x := range s.hooks {
		t.Hooks = append(t.Hooks, *x)
	}
	if p := s.emailProviderNow(); p != nil {
		ep := *p
		ep.Credentials = cloneAnyMap(p.Credentials)
		t.EmailProvider = &ep
	}
	t.GuardianFactors = s.guardianFactorsNow()
	t.PhoneProvider = s.phoneProvider
	t.MfaPolicies = append([]string{}, s.mfaPolicies...)
	t.AttackProtection = AttackProtection{BruteForce: cloneAnyMap(s.attackProtection.BruteForce),
		SuspiciousIP: cloneAnyMap(s.attackProtection.SuspiciousIP), BreachedPassword: cloneAnyMap(s.attackProtection.BreachedPassword)}
	for _, a := range s.actions {
		ac := *a
		ac.Triggers = append([]ActionTrigger(nil), a.Triggers...)
		ac.Dependencies = append([]ActionDependency(nil), a.Dependencies...)
		ac.SecretNames = append([]string(nil), a.SecretNames...)
		t.Actions = append(t.Actions, ac)
	}
	for _, p := range s.userPerms {
		if s.users.exists(p.user) {
			t.UserPermissions = append(t.UserPermissions, p.UserPermission)
		}
	}
	for _, e := range s.logs {
		e.Details = cloneAnyMap(e.Details)
		t.Logs = append(t.Logs, e)
	}
	return t
}

func cloneStringMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneClient(c *Client) Client {
	cc := *c
	for _, p := range []*[]string{&cc.Callbacks, &cc.WebOrigins, &cc.AllowedOrigins, &cc.AllowedLogoutURLs,
		&cc.AllowedClients, &cc.GrantTypes} {
		if *p != nil {
			*p = append([]string{}, (*p)...)
		}
	}
	if c.RefreshToken != nil {
		rt := *c.RefreshToken
		cc.RefreshToken = &rt
	}
	if c.OIDCLogout != nil {
		l := *c.OIDCLogout
		l.BackchannelLogoutURLs = append([]string(nil), l.BackchannelLogoutURLs...)
		l.SelectedInitiators = append([]string(nil), l.SelectedInitiators...)
		cc.OIDCLogout = &l
	}
	cc.SigningKeys = append([]SigningKey(nil), c.SigningKeys...)
	if c.EncryptionKey != nil {
		e := *c.EncryptionKey
		cc.EncryptionKey = &e
	}
	cc.ClientMetadata = cloneStringMap(c.ClientMetadata)
	return cc
}

// toAnyMap converts a request body struct into the map logged in details.
func toAnyMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	if m == nil {
		m = map[string]any{}
	}
	if _, ok := m["password"]; ok {
		m["password"] = "*****"
	}
	return m, err
}

func toAnySlice(xs []string) []any {
	out := make([]any, len(xs))
	for k, x := range xs {
		out[k] = x
	}
	return out
}
