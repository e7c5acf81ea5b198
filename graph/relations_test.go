package graph_test

import (
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/schema"
)

// Relations read from both ends agree with each other and with the
// simulator's ground truth.
func TestRelationsBothWays(t *testing.T) {
	e := setup(t)
	c := e.client()
	tr := e.truth()

	t.Run("roles, users and permissions", func(t *testing.T) {
		checked := 0
		for _, r := range tr.Roles {
			if len(r.UserIDs) == 0 || len(r.Permissions) == 0 {
				continue
			}
			var resp struct {
				Node struct {
					Users struct {
						TotalCount int
						Nodes      []ref
					}
					Permissions []struct {
						ID    string
						Roles []ref
					}
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on Role {
				users(first: 500) { totalCount nodes { id } }
				permissions { id roles { id } } } } }`, &resp, client.Var("id", e.key(schema.Role, r.ID)))
			var wantUsers []string
			for _, u := range r.UserIDs {
				wantUsers = append(wantUsers, e.key(schema.User, u))
			}
			if resp.Node.Users.TotalCount != len(r.UserIDs) {
				t.Errorf("role %s: totalCount %d, want %d", r.Name, resp.Node.Users.TotalCount, len(r.UserIDs))
			}
			sameSet(t, "role "+r.Name+" users", ids(resp.Node.Users.Nodes), wantUsers)
			var gotPerms []string
			for _, p := range resp.Node.Permissions {
				gotPerms = append(gotPerms, p.ID)
				found := false
				for _, back := range p.Roles {
					found = found || back.ID == e.key(schema.Role, r.ID)
				}
				if !found {
					t.Errorf("permission %s does not list role %s back", p.ID, r.Name)
				}
			}
			sameSet(t, "role "+r.Name+" permissions", gotPerms, e.rolePerms(r))

			// And from a user: user.roles holds the role.
			var u struct{ Node struct{ Roles []ref } }
			post(t, c, `query($id: ID!) { node(id: $id) { ... on User { roles { id name } } } }`, &u,
				client.Var("id", wantUsers[0]))
			var found bool
			for _, x := range u.Node.Roles {
				found = found || x.ID == e.key(schema.Role, r.ID)
			}
			if !found {
				t.Errorf("user %s: roles %v lack %s", wantUsers[0], u.Node.Roles, r.Name)
			}
			checked++
		}
		if checked == 0 {
			t.Fatal("no role with users and permissions in the simulated tenant")
		}
	})

	t.Run("organizations, members and their roles", func(t *testing.T) {
		checked := 0
		for _, o := range tr.Organizations {
			if len(o.Members) == 0 {
				continue
			}
			var resp struct {
				Node struct {
					Members struct {
						TotalCount int
						Nodes      []struct {
							User  ref
							Roles []ref
						}
					}
					Connections []struct {
						Connection              ref
						AssignMembershipOnLogin *bool
					}
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on Organization {
				members(first: 500) { totalCount nodes { user { id } roles { id } } }
				connections { connection { id } assignMembershipOnLogin } } } }`, &resp, client.Var("id", e.key(schema.Organization, o.ID)))
			if resp.Node.Members.TotalCount != len(o.Members) {
				t.Errorf("org %s: %d members, want %d", o.Name, resp.Node.Members.TotalCount, len(o.Members))
			}
			got := map[string][]string{}
			for _, m := range resp.Node.Members.Nodes {
				got[m.User.ID] = ids(m.Roles)
			}
			for _, m := range o.Members {
				var want []string
				for _, r := range m.Roles {
					want = append(want, e.key(schema.Role, r))
				}
				sameSet(t, "org "+o.Name+" member "+m.UserID+" roles", got[e.key(schema.User, m.UserID)], want)
			}
			var gotConns, wantConns []string
			for _, oc := range resp.Node.Connections {
				gotConns = append(gotConns, oc.Connection.ID)
			}
			for _, oc := range o.EnabledConnections {
				wantConns = append(wantConns, e.key(schema.Connection, oc.ConnectionID))
			}
			sameSet(t, "org "+o.Name+" connections", gotConns, wantConns)

			// From the member's side: user.organizations with the roles.
			m := o.Members[0]
			var u struct {
				Node struct {
					Organizations []struct {
						ID           string
						Organization ref
						Roles        []ref
					}
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on User { organizations { id organization { id } roles { id } } } } }`, &u,
				client.Var("id", e.key(schema.User, m.UserID)))
			var found bool
			for _, mem := range u.Node.Organizations {
				if mem.Organization.ID == e.key(schema.Organization, o.ID) {
					found = true
					if mem.ID != e.key(schema.OrgMembership, ingest.MembershipID(o.ID, m.UserID)) {
						t.Errorf("membership id %s", mem.ID)
					}
					var want []string
					for _, r := range m.Roles {
						want = append(want, e.key(schema.Role, r))
					}
					sameSet(t, "user.organizations roles", ids(mem.Roles), want)
				}
			}
			if !found {
				t.Errorf("user %s: organizations lack %s", m.UserID, o.Name)
			}
			checked++
		}
		if checked == 0 {
			t.Fatal("no organization with members")
		}
	})

	t.Run("clients, client grants and APIs", func(t *testing.T) {
		checked := 0
		for _, cg := range tr.ClientGrants {
			rs, ok := tr.apiByAud[cg.Audience]
			if !ok {
				continue
			}
			var resp struct {
				Node struct {
					Client      ref
					API         struct{ ID, Identifier string }
					IsSystem    *bool
					Permissions []ref
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on ClientGrant { client { id } api { id identifier } isSystem permissions { id } } } }`,
				&resp, client.Var("id", e.key(schema.ClientGrant, cg.ID)))
			n := resp.Node
			if n.Client.ID != e.key(schema.Client, cg.ClientID) || n.API.ID != e.key(schema.ResourceServer, rs.ID) || n.API.Identifier != cg.Audience {
				t.Errorf("client grant %s: client %s api %+v", cg.ID, n.Client.ID, n.API)
			}
			if (n.IsSystem != nil && *n.IsSystem) != cg.IsSystem {
				t.Errorf("client grant %s: isSystem %v, want %v", cg.ID, n.IsSystem, cg.IsSystem)
			}
			var want []string
			for _, s := range cg.Scope {
				want = append(want, e.permKey(cg.Audience, s))
			}
			sameSet(t, "client grant "+cg.ID+" permissions", ids(n.Permissions), want)

			var cl struct {
				Node struct {
					Grants []ref
					Apis   []struct {
						API    ref
						Scopes []string
					}
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on Client { grants { id } apis { api { id } scopes } } } }`,
				&cl, client.Var("id", e.key(schema.Client, cg.ClientID)))
			var hasGrant bool
			for _, g := range cl.Node.Grants {
				hasGrant = hasGrant || g.ID == e.key(schema.ClientGrant, cg.ID)
			}
			if !hasGrant {
				t.Errorf("client %s: grants lack %s", cg.ClientID, cg.ID)
			}
			var access []string
			for _, a := range cl.Node.Apis {
				if a.API.ID == e.key(schema.ResourceServer, rs.ID) {
					access = a.Scopes
				}
			}
			sameSet(t, "client "+cg.ClientID+" CAN_ACCESS scopes", access, cg.Scope)

			var api struct {
				Node struct {
					Permissions  []ref
					Clients      []struct{ Client ref }
					ClientGrants []ref
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on ResourceServer { permissions { id } clients { client { id } } clientGrants { id } } } }`,
				&api, client.Var("id", e.key(schema.ResourceServer, rs.ID)))
			var wantDefined []string
			for _, s := range rs.Scopes {
				wantDefined = append(wantDefined, e.permKey(rs.Identifier, s.Value))
			}
			sameSet(t, "api "+rs.Name+" permissions", ids(api.Node.Permissions), wantDefined)
			var apiClients []string
			for _, x := range api.Node.Clients {
				apiClients = append(apiClients, x.Client.ID)
			}
			if !contains(apiClients, e.key(schema.Client, cg.ClientID)) || !contains(ids(api.Node.ClientGrants), e.key(schema.ClientGrant, cg.ID)) {
				t.Errorf("api %s: clients %v / grants %v lack %s / %s", rs.Name, apiClients, ids(api.Node.ClientGrants), cg.ClientID, cg.ID)
			}
			checked++
		}
		if checked == 0 {
			t.Fatal("no client grant for a known API")
		}
	})

	t.Run("consent grants", func(t *testing.T) {
		if len(tr.Grants) == 0 {
			t.Fatal("no consent grants in the simulated tenant")
		}
		for _, g := range tr.Grants[:min(10, len(tr.Grants))] {
			var resp struct {
				Node struct {
					User   ref
					Client ref
					API    *ref
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on Grant { user { id } client { id } api { id } } } }`,
				&resp, client.Var("id", e.key(schema.Grant, g.ID)))
			wantClient := ""
			for _, cl := range tr.Clients {
				if cl.ClientID == g.ClientID {
					wantClient = e.key(schema.Client, g.ClientID) // grants may name a deleted client
				}
			}
			if resp.Node.User.ID != e.key(schema.User, g.UserID) || resp.Node.Client.ID != wantClient {
				t.Errorf("grant %s: %+v", g.ID, resp.Node)
			}
			if rs, ok := tr.apiByAud[g.Audience]; ok && (resp.Node.API == nil || resp.Node.API.ID != e.key(schema.ResourceServer, rs.ID)) {
				t.Errorf("grant %s: api %v, want %s", g.ID, resp.Node.API, rs.ID)
			}
			var u struct{ Node struct{ Grants []ref } }
			post(t, c, `query($id: ID!) { node(id: $id) { ... on User { grants { id } } } }`, &u, client.Var("id", e.key(schema.User, g.UserID)))
			var want []string
			for _, x := range tr.Grants {
				if x.UserID == g.UserID {
					want = append(want, e.key(schema.Grant, x.ID))
				}
			}
			sameSet(t, "user "+g.UserID+" grants", ids(u.Node.Grants), want)
		}
	})

	t.Run("connections", func(t *testing.T) {
		for _, cn := range tr.Connections {
			var resp struct {
				Node struct {
					Users         struct{ TotalCount int }
					Clients       []ref
					Organizations []ref
				}
			}
			post(t, c, `query($id: ID!) { node(id: $id) { ... on Connection { users { totalCount } clients { id } organizations { id } } } }`,
				&resp, client.Var("id", e.key(schema.Connection, cn.ID)))
			users := 0
			for _, u := range tr.Users {
				if u.ConnectionID == cn.ID {
					users++
				}
			}
			if resp.Node.Users.TotalCount != users {
				t.Errorf("connection %s: %d users, want %d", cn.Name, resp.Node.Users.TotalCount, users)
			}
			var wantClients, wantOrgs []string
			for _, cl := range cn.EnabledClients {
				wantClients = append(wantClients, e.key(schema.Client, cl))
			}
			for _, o := range tr.Organizations {
				for _, oc := range o.EnabledConnections {
					if oc.ConnectionID == cn.ID {
						wantOrgs = append(wantOrgs, e.key(schema.Organization, o.ID))
					}
				}
			}
			sameSet(t, "connection "+cn.Name+" clients", ids(resp.Node.Clients), wantClients)
			sameSet(t, "connection "+cn.Name+" organizations", ids(resp.Node.Organizations), wantOrgs)
		}
	})

	t.Run("direct permissions", func(t *testing.T) {
		if len(tr.UserPermissions) == 0 {
			t.Skip("the simulated tenant has no direct user permissions")
		}
		up := tr.UserPermissions[0]
		pid := e.permKey(up.ResourceServerIdentifier, up.PermissionName)
		var resp struct {
			Node struct{ Users struct{ Nodes []ref } }
		}
		post(t, c, `query($id: ID!) { node(id: $id) { ... on Permission { users(first: 500) { nodes { id } } } } }`, &resp, client.Var("id", pid))
		var want []string
		for _, x := range tr.UserPermissions {
			if e.permKey(x.ResourceServerIdentifier, x.PermissionName) == pid {
				want = append(want, e.key(schema.User, x.UserID))
			}
		}
		sameSet(t, "permission users", ids(resp.Node.Users.Nodes), want)
		var u struct{ Node struct{ Permissions []ref } }
		post(t, c, `query($id: ID!) { node(id: $id) { ... on User { permissions { id } } } }`, &u, client.Var("id", e.key(schema.User, up.UserID)))
		if !contains(ids(u.Node.Permissions), pid) {
			t.Errorf("user %s: permissions %v lack %s", up.UserID, u.Node.Permissions, pid)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A query that also asks for a graph node's whole properties reads whole
// assets (no projection): relations under it come out as with a projection.
func TestRelationsWithWholeAssets(t *testing.T) {
	e := setup(t)
	c := e.client()
	checked := 0
	for _, r := range e.truth().Roles {
		if len(r.UserIDs) == 0 || checked == 5 {
			continue
		}
		id := e.key(schema.User, r.UserIDs[0])
		type user struct {
			Email *string
			Roles []struct {
				ID          string
				Name        string
				Permissions []ref
			}
		}
		var projected struct{ Node user }
		post(t, c, `query($id: ID!) { node(id: $id) { ... on User { email roles { id name permissions { id name } } } } }`,
			&projected, client.Var("id", id))
		var whole struct {
			Node          user
			Neighbourhood struct {
				Nodes []struct {
					ID         string
					Properties map[string]any
				}
			}
		}
		post(t, c, `query($id: ID!) { node(id: $id) { ... on User { email roles { id name permissions { id name } } } }
			neighbourhood(id: $id, depth: 1) { nodes { id properties } } }`, &whole, client.Var("id", id))
		if !reflect.DeepEqual(whole.Node, projected.Node) || len(projected.Node.Roles) == 0 || projected.Node.Email == nil {
			t.Errorf("user %s:\nwhole assets %+v\nprojected    %+v", id, whole.Node, projected.Node)
		}
		var center map[string]any
		for _, n := range whole.Neighbourhood.Nodes {
			if n.ID == id {
				center = n.Properties
			}
		}
		if center == nil || center["email"] != *projected.Node.Email || center["tenant"] != e.tenant {
			t.Errorf("user %s: graph node properties %v", id, center)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no role with users in the simulated tenant")
	}
}
