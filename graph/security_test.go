package graph_test

import (
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

type accessPath struct {
	Via          string
	Nodes        []struct{ ID, Kind string }
	Edges        []struct{ Type, Source, Target string }
	Role         *ref
	Organization *ref
	ClientGrant  *ref
}

type effective struct {
	Permission ref
	API        *ref
	Via        []string
	Paths      []accessPath
}

const effectiveQuery = `query($u: ID, $c: ID) { effectivePermissions(userId: $u, clientId: $c) {
	permission { id name } api { id } via
	paths { via nodes { id kind } edges { type source target } role { id } organization { id } clientGrant { id } } } }`

// checkWalk checks that a path walks from the principal to the permission
// with each edge joining consecutive nodes.
func checkWalk(t *testing.T, p accessPath, from, to string) {
	t.Helper()
	if len(p.Nodes) == 0 || p.Nodes[0].ID != from || p.Nodes[len(p.Nodes)-1].ID != to || len(p.Edges) != len(p.Nodes)-1 {
		t.Errorf("path %+v does not walk from %s to %s", p, from, to)
		return
	}
	for i, ed := range p.Edges {
		a, b := p.Nodes[i].ID, p.Nodes[i+1].ID
		if !(ed.Source == a && ed.Target == b || ed.Source == b && ed.Target == a) {
			t.Errorf("edge %d %+v does not join %s and %s", i, ed, a, b)
		}
	}
}

func TestEffectivePermissionsOfUsers(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	// Users with an organization-role path first, then a few others.
	var picked []auth0sim.User
	var orgPathUsers int
	for _, u := range tr.Users {
		exp := e.expectedUserPerms(tr, u)
		hasOrg := false
		for _, ways := range exp {
			hasOrg = hasOrg || ways[store.ViaOrgRole]
		}
		if hasOrg && orgPathUsers < 5 {
			picked = append(picked, u)
			orgPathUsers++
		} else if !hasOrg && len(exp) > 0 && len(picked) < 10 {
			picked = append(picked, u)
		}
	}
	if orgPathUsers == 0 {
		t.Fatal("no user with a permission through an organization role in the simulated tenant")
	}
	for _, u := range picked {
		uid := e.key(schema.User, u.UserID)
		var resp struct{ EffectivePermissions []effective }
		post(t, c, effectiveQuery, &resp, client.Var("u", uid))
		exp := e.expectedUserPerms(tr, u)
		var got, want []string
		for p := range exp {
			want = append(want, p)
		}
		for _, ep := range resp.EffectivePermissions {
			got = append(got, ep.Permission.ID)
			var ways []string
			for w := range exp[ep.Permission.ID] {
				ways = append(ways, w)
			}
			sameSet(t, "user "+u.UserID+" ways to "+ep.Permission.ID, ep.Via, ways)
			for _, p := range ep.Paths {
				checkWalk(t, p, uid, ep.Permission.ID)
				switch p.Via {
				case store.ViaOrgRole:
					if p.Organization == nil || p.Role == nil || len(p.Nodes) != 4 || p.Nodes[1].Kind != schema.OrgMembership.Name {
						t.Errorf("ORG_ROLE path %+v", p)
					} else if !contains(u.OrgIDs, p.Organization.ID[len(e.key(schema.Organization, "")):]) {
						t.Errorf("ORG_ROLE path through organization %s the user is not in", p.Organization.ID)
					}
				case store.ViaRole:
					if p.Role == nil || len(p.Nodes) != 3 || !contains(u.RoleIDs, p.Role.ID[len(e.key(schema.Role, "")):]) {
						t.Errorf("ROLE path %+v", p)
					}
				case store.ViaDirect:
					if len(p.Nodes) != 2 {
						t.Errorf("DIRECT path %+v", p)
					}
				}
			}
		}
		sameSet(t, "user "+u.UserID+" effective permissions", got, want)
	}

	// The same answer through user.effectivePermissions.
	var viaUser struct {
		Node struct{ EffectivePermissions []struct{ Permission ref } }
	}
	post(t, c, `query($id: ID!) { node(id: $id) { ... on User { effectivePermissions { permission { id } } } } }`, &viaUser,
		client.Var("id", e.key(schema.User, picked[0].UserID)))
	if len(viaUser.Node.EffectivePermissions) != len(e.expectedUserPerms(tr, picked[0])) {
		t.Errorf("user.effectivePermissions: %d, want %d", len(viaUser.Node.EffectivePermissions), len(e.expectedUserPerms(tr, picked[0])))
	}
}

func TestEffectivePermissionsOfClients(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	checked := 0
	for _, cl := range tr.Clients {
		want := map[string][]string{} // permission -> client grants
		for _, cg := range tr.ClientGrants {
			if cg.ClientID == cl.ClientID {
				for _, s := range cg.Scope {
					p := e.permKey(cg.Audience, s)
					want[p] = append(want[p], e.key(schema.ClientGrant, cg.ID))
				}
			}
		}
		if len(want) == 0 {
			continue
		}
		checked++
		cid := e.key(schema.Client, cl.ClientID)
		var resp struct{ EffectivePermissions []effective }
		post(t, c, effectiveQuery, &resp, client.Var("c", cid))
		var got, wantPerms []string
		for p := range want {
			wantPerms = append(wantPerms, p)
		}
		for _, ep := range resp.EffectivePermissions {
			got = append(got, ep.Permission.ID)
			var grants []string
			for _, p := range ep.Paths {
				if p.Via != store.ViaClientGrant || p.ClientGrant == nil {
					t.Errorf("client path %+v", p)
					continue
				}
				grants = append(grants, p.ClientGrant.ID)
				checkWalk(t, p, cid, ep.Permission.ID)
			}
			sameSet(t, "client grants giving "+ep.Permission.ID, grants, want[ep.Permission.ID])
		}
		sameSet(t, "client "+cl.Name+" effective permissions", got, wantPerms)
	}
	if checked == 0 {
		t.Fatal("no client with client grants")
	}

	raw, _ := c.RawPost(`{ effectivePermissions { permission { id } } }`)
	if code := errCode(t, raw); code != "INVALID" {
		t.Errorf("no principal: code %q", code)
	}
}

func TestWhoCanReach(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	// The permission most users reach.
	users := map[string]map[string]bool{}
	for _, u := range tr.Users {
		for p := range e.expectedUserPerms(tr, u) {
			if users[p] == nil {
				users[p] = map[string]bool{}
			}
			users[p][e.key(schema.User, u.UserID)] = true
		}
	}
	var perm string
	for p, us := range users {
		if len(us) > len(users[perm]) {
			perm = p
		}
	}
	var wantClients []string
	for _, cg := range tr.ClientGrants {
		for _, s := range cg.Scope {
			if e.permKey(cg.Audience, s) == perm && !contains(wantClients, e.key(schema.Client, cg.ClientID)) {
				wantClients = append(wantClients, e.key(schema.Client, cg.ClientID))
			}
		}
	}
	var resp struct {
		WhoCanReach struct {
			Target      ref
			UserCount   int
			ClientCount int
			Truncated   bool
			Users       []struct {
				User  ref
				Paths []accessPath
			}
			Clients []struct{ Client ref }
		}
	}
	post(t, c, `query($p: ID) { whoCanReach(permissionId: $p, first: 500) { target { id } userCount clientCount truncated
		users { user { id } paths { via nodes { id kind } edges { type source target } } } clients { client { id } } } }`,
		&resp, client.Var("p", perm))
	r := resp.WhoCanReach
	if r.Target.ID != perm || r.UserCount != len(users[perm]) || r.Truncated {
		t.Errorf("whoCanReach(%s): target %s, %d users (want %d), truncated %v", perm, r.Target.ID, r.UserCount, len(users[perm]), r.Truncated)
	}
	var got []string
	for _, u := range r.Users {
		got = append(got, u.User.ID)
		if len(u.Paths) == 0 {
			t.Errorf("user %s without a path", u.User.ID)
		}
		for _, p := range u.Paths {
			checkWalk(t, p, u.User.ID, perm)
		}
	}
	var want []string
	for u := range users[perm] {
		want = append(want, u)
	}
	sameSet(t, "users reaching "+perm, got, want)
	var gotClients []string
	for _, cl := range r.Clients {
		gotClients = append(gotClients, cl.Client.ID)
	}
	sameSet(t, "clients reaching "+perm, gotClients, wantClients)

	// Capped: first 3, truncated, counts unchanged.
	post(t, c, `query($p: ID) { whoCanReach(permissionId: $p, first: 3) { userCount truncated users { user { id } } } }`, &resp, client.Var("p", perm))
	if len(resp.WhoCanReach.Users) != min(3, len(want)) || resp.WhoCanReach.UserCount != len(want) || resp.WhoCanReach.Truncated != (len(want) > 3) {
		t.Errorf("first 3: %d users, count %d, truncated %v", len(resp.WhoCanReach.Users), resp.WhoCanReach.UserCount, resp.WhoCanReach.Truncated)
	}

	// An API: the clients that can access it include every client grant's client.
	var mgmt auth0sim.ResourceServer
	for _, rs := range tr.ResourceServers {
		if rs.IsSystem {
			mgmt = rs
		}
	}
	var api struct {
		WhoCanReach struct {
			ClientCount int
			Clients     []struct {
				Client ref
				Paths  []accessPath
			}
		}
	}
	post(t, c, `query($a: ID) { whoCanReach(apiId: $a, first: 500) { clientCount clients { client { id } paths { via } } } }`, &api,
		client.Var("a", e.key(schema.ResourceServer, mgmt.ID)))
	var wantAPIClients, gotAPIClients []string
	for _, cg := range tr.ClientGrants {
		if cg.Audience == mgmt.Identifier {
			wantAPIClients = append(wantAPIClients, e.key(schema.Client, cg.ClientID))
		}
	}
	for _, cl := range api.WhoCanReach.Clients {
		gotAPIClients = append(gotAPIClients, cl.Client.ID)
	}
	sameSet(t, "clients reaching the Management API", gotAPIClients, wantAPIClients)
}
