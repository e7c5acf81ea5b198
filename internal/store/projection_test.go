package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Under a projection, asset reads return the projected properties and the
// id (with the kind, tenant and native id it holds) only; without one,
// every stored property.
func TestProjectionLimitsProperties(t *testing.T) {
	st, _, tenant := setup(t)
	ctx := context.Background()
	if err := st.EnsureTenant(ctx, tenant, 1); err != nil {
		t.Fatal(err)
	}
	users := []store.Node{
		{NativeID: "auth0|1", Name: "Ada", Props: map[string]any{"email": "ada@example.com", "logins_count": 3, "blocked": false, "last_login": time.Unix(1700000000, 0)}},
		{NativeID: "auth0|2", Name: "Bob", Props: map[string]any{"email": "bob@example.com", "logins_count": 5}},
	}
	if _, err := st.UpsertNodes(ctx, tenant, schema.User, 1, users); err != nil {
		t.Fatal(err)
	}
	role := []store.Node{{NativeID: "rol_1", Name: "admin", Props: map[string]any{"description": "all"}}}
	if _, err := st.UpsertNodes(ctx, tenant, schema.Role, 1, role); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertRels(ctx, tenant, schema.RelHasRole, 1, []store.Rel{{From: "auth0|1", To: "rol_1"}}); err != nil {
		t.Fatal(err)
	}
	proj := store.NewProjection([]string{"email", "last_login", "not_a_property"}, nil)
	list, _, err := st.List(ctx, store.ListQuery{Kind: schema.User, Tenant: tenant, Limit: 10, Sort: "logins_count", Desc: true, Project: proj})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Props["email"] != "bob@example.com" || list[0].Props["name"] != nil {
		t.Fatalf("projected list (sorted by an unprojected property): %+v", list)
	}
	a := list[1].Props
	if a["email"] != "ada@example.com" || a["logins_count"] != nil || a["blocked"] != nil || a["tenant"] != tenant ||
		a["native_id"] != "auth0|1" || a["kind"] != schema.User.Name || list[1].Kind != schema.User {
		t.Errorf("projected user: %+v", a)
	}
	if _, ok := a["last_login"].(time.Time); !ok {
		t.Errorf("projected last_login: %T", a["last_login"])
	}
	byID, err := st.AssetsByID(ctx, []string{list[1].ID()}, proj)
	if err != nil || byID[list[1].ID()].Props["logins_count"] != nil || byID[list[1].ID()].Props["email"] == nil {
		t.Errorf("projected AssetsByID: %+v %v", byID, err)
	}
	rel, err := st.Related(ctx, store.Out(schema.RelHasRole), []string{list[1].ID()}, proj)
	if err != nil || len(rel[list[1].ID()]) != 1 {
		t.Fatalf("projected Related: %+v %v", rel, err)
	}
	if r := rel[list[1].ID()][0].Asset; r.Props["native_id"] != "rol_1" || r.Props["description"] != nil || r.Kind != schema.Role {
		t.Errorf("projected role: %+v", r)
	}
	sub, err := st.Neighbourhood(ctx, list[1].ID(), 2, 10, proj)
	if err != nil || len(sub.Nodes) != 2 || len(sub.Edges) != 1 {
		t.Fatalf("projected neighbourhood: %+v %v", sub, err)
	}
	for _, n := range sub.Nodes {
		if n.ElementID == "" || len(n.Labels) < 2 || n.Props["id"] == nil || n.Props["description"] != nil || n.Props["logins_count"] != nil {
			t.Errorf("projected graph node: %+v", n)
		}
	}
	// Lean: no element ids, the labels of the kind, the projected
	// properties without the parts of the id.
	lean, err := st.Neighbourhood(ctx, list[1].ID(), 2, 10, proj.LeanNodes())
	if err != nil || len(lean.Nodes) != 2 || len(lean.Edges) != 1 || lean.Edges[0].ID != sub.Edges[0].ID {
		t.Fatalf("lean neighbourhood: %+v %v", lean, err)
	}
	for i, n := range lean.Nodes {
		if n.ID != sub.Nodes[i].ID || n.ElementID != "" || n.Asset == nil || n.Asset.Kind != sub.Nodes[i].Asset.Kind ||
			fmt.Sprint(n.Labels) != fmt.Sprint([]string{n.Asset.Kind.Label, schema.AssetLabel}) ||
			n.Props["id"] != n.ID || n.Props["native_id"] != nil || n.Props["description"] != nil {
			t.Errorf("lean graph node: %+v (projected: %+v)", n, sub.Nodes[i])
		}
	}
	full, _, err := st.List(ctx, store.ListQuery{Kind: schema.User, Tenant: tenant, Limit: 10})
	if err != nil || len(full) != 2 || full[0].Props["logins_count"] == nil {
		t.Errorf("unprojected list: %+v %v", full, err)
	}
}
