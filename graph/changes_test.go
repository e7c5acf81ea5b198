package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func TestChangesField(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if err := e.st.EnsureMonitorSchema(ctx); err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	user := e.key(schema.User, "auth0|changes-test")
	changes := []store.Change{
		{ID: e.tenant + "/change/1/baseline", Tenant: e.tenant, SyncID: "s1", At: base, Op: store.OpBaseline, AssetID: store.TenantKey(e.tenant), AssetKind: "Tenant", NativeID: e.tenant, Name: e.tenant},
		{ID: e.tenant + "/change/2/0", Tenant: e.tenant, SyncID: "s2", At: base.Add(time.Minute), Op: store.OpCreated, AssetID: e.key(schema.Client, "c1"), AssetKind: "Client", NativeID: "c1", Name: "Dev Tool",
			Fields: []store.FieldChange{{Field: "callbacks", New: []any{"http://localhost/cb"}}}},
		{ID: e.tenant + "/change/2/1", Tenant: e.tenant, SyncID: "s2", At: base.Add(time.Minute), Op: store.OpUpdated, AssetID: user, AssetKind: "User", NativeID: "auth0|changes-test", Name: "Ann",
			Fields: []store.FieldChange{{Field: "HAS_ROLE", New: "admin", Target: e.key(schema.Role, "rol_1")}, {Field: "blocked", Old: false, New: true}}},
		{ID: e.tenant + "/change/3/0", Tenant: e.tenant, SyncID: "s3", At: base.Add(2 * time.Minute), Op: store.OpDeleted, AssetID: e.key(schema.Connection, "con_1"), AssetKind: "Connection", NativeID: "con_1", Name: "github"},
	}
	if err := e.st.WriteChanges(ctx, changes); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Changes struct {
			Nodes []struct {
				ID, Kind, AssetKind, Name string
				Fields                    []struct {
					Field  string
					Old    any
					New    any
					Target *string
				}
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	q := `query($t: String, $a: ID, $k: [String!], $f: Int, $after: String) { changes(tenant: $t, asset: $a, kinds: $k, first: $f, after: $after) {
  nodes { id kind assetKind name fields { field old new target } } pageInfo { hasNextPage endCursor } } }`
	run := func(vars map[string]any) page {
		t.Helper()
		var p page
		opts := []client.Option{}
		for k, v := range vars {
			opts = append(opts, client.Var(k, v))
		}
		if err := e.client().Post(q, &p, opts...); err != nil {
			t.Fatal(err)
		}
		return p
	}
	names := func(p page) string {
		var out []string
		for _, n := range p.Changes.Nodes {
			out = append(out, n.Kind+":"+n.Name)
		}
		return strings.Join(out, ",")
	}
	all := run(map[string]any{"t": e.tenant, "f": 10})
	if got := names(all); got != "deleted:github,updated:Ann,created:Dev Tool,baseline:"+e.tenant {
		t.Fatalf("newest first: %s", got)
	}
	first := run(map[string]any{"t": e.tenant, "f": 2})
	if !first.Changes.PageInfo.HasNextPage || names(first) != "deleted:github,updated:Ann" {
		t.Fatalf("page 1: %s", names(first))
	}
	second := run(map[string]any{"t": e.tenant, "f": 2, "after": *first.Changes.PageInfo.EndCursor})
	if second.Changes.PageInfo.HasNextPage || names(second) != "created:Dev Tool,baseline:"+e.tenant {
		t.Fatalf("page 2: %s", names(second))
	}
	mixed := run(map[string]any{"t": e.tenant, "k": []string{"created", "updated", "User", "Auth0Client"}})
	if names(mixed) != "updated:Ann,created:Dev Tool" {
		t.Fatalf("kinds filter: %s", names(mixed))
	}
	one := run(map[string]any{"a": user})
	if len(one.Changes.Nodes) != 1 {
		t.Fatalf("asset filter: %s", names(one))
	}
	f := one.Changes.Nodes[0].Fields
	b, _ := json.Marshal(f)
	if len(f) != 2 || f[0].Field != "HAS_ROLE" || f[0].New != "admin" || f[0].Target == nil || f[1].Old != false || f[1].New != true {
		t.Fatalf("fields: %s", b)
	}
	var bad page
	err := e.client().Post(`{ changes(tenant: "x", kinds: ["Nope"]) { nodes { id } } }`, &bad)
	if err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Fatalf("bad kind: %v", err)
	}
}
