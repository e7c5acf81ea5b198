package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
)

// An incremental pass must leave exactly the graph a full collection
// leaves: after a random series of mutations of every kind through the
// Management API, the graph after one pass is compared, node properties and
// relations included, with the graph a full collection then makes of the
// same tenant (and the reconcile that makes it must count no drift).

// dump reads the tenant's assets with their properties and relations,
// without sync bookkeeping.
func (e *env) dump() (nodes, rels map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	nodes, rels = map[string]string{}, map[string]string{}
	clean := func(p map[string]any) string {
		delete(p, "firstseen")
		delete(p, "lastupdated")
		// When direct permissions were read is bookkeeping; whether they are
		// known is not.
		if _, ok := p["direct_permissions_at"]; ok {
			p["direct_permissions_at"] = "known"
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	res, err := neo4j.ExecuteQuery(ctx, e.driver, `MATCH (n:Asset {tenant: $t}) WHERE n.kind <> 'Tenant' RETURN n.kind, n.native_id, properties(n)`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		nodes[fmt.Sprint(r.Values[0], " ", r.Values[1])] = clean(r.Values[2].(map[string]any))
	}
	res, err = neo4j.ExecuteQuery(ctx, e.driver, `MATCH (a:Asset {tenant: $t})-[r]->(b:Asset)
WHERE type(r) <> 'RESOURCE' RETURN a.kind, a.native_id, type(r), b.kind, b.native_id, properties(r)`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		v := r.Values
		rels[fmt.Sprintf("%v %v -%v-> %v %v", v[0], v[1], v[2], v[3], v[4])] = clean(v[5].(map[string]any))
	}
	return nodes, rels
}

func compareDumps(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	var bad []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			bad = append(bad, "missing "+k)
		} else if g != v {
			bad = append(bad, fmt.Sprintf("differs %s\n    full: %s\n    incr: %s", k, v, g))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			bad = append(bad, "extra "+k)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		if len(bad) > 25 {
			bad = append(bad[:25], fmt.Sprintf("… %d more", len(bad)-25))
		}
		t.Errorf("%s: incremental pass differs from a full collection in %d ways:", what, len(bad))
		for _, b := range bad {
			t.Log("  " + b)
		}
	}
}

func (e *env) pass(opt ingest.PassOptions) *ingest.Summary {
	e.t.Helper()
	cfg := e.config()
	ctx := context.Background()
	api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		e.t.Fatal(err)
	}
	sum, err := ingest.Pass(ctx, e.st, api, cfg, opt)
	if err != nil {
		e.t.Fatalf("pass: %v", err)
	}
	return sum
}

// mutator makes random changes through the Management API.
type mutator struct {
	t    *testing.T
	m    *management.Management
	sim  *auth0sim.Sim
	rnd  *rand.Rand
	snap *auth0sim.Tenant
	done map[string]int
	n    int
}

func (mu *mutator) pick(n int) int { return mu.rnd.Intn(n) }

func (mu *mutator) user() string {
	us := mu.snap.Users
	return us[mu.pick(len(us))].UserID
}

func (mu *mutator) role() string { return mu.snap.Roles[mu.pick(len(mu.snap.Roles))].ID }

func (mu *mutator) customAPI() (auth0sim.ResourceServer, bool) {
	var out []auth0sim.ResourceServer
	for _, rs := range mu.snap.ResourceServers {
		if !rs.IsSystem && len(rs.Scopes) > 0 {
			out = append(out, rs)
		}
	}
	if len(out) == 0 {
		return auth0sim.ResourceServer{}, false
	}
	return out[mu.pick(len(out))], true
}

func (mu *mutator) perm() []management.Permission {
	rs, ok := mu.customAPI()
	if !ok {
		return nil
	}
	s := rs.Scopes[mu.pick(len(rs.Scopes))]
	return []management.Permission{{Name: auth0.String(s.Value), ResourceServerIdentifier: auth0.String(rs.Identifier)}}
}

func (mu *mutator) step(ctx context.Context) {
	m := mu.m
	k := mu.n
	ops := []struct {
		name string
		do   func() error
	}{
		{"user/create", func() error {
			return m.User.Create(ctx, &management.User{Connection: auth0.String("Username-Password-Authentication"),
				Email: auth0.String(fmt.Sprintf("incr.%d@example.org", k)), Password: auth0.String("Correct-Horse-9")})
		}},
		{"user/update", func() error {
			return m.User.Update(ctx, mu.user(), &management.User{Name: auth0.String(fmt.Sprintf("Renamed %d", k)), Blocked: auth0.Bool(k%2 == 0)})
		}},
		{"user/delete", func() error { return m.User.Delete(ctx, mu.user()) }},
		{"user/roles+", func() error {
			return m.User.AssignRoles(ctx, mu.user(), []*management.Role{{ID: auth0.String(mu.role())}})
		}},
		{"user/roles-", func() error {
			for _, r := range mu.snap.Roles {
				if len(r.UserIDs) > 0 && mu.pick(3) == 0 {
					return m.User.RemoveRoles(ctx, r.UserIDs[mu.pick(len(r.UserIDs))], []*management.Role{{ID: auth0.String(r.ID)}})
				}
			}
			return nil
		}},
		{"user/permissions+", func() error {
			p := mu.perm()
			if p == nil {
				return nil
			}
			return m.User.AssignPermissions(ctx, mu.user(), []*management.Permission{&p[0]})
		}},
		{"user/permissions-", func() error {
			ups := mu.snap.UserPermissions
			if len(ups) == 0 {
				return nil
			}
			up := ups[mu.pick(len(ups))]
			return m.User.RemovePermissions(ctx, up.UserID, []*management.Permission{{Name: auth0.String(up.PermissionName), ResourceServerIdentifier: auth0.String(up.ResourceServerIdentifier)}})
		}},
		{"role/create", func() error {
			return m.Role.Create(ctx, &management.Role{Name: auth0.String(fmt.Sprintf("incr-role-%d", k)), Description: auth0.String("made by the test")})
		}},
		{"role/update", func() error {
			return m.Role.Update(ctx, mu.role(), &management.Role{Description: auth0.String(fmt.Sprintf("changed %d", k))})
		}},
		{"role/delete", func() error {
			if len(mu.snap.Roles) < 6 {
				return nil
			}
			return m.Role.Delete(ctx, mu.role())
		}},
		{"role/permissions+", func() error {
			p := mu.perm()
			if p == nil {
				return nil
			}
			return m.Role.AssociatePermissions(ctx, mu.role(), []*management.Permission{&p[0]})
		}},
		{"role/permissions-", func() error {
			for _, r := range mu.snap.Roles {
				if len(r.Permissions) > 0 && mu.pick(2) == 0 {
					p := r.Permissions[mu.pick(len(r.Permissions))]
					return m.Role.RemovePermissions(ctx, r.ID, []*management.Permission{{Name: auth0.String(p.PermissionName), ResourceServerIdentifier: auth0.String(p.ResourceServerIdentifier)}})
				}
			}
			return nil
		}},
		{"role/users+", func() error {
			return m.Role.AssignUsers(ctx, mu.role(), []*management.User{{ID: auth0.String(mu.user())}, {ID: auth0.String(mu.user())}})
		}},
		{"org/create", func() error {
			return m.Organization.Create(ctx, &management.Organization{Name: auth0.String(fmt.Sprintf("incr-org-%d", k)), DisplayName: auth0.String("Incr")})
		}},
		{"org/update", func() error {
			o := mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))]
			return m.Organization.Update(ctx, o.ID, &management.Organization{DisplayName: auth0.String(fmt.Sprintf("Org %d", k))})
		}},
		{"org/delete", func() error {
			if len(mu.snap.Organizations) < 3 {
				return nil
			}
			return m.Organization.Delete(ctx, mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))].ID)
		}},
		{"org/members+", func() error {
			o := mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))]
			return m.Organization.AddMembers(ctx, o.ID, []string{mu.user()})
		}},
		{"org/members-", func() error {
			for _, o := range mu.snap.Organizations {
				if len(o.Members) > 0 && mu.pick(2) == 0 {
					return m.Organization.DeleteMembers(ctx, o.ID, []string{o.Members[mu.pick(len(o.Members))].UserID})
				}
			}
			return nil
		}},
		{"org/member-roles", func() error {
			for _, o := range mu.snap.Organizations {
				if len(o.Members) > 0 && mu.pick(2) == 0 {
					uid := o.Members[mu.pick(len(o.Members))].UserID
					if k%2 == 0 {
						return m.Organization.AssignMemberRoles(ctx, o.ID, uid, []string{mu.role()})
					}
					return m.Organization.DeleteMemberRoles(ctx, o.ID, uid, []string{mu.role()})
				}
			}
			return nil
		}},
		{"org/connections", func() error {
			o := mu.snap.Organizations[mu.pick(len(mu.snap.Organizations))]
			if len(o.EnabledConnections) > 0 && k%2 == 0 {
				return m.Organization.DeleteConnection(ctx, o.ID, o.EnabledConnections[0].ConnectionID)
			}
			c := mu.snap.Connections[mu.pick(len(mu.snap.Connections))]
			return m.Organization.AddConnection(ctx, o.ID, &management.OrganizationConnection{ConnectionID: auth0.String(c.ID), AssignMembershipOnLogin: auth0.Bool(k%3 == 0)})
		}},
		{"client/create", func() error {
			return m.Client.Create(ctx, &management.Client{Name: auth0.String(fmt.Sprintf("incr-app-%d", k)), AppType: auth0.String("non_interactive")})
		}},
		{"client/update", func() error {
			c := mu.snap.Clients[mu.pick(len(mu.snap.Clients))]
			return m.Client.Update(ctx, c.ClientID, &management.Client{Description: auth0.String(fmt.Sprintf("changed %d", k))})
		}},
		{"client/delete", func() error {
			if len(mu.snap.Clients) < 14 {
				return nil
			}
			c := mu.snap.Clients[mu.pick(len(mu.snap.Clients))]
			return m.Client.Delete(ctx, c.ClientID)
		}},
		{"client-grant/create", func() error {
			rs, ok := mu.customAPI()
			if !ok {
				return nil
			}
			c := mu.snap.Clients[mu.pick(len(mu.snap.Clients))]
			return m.ClientGrant.Create(ctx, &management.ClientGrant{ClientID: auth0.String(c.ClientID), Audience: auth0.String(rs.Identifier),
				Scope: &[]string{rs.Scopes[0].Value}})
		}},
		{"client-grant/update", func() error {
			if len(mu.snap.ClientGrants) == 0 {
				return nil
			}
			g := mu.snap.ClientGrants[mu.pick(len(mu.snap.ClientGrants))]
			return m.ClientGrant.Update(ctx, g.ID, &management.ClientGrant{Scope: &[]string{fmt.Sprintf("read:thing%d", k%4)}})
		}},
		{"client-grant/delete", func() error {
			if len(mu.snap.ClientGrants) < 3 {
				return nil
			}
			return m.ClientGrant.Delete(ctx, mu.snap.ClientGrants[mu.pick(len(mu.snap.ClientGrants))].ID)
		}},
		{"connection/update", func() error {
			c := mu.snap.Connections[mu.pick(len(mu.snap.Connections))]
			return m.Connection.Update(ctx, c.ID, &management.Connection{DisplayName: auth0.String(fmt.Sprintf("Conn %d", k))})
		}},
		{"connection/create", func() error {
			return m.Connection.Create(ctx, &management.Connection{Name: auth0.String(fmt.Sprintf("incr-db-%d", k)), Strategy: auth0.String("auth0"),
				EnabledClients: &[]string{mu.snap.Clients[0].ClientID}})
		}},
		{"resource-server/create", func() error {
			return m.ResourceServer.Create(ctx, &management.ResourceServer{Name: auth0.String(fmt.Sprintf("incr-api-%d", k)),
				Identifier: auth0.String(fmt.Sprintf("https://incr-%d.example.org", k)),
				Scopes:     &[]management.ResourceServerScope{{Value: auth0.String("read:thing0"), Description: auth0.String("read")}}})
		}},
		{"resource-server/update", func() error {
			rs, ok := mu.customAPI()
			if !ok {
				return nil
			}
			scopes := []management.ResourceServerScope{}
			for i, s := range rs.Scopes {
				if i != 0 || len(rs.Scopes) == 1 {
					scopes = append(scopes, management.ResourceServerScope{Value: auth0.String(s.Value), Description: auth0.String(s.Description + "!")})
				}
			}
			scopes = append(scopes, management.ResourceServerScope{Value: auth0.String(fmt.Sprintf("write:thing%d", k)), Description: auth0.String("w")})
			return m.ResourceServer.Update(ctx, rs.ID, &management.ResourceServer{Scopes: &scopes})
		}},
		{"resource-server/delete", func() error {
			rs, ok := mu.customAPI()
			if !ok || len(mu.snap.ResourceServers) < 4 {
				return nil
			}
			return m.ResourceServer.Delete(ctx, rs.ID)
		}},
		{"tenant/settings", func() error {
			return m.Tenant.Update(ctx, &management.Tenant{FriendlyName: auth0.String(fmt.Sprintf("Tenant %d", k)), SessionLifetime: auth0.Float64(float64(1 + k%48))})
		}},
		{"user/event", func() error {
			// What users do themselves: logins, MFA enrolment, password
			// and email changes… (their own log event types).
			return mu.sim.UserEvent(auth0sim.UserEventTypes[mu.pick(len(auth0sim.UserEventTypes))], mu.user())
		}},
		{"grant/delete", func() error {
			if len(mu.snap.Grants) == 0 {
				return nil
			}
			return m.Grant.Delete(ctx, mu.snap.Grants[mu.pick(len(mu.snap.Grants))].ID)
		}},
	}
	op := ops[mu.pick(len(ops))]
	if err := op.do(); err != nil {
		// A target another mutation removed, or a conflict: not a mutation.
		mu.t.Logf("%s: %v", op.name, err)
		return
	}
	mu.done[op.name]++
	mu.n++
	if mu.n%25 == 0 {
		s := mu.sim.Snapshot()
		mu.snap = s
	}
}

func TestIncrementalPassEqualsFullCollection(t *testing.T) {
	incrementalEqualsFull(t, auth0sim.Config{Seed: 77, Users: 300})
}

// Above 1,000 users the full collection reads users from the export job
// while the pass re-reads each from GET /users/{id}: both must give the same
// nodes.
func TestIncrementalPassEqualsFullCollectionViaExport(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1,100-user tenant")
	}
	incrementalEqualsFull(t, auth0sim.Config{Seed: 79, Users: 1100})
}

func incrementalEqualsFull(t *testing.T, cfg auth0sim.Config) {
	e := newEnv(t, cfg)
	ctx := context.Background()
	first := e.pass(ingest.PassOptions{})
	if first.Mode != ingest.ModeFull || first.Reason != "no checkpoint" {
		t.Fatalf("first pass: mode %q reason %q, want a full collection for want of a checkpoint", first.Mode, first.Reason)
	}
	mu := &mutator{t: t, m: e.mgmt(), sim: e.sim, rnd: rand.New(rand.NewSource(7)), snap: e.sim.Snapshot(), done: map[string]int{}}
	for mu.n < 560 {
		mu.step(ctx)
	}
	t.Logf("mutations: %v", mu.done)
	if len(mu.done) < 34 {
		t.Fatalf("only %d kinds of mutation succeeded", len(mu.done))
	}
	inc := e.pass(ingest.PassOptions{})
	if inc.Mode != ingest.ModeIncremental || inc.Status != "ok" {
		t.Fatalf("second pass: mode %q status %q (%v)", inc.Mode, inc.Status, inc.Failed)
	}
	if inc.LogEvents < 500 {
		t.Errorf("the pass read %d log events after %d mutations", inc.LogEvents, mu.n)
	}
	incNodes, incRels := e.dump()

	// The same tenant collected in full, as a reconcile: it must change
	// nothing, and say so.
	rec := e.pass(ingest.PassOptions{Mode: ingest.ModeReconcile})
	if rec.Mode != ingest.ModeReconcile || rec.Status != "ok" {
		t.Fatalf("reconcile: mode %q status %q", rec.Mode, rec.Status)
	}
	fullNodes, fullRels := e.dump()
	compareDumps(t, "nodes", fullNodes, incNodes)
	compareDumps(t, "relations", fullRels, incRels)
	if rec.Drift != 0 {
		t.Errorf("the reconcile found %d differences", rec.Drift)
	}
	// And the graph is the simulator's ground truth.
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))

	// Nothing changed since: a pass reads the log and nothing else.
	quiet := e.pass(ingest.PassOptions{})
	if quiet.Mode != ingest.ModeIncremental || quiet.LogEvents != 0 {
		t.Errorf("quiet pass: mode %q, %d log events", quiet.Mode, quiet.LogEvents)
	}
	if quiet.APICalls > 3 {
		t.Errorf("a pass over an unchanged tenant made %d API calls", quiet.APICalls)
	}
}

func TestExpiredCheckpointFallsBackToFullCollection(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 78, Users: 120})
	ctx := context.Background()
	e.pass(ingest.PassOptions{})
	cp, err := e.st.GetCheckpoint(ctx, e.tenant)
	if err != nil || cp.LogID == "" {
		t.Fatalf("checkpoint after a full collection: %+v %v", cp, err)
	}
	// The last pass was two days ago: events after the checkpoint may have
	// left a one-day log.
	cp.Since = time.Now().Add(-48 * time.Hour)
	if err := e.st.SetCheckpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	m := e.mgmt()
	if err := m.Client.Update(ctx, e.sim.Snapshot().Clients[0].ClientID, &management.Client{Description: auth0.String("after expiry")}); err != nil {
		t.Fatal(err)
	}
	sum := e.pass(ingest.PassOptions{Retention: 24 * time.Hour})
	if sum.Mode != ingest.ModeFull {
		t.Fatalf("mode %q after an expired checkpoint, want full", sum.Mode)
	}
	if sum.Reason == "" {
		t.Error("no reason given for the full collection")
	}
	after, err := e.st.GetCheckpoint(ctx, e.tenant)
	if err != nil || time.Since(after.Since) > time.Hour || after.FullAt.IsZero() {
		t.Fatalf("checkpoint not renewed by the full collection: %+v %v", after, err)
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
	// The next pass is incremental again.
	if next := e.pass(ingest.PassOptions{}); next.Mode != ingest.ModeIncremental {
		t.Errorf("pass after the fallback: mode %q", next.Mode)
	}
}
