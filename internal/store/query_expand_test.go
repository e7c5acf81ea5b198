package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// An expanded read returns, at every level, what Related returns for the
// same assets and relations (neighbours, order, relation properties), in
// one round trip; a list page with its total is one round trip too, and an
// empty page past the end still carries the total.
func TestExpandedReadsMatchRelated(t *testing.T) {
	st, _, tenant := setup(t)
	ctx := context.Background()
	if err := st.EnsureTenant(ctx, tenant, 1); err != nil {
		t.Fatal(err)
	}
	up := func(k *schema.Kind, nodes ...store.Node) {
		t.Helper()
		if _, err := st.UpsertNodes(ctx, tenant, k, 1, nodes); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(r *schema.Relation, rels ...store.Rel) {
		t.Helper()
		if _, err := st.UpsertRels(ctx, tenant, r, 1, rels); err != nil {
			t.Fatal(err)
		}
	}
	var users []store.Node
	for i := 0; i < 5; i++ {
		users = append(users, store.Node{NativeID: fmt.Sprintf("auth0|%d", i), Name: fmt.Sprintf("u%d", i), Props: map[string]any{"email": fmt.Sprintf("u%d@example.com", i)}})
	}
	up(schema.User, users...)
	up(schema.Role, store.Node{NativeID: "rol_a", Name: "admin"}, store.Node{NativeID: "rol_b", Name: "billing"}, store.Node{NativeID: "rol_c", Name: "audit"})
	up(schema.Permission, store.Node{NativeID: "api|read", Name: "read"}, store.Node{NativeID: "api|write", Name: "write"})
	up(schema.Connection, store.Node{NativeID: "con_1", Name: "Username-Password"})
	rel(schema.RelHasRole, store.Rel{From: "auth0|0", To: "rol_a"}, store.Rel{From: "auth0|0", To: "rol_b"}, store.Rel{From: "auth0|0", To: "rol_c"},
		store.Rel{From: "auth0|1", To: "rol_a"}, store.Rel{From: "auth0|3", To: "rol_c"})
	rel(schema.RelRoleGrants, store.Rel{From: "rol_a", To: "api|read"}, store.Rel{From: "rol_a", To: "api|write"}, store.Rel{From: "rol_c", To: "api|read"})
	rel(schema.RelHasIdentity, store.Rel{From: "auth0|0", To: "con_1", Props: map[string]any{"provider": "auth0", "user_id": "0"}})

	exp := []store.Expand{
		{Spec: store.Out(schema.RelHasRole), Sub: []store.Expand{{Spec: store.Out(schema.RelRoleGrants)}}},
		{Spec: store.Out(schema.RelHasIdentity)},
	}
	proj := store.NewProjection([]string{"email", "name"}, nil)
	var calls store.QueryCounter
	cctx := store.WithQueryCounter(ctx, &calls)
	u0 := schema.Key(tenant, schema.User, "auth0|0")
	tree, err := st.AssetTree(cctx, u0, exp, proj)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Count() != 1 {
		t.Errorf("AssetTree: %d round trips, want 1", calls.Count())
	}
	if tree.Asset.ID() != u0 || tree.Asset.Props["email"] != "u0@example.com" || tree.Asset.Kind != schema.User || tree.Asset.Props["tenant"] != tenant {
		t.Errorf("root: %+v", tree.Asset)
	}
	// Compare with Related, level by level.
	sameAs := func(level string, got []store.Tree, want []store.Related) {
		t.Helper()
		g := make([]store.Related, len(got))
		for i, x := range got {
			g[i] = x.Related
		}
		for i := range want {
			// Expanded reads leave out element ids, and read a relation's
			// declared properties only.
			want[i].Edge.ID = ""
			declared := map[string]any{}
			for k, v := range want[i].Edge.Props {
				if k != schema.PropFirstSeen && k != schema.PropLastUpdated {
					declared[k] = v
				}
			}
			want[i].Edge.Props = declared
		}
		if (len(g) > 0 || len(want) > 0) && !reflect.DeepEqual(g, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", level, g, want)
		}
	}
	roles, err := st.Related(ctx, store.Out(schema.RelHasRole), []string{u0}, proj)
	if err != nil {
		t.Fatal(err)
	}
	sameAs("roles", tree.Rel[0], roles[u0])
	if len(tree.Rel[0]) != 3 || tree.Rel[0][0].Asset.Name() != "admin" || tree.Rel[0][1].Asset.Name() != "audit" {
		t.Errorf("roles in name order: %+v", tree.Rel[0])
	}
	for _, r := range tree.Rel[0] {
		perms, err := st.Related(ctx, store.Out(schema.RelRoleGrants), []string{r.Asset.ID()}, proj)
		if err != nil {
			t.Fatal(err)
		}
		sameAs("permissions of "+r.Asset.Name(), r.Rel[0], perms[r.Asset.ID()])
	}
	ids, err := st.Related(ctx, store.Out(schema.RelHasIdentity), []string{u0}, proj)
	if err != nil {
		t.Fatal(err)
	}
	sameAs("identities", tree.Rel[1], ids[u0])
	if len(tree.Rel[1]) != 1 || tree.Rel[1][0].Edge.Props["provider"] != "auth0" {
		t.Errorf("identity with its relation's properties: %+v", tree.Rel[1])
	}

	// Per-kind projections: the user's e-mail but not its name, the
	// roles' names.
	kproj := store.NewProjection([]string{"email", "name"}, map[string][]string{"User": {"email"}, "Role": {"name"}})
	kt, err := st.AssetTree(ctx, u0, exp, kproj)
	if err != nil {
		t.Fatal(err)
	}
	if kt.Asset.Props["name"] != nil || kt.Asset.Props["email"] != "u0@example.com" || len(kt.Rel[0]) != 3 || kt.Rel[0][0].Asset.Name() != "admin" ||
		kt.Rel[0][0].Rel[0][0].Asset.Name() != "read" {
		t.Errorf("per-kind projection: user %v, roles %+v", kt.Asset.Props, kt.Rel[0])
	}

	// A page with expansions and its total: one round trip.
	q := store.ListQuery{Kind: schema.User, Tenant: tenant, Limit: 2, Project: proj}
	calls = store.QueryCounter{}
	p, err := st.ListPage(cctx, q, exp, true)
	if err != nil {
		t.Fatal(err)
	}
	if calls.Count() != 1 || !p.Counted || p.Total != 5 || !p.More || len(p.Items) != 2 {
		t.Fatalf("page: %d round trips, total %d (counted %v), more %v, %d items", calls.Count(), p.Total, p.Counted, p.More, len(p.Items))
	}
	var got []string
	for _, it := range p.Items {
		got = append(got, it.Asset.ID())
		if it.Asset.ID() == u0 && len(it.Rel[0]) != 3 {
			t.Errorf("u0's roles in the page: %+v", it.Rel[0])
		}
	}
	if !sort.StringsAreSorted(got) || got[0] != u0 {
		t.Errorf("page order: %v", got)
	}
	// Filtered by a relation (DISTINCT path), past the end: no items, the total.
	q = store.ListQuery{Kind: schema.User, Tenant: tenant, Rels: []store.RelCond{{Spec: store.Out(schema.RelHasRole), ID: schema.Key(tenant, schema.Role, "rol_a")}}, Skip: 10, Limit: 2, Project: proj}
	p, err = st.ListPage(cctx, q, exp, true)
	if err != nil || len(p.Items) != 0 || p.Total != 2 || p.More {
		t.Errorf("page past the end: %+v %v", p, err)
	}
	// An expansion that does not start at the listed kind is refused.
	if _, err := st.ListPage(ctx, q, []store.Expand{{Spec: store.Out(schema.RelRoleGrants)}}, false); err == nil {
		t.Error("an expansion from another kind was accepted")
	}
}
