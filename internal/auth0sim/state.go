package auth0sim

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Sim is one simulated tenant. It is safe for concurrent use.
type Sim struct {
	cfg     Config // normalized; never mutated after New
	domain  string
	company string // display name
	slug    string // lower-case company token used in host names
	mgmtAPI string // Management API identifier https://{domain}/api/v2/

	mu sync.RWMutex // guards everything below except the atomics

	plan   string
	faults Faults
	fs     faultState

	// Generated users: index i in [0, n) is a pure function of (seed, i).
	n        int
	t0ms     int64 // created_at of user 0 (before jitter)
	stepMs   int64 // created_at spacing between consecutive users
	epochMs  int64
	tokPerm  perm   // bijection of uint32 used in user ids
	seedTag  uint32 // per-tenant constant baked into user ids
	userConn [5]*Connection
	layer1   layout // bulk roles (at most one per user)
	layer2   layout // named roles (at most one per user)
	orgLay   layout // organization membership (at most one per user)
	l1Roles  []*roleState
	l2Roles  []*roleState
	orgGroup []*orgState
	orgAdmin *roleState
	orgMem   *roleState

	users userStore

	roles            []*roleState
	roleByID         map[string]*roleState
	orgs             []*orgState
	orgByID          map[string]*orgState
	clients          []*Client
	clientGrants     []*ClientGrant
	grants           []*grantState
	resourceServers  []*ResourceServer
	customDomains    []*CustomDomain
	connections      []*Connection
	logStreams       []*LogStream
	actions          []*Action
	tenantKeys       []*TenantSigningKey
	legacyRules      []*LegacyRule
	legacyRuleSecret string
	hooks            []*Hook
	hookSecret       string
	emailProvider    *EmailProvider
	phoneProvider    string
	guardianFactors  []*GuardianFactor
	mfaPolicies      []string
	attackProtection AttackProtection
	userPerms        []userPerm
	settings         TenantSettings
	logs             []LogEvent
	logSeq           uint64
	lastLogMs        int64
	jobs             map[string]*exportJob
	tokens           map[string]*tokenInfo
	extraSecrets     map[string]bool  // secrets minted by mutations (new clients, rotations)
	actionSecrets    []string         // secrets hard-coded in generated action code
	roleAdds         map[int][]string // user -> roles added by mutations (reverse index)
	orgAdds          map[int][]string // user -> organizations joined by mutations
	idSeq            uint64           // feeds ids minted by mutations

	limiter *bucket
	stats   statsCollector
	push    pushState     // deliveries to the streams created through the API (push.go)
	reqSeq  atomic.Uint64 // sequence number of /api/v2 requests (ErrorRate)
}

// roleState is a role plus the parts of its membership that mutations
// changed. Generated members come from the role's layout block.
type roleState struct {
	Role
	layer    int // 0: no generated members, 1 or 2: layer1/layer2 group
	group    int
	added    []int // user indexes added by mutations, in order
	addedSet map[int]bool
	removed  map[int]bool
}

// orgState is an organization plus membership overlays.
type orgState struct {
	Organization
	group       int // orgLay group, -1 for organizations created by mutations
	added       []int
	addedSet    map[int]bool
	removed     map[int]bool
	memberRoles map[int][]string // overrides of generated member roles
}

type grantState struct {
	Grant
	user int // user index, to drop grants of deleted users
}

type userPerm struct {
	user int
	UserPermission
}

type tokenInfo struct {
	clientID  string
	scopes    map[string]bool
	scopeStr  string
	checkAll  bool // false: the default dev token, whose writes are unchecked
	audience  string
	expiresAt time.Time
}

func newRoleState(r Role, layer, group int) *roleState {
	return &roleState{Role: r, layer: layer, group: group, addedSet: map[int]bool{}, removed: map[int]bool{}}
}

func newOrgState(o Organization, group int) *orgState {
	return &orgState{Organization: o, group: group, addedSet: map[int]bool{}, removed: map[int]bool{},
		memberRoles: map[int][]string{}}
}

// memberSeq calls fn for each current member of the role, in listing order:
// generated members first (layout order), then members added by mutations.
// pos is the member's position in that sequence, stable across calls while
// nothing is deleted; fn returns false to stop.
func (s *Sim) roleMemberSeq(r *roleState, from int, fn func(pos, user int) bool) {
	gen := 0
	if r.layer != 0 {
		lay := s.layer1
		if r.layer == 2 {
			lay = s.layer2
		}
		gen = lay.size(r.group)
		for p := from; p < gen; p++ {
			u := lay.member(r.group, p)
			if r.removed[u] || r.addedSet[u] || !s.users.exists(u) {
				continue
			}
			if !fn(p, u) {
				return
			}
		}
	}
	for k := max(from-gen, 0); k < len(r.added); k++ {
		u := r.added[k]
		if r.removed[u] || !s.users.exists(u) {
			continue
		}
		if !fn(gen+k, u) {
			return
		}
	}
}

func (s *Sim) orgMemberSeq(o *orgState, from int, fn func(pos, user int) bool) {
	gen := 0
	if o.group >= 0 {
		gen = s.orgLay.size(o.group)
		for p := from; p < gen; p++ {
			u := s.orgLay.member(o.group, p)
			if o.removed[u] || o.addedSet[u] || !s.users.exists(u) {
				continue
			}
			if !fn(p, u) {
				return
			}
		}
	}
	for k := max(from-gen, 0); k < len(o.added); k++ {
		u := o.added[k]
		if o.removed[u] || !s.users.exists(u) {
			continue
		}
		if !fn(gen+k, u) {
			return
		}
	}
}

// userRoles returns the tenant-wide roles of user u, by name.
func (s *Sim) userRoles(u int) []*roleState {
	var out []*roleState
	add := func(r *roleState) {
		if r == nil || s.roleByID[r.ID] != r || r.removed[u] {
			return
		}
		for _, e := range out {
			if e == r {
				return
			}
		}
		out = append(out, r)
	}
	if u < s.n {
		if g, _, ok := s.layer2.groupOf(u); ok {
			add(s.l2Roles[g])
		}
		if g, _, ok := s.layer1.groupOf(u); ok {
			add(s.l1Roles[g])
		}
	}
	for _, id := range s.roleAdds[u] {
		add(s.roleByID[id])
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

func (s *Sim) isMember(o *orgState, u int) bool {
	if o.removed[u] || !s.users.exists(u) {
		return false
	}
	if o.addedSet[u] {
		return true
	}
	if o.group < 0 || u >= s.n {
		return false
	}
	g, _, ok := s.orgLay.groupOf(u)
	return ok && g == o.group
}

// userOrgs returns the organizations user u belongs to, by name.
func (s *Sim) userOrgs(u int) []*orgState {
	var out []*orgState
	add := func(o *orgState) {
		if o == nil || s.orgByID[o.ID] != o || o.removed[u] {
			return
		}
		for _, e := range out {
			if e == o {
				return
			}
		}
		out = append(out, o)
	}
	if u < s.n {
		if g, _, ok := s.orgLay.groupOf(u); ok {
			add(s.orgGroup[g])
		}
	}
	for _, id := range s.orgAdds[u] {
		add(s.orgByID[id])
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// memberRoleIDs returns the org-scoped roles of member u of o.
func (s *Sim) memberRoleIDs(o *orgState, u int) []string {
	if ids, ok := o.memberRoles[u]; ok {
		return ids
	}
	if o.group < 0 || u >= s.n || o.addedSet[u] {
		return nil
	}
	g, pos, ok := s.orgLay.groupOf(u)
	if !ok || g != o.group {
		return nil
	}
	var ids []string
	switch hash3(s.cfg.Seed, tagMemberRole, uint64(o.group)<<32|uint64(pos)) % 10 {
	case 0:
		ids = []string{s.orgAdmin.ID}
	case 1, 2:
		ids = []string{s.orgMem.ID}
	case 3:
		ids = []string{s.orgAdmin.ID, s.orgMem.ID}
	}
	// A deleted org role no longer applies.
	out := ids[:0:0]
	for _, id := range ids {
		if s.roleByID[id] != nil {
			out = append(out, id)
		}
	}
	return out
}

func (s *Sim) findClient(id string) *Client {
	for _, c := range s.clients {
		if c.ClientID == id {
			return c
		}
	}
	return nil
}

func (s *Sim) findConnection(idOrName string) *Connection {
	for _, c := range s.connections {
		if c.ID == idOrName || c.Name == idOrName {
			return c
		}
	}
	return nil
}

func (s *Sim) findResourceServer(idOrIdentifier string) *ResourceServer {
	for _, rs := range s.resourceServers {
		if rs.ID == idOrIdentifier || rs.Identifier == idOrIdentifier {
			return rs
		}
	}
	return nil
}

// SetFaults replaces the injected faults and resets their counters.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = cloneFaults(f)
	s.fs = faultState{}
}

// SetPlan switches the tenant's plan (PlanPaid or PlanFree).
func (s *Sim) SetPlan(plan string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if plan == PlanFree {
		s.plan = PlanFree
	} else {
		s.plan = PlanPaid
	}
}

// Domain returns the tenant domain shown in data.
func (s *Sim) Domain() string { return s.domain }

// ClientID and ClientSecret return the dev credentials /oauth/token accepts.
func (s *Sim) ClientID() string     { return s.cfg.ClientID }
func (s *Sim) ClientSecret() string { return s.cfg.ClientSecret }

// ManagementAPIIdentifier returns https://{domain}/api/v2/.
func (s *Sim) ManagementAPIIdentifier() string { return s.mgmtAPI }

func cloneFaults(f Faults) Faults {
	f.FailAt = append([]PageFault(nil), f.FailAt...)
	return f
}
