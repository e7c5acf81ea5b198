package graph_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
	"net/http"
)

type subgraph struct {
	Nodes []struct {
		ID    string
		Kind  *string
		Asset *struct{ ID string }
	}
	Edges []struct {
		ID, Type, Source, Target string
	}
	Truncated bool
}

func checkSubgraph(t *testing.T, g subgraph) map[string]bool {
	t.Helper()
	nodes := map[string]bool{}
	for _, n := range g.Nodes {
		if nodes[n.ID] {
			t.Errorf("node %s twice", n.ID)
		}
		nodes[n.ID] = true
		if n.Asset == nil || n.Asset.ID != n.ID || n.Kind == nil {
			t.Errorf("node %+v has no asset", n)
		}
	}
	for _, ed := range g.Edges {
		if !nodes[ed.Source] || !nodes[ed.Target] {
			t.Errorf("edge %+v has an end outside the nodes", ed)
		}
		if ed.Type == schema.ResourceRel {
			t.Errorf("edge %+v: RESOURCE is not followed from an asset", ed)
		}
	}
	return nodes
}

const neighbourhoodQuery = `query($id: ID!, $d: Int, $l: Int) { neighbourhood(id: $id, depth: $d, limit: $l) {
	nodes { id kind asset { id } } edges { id type source target } truncated } }`

func TestNeighbourhood(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	var u auth0sim.User
	for _, x := range tr.Users {
		if len(x.RoleIDs) > 0 && len(x.OrgIDs) > 0 {
			u = x
			break
		}
	}
	uid := e.key(schema.User, u.UserID)
	var resp struct{ Neighbourhood subgraph }
	post(t, c, neighbourhoodQuery, &resp, client.Var("id", uid), client.Var("d", 1), client.Var("l", 100))
	nodes := checkSubgraph(t, resp.Neighbourhood)
	if !nodes[uid] || resp.Neighbourhood.Truncated {
		t.Errorf("depth 1: center missing or truncated")
	}
	for _, r := range u.RoleIDs {
		if !nodes[e.key(schema.Role, r)] {
			t.Errorf("depth 1 lacks role %s", r)
		}
	}
	if !nodes[e.key(schema.Connection, u.ConnectionID)] {
		t.Errorf("depth 1 lacks the user's connection")
	}

	// Depth 2 reaches the roles' permissions and the organizations through
	// memberships; a small limit truncates and says so.
	post(t, c, neighbourhoodQuery, &resp, client.Var("id", uid), client.Var("d", 2), client.Var("l", 1000))
	nodes = checkSubgraph(t, resp.Neighbourhood)
	for _, o := range u.OrgIDs {
		if !nodes[e.key(schema.Organization, o)] {
			t.Errorf("depth 2 lacks organization %s", o)
		}
	}
	post(t, c, neighbourhoodQuery, &resp, client.Var("id", uid), client.Var("d", 2), client.Var("l", 10))
	checkSubgraph(t, resp.Neighbourhood)
	if len(resp.Neighbourhood.Nodes) > 10 || !resp.Neighbourhood.Truncated {
		t.Errorf("limit 10: %d nodes, truncated %v", len(resp.Neighbourhood.Nodes), resp.Neighbourhood.Truncated)
	}

	// A graph view that shows only ids, kinds and names reads lean nodes
	// (no element ids, labels or id parts): it shows what a view that
	// asks for everything shows, in the same order.
	type shown struct {
		Neighbourhood struct {
			Nodes []struct {
				ID, Kind, Name string
				ElementID      string `json:"elementId"`
				Labels         []string
			}
			Edges     []struct{ ID, Type, Source, Target string }
			Truncated bool
		}
	}
	for _, l := range []int{5, 40, 1000} {
		var lean, full shown
		post(t, c, `query($id: ID!, $l: Int) { neighbourhood(id: $id, depth: 2, limit: $l) {
			nodes { id kind name } edges { id type source target } truncated } }`, &lean, client.Var("id", uid), client.Var("l", l))
		post(t, c, `query($id: ID!, $l: Int) { neighbourhood(id: $id, depth: 2, limit: $l) {
			nodes { id kind name elementId labels } edges { id type source target } truncated } }`, &full, client.Var("id", uid), client.Var("l", l))
		for i := range full.Neighbourhood.Nodes {
			n := &full.Neighbourhood.Nodes[i]
			if n.ElementID == "" || len(n.Labels) != 2 {
				t.Errorf("limit %d: node %+v lacks its element id or labels", l, *n)
			}
			n.ElementID, n.Labels = "", nil
		}
		if len(lean.Neighbourhood.Nodes) < 2 || fmt.Sprint(lean) != fmt.Sprint(full) {
			t.Errorf("limit %d: lean graph view\n%+v\nfull graph view\n%+v", l, lean, full)
		}
	}

	raw, _ := c.RawPost(neighbourhoodQuery, client.Var("id", uid), client.Var("d", 3))
	if code := errCode(t, raw); code != "INVALID" {
		t.Errorf("depth 3: code %q", code)
	}
}

func TestPathQueries(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	var u auth0sim.User
	var perm string
	for _, x := range tr.Users {
		if len(x.RoleIDs) > 0 && len(tr.roles[x.RoleIDs[0]].Permissions) > 0 {
			u, perm = x, e.rolePerms(tr.roles[x.RoleIDs[0]])[0]
			break
		}
	}
	uid := e.key(schema.User, u.UserID)
	type path struct {
		Length int
		Nodes  []struct{ ID string }
		Edges  []struct{ Type, Source, Target string }
	}
	var resp struct {
		ShortestPath *path
		Paths        []path
	}
	post(t, c, `query($a: ID!, $b: ID!) {
		shortestPath(from: $a, to: $b, maxDepth: 4) { length nodes { id } edges { type source target } }
		paths(from: $a, to: $b, maxDepth: 4, first: 20) { length nodes { id } edges { type source target } } }`,
		&resp, client.Var("a", uid), client.Var("b", perm))
	sp := resp.ShortestPath
	if sp == nil {
		t.Fatalf("no path from %s to %s", uid, perm)
	}
	// The user reaches a permission of one of its roles in 2 hops (or 1 if
	// it also has it directly).
	if sp.Length < 1 || sp.Length > 2 || sp.Nodes[0].ID != uid || sp.Nodes[len(sp.Nodes)-1].ID != perm || len(sp.Edges) != sp.Length {
		t.Errorf("shortest path %+v", sp)
	}
	if len(resp.Paths) == 0 {
		t.Fatal("paths: none")
	}
	for _, p := range resp.Paths {
		if p.Length != sp.Length {
			t.Errorf("paths: length %d, shortest is %d", p.Length, sp.Length)
		}
		for _, ed := range p.Edges {
			if ed.Type == schema.ResourceRel {
				t.Errorf("path through RESOURCE: %+v", p)
			}
		}
	}

	// No path within 1 hop between two users; a malformed end is INVALID.
	var none struct{ ShortestPath *path }
	post(t, c, `query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b, maxDepth: 1) { length } }`, &none,
		client.Var("a", uid), client.Var("b", e.key(schema.User, tr.Users[len(tr.Users)-1].UserID)))
	if none.ShortestPath != nil {
		t.Errorf("user to user in 1 hop: %+v", none.ShortestPath)
	}
	raw, _ := c.RawPost(`{ shortestPath(from: "x", to: "y") { length } }`)
	if code := errCode(t, raw); code != "INVALID" {
		t.Errorf("malformed ids: code %q", code)
	}
}

func TestSearch(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	type hits struct {
		Search []struct {
			Score float64
			Asset struct {
				Typename string `json:"__typename"`
				ID       string
				Name     string
			}
		}
	}
	q := `query($text: String!, $kinds: [String!], $t: String, $n: Int) { search(text: $text, kinds: $kinds, tenant: $t, first: $n) {
		score asset { __typename id name } } }`
	u := tr.Users[7]
	var r hits
	post(t, c, q, &r, client.Var("text", u.Email), client.Var("t", e.tenant), client.Var("n", 5))
	if len(r.Search) == 0 || r.Search[0].Asset.ID != e.key(schema.User, u.UserID) {
		t.Errorf("search for %s: %+v", u.Email, r.Search)
	}
	for i := 1; i < len(r.Search); i++ {
		if r.Search[i].Score > r.Search[i-1].Score {
			t.Errorf("not ranked: %+v", r.Search)
		}
	}
	// Memberships and consent grants repeat their user's text and stay out
	// of the index; asking for them by kind is a clear error.
	for _, h := range r.Search {
		if h.Asset.Typename == "OrgMembership" || h.Asset.Typename == "Grant" {
			t.Errorf("search returned a %s: %+v", h.Asset.Typename, h)
		}
	}
	if raw, err := c.RawPost(q, client.Var("text", u.Email), client.Var("kinds", []string{"OrgMembership"})); err != nil || len(raw.Errors) == 0 ||
		!strings.Contains(string(raw.Errors), "not in the full-text search") {
		t.Errorf("search kinds [OrgMembership]: %v %s", err, raw.Errors)
	}

	// Prefix of the last word, restricted to roles.
	role := tr.Roles[0]
	word := strings.Fields(role.Name)[0]
	prefix := word[:min(len(word), 4)]
	post(t, c, q, &r, client.Var("text", prefix), client.Var("kinds", []string{"Role"}), client.Var("t", e.tenant), client.Var("n", 50))
	found := false
	for _, h := range r.Search {
		if h.Asset.Typename != "Role" {
			t.Errorf("kinds [Role] returned a %s", h.Asset.Typename)
		}
		found = found || h.Asset.ID == e.key(schema.Role, role.ID)
	}
	if !found {
		t.Errorf("prefix %q does not find role %q: %+v", prefix, role.Name, r.Search)
	}

	// Lucene syntax in user text is searched as text, never an error.
	for _, text := range []string{`foo:(bar`, `a AND`, `"unterminated`, `*`, `\`, `[1 TO 2]`, `-x +y ~z ^2`, `role/admin`} {
		raw, err := c.RawPost(q, client.Var("text", text), client.Var("t", e.tenant))
		if err != nil || len(raw.Errors) > 0 {
			t.Errorf("search %q: %v %s", text, err, raw.Errors)
		}
	}
	// Another tenant's assets are not found with a tenant filter.
	post(t, c, q, &r, client.Var("text", u.Email), client.Var("t", "other.example"))
	if len(r.Search) != 0 {
		t.Errorf("tenant filter leaks: %+v", r.Search)
	}
}

// A page of 50 users with roles and organizations (and their roles) is one
// round trip, whatever the page size: the page, the relations it shows at
// every level, and its total are read by one query.
func TestNoNPlusOne(t *testing.T) {
	e := setup(t)
	q := `query($t: String, $n: Int) { users(tenant: $t, first: $n) { totalCount nodes { id email
		roles { id name }
		organizations { id organization { id name connections { assignMembershipOnLogin connection { id name } } } roles { id name } }
		identities { provider connection { id name clients { id name } } } } } }`
	count := func(n int) int64 {
		var calls store.QueryCounter
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e.handler.ServeHTTP(w, r.WithContext(store.WithQueryCounter(r.Context(), &calls)))
		})
		var resp struct {
			Users struct {
				TotalCount int
				Nodes      []struct {
					ID            string
					Email         *string
					Roles         []ref
					Organizations []struct {
						ID           string
						Organization struct {
							ID          string
							Name        string
							Connections []struct {
								AssignMembershipOnLogin *bool
								Connection              ref
							}
						}
						Roles []ref
					}
					Identities []struct {
						Provider   *string
						Connection struct {
							ID      string
							Name    string
							Clients []ref
						}
					}
				}
			}
		}
		post(t, client.New(h), q, &resp, client.Var("t", e.tenant), client.Var("n", n))
		if len(resp.Users.Nodes) != n || resp.Users.TotalCount < n {
			t.Fatalf("%d users of %d, want %d", len(resp.Users.Nodes), resp.Users.TotalCount, n)
		}
		// What the look-ahead read through the wrappers is there.
		var clients, orgConns int
		for _, u := range resp.Users.Nodes {
			for _, id := range u.Identities {
				if id.Provider == nil || id.Connection.ID == "" {
					t.Errorf("identity without provider or connection: %+v", id)
				}
				clients += len(id.Connection.Clients)
			}
			for _, m := range u.Organizations {
				orgConns += len(m.Organization.Connections)
			}
		}
		if clients == 0 || orgConns == 0 {
			t.Errorf("%d clients of identity connections, %d organization connections: want some of each", clients, orgConns)
		}
		return calls.Count()
	}
	c50, c100 := count(50), count(100)
	if c50 != 1 || c100 != c50 {
		t.Errorf("round trips: %d for 50 users, %d for 100 (want 1 for both)", c50, c100)
	}
	t.Logf("round trips for a page of 50 users with roles, organizations, organization roles and identities: %d", c50)
}
