package monitor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
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
	if err := e.st.EnsureAccessSchema(ctx); err != nil {
		t.Fatal(err)
	}

	// authgraph's server, with the stream receiver behind /hooks.
	pusher := e.monitor("stream")
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

	// The tenant's streams, configured as the instructions say.
	e.sim.SetPush(auth0sim.PushConfig{Seed: 3, BatchSize: 20, BatchDelay: 50 * time.Millisecond, Backoff: 50 * time.Millisecond,
		DuplicateRate: 0.15, ReorderRate: 0.2})
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

	// The first collection, once the streams exist (a stream does not
	// deliver its own creation: the poll would bring that).
	sched := e.monitor("sched")
	if res, err := sched.SyncTenant(ctx, e.tenant, false); err != nil || !res.Baseline {
		t.Fatalf("first collection: %+v %v", res, err)
	}

	ch := simchange.New(m, e.sim, 11)
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
	// Everything pushed, then everything applied.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("deliveries or applies still pending: sim %+v, receiver %+v", e.sim.PushStats(), recv.Stats())
		}
		if e.sim.PushIdle() {
			dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
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
	if rs.Accepted < 520 {
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
