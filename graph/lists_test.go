package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/schema"
)

type userPage struct {
	Users struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct {
				ID    string
				Email *string
			}
		}
		PageInfo struct {
			HasNextPage     bool
			HasPreviousPage bool
			EndCursor       *string
		}
	}
}

const usersQuery = `query($tenant: String, $filter: UserFilter, $order: Sort, $first: Int, $after: String) {
	users(tenant: $tenant, filter: $filter, orderBy: $order, first: $first, after: $after) {
		totalCount edges { cursor node { id email } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`

// allUsers pages through users with filter and order, checking the page
// invariants, and returns the ids in order and the reported total.
func allUsers(t *testing.T, e *testEnv, filter map[string]any, order map[string]any, pageSize int) ([]string, []string, int) {
	t.Helper()
	c := e.client()
	var ids, emails []string
	var after *string
	total := -1
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		var p userPage
		post(t, c, usersQuery, &p, client.Var("tenant", e.tenant), client.Var("filter", filter), client.Var("order", order),
			client.Var("first", pageSize), client.Var("after", after))
		if total >= 0 && p.Users.TotalCount != total {
			t.Fatalf("totalCount changed between pages: %d then %d", total, p.Users.TotalCount)
		}
		total = p.Users.TotalCount
		if p.Users.PageInfo.HasPreviousPage != (after != nil) {
			t.Errorf("page %d: hasPreviousPage %v", pages, p.Users.PageInfo.HasPreviousPage)
		}
		for _, ed := range p.Users.Edges {
			ids = append(ids, ed.Node.ID)
			emails = append(emails, deref(ed.Node.Email))
		}
		if !p.Users.PageInfo.HasNextPage {
			if len(p.Users.Edges) > pageSize {
				t.Errorf("page of %d edges for first %d", len(p.Users.Edges), pageSize)
			}
			break
		}
		if len(p.Users.Edges) != pageSize || p.Users.PageInfo.EndCursor == nil || *p.Users.PageInfo.EndCursor != p.Users.Edges[len(p.Users.Edges)-1].Cursor {
			t.Fatalf("page %d: %d edges, endCursor %v", pages, len(p.Users.Edges), p.Users.PageInfo.EndCursor)
		}
		after = p.Users.PageInfo.EndCursor
	}
	return ids, emails, total
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestPaginationThroughAllUsers(t *testing.T) {
	e := setup(t)
	ids, _, total := allUsers(t, e, nil, nil, 37)
	if total != testUsers || len(ids) != testUsers {
		t.Fatalf("paged %d users, totalCount %d, want %d", len(ids), total, testUsers)
	}
	var want []string
	for _, u := range e.snap.Users {
		want = append(want, e.key(schema.User, u.UserID))
	}
	sameSet(t, "all users", ids, want)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("user %s on two pages", id)
		}
		seen[id] = true
	}

	// Sorted by email, descending, in pages of 50.
	_, emails, _ := allUsers(t, e, nil, map[string]any{"field": "email", "direction": "DESC"}, 50)
	for i := 1; i < len(emails); i++ {
		if emails[i-1] < emails[i] {
			t.Fatalf("not sorted by email desc at %d: %q then %q", i, emails[i-1], emails[i])
		}
	}

	// A bad cursor or sort field is the caller's error.
	raw, err := e.client().RawPost(usersQuery, client.Var("after", "bogus"))
	if err != nil {
		t.Fatal(err)
	}
	if code := errCode(t, raw); code != "INVALID" {
		t.Errorf("bad cursor: code %q (%s)", code, raw.Errors)
	}
	raw, _ = e.client().RawPost(usersQuery, client.Var("order", map[string]any{"field": "password"}))
	if code := errCode(t, raw); code != "INVALID" {
		t.Errorf("bad sort field: code %q (%s)", code, raw.Errors)
	}
}

func TestUserFilters(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	users := tr.Users
	count := func(keep func(u auth0sim.User) bool) []string {
		var out []string
		for _, u := range users {
			if keep(u) {
				out = append(out, e.key(schema.User, u.UserID))
			}
		}
		return out
	}
	prefix := users[0].Email[:2]
	var role auth0sim.Role
	for _, r := range tr.Roles {
		if len(r.UserIDs) > len(role.UserIDs) {
			role = r
		}
	}
	var org auth0sim.Organization
	for _, o := range tr.Organizations {
		if len(o.Members) > len(org.Members) {
			org = o
		}
	}
	var withLogin []time.Time
	for _, u := range users {
		if !u.LastLogin.IsZero() {
			withLogin = append(withLogin, u.LastLogin)
		}
	}
	pivot := withLogin[len(withLogin)/2]
	cases := []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"email prefix", map[string]any{"email": map[string]any{"prefix": prefix}},
			count(func(u auth0sim.User) bool { return strings.HasPrefix(u.Email, prefix) })},
		{"email contains (any case)", map[string]any{"email": map[string]any{"contains": strings.ToUpper(users[1].Email[1:4])}},
			count(func(u auth0sim.User) bool {
				return strings.Contains(strings.ToLower(u.Email), strings.ToLower(users[1].Email[1:4]))
			})},
		{"connection", map[string]any{"connection": users[0].Connection},
			count(func(u auth0sim.User) bool { return u.Connection == users[0].Connection })},
		{"blocked", map[string]any{"blocked": true}, count(func(u auth0sim.User) bool { return u.Blocked })},
		{"not blocked", map[string]any{"blocked": false}, count(func(u auth0sim.User) bool { return !u.Blocked })},
		{"mfa enrolled", map[string]any{"mfaEnrolled": true}, count(func(u auth0sim.User) bool { return len(u.Multifactor) > 0 })},
		{"role", map[string]any{"role": e.key(schema.Role, role.ID)}, count(func(u auth0sim.User) bool { return contains(u.RoleIDs, role.ID) })},
		{"organization", map[string]any{"organization": e.key(schema.Organization, org.ID)},
			count(func(u auth0sim.User) bool { return contains(u.OrgIDs, org.ID) })},
		{"last login before", map[string]any{"lastLogin": map[string]any{"before": pivot.Format(time.RFC3339Nano)}},
			count(func(u auth0sim.User) bool { return !u.LastLogin.IsZero() && u.LastLogin.Before(pivot) })},
		{"last login after", map[string]any{"lastLogin": map[string]any{"after": pivot.Format(time.RFC3339Nano)}},
			count(func(u auth0sim.User) bool { return u.LastLogin.After(pivot) })},
		{"never logged in", map[string]any{"lastLogin": map[string]any{"isNull": true}},
			count(func(u auth0sim.User) bool { return u.LastLogin.IsZero() })},
		{"role and mfa", map[string]any{"role": e.key(schema.Role, role.ID), "mfaEnrolled": true},
			count(func(u auth0sim.User) bool { return contains(u.RoleIDs, role.ID) && len(u.Multifactor) > 0 })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.want) == 0 {
				t.Fatal("the ground truth has no user for this filter: the case proves nothing")
			}
			ids, _, total := allUsers(t, e, tc.filter, nil, 100)
			if total != len(tc.want) {
				t.Errorf("totalCount %d, want %d", total, len(tc.want))
			}
			sameSet(t, tc.name, ids, tc.want)
		})
	}
}

func TestOtherListFilters(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	c := e.client()
	type conn struct {
		TotalCount int
		Nodes      []ref
	}

	var appType string
	for _, cl := range tr.Clients {
		if cl.AppType != "" {
			appType = cl.AppType
		}
	}
	var wantApp, wantCC []string
	for _, cl := range tr.Clients {
		if cl.AppType == appType {
			wantApp = append(wantApp, e.key(schema.Client, cl.ClientID))
		}
		if contains(cl.GrantTypes, "client_credentials") {
			wantCC = append(wantCC, e.key(schema.Client, cl.ClientID))
		}
	}
	var cr struct{ ByApp, ByGrant conn }
	post(t, c, `query($t: String, $app: [String!], $gt: String) {
		byApp: clients(tenant: $t, filter: {appType: $app}, first: 500) { totalCount nodes { id name } }
		byGrant: clients(tenant: $t, filter: {grantType: $gt}, first: 500) { totalCount nodes { id name } } }`, &cr,
		client.Var("t", e.tenant), client.Var("app", []string{appType}), client.Var("gt", "client_credentials"))
	sameSet(t, "clients by app type "+appType, ids(cr.ByApp.Nodes), wantApp)
	sameSet(t, "clients by grant type", ids(cr.ByGrant.Nodes), wantCC)
	if cr.ByApp.TotalCount != len(wantApp) {
		t.Errorf("clients by app type: totalCount %d, want %d", cr.ByApp.TotalCount, len(wantApp))
	}

	var mgmt string
	for _, rs := range tr.ResourceServers {
		if rs.IsSystem {
			mgmt = rs.Identifier
		}
	}
	var wantAud, wantSys []string
	for _, cg := range tr.ClientGrants {
		if cg.Audience == mgmt {
			wantAud = append(wantAud, e.key(schema.ClientGrant, cg.ID))
		}
		if cg.IsSystem {
			wantSys = append(wantSys, e.key(schema.ClientGrant, cg.ID))
		}
	}
	var gr struct{ ByAud, System conn }
	post(t, c, `query($t: String, $aud: String) {
		byAud: clientGrants(tenant: $t, filter: {audience: $aud}, first: 500) { totalCount nodes { id } }
		system: clientGrants(tenant: $t, filter: {isSystem: true}, first: 500) { totalCount nodes { id } } }`, &gr,
		client.Var("t", e.tenant), client.Var("aud", mgmt))
	sameSet(t, "client grants for the Management API", ids(gr.ByAud.Nodes), wantAud)
	sameSet(t, "system client grants", ids(gr.System.Nodes), wantSys)

	// Every kind's list answers, with a total equal to the sync's count.
	var all struct {
		Roles, Permissions, Organizations, Clients, ClientGrants, Grants, ResourceServers, Connections,
		CustomDomains, LogStreams, Actions, TenantSettings struct{ TotalCount int }
	}
	post(t, c, `query($t: String) {
		roles(tenant: $t) { totalCount } permissions(tenant: $t) { totalCount } organizations(tenant: $t) { totalCount }
		clients(tenant: $t) { totalCount } clientGrants(tenant: $t) { totalCount } grants(tenant: $t) { totalCount }
		resourceServers(tenant: $t) { totalCount } connections(tenant: $t) { totalCount } customDomains(tenant: $t) { totalCount }
		logStreams(tenant: $t) { totalCount } actions(tenant: $t) { totalCount } tenantSettings(tenant: $t) { totalCount } }`,
		&all, client.Var("t", e.tenant))
	for name, got := range map[string]int{
		"Role": all.Roles.TotalCount, "Organization": all.Organizations.TotalCount, "Client": all.Clients.TotalCount,
		"ClientGrant": all.ClientGrants.TotalCount, "Grant": all.Grants.TotalCount, "ResourceServer": all.ResourceServers.TotalCount,
		"Connection": all.Connections.TotalCount, "CustomDomain": all.CustomDomains.TotalCount, "LogStream": all.LogStreams.TotalCount,
		"Action": all.Actions.TotalCount, "TenantSettings": all.TenantSettings.TotalCount, "Permission": all.Permissions.TotalCount,
	} {
		want := e.summary.Counts[name]
		if name == "Permission" {
			// The sync counts the permissions APIs define; the simulator's
			// roles and grants also reference 3 that no API defines (the
			// rules' "undefined permission" cases), which are nodes too.
			want += 3
		}
		if got != want {
			t.Errorf("%s: totalCount %d, sync counted %d", name, got, want)
		}
	}
	if len(tr.Roles) != all.Roles.TotalCount || len(tr.Clients) != all.Clients.TotalCount || len(tr.Organizations) != all.Organizations.TotalCount {
		t.Errorf("roles %d/%d clients %d/%d orgs %d/%d (graph/truth)", all.Roles.TotalCount, len(tr.Roles),
			all.Clients.TotalCount, len(tr.Clients), all.Organizations.TotalCount, len(tr.Organizations))
	}
}
