package ingest

import (
	"context"
	"fmt"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Roles and client grants that name scopes no API defines reference the
// same permission nodes, through the loader's batches (small here, so a
// scope is named twice in one batch and again in others, which its two
// writers write at once) and across two syncs: each permission hangs from
// its tenant by exactly one RESOURCE edge.
func TestUndefinedScopesGetOneResourceEdge(t *testing.T) {
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	st := store.FromDriver(d)
	ctx := context.Background()
	if err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	const api = "https://undefined.example/"
	for sync, tag := range []int64{1, 2} {
		if err := st.EnsureTenant(ctx, tenant, tag); err != nil {
			t.Fatal(err)
		}
		l := newLoader(ctx, st, tenant, tag)
		l.nodeBatch = 10
		// Role permissions and grant scopes in turns, as runRolePermissions
		// and the client grants' run queue them: each batch of 10 names
		// some of the 7 scopes twice.
		for i := range 60 {
			if err := l.Ref(ctx, schema.Permission, permissionRef(api, fmt.Sprintf("read:s%d", i%7))); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := neo4j.ExecuteQuery(ctx, d, `MATCH (p:Auth0Permission {tenant: $t})
OPTIONAL MATCH (:Auth0Tenant {id: $tk})-[r:RESOURCE]->(p)
RETURN p.id AS id, count(r) AS c`, map[string]any{"t": tenant, "tk": store.TenantKey(tenant)}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) != 7 {
			t.Errorf("sync %d: %d permissions, want 7", sync+1, len(res.Records))
		}
		for _, r := range res.Records {
			if c := r.Values[1].(int64); c != 1 {
				t.Errorf("sync %d: %v has %d RESOURCE edges, want 1", sync+1, r.Values[0], c)
			}
		}
	}
}
