package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func setup(t *testing.T) (*store.Store, neo4j.DriverWithContext, string) {
	t.Helper()
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	st := store.FromDriver(d)
	ctx := context.Background()
	if err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	return st, d, tenant
}

func query(t *testing.T, d neo4j.DriverWithContext, cypher string, params map[string]any) []*neo4j.Record {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), d, cypher, params, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	return res.Records
}

func TestUpsertConvergesAndCleansStale(t *testing.T) {
	st, d, tenant := setup(t)
	ctx := context.Background()
	tag1 := time.Now().UnixMilli()
	if err := st.EnsureTenant(ctx, tenant, tag1); err != nil {
		t.Fatal(err)
	}
	users := []store.Node{
		{NativeID: "auth0|1", Name: "Ann", Props: map[string]any{"email": "ann@x.io", "blocked": true}},
		{NativeID: "auth0|2", Props: map[string]any{"email": "bob@x.io"}},
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.User, tag1, users); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.Role, tag1, []store.Node{{NativeID: "rol_1", Name: "admin"}}); err != nil {
		t.Fatal(err)
	}
	rels := []store.Rel{{From: "auth0|1", To: "rol_1"}, {From: "auth0|2", To: "rol_1"}, {From: "auth0|404", To: "rol_1"}}
	if _, err := st.UpsertRels(ctx, tenant, schema.RelHasRole, tag1, rels); err != nil {
		t.Fatal(err)
	}
	recs := query(t, d, `MATCH (t:Auth0Tenant {tenant:$t})-[:RESOURCE]->(u:Auth0User:Asset)-[:HAS_ROLE]->(r:Auth0Role) RETURN count(*) AS n`, map[string]any{"t": tenant})
	if n := recs[0].Values[0].(int64); n != 2 {
		t.Fatalf("HAS_ROLE through the tenant = %d, want 2 (a missing end writes nothing)", n)
	}

	// Second sync: Ann changed (blocked removed), Bob gone.
	tag2 := tag1 + 1
	if _, err := st.UpsertNodes(ctx, tenant, schema.User, tag2, []store.Node{{NativeID: "auth0|1", Name: "Ann B", Props: map[string]any{"email": "ann@x.io"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.Role, tag2, []store.Node{{NativeID: "rol_1", Name: "admin"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertRels(ctx, tenant, schema.RelHasRole, tag2, rels[:1]); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteStaleNodes(ctx, tenant, schema.User, tag2); err != nil || n != 1 {
		t.Fatalf("DeleteStaleNodes = %d, %v; want 1", n, err)
	}
	if _, err := st.DeleteStaleRels(ctx, tenant, schema.RelHasRole, tag2); err != nil {
		t.Fatal(err)
	}
	recs = query(t, d, `MATCH (u:Auth0User {tenant:$t}) RETURN u.native_id AS id, u.name AS name, u.blocked AS blocked, u.firstseen AS fs, u.lastupdated AS lu`, map[string]any{"t": tenant})
	if len(recs) != 1 {
		t.Fatalf("users after cleanup = %d, want 1", len(recs))
	}
	m := recs[0].AsMap()
	if m["id"] != "auth0|1" || m["name"] != "Ann B" || m["blocked"] != nil || m["fs"] != tag1 || m["lu"] != tag2 {
		t.Errorf("Ann after second sync = %v (want name changed, blocked gone, firstseen kept)", m)
	}
}

func TestEnsureNodesKeepsFreshPrimaryWrite(t *testing.T) {
	st, d, tenant := setup(t)
	ctx := context.Background()
	tag := time.Now().UnixMilli()
	_ = st.EnsureTenant(ctx, tenant, tag)
	perm := func(defined bool) store.Node {
		return store.Node{NativeID: "api|read", Name: "read", Props: map[string]any{"value": "read", "resource_server_identifier": "api", "defined": defined}}
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.Permission, tag, []store.Node{perm(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureNodes(ctx, tenant, schema.Permission, tag, []store.Node{perm(false)}); err != nil {
		t.Fatal(err)
	}
	recs := query(t, d, `MATCH (p:Auth0Permission {tenant:$t}) RETURN p.defined AS d`, map[string]any{"t": tenant})
	if len(recs) != 1 || recs[0].Values[0] != true {
		t.Fatalf("a reference overwrote the primary write in the same sync: %v", recs)
	}
	// Next sync: no API defines it any more, a role still references it.
	if _, err := st.EnsureNodes(ctx, tenant, schema.Permission, tag+1, []store.Node{perm(false)}); err != nil {
		t.Fatal(err)
	}
	recs = query(t, d, `MATCH (p:Auth0Permission {tenant:$t}) RETURN p.defined AS d`, map[string]any{"t": tenant})
	if recs[0].Values[0] != false {
		t.Fatalf("a permission no API defines should say defined=false")
	}
}

func TestUndeclaredPropertyIsRefused(t *testing.T) {
	st, d, tenant := setup(t)
	ctx := context.Background()
	_ = st.EnsureTenant(ctx, tenant, 1)
	_, err := st.UpsertNodes(ctx, tenant, schema.Client, 1, []store.Node{{NativeID: "c", Props: map[string]any{"client_secret": "nope"}}})
	if err == nil || !strings.Contains(err.Error(), "not declared") {
		t.Fatalf("err = %v, want an undeclared-property error", err)
	}
	recs := query(t, d, `MATCH (c:Auth0Client {tenant:$t}) RETURN count(c)`, map[string]any{"t": tenant})
	if recs[0].Values[0].(int64) != 0 {
		t.Error("a refused batch wrote something")
	}
}

func TestTenantsAreIsolated(t *testing.T) {
	st, d, a := setup(t)
	b := a + "-other"
	neo4jtest.Cleanup(t, d, b)
	ctx := context.Background()
	for _, tn := range []string{a, b} {
		_ = st.EnsureTenant(ctx, tn, 1)
		if _, err := st.UpsertNodes(ctx, tn, schema.Role, 1, []store.Node{{NativeID: "rol_same"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.DeleteStaleNodes(ctx, a, schema.Role, 2); err != nil {
		t.Fatal(err)
	}
	recs := query(t, d, `MATCH (r:Auth0Role {native_id:'rol_same'}) WHERE r.tenant IN [$a,$b] RETURN r.tenant`, map[string]any{"a": a, "b": b})
	if len(recs) != 1 || recs[0].Values[0] != b {
		t.Fatalf("cleanup of one tenant touched the other: %v", recs)
	}
}

func TestSyncRecord(t *testing.T) {
	st, _, tenant := setup(t)
	ctx := context.Background()
	_ = st.EnsureTenant(ctx, tenant, 5)
	start := time.Now().Truncate(time.Millisecond)
	rec := store.SyncRecord{ID: tenant + "@5", Tenant: tenant, Tag: 5, Started: start}
	if err := st.StartSync(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Status, rec.Finished, rec.Counts, rec.Skipped, rec.APICalls = "partial", start.Add(time.Second), map[string]int{"User": 3}, map[string]string{"custom_domains": "plan"}, 42
	if err := st.FinishSync(ctx, rec); err != nil {
		t.Fatal(err)
	}
	got, err := st.Syncs(ctx, tenant, 5)
	if err != nil || len(got) != 1 {
		t.Fatalf("Syncs = %v, %v", got, err)
	}
	g := got[0]
	if g.Status != "partial" || g.Counts["User"] != 3 || g.Skipped["custom_domains"] != "plan" || g.APICalls != 42 || !g.Started.Equal(start) {
		t.Errorf("sync record = %+v", g)
	}
}

// A permission that no API defines is only referenced, by roles and client
// grants alike: whatever the batches and however many writers run at once,
// each asset hangs from its tenant by exactly one RESOURCE edge (found on
// recorded Auth0 data, where such permissions had two).
func TestReferencedNodesHaveOneResourceEdge(t *testing.T) {
	st, d, tenant := setup(t)
	ctx := context.Background()
	tag := time.Now().UnixMilli()
	if err := st.EnsureTenant(ctx, tenant, tag); err != nil {
		t.Fatal(err)
	}
	perm := func(scope string) store.Node {
		return store.Node{NativeID: "https://undefined.example/|" + scope, Name: scope,
			Props: map[string]any{"value": scope, "resource_server_identifier": "https://undefined.example/"}}
	}
	resourceEdges := func(step string, want int) {
		t.Helper()
		recs := query(t, d, `MATCH (n:Asset {tenant: $t}) WHERE NOT n:Auth0Tenant
OPTIONAL MATCH (:Auth0Tenant {id: $tk})-[r:RESOURCE]->(n)
WITH n, count(r) AS c RETURN n.id AS id, c`, map[string]any{"t": tenant, "tk": store.TenantKey(tenant)})
		if len(recs) != want {
			t.Errorf("%s: %d assets, want %d", step, len(recs), want)
		}
		for _, r := range recs {
			if c := r.Values[1].(int64); c != 1 {
				t.Errorf("%s: %v has %d RESOURCE edges, want 1", step, r.Values[0], c)
			}
		}
	}
	// One batch: a role's reference and a grant's reference to the same
	// scope, as the loader queues them.
	if _, err := st.EnsureNodes(ctx, tenant, schema.Permission, tag, []store.Node{perm("read:a"), perm("read:b"), perm("read:a"), perm("read:a")}); err != nil {
		t.Fatal(err)
	}
	resourceEdges("one batch", 2)
	// Across batches, and a later sync.
	for _, tg := range []int64{tag, tag, tag + 1} {
		if _, err := st.EnsureNodes(ctx, tenant, schema.Permission, tg, []store.Node{perm("read:b"), perm("read:c")}); err != nil {
			t.Fatal(err)
		}
	}
	resourceEdges("across batches", 3)
	// Primary writes with repeated rows too.
	role := store.Node{NativeID: "rol_1", Name: "r"}
	if _, err := st.UpsertNodes(ctx, tenant, schema.Role, tag, []store.Node{role, role}); err != nil {
		t.Fatal(err)
	}
	resourceEdges("upsert", 4)
	// Concurrent writers (roles' and grants' batches at once), each batch
	// naming new scopes several times.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var batch []store.Node
			for i := range 30 {
				batch = append(batch, perm(fmt.Sprintf("write:%d", (i+w)%20)))
			}
			var err error
			if w%4 == 3 {
				_, err = st.UpsertNodes(ctx, tenant, schema.Permission, tag+2, batch)
			} else {
				_, err = st.EnsureNodes(ctx, tenant, schema.Permission, tag+2, batch)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	resourceEdges("concurrent", 24)
}
