package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// At depth 2 the room the first ring leaves is shared between its nodes:
// a role held by 49 other users does not crowd out an organization's two
// other members, and the subgraph says it was truncated only when a ring
// node had more neighbours than its share.
func TestNeighbourhoodSharesRoomBetweenRingNodes(t *testing.T) {
	st, _, tenant := setup(t)
	ctx := context.Background()
	if err := st.EnsureTenant(ctx, tenant, 1); err != nil {
		t.Fatal(err)
	}
	var users []store.Node
	var hasRole, memberOf []store.Rel
	for i := range 52 {
		id := fmt.Sprintf("auth0|%d", i)
		users = append(users, store.Node{NativeID: id, Name: id})
		if i < 50 {
			hasRole = append(hasRole, store.Rel{From: id, To: "rol_hub"})
		}
		if i == 0 || i >= 50 {
			memberOf = append(memberOf, store.Rel{From: id, To: "org_small"})
		}
	}
	mustUpsert := func(k *schema.Kind, nodes []store.Node) {
		if _, err := st.UpsertNodes(ctx, tenant, k, 1, nodes); err != nil {
			t.Fatal(err)
		}
	}
	mustUpsert(schema.User, users)
	mustUpsert(schema.Role, []store.Node{{NativeID: "rol_hub", Name: "hub"}})
	mustUpsert(schema.Organization, []store.Node{{NativeID: "org_small", Name: "small"}})
	for rel, rows := range map[*schema.Relation][]store.Rel{schema.RelHasRole: hasRole, schema.RelMemberOf: memberOf} {
		if _, err := st.UpsertRels(ctx, tenant, rel, 1, rows); err != nil {
			t.Fatal(err)
		}
	}
	center := schema.Key(tenant, schema.User, "auth0|0")
	cases := []struct {
		depth, limit, nodes, edges int
		truncated                  bool
	}{
		{1, 100, 3, 2, false},
		{1, 2, 2, 1, true},
		// room 7 shared by 2: 3 of the role's 49 users, both other members
		{2, 10, 8, 7, true},
		// room 97: 48 of the role's users
		{2, 100, 53, 52, true},
		// room enough for all
		{2, 200, 54, 53, false},
		// the first ring fills the limit
		{2, 3, 3, 2, true},
	}
	// Whole nodes, projected nodes and lean nodes make the same subgraph,
	// in the same order.
	projected := store.NewProjection([]string{"name"}, nil)
	lean := projected.LeanNodes()
	for _, c := range cases {
		g, err := st.Neighbourhood(ctx, center, c.depth, c.limit, nil)
		if err != nil {
			t.Fatal(err)
		}
		for mode, proj := range map[string]*store.Projection{"projected": projected, "lean": lean} {
			m, err := st.Neighbourhood(ctx, center, c.depth, c.limit, proj)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := subgraphShape(m), subgraphShape(g); got != want {
				t.Errorf("depth %d limit %d, %s nodes:\n%s\nwhole nodes:\n%s", c.depth, c.limit, mode, got, want)
			}
			for _, n := range m.Nodes {
				lk := n.Asset != nil && len(n.Labels) == 2 && n.Labels[0] == n.Asset.Kind.Label && n.Labels[1] == schema.AssetLabel
				if n.Asset == nil || n.Asset.Name() == "" || !lk || (mode == "lean") != (n.ElementID == "") {
					t.Errorf("depth %d limit %d, %s node: %+v", c.depth, c.limit, mode, n)
				}
			}
		}
		if len(g.Nodes) != c.nodes || len(g.Edges) != c.edges || g.Truncated != c.truncated {
			t.Errorf("depth %d limit %d: %d nodes, %d edges, truncated %v; want %d, %d, %v",
				c.depth, c.limit, len(g.Nodes), len(g.Edges), g.Truncated, c.nodes, c.edges, c.truncated)
		}
		members := 0
		for _, n := range g.Nodes {
			if n.ID == schema.Key(tenant, schema.User, "auth0|50") || n.ID == schema.Key(tenant, schema.User, "auth0|51") {
				members++
			}
		}
		if c.depth == 2 && c.limit >= 10 && members != 2 {
			t.Errorf("depth 2 limit %d: %d of the organization's other members, want 2", c.limit, members)
		}
	}
}

// subgraphShape writes what a graph view shows of a subgraph: its nodes'
// ids, kinds and names, and its edges, in order.
func subgraphShape(g store.Subgraph) string {
	var b strings.Builder
	for _, n := range g.Nodes {
		k := "-"
		if n.Asset != nil {
			k = n.Asset.Kind.Name + " " + n.Asset.Name()
		}
		fmt.Fprintf(&b, "node %s %s\n", n.ID, k)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "edge %s %s %s %s\n", e.ID, e.Type, e.Source, e.Target)
	}
	fmt.Fprintf(&b, "truncated %v\n", g.Truncated)
	return b.String()
}
