package auth0sim

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"
)

func TestMutations(t *testing.T) {
	s, _, m := testSim(t, Config{Seed: 21, Users: 1000})
	ctx := context.Background()
	tn := s.Snapshot()
	checkpoint := tn.Logs[len(tn.Logs)-1].LogID
	dbConn := tn.Connections[0]

	// Users: create, update, then find them through list and search.
	u := &management.User{Connection: &dbConn.Name, Email: auth0String("new.person@example.com"),
		Password: auth0String("correct horse battery staple")}
	if err := m.User.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.GetID(), "auth0|") || u.GetCreatedAt().IsZero() {
		t.Fatalf("created user %s", u.GetID())
	}
	if err := m.User.Create(ctx, &management.User{Connection: &dbConn.Name, Email: u.Email, Password: u.Password}); statusOf(err) != 409 {
		t.Fatalf("duplicate user: %v", err)
	}
	l := must(m.User.List(ctx, management.Query(`email:"new.person@example.com"`)))(t)
	if l.Total != 1 || l.Users[0].GetID() != u.GetID() {
		t.Fatalf("search after create: total %d", l.Total)
	}
	if all := must(m.User.List(ctx, management.PerPage(1)))(t); all.Total != 1001 {
		t.Fatalf("users total %d after create", all.Total)
	}
	target := tn.Users[500]
	time.Sleep(5 * time.Millisecond) // the update must be later than the creation
	before := time.Now()
	if err := m.User.Update(ctx, target.UserID, &management.User{Blocked: ptrBool(true), Name: auth0String("Renamed")}); err != nil {
		t.Fatal(err)
	}
	got := must(m.User.Read(ctx, target.UserID))(t)
	if !got.GetBlocked() || got.GetName() != "Renamed" || !got.GetUpdatedAt().After(target.UpdatedAt) {
		t.Fatalf("updated user: blocked %v name %s", got.GetBlocked(), got.GetName())
	}
	q := "updated_at:[" + before.UTC().Format("2006-01-02T15:04:05.000Z") + " TO *]"
	changed := must(m.User.List(ctx, management.Query(q), management.Sort("updated_at:1")))(t)
	if changed.Total != 1 || changed.Users[0].GetID() != target.UserID {
		t.Fatalf("updated_at search: %d users", changed.Total)
	}

	// Roles: create, assign users and permissions.
	role := &management.Role{Name: auth0String("sim-test-role"), Description: auth0String("made by a test")}
	if err := m.Role.Create(ctx, role); err != nil {
		t.Fatal(err)
	}
	billing := tn.ResourceServers[1]
	if err := m.Role.AssignUsers(ctx, role.GetID(), []*management.User{{ID: u.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Role.AssociatePermissions(ctx, role.GetID(), []*management.Permission{
		{ResourceServerIdentifier: &billing.Identifier, Name: &billing.Scopes[0].Value}}); err != nil {
		t.Fatal(err)
	}
	ru := must(m.Role.Users(ctx, role.GetID(), management.Take(10)))(t)
	ur := must(m.User.Roles(ctx, u.GetID()))(t)
	up := must(m.User.Permissions(ctx, u.GetID()))(t)
	if len(ru.Users) != 1 || ur.Total != 1 || ur.Roles[0].GetID() != role.GetID() || up.Total != 1 {
		t.Fatalf("role assignment: %d users, %d roles, %d permissions", len(ru.Users), ur.Total, up.Total)
	}

	// Organizations: members, member roles, connections.
	org := tn.Organizations[1]
	orgAdmin := findRole(tn, "org-admin")
	if err := m.Organization.AddMembers(ctx, org.ID, []string{u.GetID()}); err != nil {
		t.Fatal(err)
	}
	if err := m.Organization.AssignMemberRoles(ctx, org.ID, u.GetID(), []string{orgAdmin.ID}); err != nil {
		t.Fatal(err)
	}
	found := false
	for from := ""; ; {
		ml := must(m.Organization.Members(ctx, org.ID, management.From(from), management.Take(100),
			management.Parameter("fields", "user_id,roles")))(t)
		for _, mem := range ml.Members {
			if mem.GetUserID() == u.GetID() {
				found = len(mem.Roles) == 1 && mem.Roles[0].GetID() == orgAdmin.ID
			}
		}
		if len(ml.Members) == 0 {
			break
		}
		from = ml.Next
	}
	uo := must(m.User.Organizations(ctx, u.GetID()))(t)
	if !found || uo.Total != 1 {
		t.Fatalf("membership: found %v, %d orgs", found, uo.Total)
	}
	google := tn.Connections[1]
	if err := m.Organization.AddConnection(ctx, tn.Organizations[2].ID, &management.OrganizationConnection{
		ConnectionID: &google.ID, AssignMembershipOnLogin: ptrBool(true)}); err != nil {
		t.Fatal(err)
	}
	if oc := must(m.Organization.Connections(ctx, tn.Organizations[2].ID))(t); oc.Total != 1 {
		t.Fatalf("org connections %d", oc.Total)
	}

	// Clients, client grants, grants, resource servers, connections, domains.
	c := &management.Client{Name: auth0String("Test SPA"), AppType: auth0String("spa"),
		Callbacks: &[]string{"https://test.example/cb"}}
	if err := m.Client.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := m.Client.Update(ctx, c.GetClientID(), &management.Client{Callbacks: &[]string{"https://*.test.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	if cl := must(m.Client.Read(ctx, c.GetClientID()))(t); cl.GetCallbacks()[0] != "https://*.test.example/cb" {
		t.Fatal("client update")
	}
	cg := &management.ClientGrant{ClientID: c.ClientID, Audience: &billing.Identifier, Scope: &[]string{"read:invoices"}}
	if err := m.ClientGrant.Create(ctx, cg); err != nil {
		t.Fatal(err)
	}
	if l := must(m.ClientGrant.List(ctx, management.Parameter("client_id", c.GetClientID())))(t); l.Total != 1 {
		t.Fatalf("client grants of new client: %d", l.Total)
	}
	if err := m.Client.Delete(ctx, c.GetClientID()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Client.Read(ctx, c.GetClientID()); statusOf(err) != 404 {
		t.Fatalf("deleted client: %v", err)
	}
	if l := must(m.ClientGrant.List(ctx, management.Parameter("client_id", c.GetClientID())))(t); l.Total != 0 {
		t.Fatal("client grants survive their client")
	}
	if err := m.Grant.Delete(ctx, tn.Grants[0].ID); err != nil {
		t.Fatal(err)
	}
	if gl := must(m.Grant.List(ctx))(t); gl.Total != len(tn.Grants)-1 {
		t.Fatalf("grants after delete: %d", gl.Total)
	}
	rs := &management.ResourceServer{Name: auth0String("New API"), Identifier: auth0String("https://new.example/api"),
		Scopes: &[]management.ResourceServerScope{{Value: auth0String("read:things")}}}
	if err := m.ResourceServer.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	conn := &management.Connection{Name: auth0String("partners-db"), Strategy: auth0String("auth0"),
		Options: &management.ConnectionOptions{PasswordPolicy: auth0String("excellent")}}
	if err := m.Connection.Create(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := m.Connection.Delete(ctx, conn.GetID()); err != nil {
		t.Fatal(err)
	}
	if err := m.CustomDomain.Create(ctx, &management.CustomDomain{Domain: auth0String("sso.test.example"), Type: auth0String("auth0_managed_certs")}); err != nil {
		t.Fatal(err)
	}
	if cds := must(m.CustomDomain.List(ctx))(t); len(cds) != len(tn.CustomDomains)+1 {
		t.Fatalf("custom domains %d", len(cds))
	}

	// Delete a generated admin: gone from reads, its role and its org.
	admin := findRole(tn, "admin")
	victim := admin.UserIDs[0]
	if err := m.User.Delete(ctx, victim); err != nil {
		t.Fatal(err)
	}
	if _, err := m.User.Read(ctx, victim); statusOf(err) != 404 {
		t.Fatalf("deleted user read: %v", err)
	}
	if err := m.User.Delete(ctx, victim); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if au := must(m.Role.Users(ctx, admin.ID, management.PerPage(100), management.IncludeTotals(true)))(t); au.Total != len(admin.UserIDs)-1 {
		t.Fatalf("admin holders after delete: %d", au.Total)
	}
	after := s.Snapshot()
	for _, usr := range after.Users {
		if usr.UserID == victim {
			t.Fatal("deleted user still in the ground truth")
		}
	}
	if r := findRole(after, "sim-test-role"); !equalStrings(r.UserIDs, []string{u.GetID()}) {
		t.Fatalf("ground truth role users %v", r.UserIDs)
	}

	// Every mutation left a log event after the checkpoint.
	var events []*management.Log
	for from := checkpoint; ; {
		page := must(m.Log.List(ctx, management.Parameter("from", from), management.Parameter("take", "100")))(t)
		if len(page) == 0 {
			break
		}
		events = append(events, page...)
		from = page[len(page)-1].GetLogID()
	}
	seen := map[string]bool{}
	for _, e := range events {
		switch e.GetType() {
		case "sapi":
			req, _ := e.Details["request"].(map[string]interface{})
			// Auth0 logs the escaped path (auth0%7C…): compare unescaped.
			path, _ := req["path"].(string)
			if p, err := url.PathUnescape(path); err == nil {
				path = p
			}
			seen[fmt.Sprintf("%v %v", req["method"], path)] = true
		case "sdu", "ss":
			seen[e.GetType()+" "+e.GetUserID()] = true
		}
	}
	for _, want := range []string{
		"post /api/v2/users",
		"patch /api/v2/users/" + target.UserID,
		"delete /api/v2/users/" + victim,
		"post /api/v2/roles/" + role.GetID() + "/users",
		"post /api/v2/organizations/" + org.ID + "/members",
		"post /api/v2/organizations/" + org.ID + "/members/" + u.GetID() + "/roles",
		"delete /api/v2/clients/" + c.GetClientID(),
		"post /api/v2/client-grants",
		"delete /api/v2/grants/" + tn.Grants[0].ID,
		"post /api/v2/resource-servers",
		"delete /api/v2/connections/" + conn.GetID(),
		"post /api/v2/custom-domains",
		"sdu " + victim,
		"ss " + u.GetID(),
	} {
		if !seen[want] {
			t.Errorf("no log event %q", want)
		}
	}
}
