package ingest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Integration tests: the real sync against the simulator into the real
// Neo4j, comparing the full set of (kind, native id) nodes and (from,
// relation, to) triples with the simulator's ground truth.

type env struct {
	t      *testing.T
	sim    *auth0sim.Sim
	srv    *httptest.Server
	st     *store.Store
	driver neo4j.DriverWithContext
	tenant string
}

func newEnv(t *testing.T, cfg auth0sim.Config) *env {
	t.Helper()
	if cfg.ExportDelay == 0 {
		cfg.ExportDelay = -1
	}
	sim, err := auth0sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	return &env{t: t, sim: sim, srv: srv, st: store.FromDriver(d), driver: d, tenant: tenant}
}

func (e *env) config() ingest.Config {
	return ingest.Config{
		Credentials:          ingest.Credentials{Domain: e.srv.URL, ClientID: e.sim.ClientID(), ClientSecret: e.sim.ClientSecret()},
		Tenant:               e.tenant,
		UserPermissionsLimit: -1,
		ExportPoll:           20 * time.Millisecond,
	}
}

func (e *env) sync(mod ...func(*ingest.Config)) *ingest.Summary {
	e.t.Helper()
	cfg := e.config()
	for _, m := range mod {
		m(&cfg)
	}
	sum, err := ingest.Run(context.Background(), e.st, cfg)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return sum
}

func (e *env) mgmt() *management.Management {
	e.t.Helper()
	ctx := context.Background()
	m, err := management.New(e.srv.URL, management.WithInsecure(), management.WithClientCredentials(ctx, e.sim.ClientID(), e.sim.ClientSecret()))
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

type graphSet struct {
	nodes map[string]bool // "Kind native"
	rels  map[string]bool // "Kind native -TYPE-> Kind native"
}

func node(k *schema.Kind, id string) string { return k.Name + " " + id }
func rel(fk *schema.Kind, from, typ string, tk *schema.Kind, to string) string {
	return node(fk, from) + " -" + typ + "-> " + node(tk, to)
}

// expected derives the graph a complete sync must produce from the
// simulator's ground truth, independently of the ingester's code.
func expected(tenant string, tn *auth0sim.Tenant, customDomains bool) graphSet {
	g := graphSet{nodes: map[string]bool{}, rels: map[string]bool{}}
	add := func(k *schema.Kind, id string) { g.nodes[node(k, id)] = true }
	has := func(k *schema.Kind, id string) bool { return g.nodes[node(k, id)] }
	link := func(fk *schema.Kind, from string, r *schema.Relation, tk *schema.Kind, to string) {
		if has(fk, from) && has(tk, to) {
			g.rels[rel(fk, from, r.Type, tk, to)] = true
		}
	}
	perm := func(ident, value string) string { return ident + "|" + value }

	add(schema.Tenant, tenant)
	add(schema.TenantSettings, tenant)
	link(schema.Tenant, tenant, schema.RelHasSettings, schema.TenantSettings, tenant)
	connByName := map[string]string{}
	for _, c := range tn.Connections {
		add(schema.Connection, c.ID)
		connByName[c.Name] = c.ID
	}
	rsByIdent := map[string]string{}
	for _, rs := range tn.ResourceServers {
		add(schema.ResourceServer, rs.ID)
		rsByIdent[rs.Identifier] = rs.ID
		for _, s := range rs.Scopes {
			add(schema.Permission, perm(rs.Identifier, s.Value))
			link(schema.ResourceServer, rs.ID, schema.RelDefines, schema.Permission, perm(rs.Identifier, s.Value))
		}
	}
	for _, r := range tn.Roles {
		add(schema.Role, r.ID)
	}
	for _, o := range tn.Organizations {
		add(schema.Organization, o.ID)
	}
	for _, c := range tn.Clients {
		add(schema.Client, c.ClientID)
	}
	for _, c := range tn.Connections {
		for _, cl := range c.EnabledClients {
			link(schema.Client, cl, schema.RelUsesConnection, schema.Connection, c.ID)
		}
	}
	if customDomains {
		for _, d := range tn.CustomDomains {
			add(schema.CustomDomain, d.ID)
		}
	}
	for _, s := range tn.LogStreams {
		add(schema.LogStream, s.ID)
	}
	for _, a := range tn.Actions {
		add(schema.Action, a.ID)
	}
	for _, k := range tn.SigningKeys {
		add(schema.SigningKey, k.KID)
	}
	for _, x := range tn.LegacyRules {
		add(schema.LegacyRule, x.ID)
	}
	for _, x := range tn.Hooks {
		add(schema.Hook, x.ID)
	}
	// One node whether the tenant has a provider or none (configured=false).
	add(schema.EmailProvider, tenant)
	for _, f := range tn.GuardianFactors {
		add(schema.GuardianFactor, f.Name)
	}
	add(schema.MfaPolicy, tenant)
	for _, p := range []string{"brute_force", "suspicious_ip_throttling", "breached_password_detection"} {
		add(schema.AttackProtection, p)
	}
	for _, u := range tn.Users {
		add(schema.User, u.UserID)
		for _, id := range u.Identities {
			if c, ok := connByName[id.Connection]; ok {
				link(schema.User, u.UserID, schema.RelHasIdentity, schema.Connection, c)
			}
		}
	}
	for _, r := range tn.Roles {
		for _, p := range r.Permissions {
			add(schema.Permission, perm(p.ResourceServerIdentifier, p.PermissionName))
			link(schema.Role, r.ID, schema.RelRoleGrants, schema.Permission, perm(p.ResourceServerIdentifier, p.PermissionName))
		}
		for _, u := range r.UserIDs {
			link(schema.User, u, schema.RelHasRole, schema.Role, r.ID)
		}
	}
	for _, up := range tn.UserPermissions {
		p := perm(up.ResourceServerIdentifier, up.PermissionName)
		add(schema.Permission, p)
		link(schema.User, up.UserID, schema.RelHasPermission, schema.Permission, p)
	}
	for _, cg := range tn.ClientGrants {
		add(schema.ClientGrant, cg.ID)
		link(schema.ClientGrant, cg.ID, schema.RelClientGrantForClient, schema.Client, cg.ClientID)
		if rs, ok := rsByIdent[cg.Audience]; ok {
			link(schema.ClientGrant, cg.ID, schema.RelClientGrantForAPI, schema.ResourceServer, rs)
			link(schema.Client, cg.ClientID, schema.RelCanAccess, schema.ResourceServer, rs)
		}
		for _, s := range cg.Scope {
			add(schema.Permission, perm(cg.Audience, s))
			link(schema.ClientGrant, cg.ID, schema.RelClientGrantGrants, schema.Permission, perm(cg.Audience, s))
		}
	}
	for _, gr := range tn.Grants {
		add(schema.Grant, gr.ID)
		link(schema.User, gr.UserID, schema.RelConsented, schema.Grant, gr.ID)
		link(schema.Grant, gr.ID, schema.RelGrantForClient, schema.Client, gr.ClientID)
		if rs, ok := rsByIdent[gr.Audience]; ok {
			link(schema.Grant, gr.ID, schema.RelGrantForAPI, schema.ResourceServer, rs)
		}
	}
	for _, o := range tn.Organizations {
		for _, c := range o.EnabledConnections {
			link(schema.Organization, o.ID, schema.RelEnables, schema.Connection, c.ConnectionID)
		}
		for _, m := range o.Members {
			mid := o.ID + "|" + m.UserID
			if !has(schema.User, m.UserID) {
				continue
			}
			add(schema.OrgMembership, mid)
			link(schema.User, m.UserID, schema.RelMemberOf, schema.Organization, o.ID)
			link(schema.User, m.UserID, schema.RelHasMembership, schema.OrgMembership, mid)
			link(schema.OrgMembership, mid, schema.RelIn, schema.Organization, o.ID)
			for _, r := range m.Roles {
				link(schema.OrgMembership, mid, schema.RelWithRole, schema.Role, r)
			}
		}
	}
	return g
}

// actual reads the tenant's graph back.
func (e *env) actual() graphSet {
	e.t.Helper()
	ctx := context.Background()
	g := graphSet{nodes: map[string]bool{}, rels: map[string]bool{}}
	res, err := neo4j.ExecuteQuery(ctx, e.driver, `MATCH (n:Asset {tenant: $t}) RETURN n.kind AS k, n.native_id AS id`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		key := fmt.Sprint(r.Values[0], " ", r.Values[1])
		if g.nodes[key] {
			e.t.Errorf("duplicate node %s", key)
		}
		g.nodes[key] = true
	}
	res, err = neo4j.ExecuteQuery(ctx, e.driver, `MATCH (a:Asset {tenant: $t})-[r]->(b:Asset)
WHERE type(r) <> 'RESOURCE' RETURN a.kind, a.native_id, type(r), b.kind, b.native_id, b.tenant`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		v := r.Values
		if v[5] != e.tenant {
			e.t.Errorf("relation crosses tenants: %v", v)
		}
		key := fmt.Sprintf("%v %v -%v-> %v %v", v[0], v[1], v[2], v[3], v[4])
		if g.rels[key] {
			e.t.Errorf("duplicate relation %s", key)
		}
		g.rels[key] = true
	}
	// Every asset hangs from its tenant exactly once.
	res, err = neo4j.ExecuteQuery(ctx, e.driver, `MATCH (n:Asset {tenant: $t}) WHERE n.kind <> 'Tenant'
OPTIONAL MATCH (t:Auth0Tenant)-[r:RESOURCE]->(n) WITH n, count(r) AS c, collect(t.tenant) AS ts
WHERE c <> 1 OR ts[0] <> $t RETURN count(n)`, map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	if n := res.Records[0].Values[0].(int64); n != 0 {
		e.t.Errorf("%d assets are not linked once from their tenant by RESOURCE", n)
	}
	return g
}

func diff(want, got map[string]bool) (missing, extra []string) {
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return
}

func (e *env) assertEqual(want graphSet) {
	e.t.Helper()
	got := e.actual()
	for _, part := range []struct {
		name      string
		want, got map[string]bool
	}{{"nodes", want.nodes, got.nodes}, {"relations", want.rels, got.rels}} {
		missing, extra := diff(part.want, part.got)
		if len(missing)+len(extra) > 0 {
			e.t.Errorf("%s: %d missing, %d extra (of %d expected)\nmissing: %s\nextra: %s", part.name, len(missing), len(extra),
				len(part.want), strings.Join(head(missing), "\n  "), strings.Join(head(extra), "\n  "))
		}
	}
	if len(want.nodes) < 10 || len(want.rels) < 10 {
		e.t.Fatalf("the expected graph is implausibly small: %d nodes, %d relations", len(want.nodes), len(want.rels))
	}
}

func head(s []string) []string {
	if len(s) > 15 {
		return append(s[:15:15], fmt.Sprintf("… and %d more", len(s)-15))
	}
	return s
}

func kindsOf(g graphSet) map[string]int {
	out := map[string]int{}
	for k := range g.nodes {
		out[strings.SplitN(k, " ", 2)[0]]++
	}
	return out
}

func TestSyncAboveUserCapIsExact(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 11, Users: 2500})
	sum := e.sync()
	t.Logf("sync took %s, load %+v, calls %d", sum.Duration, sum.Load, sum.APICalls)
	if sum.Status != "ok" || sum.UsersVia != "export" {
		t.Fatalf("status %s via %s (failed %v skipped %v), want ok via export", sum.Status, sum.UsersVia, sum.Failed, sum.Skipped)
	}
	want := expected(e.tenant, e.sim.Snapshot(), true)
	if kindsOf(want)["User"] != 2500 {
		t.Fatalf("ground truth has %d users", kindsOf(want)["User"])
	}
	e.assertEqual(want)
	if sum.Counts["User"] != 2500 {
		t.Errorf("summary counts %d users", sum.Counts["User"])
	}
}

// On a tenant collected through the users export, the resources that need
// the users written (role members, organization members, consent grants)
// start while the users still load, their rows parked on disk until then:
// the graph is as exact as when they wait.
func TestMembersFetchedWhileUsersLoadAreExact(t *testing.T) {
	// The export job takes 1.5 s: the rest of the users' stage is done long
	// before.
	e := newEnv(t, auth0sim.Config{Seed: 13, Users: 2500, ExportDelay: 1500 * time.Millisecond})
	sum := e.sync()
	if sum.Status != "ok" || sum.UsersVia != "export" {
		t.Fatalf("status %s via %s (failed %v), want ok via export", sum.Status, sum.UsersVia, sum.Failed)
	}
	if sum.Spooled == 0 {
		t.Fatal("no row was parked: the members were not fetched while the users loaded")
	}
	t.Logf("%d rows parked while the users loaded", sum.Spooled)
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
}

// A sync leaves no spool file in the temp dir, neither completed nor
// cancelled while members are parked, and none has a name even while rows
// wait in it (so a sync killed then leaves none either).
func TestSyncLeavesNoSpoolFile(t *testing.T) {
	for _, cancelled := range []bool{false, true} {
		t.Run(fmt.Sprint("cancelled=", cancelled), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			spoolFiles := func() []string {
				left, err := filepath.Glob(filepath.Join(tmp, "authgraph-spool-*"))
				if err != nil {
					t.Fatal(err)
				}
				return left
			}
			e := newEnv(t, auth0sim.Config{Seed: 14, Users: 2500, ExportDelay: 1500 * time.Millisecond})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			var usersDone bool
			var parked []string // early resources done while the users loaded
			var seen []string   // spool files seen then
			cfg := e.config()
			cfg.Progress = func(ev ingest.Event) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case ev.Resource == "users" && ev.Phase == "done":
					usersDone = true
				case !usersDone && ev.Phase == "done" && (ev.Resource == "organization_members" || ev.Resource == "role_users"):
					parked = append(parked, ev.Resource)
					seen = append(seen, spoolFiles()...)
					if cancelled {
						cancel()
					}
				}
			}
			sum, err := ingest.Run(ctx, e.st, cfg)
			if cancelled {
				if err == nil && sum.Status == "ok" {
					t.Fatalf("the cancelled sync ended ok")
				}
			} else if err != nil || sum.Status != "ok" || sum.Spooled == 0 {
				t.Fatalf("sync: %v, status %v, %d rows spooled; want ok with rows spooled", err, sum.Status, sum.Spooled)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(parked) == 0 {
				t.Fatal("no members were fetched while the users loaded: the spool was not used")
			}
			if runtime.GOOS != "windows" && len(seen) > 0 {
				t.Errorf("spool files with a name while rows were parked: %v", seen)
			}
			if left := spoolFiles(); len(left) > 0 {
				t.Errorf("spool files left in the temp dir: %v", left)
			}
		})
	}
}

func TestSyncSmallTenantByListAndSecondSyncConverges(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 12, Users: 400})
	sum := e.sync()
	if sum.Status != "ok" || sum.UsersVia != "list" {
		t.Fatalf("status %s via %s, want ok via list", sum.Status, sum.UsersVia)
	}
	want := expected(e.tenant, e.sim.Snapshot(), true)
	e.assertEqual(want)
	// The same tenant again: nothing duplicated, nothing lost.
	e.sync()
	e.assertEqual(want)
}

func TestTwoTenantsSideBySide(t *testing.T) {
	a := newEnv(t, auth0sim.Config{Seed: 21, Users: 300})
	b := newEnv(t, auth0sim.Config{Seed: 22, Users: 350})
	a.sync()
	b.sync()
	a.sync() // a re-sync of one tenant must not touch the other
	a.assertEqual(expected(a.tenant, a.sim.Snapshot(), true))
	b.assertEqual(expected(b.tenant, b.sim.Snapshot(), true))
}

func TestSecondSyncAfterUpdatesAndDeletes(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 31, Users: 300})
	e.sync()
	before := e.sim.Snapshot()
	ctx := context.Background()
	m := e.mgmt()

	// Delete a user, a role and a client grant; rename a client; take a user
	// out of a role; remove an org member; add a user.
	goneUser := before.Users[5].UserID
	if err := m.User.Delete(ctx, goneUser); err != nil {
		t.Fatal(err)
	}
	var goneRole, keptRole auth0sim.Role
	for _, r := range before.Roles {
		if len(r.UserIDs) > 1 && goneRole.ID == "" {
			goneRole = r
		} else if len(r.UserIDs) > 1 && keptRole.ID == "" {
			keptRole = r
		}
	}
	if err := m.Role.Delete(ctx, goneRole.ID); err != nil {
		t.Fatal(err)
	}
	if err := m.User.RemoveRoles(ctx, keptRole.UserIDs[0], []*management.Role{{ID: auth0.String(keptRole.ID)}}); err != nil {
		t.Fatal(err)
	}
	if err := m.ClientGrant.Delete(ctx, before.ClientGrants[0].ID); err != nil {
		t.Fatal(err)
	}
	renamed := before.Clients[0].ClientID
	if err := m.Client.Update(ctx, renamed, &management.Client{Name: auth0.String("Renamed App")}); err != nil {
		t.Fatal(err)
	}
	var org auth0sim.Organization
	for _, o := range before.Organizations {
		if len(o.Members) > 0 {
			org = o
			break
		}
	}
	if err := m.Organization.DeleteMembers(ctx, org.ID, []string{org.Members[0].UserID}); err != nil {
		t.Fatal(err)
	}
	if err := m.User.Create(ctx, &management.User{Connection: auth0.String("Username-Password-Authentication"),
		Email: auth0.String("new.person@example.org"), Password: auth0.String("Correct-Horse-9")}); err != nil {
		t.Fatal(err)
	}

	firstSeen := e.firstSeen(schema.Client, before.Clients[1].ClientID)
	sum := e.sync()
	if sum.Status != "ok" {
		t.Fatalf("status %s: %v", sum.Status, sum.Failed)
	}
	after := e.sim.Snapshot()
	if len(after.Users) != len(before.Users) {
		t.Fatalf("simulator: %d users after one delete and one create, want %d", len(after.Users), len(before.Users))
	}
	e.assertEqual(expected(e.tenant, after, true))
	if got := e.prop(schema.Client, renamed, "name"); got != "Renamed App" {
		t.Errorf("renamed client's name = %v", got)
	}
	if got := e.firstSeen(schema.Client, before.Clients[1].ClientID); got != firstSeen {
		t.Errorf("firstseen of an unchanged client moved from %d to %d", firstSeen, got)
	}
	if sum.Deleted["User"] != 1 || sum.Deleted["Role"] != 1 || sum.Deleted["ClientGrant"] != 1 {
		t.Errorf("deleted = %v", sum.Deleted)
	}
}

func (e *env) prop(k *schema.Kind, id, p string) any {
	e.t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver, fmt.Sprintf(`MATCH (n:%s {id: $id}) RETURN n[$p]`, k.Label),
		map[string]any{"id": schema.Key(e.tenant, k, id), "p": p}, neo4j.EagerResultTransformer)
	if err != nil || len(res.Records) != 1 {
		e.t.Fatalf("%s %s: %v (%d rows)", k.Name, id, err, len(res.Records))
	}
	return res.Records[0].Values[0]
}

func (e *env) firstSeen(k *schema.Kind, id string) int64 {
	v, _ := e.prop(k, id, "firstseen").(int64)
	return v
}

func TestFailureAtPageKeepsThatKind(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 41, Users: 600})
	e.sync()
	before := e.sim.Snapshot()
	ctx := context.Background()
	m := e.mgmt()
	goneUser := before.Users[10].UserID
	if err := m.User.Delete(ctx, goneUser); err != nil {
		t.Fatal(err)
	}
	goneCG := before.ClientGrants[0].ID
	if err := m.ClientGrant.Delete(ctx, goneCG); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(auth0sim.Faults{FailAt: []auth0sim.PageFault{{Kind: "users", Page: 3, Status: 500}}})
	cfg := e.config()
	cfg.MaxRetries = 2
	sum, err := ingest.Run(ctx, e.st, cfg)
	if err != nil {
		t.Fatalf("a failed resource must not fail the sync: %v", err)
	}
	if sum.Status != "partial" || sum.Failed["users"] == "" {
		t.Fatalf("status %s failed %v, want partial with users failed", sum.Status, sum.Failed)
	}
	got := e.actual()
	if !got.nodes[node(schema.User, goneUser)] {
		t.Error("a user deleted in Auth0 was removed although users failed to fetch completely")
	}
	if n := kindsOf(got)["User"]; n != len(before.Users) {
		t.Errorf("%d users in the graph, want all %d kept", n, len(before.Users))
	}
	if got.nodes[node(schema.ClientGrant, goneCG)] {
		t.Error("client grants were fetched completely: the deleted grant should be gone")
	}
	syncs, err := e.st.Syncs(ctx, e.tenant, 1)
	if err != nil || len(syncs) != 1 || syncs[0].Status != "partial" {
		t.Fatalf("newest Sync node = %+v, %v", syncs, err)
	}
	// With the fault gone, the next sync converges.
	e.sim.SetFaults(auth0sim.Faults{})
	e.sync()
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
}

func TestPlanLimitedCustomDomains(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 51, Users: 200, Plan: auth0sim.PlanFree})
	sum := e.sync()
	if sum.Status != "ok" || !strings.Contains(sum.Skipped["custom_domains"], "plan") {
		t.Fatalf("status %s skipped %v, want ok with custom_domains skipped for the plan", sum.Status, sum.Skipped)
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), false))
}

func TestRateLimitedSyncCompletes(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 61, Users: 250, RPS: 50, Burst: 10})
	sum := e.sync(func(c *ingest.Config) { c.Concurrency = 6 })
	if sum.Status != "ok" {
		t.Fatalf("status %s: %v", sum.Status, sum.Failed)
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
	st := e.sim.Stats()
	t.Logf("API calls %d, 429s seen %d (simulator sent %d), retries %d", sum.APICalls, sum.Seen429, st.RateLimited, sum.Retries)
	if int64(sum.Seen429) != st.RateLimited {
		t.Errorf("sync saw %d 429s, simulator sent %d", sum.Seen429, st.RateLimited)
	}
}

func TestNoSecretReachesTheGraph(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 71, Users: 300})
	e.sync()
	secrets := e.sim.SecretValues()
	if len(secrets) < 5 {
		t.Fatalf("the simulator reports only %d secrets", len(secrets))
	}
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (n {tenant: $t}) OPTIONAL MATCH (n)-[r]-()
RETURN collect(DISTINCT properties(n)) + collect(DISTINCT properties(r)) AS ps`, map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, p := range res.Records[0].Values[0].([]any) {
		fmt.Fprintf(&all, "%v\n", p)
	}
	text := all.String()
	if len(text) < 10000 {
		t.Fatalf("read back only %d bytes of properties", len(text))
	}
	for i, s := range secrets {
		if len(s) >= 6 && strings.Contains(text, s) {
			t.Errorf("secret #%d from the simulator is in the graph", i)
		}
	}
}

// TestSigningKeys checks the tenant's signing keys arrive with their flags
// and dates, and with none of the certificate fields the API sends.
func TestSigningKeys(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 73, Users: 20})
	if sum := e.sync(); sum.Counts[schema.SigningKey.Name] != 4 {
		t.Fatalf("signing keys collected: %d, want 4 (counts %v)", sum.Counts[schema.SigningKey.Name], sum.Counts)
	}
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (k:Auth0SigningKey {tenant: $t}) RETURN properties(k) AS p`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, r := range res.Records {
		p := r.Values[0].(map[string]any)
		got[p["kid"].(string)] = p
		for _, secret := range []string{"cert", "pkcs7", "fingerprint", "thumbprint"} {
			if _, ok := p[secret]; ok {
				t.Errorf("signing key %s stores %s", p["kid"], secret)
			}
		}
	}
	day := func(tm *time.Time) any {
		if tm == nil {
			return nil
		}
		return tm.UTC()
	}
	for _, k := range e.sim.Snapshot().SigningKeys {
		p, ok := got[k.KID]
		if !ok {
			t.Errorf("signing key %s missing", k.KID)
			continue
		}
		want := map[string]any{"current": k.Current, "next": k.Next, "previous": k.Previous, "revoked": k.Revoked,
			"current_since": day(k.CurrentSince), "current_until": day(k.CurrentUntil), "revoked_at": day(k.RevokedAt)}
		for name, w := range want {
			g := p[name]
			if tm, ok := g.(time.Time); ok {
				g = tm.UTC()
			}
			if fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("signing key %s: %s = %v, want %v", k.KID, name, g, w)
			}
		}
	}
}

// TestLegacyRules checks rules arrive with name, enabled, order and stage,
// and never their scripts.
func TestLegacyRules(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 74, Users: 20})
	e.sync()
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (x:Auth0Rule {tenant: $t}) RETURN properties(x) AS p`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, r := range res.Records {
		p := r.Values[0].(map[string]any)
		got[p["native_id"].(string)] = p
		if _, ok := p["script"]; ok {
			t.Errorf("rule %s stores its script", p["name"])
		}
	}
	truth := e.sim.Snapshot().LegacyRules
	if len(truth) == 0 || len(got) != len(truth) {
		t.Fatalf("%d rules in the graph, %d in the tenant", len(got), len(truth))
	}
	for _, x := range truth {
		p := got[x.ID]
		if p["name"] != x.Name || p["enabled"] != x.Enabled || p["order"] != int64(x.Order) || p["trigger"] != x.Stage {
			t.Errorf("rule %s: %v, want %+v", x.ID, p, x)
		}
	}
}

// TestHooks checks hooks arrive with name, enabled and trigger, and never
// their scripts.
func TestHooks(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 75, Users: 20})
	e.sync()
	res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (x:Auth0Hook {tenant: $t}) RETURN properties(x) AS p`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, r := range res.Records {
		p := r.Values[0].(map[string]any)
		got[p["native_id"].(string)] = p
		for _, code := range []string{"script", "dependencies"} {
			if _, ok := p[code]; ok {
				t.Errorf("hook %s stores its %s", p["name"], code)
			}
		}
	}
	truth := e.sim.Snapshot().Hooks
	if len(truth) == 0 || len(got) != len(truth) {
		t.Fatalf("%d hooks in the graph, %d in the tenant", len(got), len(truth))
	}
	for _, x := range truth {
		p := got[x.ID]
		if p["name"] != x.Name || p["enabled"] != x.Enabled || p["trigger"] != x.TriggerID {
			t.Errorf("hook %s: %v, want %+v", x.ID, p, x)
		}
	}
}

// TestEmailProvider checks the provider arrives without its credentials
// (configured), that a tenant without one (the free-plan simulator) syncs
// ok with a node saying none is configured, and that a sync that cannot
// read the provider (no read:email_provider) writes no node: "not
// collected" stays distinct from "none".
func TestEmailProvider(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 76, Users: 20})
	e.sync()
	read := func(e *env) []map[string]any {
		res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (x:Auth0EmailProvider {tenant: $t}) RETURN properties(x) AS p`,
			map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, r := range res.Records {
			out = append(out, r.Values[0].(map[string]any))
		}
		return out
	}
	want := e.sim.Snapshot().EmailProvider
	got := read(e)
	if want == nil || len(got) != 1 {
		t.Fatalf("%d providers in the graph, want the tenant's %+v", len(got), want)
	}
	p := got[0]
	if p["name"] != want.Name || p["enabled"] != want.Enabled || p["default_from_address"] != want.DefaultFromAddress || p["configured"] != true {
		t.Errorf("provider %v, want %+v", p, want)
	}
	if _, ok := p["credentials"]; ok {
		t.Error("the provider's credentials are stored")
	}
	e.sim.SetPlan(auth0sim.PlanFree)
	if sum := e.sync(); sum.Status != "ok" || sum.Failed["email_provider"] != "" {
		t.Fatalf("without a provider: status %s, failed %v", sum.Status, sum.Failed)
	}
	if got := read(e); len(got) != 1 || got[0]["configured"] != false || got[0]["name"] != "none" || got[0]["default_from_address"] != nil {
		t.Errorf("a tenant without a provider: %v, want one node configured=false", got)
	}

	// Without the scope: skipped, and no node at all.
	scopes := []string{"read:users", "read:tenant_settings", "read:roles", "read:clients", "read:client_grants", "read:grants",
		"read:resource_servers", "read:custom_domains", "read:connections", "read:log_streams", "read:actions",
		"read:organizations", "read:organization_members", "read:organization_member_roles", "read:organization_connections",
		"read:role_members", "read:signing_keys", "read:rules", "read:hooks", "read:guardian_factors", "read:attack_protection",
		"read:mfa_policies"}
	n := newEnv(t, auth0sim.Config{Seed: 76, Users: 20, Plan: auth0sim.PlanFree, Scopes: scopes})
	sum := n.sync(func(c *ingest.Config) { c.AllowMissingScopes = true })
	if sum.Skipped["email_provider"] == "" {
		t.Fatalf("without read:email_provider the provider was not skipped: %+v", sum.Skipped)
	}
	if got := read(n); len(got) != 0 {
		t.Errorf("not collected, yet in the graph: %v", got)
	}
}

// TestGuardianFactors checks every factor arrives with whether it is
// enabled, and follows the tenant when that changes (push off on the free
// plan).
func TestGuardianFactors(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 77, Users: 20, Hardened: true})
	check := func() {
		t.Helper()
		e.sync()
		res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (x:Auth0GuardianFactor {tenant: $t}) RETURN x.name AS n, x.enabled AS on, x.provider AS p`,
			map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		got, provider := map[string]any{}, map[string]any{}
		for _, r := range res.Records {
			got[r.Values[0].(string)] = r.Values[1]
			provider[r.Values[0].(string)] = r.Values[2]
		}
		// The sms factor carries the selected phone provider; no other does.
		if want := e.sim.Snapshot().PhoneProvider; want == "" || provider["sms"] != want || provider["otp"] != nil {
			t.Errorf("providers %v, want sms: %q", provider, want)
		}
		truth := e.sim.Snapshot().GuardianFactors
		if len(truth) == 0 || len(got) != len(truth) {
			t.Fatalf("%d factors in the graph, %d in the tenant", len(got), len(truth))
		}
		for _, f := range truth {
			if got[f.Name] != f.Enabled {
				t.Errorf("factor %s: enabled %v, want %v", f.Name, got[f.Name], f.Enabled)
			}
		}
	}
	check()
	e.sim.SetPlan(auth0sim.PlanFree)
	check()
}

// TestAttackProtectionAndMfaPolicy checks the three protections arrive
// with what each does (flattened from their stages) and the MFA policy
// with Auth0's [] read as never, on the planted tenant and its hardened twin.
func TestAttackProtectionAndMfaPolicy(t *testing.T) {
	for _, hardened := range []bool{false, true} {
		e := newEnv(t, auth0sim.Config{Seed: 78, Users: 20, Hardened: hardened})
		e.sync()
		res, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (x:Auth0AttackProtection {tenant: $t}) RETURN x.native_id AS id, properties(x) AS p`,
			map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]any{}
		for _, r := range res.Records {
			got[r.Values[0].(string)] = r.Values[1].(map[string]any)
		}
		truth := e.sim.Snapshot().AttackProtection
		for id, want := range map[string]map[string]any{"brute_force": truth.BruteForce, "suspicious_ip_throttling": truth.SuspiciousIP,
			"breached_password_detection": truth.BreachedPassword} {
			p := got[id]
			if p == nil {
				t.Fatalf("hardened=%v: no %s node (got %v)", hardened, id, got)
			}
			if p["protection"] != id || p["enabled"] != want["enabled"] || len(p["shields"].([]any)) != len(want["shields"].([]any)) {
				t.Errorf("hardened=%v: %s is %v, want %v", hardened, id, p, want)
			}
		}
		if bf := got["brute_force"]; bf["max_attempts"] != int64(10) || bf["mode"] != "count_per_identifier_and_ip" {
			t.Errorf("brute force: %v", bf)
		}
		if ip := got["suspicious_ip_throttling"]; ip["max_attempts"] != int64(100) || ip["signup_max_attempts"] != int64(50) || ip["rate"] != int64(864000) {
			t.Errorf("suspicious IP: the login and signup stages are not flattened: %v", ip)
		}
		if bp := got["breached_password_detection"]; bp["method"] != "standard" || bp["signup_shields"] == nil {
			t.Errorf("breached password: %v", bp)
		}
		pol, err := neo4j.ExecuteQuery(context.Background(), e.driver, `MATCH (x:Auth0MfaPolicy {tenant: $t}) RETURN x.policy AS p`,
			map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		want := "never"
		if hardened {
			want = "all-applications"
		}
		if len(pol.Records) != 1 || pol.Records[0].Values[0] != want {
			t.Errorf("hardened=%v: MFA policy %v, want one %q", hardened, pol.Records, want)
		}
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 81, Users: 50, Scopes: []string{"read:users", "read:roles"}})
	ctx := context.Background()
	cases := []struct {
		name string
		mod  func(*ingest.Config)
		kind apperr.Kind
		text string
	}{
		{"wrong secret", func(c *ingest.Config) { c.ClientSecret = "wrong" }, apperr.Forbidden, "rejected the client credentials"},
		{"unreachable domain", func(c *ingest.Config) { c.Domain = "http://127.0.0.1:1" }, apperr.Unavailable, "cannot reach"},
		{"missing scopes", func(c *ingest.Config) {}, apperr.Forbidden, "read:clients"},
		{"plain http elsewhere", func(c *ingest.Config) { c.Domain = "http://example.com" }, apperr.Invalid, "loopback"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := e.config()
			c.mod(&cfg)
			_, err := ingest.Run(ctx, e.st, cfg)
			if err == nil || apperr.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("err = %v (kind %s), want %s containing %q", err, apperr.KindOf(err), c.kind, c.text)
			}
			if c.name == "wrong secret" && (!strings.Contains(err.Error(), "machine-to-machine") || strings.Contains(err.Error(), "oauth2") ||
				strings.Contains(err.Error(), "Response")) {
				t.Errorf("a rejected secret should say what to check, without transport noise: %v", err)
			}
			if n := len(e.actual().nodes); n != 0 {
				t.Fatalf("%d nodes written by a sync that failed up front", n)
			}
		})
	}
	// Skipping instead of failing, when asked: the summary names the scopes.
	sum := e.sync(func(c *ingest.Config) { c.AllowMissingScopes = true })
	if !strings.Contains(sum.Skipped["clients"], "read:clients") {
		t.Errorf("skipped = %v, want clients skipped naming read:clients", sum.Skipped)
	}
}

func TestNeo4jDownIsUnavailable(t *testing.T) {
	_, err := store.Open(context.Background(), "bolt://127.0.0.1:1", "neo4j", "x")
	if apperr.KindOf(err) != apperr.Unavailable || !strings.Contains(err.Error(), "not reachable") {
		t.Fatalf("err = %v", err)
	}
}
