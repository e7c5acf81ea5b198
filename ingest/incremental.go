package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// An incremental pass re-fetches only what the tenant's log says changed
// (Touches), with the relations of what it re-fetched, and leaves the rest
// of the graph as the last pass left it. Small resources (clients, APIs,
// connections, settings, roles and organizations as nodes…) are listed again
// whole when touched: a few calls, and their stale cleanup stays the full
// sync's. Users and the per-asset sub-collections (a user's roles and direct
// permissions, a role's permissions or users, an organization's members and
// connections) are fetched per asset, and their stale cleanup is scoped to
// the assets fetched. See docs/incremental.md.

// IncrementalDB is what an incremental pass needs from the store.
type IncrementalDB interface {
	DB
	DiffWriter
	RefKeeper
	DeleteNodes(ctx context.Context, tenant string, k *schema.Kind, ids []string) ([]store.NodeChange, error)
	DeleteNodesByProp(ctx context.Context, tenant string, k *schema.Kind, prop string, values []string, tag int64) ([]store.NodeChange, error)
	DeleteStaleRelsOf(ctx context.Context, tenant string, r *schema.Relation, ids []string, toSide bool, tag int64) ([]store.RelChange, error)
	DeleteRels(ctx context.Context, tenant string, r *schema.Relation, rels []store.Rel) ([]store.RelChange, error)
	MemberCounts(ctx context.Context, tenant string, orgs []string) (map[string]int, error)
	MemberLabels(ctx context.Context, tenant string, users []string) (map[string]string, error)
	DeleteNodesWithout(ctx context.Context, tenant string, k *schema.Kind, r *schema.Relation) ([]store.NodeChange, error)
	FixPermissions(ctx context.Context, tenant string) ([]store.NodeChange, error)
	NativeIDsBy(ctx context.Context, tenant string, k *schema.Kind, prop string) (map[string]string, error)
}

// relists says which resources are listed again when a touch names a
// resource (what it cascades to included: a deleted client takes its client
// grants with it; a new API gives client grants their FOR_API edge).
var relists = map[string][]string{
	"clients":          {"clients", "connections", "connection_clients", "client_grants"},
	"connections":      {"connections", "connection_clients"},
	"resource_servers": {"resource_servers", "client_grants", "grants"},
	"client_grants":    {"client_grants"},
	"roles":            {"roles"},
	"organizations":    {"organizations"},
	"tenant_settings":  {"tenant_settings"},
	"grants":           {"grants"},
	"custom_domains":   {"custom_domains"},
	"log_streams":      {"log_streams"},
	"actions":          {"actions"},
	"signing_keys":     {"signing_keys"},
	"legacy_rules":     {"legacy_rules"},
	"hooks":            {"hooks"},
	"email_provider":   {"email_provider"},
	"guardian_factors": {"guardian_factors"},
}

// ErrWindowTooLarge: more users changed since the last pass than a search
// returns (Auth0 caps a query at 1,000): a full collection is needed.
var ErrWindowTooLarge = errors.New("more users changed than one search returns")

// plan is what one pass fetches.
type plan struct {
	relist       map[string]bool
	users        map[string]bool // refresh the user node (and identities)
	deletedUsers map[string]bool
	userRoles    map[string]bool
	userPerms    map[string]bool
	rolePerms    map[string]bool
	roleUsers    map[string]bool
	orgMembers   map[string]bool
	// members: single memberships (MembershipID → organization and user),
	// read per member instead of the organization's whole list
	members  map[string]member
	orgConns map[string]bool
}

// member is one organization membership a touch names.
type member struct{ org, user string }

func newPlan(touches []Touch) *plan {
	p := &plan{relist: map[string]bool{}, users: map[string]bool{}, deletedUsers: map[string]bool{},
		userRoles: map[string]bool{}, userPerms: map[string]bool{}, rolePerms: map[string]bool{},
		roleUsers: map[string]bool{}, orgMembers: map[string]bool{}, members: map[string]member{}, orgConns: map[string]bool{}}
	for _, t := range touches {
		switch t.Resource {
		case "users":
			if t.ID == "" {
				continue // the updated_at window finds it
			}
			switch {
			case t.Sub == SubRoles:
				p.userRoles[t.ID] = true
			case t.Sub == SubPermissions:
				p.userPerms[t.ID] = true
			default:
				// Deleted or not, the user is read again: a stream may
				// deliver a deletion before an update of the same user.
				p.users[t.ID] = true
			}
			continue
		case "roles":
			switch t.Sub {
			case SubPermissions:
				p.rolePerms[t.ID] = true
				continue
			case SubUsers:
				p.roleUsers[t.ID] = true
				continue
			}
		case "organizations":
			switch t.Sub {
			case SubMembers:
				p.orgMembers[t.ID] = true
				continue
			case SubMember:
				if t.Member == "" {
					p.orgMembers[t.ID] = true
				} else {
					p.members[MembershipID(t.ID, t.Member)] = member{org: t.ID, user: t.Member}
				}
				continue
			case SubConnections:
				p.orgConns[t.ID] = true
				continue
			}
		}
		for _, res := range relists[t.Resource] {
			p.relist[res] = true
		}
	}
	p.dropListedMembers()
	return p
}

// dropListedMembers forgets the single memberships of organizations whose
// whole member list the pass reads anyway.
func (p *plan) dropListedMembers() {
	for mid, m := range p.members {
		if p.orgMembers[m.org] {
			delete(p.members, mid)
		}
	}
}

// Reading one membership costs about memberCalls calls (the member's
// organizations and its roles in the one touched); an organization's whole
// member list costs a call per memberPage members, begun, plus the empty page
// that ends it (every page with members names a next one).
const (
	memberCalls = 2
	memberPage  = 100
)

// alwaysPerMember (tests) reads every named member one by one, whatever
// its organization's list would cost.
var alwaysPerMember = false

// planMembers decides, per organization, whether its touched members are
// read one by one or its whole member list is read again: whichever costs
// fewer calls (by the memberships the graph holds for it; an organization
// the graph does not hold has its list read). A membership is named after
// its member: as the graph holds the user (which this pass's own reads and
// the users window keep current), or, for a user the graph does not hold,
// as the pass reads it.
func (r *incRun) planMembers(ctx context.Context) error {
	p := r.plan
	if len(p.members) == 0 {
		return nil
	}
	touched := map[string]int{}
	for _, m := range p.members {
		touched[m.org]++
	}
	counts, err := r.db.MemberCounts(ctx, r.tenant, sortedKeys(boolSet(touched)))
	if err != nil {
		return err
	}
	for org, k := range touched {
		n, ok := counts[org]
		if !ok || (!alwaysPerMember && k*memberCalls > (n+memberPage-1)/memberPage+1) {
			p.orgMembers[org] = true
		}
	}
	p.dropListedMembers()
	users := map[string]bool{}
	for _, m := range p.members {
		users[m.user] = true
	}
	if len(users) == 0 {
		return nil
	}
	r.graphLabels, err = r.db.MemberLabels(ctx, r.tenant, sortedKeys(users))
	if err != nil {
		return err
	}
	for u := range users {
		if _, ok := r.graphLabels[u]; !ok {
			p.users[u] = true
		}
	}
	return nil
}

// touchedAssets counts what a pass was asked to refresh.
func (p *plan) size() int {
	return len(p.relist) + len(p.users) + len(p.userRoles) + len(p.userPerms) + len(p.rolePerms) +
		len(p.roleUsers) + len(p.orgMembers) + len(p.members) + len(p.orgConns)
}

// RunIncremental applies touches to the graph: it re-fetches what they name
// (and, with since set, every user updated since then) and writes it with
// stale cleanup scoped to what was fetched. cfg.Changes, when set, receives
// what changed. The pass records no Sync: the tenant's last sync stays the
// last full collection.
func RunIncremental(ctx context.Context, db IncrementalDB, api API, cfg Config, touches []Touch, since time.Time) (*Summary, error) {
	if cfg.Tenant == "" {
		return nil, apperr.New(apperr.Invalid, "missing tenant name")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if a, ok := api.(*Auth0); ok && cfg.MaxRetries > 0 {
		a.pacer.maxRetries = cfg.MaxRetries
	}
	ctx = withMaxPages(ctx, cfg.Limits.withDefaults().MaxPages)
	started := time.Now()
	calls0 := 0
	if s, ok := api.(statsAPI); ok {
		calls0, _, _ = s.Stats()
	}
	r := &run{
		api: api, cfg: cfg, tenant: cfg.Tenant, tag: started.UnixMilli(),
		skipped: map[string]string{}, failed: map[string]string{}, incomplete: map[string]bool{},
		state: newState(),
	}
	p := newPlan(touches)
	phases := map[string]time.Duration{}
	lap := time.Now()
	phase := func(name string) {
		now := time.Now()
		phases[name] += now.Sub(lap)
		lap = now
	}
	if err := db.EnsureSchema(ctx); err != nil {
		return nil, err
	}
	if err := db.EnsureTenant(ctx, r.tenant, r.tag); err != nil {
		return nil, err
	}
	if err := r.stateFromGraph(ctx, db); err != nil {
		return nil, err
	}
	sink := cfg.Changes
	if sink == nil {
		sink = discardChanges{}
	}
	sink = newFirstReads(sink)
	r.cfg.Changes = sink
	r.load = newLoader(ctx, db, r.tenant, r.tag)
	r.load.diff, r.load.sink, r.load.keep = db, sink, db
	inc := &incRun{run: r, db: db, plan: p}
	if err := inc.planMembers(ctx); err != nil {
		return nil, err
	}
	phase("prepare")
	runErr := inc.fetch(ctx, since)
	phase("fetch")
	phases["users"] = inc.usersTook
	closeErr := r.load.Close(context.WithoutCancel(ctx))
	if runErr == nil {
		runErr = closeErr
	}
	phase("write")
	deleted := map[string]int{}
	if runErr == nil {
		runErr = inc.cleanup(ctx, deleted)
	}
	phase("cleanup")
	sum := &Summary{
		Tenant: r.tenant, SyncID: fmt.Sprintf("%s@%d/incremental", r.tenant, r.tag), Started: started,
		Counts: r.load.Counts(), Skipped: r.skipped, Failed: r.failed, Deleted: deleted, Load: r.load.Stats(),
		Mode: ModeIncremental, Touched: p.size() + inc.windowUsers, Phases: phases,
	}
	if s, ok := api.(statsAPI); ok {
		sum.APICalls, sum.Retries, sum.Seen429 = s.Stats()
		sum.APICalls -= calls0
	}
	switch {
	case runErr != nil:
		sum.Status = "failed"
	case len(r.failed) > 0:
		sum.Status = "partial"
	default:
		sum.Status = "ok"
	}
	sum.Finished = time.Now()
	sum.Duration = sum.Finished.Sub(started)
	return sum, runErr
}

type discardChanges struct{}

func (discardChanges) Nodes(*schema.Kind, []store.NodeChange)   {}
func (discardChanges) Rels(*schema.Relation, []store.RelChange) {}

// stateFromGraph fills what later resources read from earlier ones (name →
// id maps) from the graph, which the last pass left complete.
func (r *run) stateFromGraph(ctx context.Context, db IncrementalDB) error {
	conns, err := db.NativeIDsBy(ctx, r.tenant, schema.Connection, schema.PropName)
	if err != nil {
		return err
	}
	rs, err := db.NativeIDsBy(ctx, r.tenant, schema.ResourceServer, "identifier")
	if err != nil {
		return err
	}
	r.state.connByName, r.state.rsByIdentifier = conns, rs
	r.state.connectionsOK, r.state.resourcesOK = true, true
	return nil
}

type incRun struct {
	*run
	db          IncrementalDB
	plan        *plan
	windowUsers int
	usersTook   time.Duration // refreshUsers
	// memberLabels: each re-read user's label in its memberships' names
	memberLabels map[string]string
	// graphLabels: the labels of members read one by one, from the graph
	graphLabels map[string]string
	// what was fetched, for scoped cleanup
	gotUsers    []string
	goneUsers   []string
	goneRoles   []string
	goneOrgs    []string
	memberships []string
	// goneMembers: single memberships found gone (MEMBER_OF user → org)
	goneMembers []store.Rel
}

func (r *incRun) resource(name string) *resource {
	for _, res := range resources {
		if res.name == name {
			return res
		}
	}
	return nil
}

// fetch reads everything the plan names, stage by stage as a full sync
// does (a stage reads what the earlier ones learnt: connection names for
// users' identities), each stage's resources at once. It writes nothing
// itself: the rows queue in the loader, whose one flush at the end writes
// every node before the relations that need it, so a pass waits for Neo4j
// once rather than once a stage.
func (r *incRun) fetch(ctx context.Context, since time.Time) error {
	p := r.plan
	for stage := 1; stage <= 3; stage++ {
		var wg sync.WaitGroup
		for _, res := range resources {
			if res.stage != stage || !p.relist[res.name] {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.runOne(ctx, res)
			}()
		}
		var err error
		switch stage {
		case 2:
			start := time.Now()
			err = r.refreshUsers(ctx, since)
			r.usersTook = time.Since(start)
		case 3:
			err = r.refreshSubs(ctx)
		}
		wg.Wait()
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func isNotFound(err error) bool { return apiStatus(err) == 404 }

// refreshUsers reads the users updated since the window's start and those
// touched by id, and writes them with their identities.
func (r *incRun) refreshUsers(ctx context.Context, since time.Time) error {
	seen := map[string]bool{}
	if !since.IsZero() {
		q := fmt.Sprintf("updated_at:[%s TO *]", since.UTC().Format("2006-01-02T15:04:05.000Z"))
		for page := 0; ; page++ {
			l, err := r.api.Users(ctx, management.Query(q), management.Parameter("sort", "updated_at:1"),
				management.Page(page), management.PerPage(100), management.IncludeTotals(true))
			if err != nil {
				return fmt.Errorf("users updated since %s: %w", since.Format(time.RFC3339), err)
			}
			if page == 0 && l.Total > userListCap {
				return fmt.Errorf("%w (%d since %s)", ErrWindowTooLarge, l.Total, since.Format(time.RFC3339))
			}
			for _, u := range l.Users {
				if err := r.emitIncUser(ctx, u); err != nil {
					return err
				}
				seen[u.GetID()] = true
				r.windowUsers++
			}
			if len(l.Users) < 100 || (page+1)*100 >= l.Total {
				break
			}
		}
	}
	var mu sync.Mutex
	var todo []string
	for _, id := range sortedKeys(r.plan.users) {
		if !seen[id] {
			todo = append(todo, id)
		}
	}
	err := r.each(ctx, todo, func(id string) error {
		var u management.User
		err := r.api.Get(ctx, &u, "users/"+id)
		if isNotFound(err) {
			r.note(&r.goneUsers, id)
			return nil
		}
		if err != nil {
			return fmt.Errorf("user %s: %w", id, err)
		}
		if err := r.emitIncUser(ctx, &u); err != nil {
			return err
		}
		mu.Lock()
		seen[id] = true
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	r.gotUsers = sortedKeys(seen)
	if err := r.renameMemberships(ctx); err != nil {
		return err
	}
	// A user new to the graph (or never read) gets its direct permissions
	// read too, so that it is not left unknown until the full walk reaches it.
	if kdb, ok := r.db.(interface {
		DirectPermissionsKnown(ctx context.Context, tenant string, users []string) (map[string]bool, error)
	}); ok && len(r.gotUsers) > 0 {
		known, err := kdb.DirectPermissionsKnown(ctx, r.tenant, r.gotUsers)
		if err != nil {
			return err
		}
		var first []string
		for _, id := range r.gotUsers {
			if !known[id] && !r.plan.userPerms[id] {
				r.plan.userPerms[id] = true
				first = append(first, schema.Key(r.tenant, schema.User, id))
			}
		}
		// Read for the first time, not because they changed: not changes.
		if f, ok := r.cfg.Changes.(*firstReads); ok {
			f.add(first)
		}
	}
	return nil
}

// emitIncUser writes a re-read user and notes its label for its
// memberships' names.
func (r *incRun) emitIncUser(ctx context.Context, u *management.User) error {
	label := u.GetEmail()
	if label == "" {
		label = u.GetName()
	}
	if label == "" {
		label = u.GetID()
	}
	r.mu.Lock()
	if r.memberLabels == nil {
		r.memberLabels = map[string]string{}
	}
	r.memberLabels[u.GetID()] = label
	r.mu.Unlock()
	return r.emitUser(ctx, u)
}

// renameMemberships gives the memberships of the re-read users the name a
// full collection would (the member's email or name @ the organization)
// when the user's email or name changed: the organization's member list,
// which names them, is not read again for a user's change.
func (r *incRun) renameMemberships(ctx context.Context) error {
	mdb, ok := r.db.(interface {
		MembershipsOf(ctx context.Context, tenant string, users []string) ([]store.Membership, error)
	})
	if !ok || len(r.memberLabels) == 0 {
		return nil
	}
	ms, err := mdb.MembershipsOf(ctx, r.tenant, sortedKeys(boolSet(r.memberLabels)))
	if err != nil {
		return err
	}
	for _, m := range ms {
		if r.plan.orgMembers[m.OrgID] {
			continue // its member list is read again in this pass
		}
		if _, ok := r.plan.members[m.NativeID]; ok {
			continue // read again in this pass, named after the user
		}
		name := r.memberLabels[m.UserID] + " @ " + m.OrgID
		if name == m.Name {
			continue
		}
		node := store.Node{NativeID: m.NativeID, Name: name, Props: props{"organization_id": m.OrgID, "user_id": m.UserID}}
		if err := r.load.Node(ctx, schema.OrgMembership, node); err != nil {
			return err
		}
	}
	return nil
}

func boolSet[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// refreshSubs reads the sub-collections the plan names, every kind of
// them at once (each cfg.Concurrency at a time): a pass waits for the
// slowest, not for their sum.
func (r *incRun) refreshSubs(ctx context.Context) error {
	p := r.plan
	gone := map[string]bool{}
	for _, id := range r.goneUsers {
		gone[id] = true
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	each := func(ids []string, fn func(id string) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.each(ctx, ids, fn); err != nil {
				errMu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				errMu.Unlock()
			}
		}()
	}
	each(sortedKeys(p.userRoles), func(id string) error {
		if gone[id] {
			return nil
		}
		_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			var l management.RoleList
			if err := r.api.Get(ctx, &l, "users/"+id+"/roles", opts...); err != nil {
				return 0, 0, err
			}
			for _, role := range l.Roles {
				if err := r.load.Rel(ctx, schema.RelHasRole, store.Rel{From: id, To: role.GetID()}); err != nil {
					return 0, 0, err
				}
			}
			return len(l.Roles), l.Total, nil
		})
		if isNotFound(err) {
			r.note(&r.goneUsers, id)
			return nil
		}
		if err != nil {
			return fmt.Errorf("roles of user %s: %w", id, err)
		}
		return nil
	})
	each(sortedKeys(p.userPerms), func(id string) error {
		if gone[id] {
			return nil
		}
		_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			l, err := r.api.UserPermissions(ctx, id, opts...)
			if err != nil {
				return 0, 0, err
			}
			for _, perm := range l.Permissions {
				if !perm.Direct() {
					continue
				}
				ref := permissionRef(perm.ResourceServerIdentifier, perm.Name)
				if err := r.load.Ref(ctx, schema.Permission, ref); err != nil {
					return 0, 0, err
				}
				if err := r.load.Rel(ctx, schema.RelHasPermission, store.Rel{From: id, To: ref.NativeID}); err != nil {
					return 0, 0, err
				}
			}
			return len(l.Permissions), l.Total, nil
		})
		if isNotFound(err) {
			r.note(&r.goneUsers, id)
			return nil
		}
		if err != nil {
			return fmt.Errorf("permissions of user %s: %w", id, err)
		}
		return nil
	})
	each(sortedKeys(p.rolePerms), func(id string) error {
		_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			l, err := r.api.RolePermissions(ctx, id, opts...)
			if err != nil {
				return 0, 0, err
			}
			for _, perm := range l.Permissions {
				ref := permissionRef(perm.GetResourceServerIdentifier(), perm.GetName())
				if err := r.load.Ref(ctx, schema.Permission, ref); err != nil {
					return 0, 0, err
				}
				if err := r.load.Rel(ctx, schema.RelRoleGrants, store.Rel{From: id, To: ref.NativeID}); err != nil {
					return 0, 0, err
				}
			}
			return len(l.Permissions), l.Total, nil
		})
		if isNotFound(err) {
			r.note(&r.goneRoles, id)
			return nil
		}
		if err != nil {
			return fmt.Errorf("permissions of role %s: %w", id, err)
		}
		return nil
	})
	each(sortedKeys(p.roleUsers), func(id string) error {
		_, err := eachCheckpoint(ctx, 100, func(opts ...management.RequestOption) (int, string, error) {
			l, err := r.api.RoleUsers(ctx, id, opts...)
			if err != nil {
				return 0, "", err
			}
			for _, u := range l.Users {
				if err := r.load.Rel(ctx, schema.RelHasRole, store.Rel{From: u.GetID(), To: id}); err != nil {
					return 0, "", err
				}
			}
			return len(l.Users), l.Next, nil
		})
		if isNotFound(err) {
			r.note(&r.goneRoles, id)
			return nil
		}
		if err != nil {
			return fmt.Errorf("users of role %s: %w", id, err)
		}
		return nil
	})
	each(sortedKeys(p.orgMembers), func(org string) error {
		_, err := eachCheckpoint(ctx, 100, func(opts ...management.RequestOption) (int, string, error) {
			opts = append(opts, management.Parameter("fields", "user_id,email,name,roles"), management.Parameter("include_fields", "true"))
			l, err := r.api.OrgMembers(ctx, org, opts...)
			if err != nil {
				return 0, "", err
			}
			for _, m := range l.Members {
				node, rels := membershipRows(org, &m)
				if err := r.load.Node(ctx, schema.OrgMembership, node); err != nil {
					return 0, "", err
				}
				r.note(&r.memberships, node.NativeID)
				for _, rel := range []*schema.Relation{schema.RelMemberOf, schema.RelHasMembership, schema.RelIn, schema.RelWithRole} {
					for _, x := range rels[rel] {
						if err := r.load.Rel(ctx, rel, x); err != nil {
							return 0, "", err
						}
					}
				}
			}
			return len(l.Members), l.Next, nil
		})
		if isNotFound(err) {
			r.note(&r.goneOrgs, org)
			return nil
		}
		if err != nil {
			return fmt.Errorf("members of organization %s: %w", org, err)
		}
		return nil
	})
	// Single memberships: each member's organizations once (whether it is
	// still a member of each touched one), then its roles in each it is.
	byUser := map[string][]string{}
	for _, m := range p.members {
		byUser[m.user] = append(byUser[m.user], m.org)
	}
	each(sortedKeys(boolSet(byUser)), func(user string) error {
		if gone[user] {
			return nil // its memberships go with it
		}
		orgs, err := r.userOrgs(ctx, user)
		if isNotFound(err) {
			r.note(&r.goneUsers, user)
			return nil
		}
		if err != nil {
			return fmt.Errorf("organizations of user %s: %w", user, err)
		}
		touched := byUser[user]
		sort.Strings(touched)
		for _, org := range touched {
			if !orgs[org] {
				r.noteGoneMember(user, org)
				continue
			}
			if err := r.refreshMember(ctx, org, user); err != nil {
				return err
			}
		}
		return nil
	})
	each(sortedKeys(p.orgConns), func(org string) error {
		_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			l, err := r.api.OrgConnections(ctx, org, opts...)
			if err != nil {
				return 0, 0, err
			}
			for _, c := range l.OrganizationConnections {
				rel := store.Rel{From: org, To: c.GetConnectionID(), Props: props{}.bool("assign_membership_on_login", c.AssignMembershipOnLogin)}
				if err := r.load.Rel(ctx, schema.RelEnables, rel); err != nil {
					return 0, 0, err
				}
			}
			return len(l.OrganizationConnections), l.Total, nil
		})
		if isNotFound(err) {
			r.note(&r.goneOrgs, org)
			return nil
		}
		if err != nil {
			return fmt.Errorf("connections of organization %s: %w", org, err)
		}
		return nil
	})
	wg.Wait()
	return first
}

// userOrgs reads the organizations user is a member of (GET
// /users/{id}/organizations), all pages.
func (r *incRun) userOrgs(ctx context.Context, user string) (map[string]bool, error) {
	out := map[string]bool{}
	_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		var l management.OrganizationList
		if err := r.api.Get(ctx, &l, "users/"+user+"/organizations", opts...); err != nil {
			return 0, 0, err
		}
		for _, o := range l.Organizations {
			out[o.GetID()] = true
		}
		return len(l.Organizations), l.Total, nil
	})
	return out, err
}

// refreshMember writes user's membership of org as a full collection
// would (membershipRows, named after the user as this pass read it or the
// graph holds it) with
// its roles (GET /organizations/{id}/members/{user}/roles, all pages); a
// 404 there says the membership (or the organization) is gone after all.
func (r *incRun) refreshMember(ctx context.Context, org, user string) error {
	var roles []*management.OrganizationMemberListRole
	_, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		var l management.OrganizationMemberRoleList
		if err := r.api.Get(ctx, &l, "organizations/"+org+"/members/"+user+"/roles", opts...); err != nil {
			return 0, 0, err
		}
		for _, role := range l.Roles {
			roles = append(roles, &management.OrganizationMemberListRole{ID: role.ID, Name: role.Name})
		}
		return len(l.Roles), l.Total, nil
	})
	if isNotFound(err) {
		r.noteGoneMember(user, org)
		return nil
	}
	if err != nil {
		return fmt.Errorf("roles of member %s of organization %s: %w", user, org, err)
	}
	r.mu.Lock()
	label, ok := r.memberLabels[user]
	r.mu.Unlock()
	if !ok {
		label = r.graphLabels[user]
	}
	m := management.OrganizationMember{UserID: &user, Roles: roles}
	if label != "" {
		m.Email = &label
	}
	node, rels := membershipRows(org, &m)
	if err := r.load.Node(ctx, schema.OrgMembership, node); err != nil {
		return err
	}
	r.note(&r.memberships, node.NativeID)
	for _, rel := range []*schema.Relation{schema.RelMemberOf, schema.RelHasMembership, schema.RelIn, schema.RelWithRole} {
		for _, x := range rels[rel] {
			if err := r.load.Rel(ctx, rel, x); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *incRun) noteGoneMember(user, org string) {
	r.mu.Lock()
	r.goneMembers = append(r.goneMembers, store.Rel{From: user, To: org})
	r.mu.Unlock()
}

// cleanup removes what the fetched assets no longer have: the stale data of
// re-listed resources (as a full sync does), the stale relations of the
// assets fetched one by one, deleted assets with what goes with them, then
// the fix-ups.
func (r *incRun) cleanup(ctx context.Context, deleted map[string]int) error {
	sink := r.cfg.Changes
	nodes := func(k *schema.Kind, ch []store.NodeChange, err error) error {
		if err != nil {
			return err
		}
		if len(ch) > 0 {
			sink.Nodes(k, ch)
			deleted[k.Name] += len(ch)
		}
		return nil
	}
	rels := func(rel *schema.Relation, ch []store.RelChange, err error) error {
		if err != nil {
			return err
		}
		if len(ch) > 0 {
			sink.Rels(rel, ch)
			deleted[rel.Name()] += len(ch)
		}
		return nil
	}
	// Re-listed resources: the full sync's cleanup of their products
	// (permissions have several producers: the fix-up below handles them).
	products := map[string]bool{}
	for name := range r.plan.relist {
		res := r.resource(name)
		if res == nil {
			continue
		}
		for _, p := range res.products() {
			if !r.incomplete[p] {
				products[p] = true
			}
		}
	}
	for i := len(schema.Kinds) - 1; i >= 0; i-- {
		k := schema.Kinds[i]
		if !products[k.Name] || k == schema.Permission {
			continue
		}
		ch, err := r.db.DeleteStaleNodesDiff(ctx, r.tenant, k, r.tag)
		if err := nodes(k, ch, err); err != nil {
			return err
		}
	}
	for _, rel := range schema.Relations {
		if !products[rel.Name()] {
			continue
		}
		ch, err := r.db.DeleteStaleRelsDiff(ctx, r.tenant, rel, r.tag)
		if err := rels(rel, ch, err); err != nil {
			return err
		}
	}
	// Deleted assets and what goes with them.
	if len(r.goneUsers) > 0 {
		ch, err := r.db.DeleteNodes(ctx, r.tenant, schema.User, r.goneUsers)
		if err := nodes(schema.User, ch, err); err != nil {
			return err
		}
		ch, err = r.db.DeleteNodesByProp(ctx, r.tenant, schema.Grant, "user_id", r.goneUsers, 0)
		if err := nodes(schema.Grant, ch, err); err != nil {
			return err
		}
		ch, err = r.db.DeleteNodesByProp(ctx, r.tenant, schema.OrgMembership, "user_id", r.goneUsers, 0)
		if err := nodes(schema.OrgMembership, ch, err); err != nil {
			return err
		}
	}
	if len(r.goneMembers) > 0 {
		// Single memberships found gone: the member's MEMBER_OF that
		// organization, then the membership node with its other relations
		// (as the member list's scoped cleanup below does).
		sort.Slice(r.goneMembers, func(i, j int) bool {
			a, b := r.goneMembers[i], r.goneMembers[j]
			return a.To < b.To || (a.To == b.To && a.From < b.From)
		})
		ch, err := r.db.DeleteRels(ctx, r.tenant, schema.RelMemberOf, r.goneMembers)
		if err := rels(schema.RelMemberOf, ch, err); err != nil {
			return err
		}
		ids := make([]string, len(r.goneMembers))
		for i, m := range r.goneMembers {
			ids[i] = MembershipID(m.To, m.From)
		}
		nch, err := r.db.DeleteNodes(ctx, r.tenant, schema.OrgMembership, ids)
		if err := nodes(schema.OrgMembership, nch, err); err != nil {
			return err
		}
	}
	if len(r.goneRoles) > 0 {
		ch, err := r.db.DeleteNodes(ctx, r.tenant, schema.Role, r.goneRoles)
		if err := nodes(schema.Role, ch, err); err != nil {
			return err
		}
	}
	if len(r.goneOrgs) > 0 {
		ch, err := r.db.DeleteNodes(ctx, r.tenant, schema.Organization, r.goneOrgs)
		if err := nodes(schema.Organization, ch, err); err != nil {
			return err
		}
	}
	// Relations of the assets fetched one by one.
	p := r.plan
	scoped := []struct {
		rel    *schema.Relation
		ids    []string
		toSide bool
	}{
		{schema.RelHasIdentity, r.gotUsers, false},
		{schema.RelHasRole, sortedKeys(p.userRoles), false},
		{schema.RelHasRole, sortedKeys(p.roleUsers), true},
		{schema.RelHasPermission, sortedKeys(p.userPerms), false},
		{schema.RelRoleGrants, sortedKeys(p.rolePerms), false},
		{schema.RelMemberOf, sortedKeys(p.orgMembers), true},
		{schema.RelWithRole, r.memberships, false},
		{schema.RelEnables, sortedKeys(p.orgConns), false},
	}
	for _, s := range scoped {
		ch, err := r.db.DeleteStaleRelsOf(ctx, r.tenant, s.rel, s.ids, s.toSide, r.tag)
		if err := rels(s.rel, ch, err); err != nil {
			return err
		}
	}
	// The users whose direct permissions were read in full are known now
	// (the coverage marker rules and readers of HAS_PERMISSION go by).
	if up, ok := r.db.(UserPermissionsDB); ok && len(p.userPerms) > 0 {
		gone := map[string]bool{}
		for _, id := range r.goneUsers {
			gone[id] = true
		}
		var read []string
		for _, id := range sortedKeys(p.userPerms) {
			if !gone[id] {
				read = append(read, id)
			}
		}
		ch, err := up.MarkDirectPermissions(ctx, r.tenant, r.tag, read, time.Now())
		if err := rels(schema.RelHasPermission, ch, err); err != nil {
			return err
		}
	}
	if len(p.orgMembers) > 0 {
		ch, err := r.db.DeleteNodesByProp(ctx, r.tenant, schema.OrgMembership, "organization_id", sortedKeys(p.orgMembers), r.tag)
		if err := nodes(schema.OrgMembership, ch, err); err != nil {
			return err
		}
	}
	// Fix-ups: no membership outlives its organization; permissions nothing
	// defines or references go, and those no API defines say so. Each scans
	// the tenant's memberships or permissions, so it runs only when this
	// pass could have orphaned one (pushed batches are small and frequent).
	if p.relist["organizations"] || len(r.goneOrgs) > 0 || len(r.goneUsers) > 0 || len(p.orgMembers) > 0 {
		ch, err := r.db.DeleteNodesWithout(ctx, r.tenant, schema.OrgMembership, schema.RelIn)
		if err := nodes(schema.OrgMembership, ch, err); err != nil {
			return err
		}
	}
	if !r.touchesPermissions() {
		return nil
	}
	ch, err := r.db.FixPermissions(ctx, r.tenant)
	if err != nil {
		return err
	}
	var gone, changed []store.NodeChange
	for _, c := range ch {
		if c.Op == store.OpDeleted {
			gone = append(gone, c)
		} else {
			changed = append(changed, c)
		}
	}
	if err := nodes(schema.Permission, gone, nil); err != nil {
		return err
	}
	if len(changed) > 0 {
		sink.Nodes(schema.Permission, changed)
	}
	return nil
}

// touchesPermissions says whether this pass wrote or removed anything that
// defines or references a permission (DEFINES, ROLE_GRANTS, HAS_PERMISSION,
// CLIENT_GRANT_GRANTS), directly or by deleting its owner.
func (r *incRun) touchesPermissions() bool {
	p := r.plan
	for _, res := range []string{"resource_servers", "client_grants", "clients", "roles", "role_permissions", "user_permissions"} {
		if p.relist[res] {
			return true
		}
	}
	return len(p.rolePerms) > 0 || len(p.userPerms) > 0 || len(r.goneUsers) > 0 || len(r.goneRoles) > 0
}

// note appends id to a list shared by concurrent fetchers.
func (r *incRun) note(list *[]string, id string) {
	r.mu.Lock()
	*list = append(*list, id)
	r.mu.Unlock()
}

// each runs fn for every id, cfg.Concurrency at a time (the pacer keeps
// them within the rate limit), and returns the first error.
func (r *incRun) each(ctx context.Context, ids []string, fn func(id string) error) error {
	n := r.cfg.Concurrency
	if n <= 0 {
		n = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan string)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := 0; w < min(n, len(ids)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				if err := fn(id); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for _, id := range ids {
		select {
		case work <- id:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
