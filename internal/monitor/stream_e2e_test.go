package monitor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/simchange"
	"github.com/authgraph/authgraph/internal/stream"
	"github.com/authgraph/authgraph/web"
)

type streamApplier struct{ m *monitor.Monitor }

func (a streamApplier) ApplyTouches(ctx context.Context, tenant string, ts []stream.Touch, source string) error {
	return a.m.ApplyTouches(ctx, tenant, ts, source)
}

// dumpAssets reads the tenant's assets with their properties and relations,
// without sync bookkeeping.
func dumpAssets(t *testing.T, d neo4j.DriverWithContext, tenant string) (nodes, rels map[string]string) {
	t.Helper()
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
	res, err := neo4j.ExecuteQuery(ctx, d, `MATCH (n:Asset {tenant: $t}) WHERE n.kind <> 'Tenant' RETURN n.kind, n.native_id, properties(n)`,
		map[string]any{"t": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		nodes[fmt.Sprint(r.Values[0], " ", r.Values[1])] = clean(r.Values[2].(map[string]any))
	}
	res, err = neo4j.ExecuteQuery(ctx, d, `MATCH (a:Asset {tenant: $t})-[r]->(b:Asset)
WHERE type(r) <> 'RESOURCE' RETURN a.kind, a.native_id, type(r), b.kind, b.native_id, properties(r)`,
		map[string]any{"t": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		v := r.Values
		rels[fmt.Sprintf("%v %v -%v-> %v %v", v[0], v[1], v[2], v[3], v[4])] = clean(v[5].(map[string]any))
	}
	return nodes, rels
}

func diffDumps(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	var bad []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			bad = append(bad, "missing "+k)
		} else if g != v {
			bad = append(bad, fmt.Sprintf("differs %s\n    full:   %s\n    stream: %s", k, v, g))
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
		t.Errorf("%s: the graph kept by the streams differs from a full collection in %d ways:", what, len(bad))
		for _, b := range bad {
			t.Log("  " + b)
		}
	}
}

// streams serves authgraph's /hooks with a receiver applying through
// pusher, and configures the simulator's log stream and event stream to
// push there as the setup instructions say, with push's duplicates and
// reordering.
func (e *env) streams(pusher *monitor.Monitor, push auth0sim.PushConfig) *stream.Receiver {
	t := e.t
	t.Helper()
	ctx := context.Background()
	if err := e.st.EnsureAccessSchema(ctx); err != nil {
		t.Fatal(err)
	}
	recv := stream.New(stream.Config{Applier: streamApplier{pusher}, Tenants: e.st.StreamTokenID, Window: 150 * time.Millisecond})
	t.Cleanup(func() { recv.Close(context.Background()) })
	srv := web.New(web.Config{Store: e.st, GraphQL: http.NotFoundHandler(), Auth: web.AuthConfig{Mode: web.AuthToken}, Hooks: recv})
	hooks := httptest.NewServer(srv.Handler())
	t.Cleanup(hooks.Close)
	in, err := stream.Setup(ctx, e.st, e.tenant, hooks.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.st.RevokeToken(context.Background(), in.TokenID, time.Now()) })

	e.sim.SetPush(push)
	t.Cleanup(e.sim.StopPush)
	m := e.mgmt()
	filters := []map[string]string{}
	for _, c := range in.Categories {
		filters = append(filters, map[string]string{"type": "category", "name": c})
	}
	if err := m.LogStream.Create(ctx, &management.LogStream{Name: auth0.String("authgraph"), Type: auth0.String("http"), Filters: &filters,
		Sink: &management.LogStreamSinkHTTP{Endpoint: auth0.String(in.LogsURL), Authorization: auth0.String(in.Authorization),
			ContentType: auth0.String(in.ContentType), ContentFormat: auth0.String(in.ContentFormat)}}); err != nil {
		t.Fatal(err)
	}
	var subs []management.EventStreamSubscription
	for _, typ := range in.EventTypes {
		subs = append(subs, management.EventStreamSubscription{EventStreamSubscriptionType: auth0.String(typ)})
	}
	if err := m.EventStream.Create(ctx, &management.EventStream{Name: auth0.String("authgraph"), Subscriptions: &subs,
		Destination: &management.EventStreamDestination{EventStreamDestinationType: auth0.String("webhook"),
			EventStreamDestinationConfiguration: map[string]any{"webhook_endpoint": in.EventsURL,
				"webhook_authorization": map[string]any{"method": "bearer", "token": in.Authorization[len("Bearer "):]}}}}); err != nil {
		t.Fatal(err)
	}
	return recv
}

// drainStreams waits until the simulator pushed everything and the
// receiver applied it, and checks nothing was lost.
func (e *env) drainStreams(recv *stream.Receiver) {
	t := e.t
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries or applies still pending: sim %+v, receiver %+v", e.sim.PushStats(), recv.Stats())
		}
		if e.sim.PushIdle() {
			dctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			err := recv.Drain(dctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if e.sim.PushIdle() {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	ps, rs := e.sim.PushStats(), recv.Stats()
	t.Logf("sim pushed %+v; receiver %+v", ps, rs)
	if ps.Duplicates == 0 || ps.Reordered == 0 || rs.Duplicates == 0 {
		t.Errorf("the deliveries should have had duplicates and reordering: sim %+v, receiver %+v", ps, rs)
	}
	if ps.Dropped > 0 || rs.Failed > 0 {
		t.Errorf("nothing should be lost: sim %+v, receiver %+v", ps, rs)
	}
}

// TestStreamedChangesEqualFullCollection: after a first collection, a
// random series of 520 changes of every kind reaches the graph only through
// the stream endpoints — the simulator pushes its http log stream (JSON
// lines) and its event stream to authgraph's /hooks, in batches, with
// retries, duplicates and reordering — and the graph is then exactly what a
// full collection makes of the tenant (which must count no drift).
func TestStreamedChangesEqualFullCollection(t *testing.T) {
	if testing.Short() {
		t.Skip("520 changes through the streams")
	}
	e := newEnv(t, 300, func(c *auth0sim.Config) { c.Seed = 91 })
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)
	recv := e.streams(e.monitor("stream"), auth0sim.PushConfig{Seed: 3, BatchSize: 20, BatchDelay: 50 * time.Millisecond,
		Backoff: 50 * time.Millisecond, DuplicateRate: 0.15, ReorderRate: 0.2})

	// The first collection, once the streams exist (a stream does not
	// deliver its own creation: the poll would bring that).
	sched := e.monitor("sched")
	if res, err := sched.SyncTenant(ctx, e.tenant, false); err != nil || !res.Baseline {
		t.Fatalf("first collection: %+v %v", res, err)
	}

	ch := simchange.New(e.mgmt(), e.sim, 11)
	// The user events a stream set up as authgraph says delivers (logins
	// only change login statistics: the poll brings them).
	ch.UserEvents = simchange.UserEventsIn(stream.LogCategories)
	for ch.N < 520 {
		if name, err := ch.Step(ctx); err != nil {
			t.Logf("%s: %v", name, err) // a target another change removed: no change
		}
	}
	t.Logf("changes: %v", ch.Done)
	if missing := ch.Missing(); len(missing) > 0 {
		t.Fatalf("kinds of change never applied: %v", missing)
	}
	e.drainStreams(recv)
	if rs := recv.Stats(); rs.Accepted < 520 {
		t.Errorf("the receiver accepted %d events after 520 changes", rs.Accepted)
	}
	streamNodes, streamRels := dumpAssets(t, e.driver, e.tenant)

	// The same tenant collected in full, as a reconcile.
	sched.Passes = ingest.PassOptions{Mode: ingest.ModeReconcile}
	res, err := sched.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Mode != ingest.ModeReconcile || res.Summary.Status != "ok" {
		t.Fatalf("reconcile: mode %q status %q", res.Summary.Mode, res.Summary.Status)
	}
	fullNodes, fullRels := dumpAssets(t, e.driver, e.tenant)
	diffDumps(t, "nodes", fullNodes, streamNodes)
	diffDumps(t, "relations", fullRels, streamRels)
	if res.Summary.Drift != 0 {
		t.Errorf("the reconcile found %d differences the streams missed", res.Summary.Drift)
	}
}

// TestStreamedPermissionChangesUnderBudget: direct user permissions are
// read a budget of users per sync, so after the first collection most
// users' are not known yet. Permission changes (and the user changes around
// them) then reach the graph through the streams, with duplicates and
// reordering, and a reconcile that reads every user's direct permissions —
// some for the first time — finds no drift: a first read is what the user
// had, not a change the streams missed (bench stream counted 2 such users
// as drift). Every user known before the reconcile is exactly as the full
// collection has it.
func TestStreamedPermissionChangesUnderBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("changes through the streams")
	}
	e := newEnv(t, 300, func(c *auth0sim.Config) { c.Seed = 93 })
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)
	budget := 30 // of 300 users
	configure := func(c *ingest.Config) {
		c.UserPermissionsBudget = budget
		c.ExportPoll = 20 * time.Millisecond
	}
	pusher, sched := e.monitor("stream"), e.monitor("sched")
	pusher.Configure, sched.Configure = configure, configure
	// Direct permissions for every tenth user, before the streams exist and
	// before the first collection (which reads only the first 30 users').
	m := e.mgmt()
	snap := e.sim.Snapshot()
	var api auth0sim.ResourceServer
	for _, rs := range snap.ResourceServers {
		if !rs.IsSystem && len(rs.Scopes) > 0 {
			api = rs
		}
	}
	for i := 5; i < len(snap.Users); i += 10 {
		sc := api.Scopes[i%len(api.Scopes)].Value
		if err := m.User.AssignPermissions(ctx, snap.Users[i].UserID, []*management.Permission{{Name: auth0.String(sc),
			ResourceServerIdentifier: auth0.String(api.Identifier)}}); err != nil {
			t.Fatal(err)
		}
	}
	recv := e.streams(pusher, auth0sim.PushConfig{Seed: 5, BatchSize: 10, BatchDelay: 30 * time.Millisecond,
		Backoff: 50 * time.Millisecond, DuplicateRate: 0.2, ReorderRate: 0.25})
	if res, err := sched.SyncTenant(ctx, e.tenant, false); err != nil || !res.Baseline {
		t.Fatalf("first collection: %+v %v", res, err)
	}

	ch := simchange.New(m, e.sim, 13)
	ch.UserEvents = simchange.UserEventsIn(stream.LogCategories)
	ch.Only = []string{"user/permissions+", "user/permissions-", "user/create", "user/update", "user/delete",
		"user/roles+", "role/permissions+", "role/permissions-", "user/event"}
	for ch.N < 120 {
		if name, err := ch.Step(ctx); err != nil {
			t.Logf("%s: %v", name, err)
		}
		time.Sleep(15 * time.Millisecond) // many batches, not one
	}
	t.Logf("changes: %v", ch.Done)
	if missing := ch.Missing(); len(missing) > 0 {
		t.Fatalf("kinds of change never applied: %v", missing)
	}
	e.drainStreams(recv)

	// What gives this test its power: users with direct permissions whose
	// permissions nothing has read yet.
	unknown := map[string]bool{}
	res0, err := neo4j.ExecuteQuery(ctx, e.driver, `MATCH (u:Auth0User {tenant: $t}) WHERE u.direct_permissions_at IS NULL RETURN u.native_id`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res0.Records {
		unknown[r.Values[0].(string)] = true
	}
	firstReads := map[string]bool{}
	for _, up := range e.sim.Snapshot().UserPermissions {
		if unknown[up.UserID] {
			firstReads[up.UserID] = true
		}
	}
	if len(firstReads) == 0 {
		t.Fatalf("no user with direct permissions is left unknown (%d unknown users): the test needs one", len(unknown))
	}
	t.Logf("%d users unknown before the reconcile, %d of them with direct permissions", len(unknown), len(firstReads))
	streamNodes, streamRels := dumpAssets(t, e.driver, e.tenant)

	// A reconcile reading every user's direct permissions.
	budget = ingest.BudgetUnlimited
	sched.Passes = ingest.PassOptions{Mode: ingest.ModeReconcile}
	res, err := sched.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Mode != ingest.ModeReconcile || res.Summary.Status != "ok" {
		t.Fatalf("reconcile: mode %q status %q", res.Summary.Mode, res.Summary.Status)
	}
	for _, c := range res.Changes {
		t.Logf("reconcile recorded %s/%s %s %v", c.AssetKind, c.Op, c.NativeID, c.Fields)
	}
	if res.Summary.Drift != 0 {
		t.Errorf("the reconcile counted %d differences the streams missed", res.Summary.Drift)
	}
	fullNodes, fullRels := dumpAssets(t, e.driver, e.tenant)
	// The users read for the first time now have their direct permissions.
	got := 0
	for k := range fullRels {
		for u := range firstReads {
			if strings.HasPrefix(k, "User "+u+" -HAS_PERMISSION->") {
				got++
			}
		}
	}
	if got == 0 {
		t.Errorf("the reconcile wrote no direct permission of the %d users it read for the first time", len(firstReads))
	}
	forgetUnknown(t, unknown, fullNodes, fullRels)
	forgetUnknown(t, unknown, streamNodes, streamRels)
	diffDumps(t, "nodes", fullNodes, streamNodes)
	diffDumps(t, "relations", fullRels, streamRels)
}

// forgetUnknown takes out of a dump what only a read of their direct
// permissions says about users: their HAS_PERMISSION relations and the mark.
func forgetUnknown(t *testing.T, users map[string]bool, nodes, rels map[string]string) {
	t.Helper()
	for u := range users {
		if v, ok := nodes["User "+u]; ok {
			var p map[string]any
			if err := json.Unmarshal([]byte(v), &p); err != nil {
				t.Fatal(err)
			}
			delete(p, "direct_permissions_at")
			b, _ := json.Marshal(p)
			nodes["User "+u] = string(b)
		}
		for k := range rels {
			if strings.HasPrefix(k, "User "+u+" -HAS_PERMISSION->") {
				delete(rels, k)
			}
		}
	}
}
