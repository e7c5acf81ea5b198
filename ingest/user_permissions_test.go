package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// directPerms reads the graph's HAS_PERMISSION relations ("user perm") and
// the users whose direct permissions are marked known.
func (e *env) directPerms() (rels map[string]bool, known map[string]bool) {
	e.t.Helper()
	ctx := context.Background()
	rels, known = map[string]bool{}, map[string]bool{}
	res, err := neo4j.ExecuteQuery(ctx, e.driver, `MATCH (u:Auth0User {tenant: $t})-[:HAS_PERMISSION]->(p:Auth0Permission)
RETURN u.native_id, p.native_id`, map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		rels[fmt.Sprint(r.Values[0], " ", r.Values[1])] = true
	}
	res, err = neo4j.ExecuteQuery(ctx, e.driver, `MATCH (u:Auth0User {tenant: $t}) WHERE u.direct_permissions_at IS NOT NULL
RETURN u.native_id`, map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		known[r.Values[0].(string)] = true
	}
	return rels, known
}

// truthPerms is the simulator's direct permissions of the given users
// (all when users is nil), as "user perm".
func truthPerms(tn *auth0sim.Tenant, users map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, up := range tn.UserPermissions {
		if users == nil || users[up.UserID] {
			out[up.UserID+" "+ingest.PermissionID(up.ResourceServerIdentifier, up.PermissionName)] = true
		}
	}
	return out
}

func setOf(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// TestDirectPermissionsPacedAcrossSyncs: with a budget of 100 calls per sync,
// a 250-user tenant's direct permissions are read 100 users a sync in id
// order, resumed where the last sync stopped, then round again; users not
// yet read are marked unknown; the stale cleanup of a user's direct
// permissions happens only when that user is read again.
func TestDirectPermissionsPacedAcrossSyncs(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 71, Users: 250})
	ctx := context.Background()
	m := e.mgmt()
	snap := e.sim.Snapshot()
	var sorted []string
	for _, u := range snap.Users {
		sorted = append(sorted, u.UserID)
	}
	sort.Strings(sorted)
	if len(snap.UserPermissions) == 0 {
		t.Fatal("the simulator generated no direct permissions")
	}
	perm := &management.Permission{Name: &snap.UserPermissions[0].PermissionName, ResourceServerIdentifier: &snap.UserPermissions[0].ResourceServerIdentifier}
	// u is read in the second sync and again (after one round) far later.
	u := sorted[150]
	if err := m.User.AssignPermissions(ctx, u, []*management.Permission{perm}); err != nil {
		t.Fatal(err)
	}
	budget := func(n int) func(*ingest.Config) { return func(c *ingest.Config) { c.UserPermissionsBudget = n } }
	cursor := func() string {
		c, err := e.st.UserPermissionsCursor(ctx, e.tenant)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	check := func(step string, sum *ingest.Summary, read []string, unknown int) {
		t.Helper()
		up := sum.UserPermissions
		if up == nil || up.Users != len(read) || up.Unknown != unknown || up.Total != len(sorted) {
			t.Fatalf("%s: report %+v, want %d users read, %d unknown of %d", step, up, len(read), unknown, len(sorted))
		}
		rels, known := e.directPerms()
		truth := e.sim.Snapshot()
		if want := truthPerms(truth, known); !mapsEqual(rels, want) {
			missing, extra := diff(want, rels)
			t.Errorf("%s: HAS_PERMISSION of known users: missing %v, extra %v", step, missing, extra)
		}
		for _, id := range read {
			if !known[id] {
				t.Errorf("%s: %s was read but is not marked known", step, id)
			}
		}
		if len(known) != len(sorted)-unknown {
			t.Errorf("%s: %d users marked known, want %d", step, len(known), len(sorted)-unknown)
		}
		hasInc := slices.ContainsFunc(sum.Incomplete, func(i store.Incompleteness) bool { return i.Resource == "user_permissions" })
		if hasInc != (unknown > 0) {
			t.Errorf("%s: incompleteness %+v with %d unknown", step, sum.Incomplete, unknown)
		}
	}

	s1 := e.sync(budget(100))
	check("sync 1", s1, sorted[:100], 150)
	if s1.UserPermissions.Calls != 100 || cursor() != sorted[99] {
		t.Errorf("sync 1: %d calls, cursor %q; want 100 and %q", s1.UserPermissions.Calls, cursor(), sorted[99])
	}
	// Every user's role permissions etc. are complete: only HAS_PERMISSION
	// of the unknown users differs from a full collection.
	s2 := e.sync(budget(100))
	check("sync 2", s2, sorted[100:200], 50)
	s3 := e.sync(budget(100))
	check("sync 3", s3, append(append([]string{}, sorted[200:]...), sorted[:50]...), 0)
	if !s3.UserPermissions.Wrapped || cursor() != sorted[49] {
		t.Errorf("sync 3: wrapped %v, cursor %q; want round again to %q", s3.UserPermissions.Wrapped, cursor(), sorted[49])
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))

	// u loses its permission in Auth0; v (read next) gains one.
	v := sorted[55]
	if err := m.User.RemovePermissions(ctx, u, []*management.Permission{perm}); err != nil {
		t.Fatal(err)
	}
	if err := m.User.AssignPermissions(ctx, v, []*management.Permission{perm}); err != nil {
		t.Fatal(err)
	}
	stale := u + " " + ingest.PermissionID(*perm.ResourceServerIdentifier, *perm.Name)
	s4 := e.sync(budget(10)) // reads sorted[50:60]: v, not u
	rels, _ := e.directPerms()
	if !rels[stale] {
		t.Errorf("u's direct permission was removed before u was read again")
	}
	if !rels[v+" "+ingest.PermissionID(*perm.ResourceServerIdentifier, *perm.Name)] {
		t.Errorf("v's new direct permission is missing after v was read")
	}
	if s4.Deleted[schema.RelHasPermission.Name()] != 0 {
		t.Errorf("sync 4 deleted %v", s4.Deleted)
	}
	s5 := e.sync(budget(150 - 60 + 1)) // reads sorted[60:151], u last
	rels, _ = e.directPerms()
	if rels[stale] {
		t.Errorf("u's removed permission is still in the graph after u was read")
	}
	if s5.Deleted[schema.RelHasPermission.Name()] != 1 {
		t.Errorf("sync 5 deleted %v, want one HAS_PERMISSION", s5.Deleted)
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))

	// A user created since is unknown until the walk reaches it; the next
	// user sync keeps the others' marks.
	db := ""
	for _, c := range snap.Connections {
		if c.Strategy == "auth0" {
			db = c.Name
		}
	}
	if err := m.User.Create(ctx, &management.User{Connection: auth0.String(db),
		Email: auth0.String("zz-new@example.com"), Password: auth0.String("Secret-1234567")}); err != nil {
		t.Fatal(err)
	}
	s6 := e.sync(budget(ingest.BudgetNone))
	_, known := e.directPerms()
	if len(known) != len(sorted) {
		t.Errorf("after a user sync %d users are marked known, want the %d read before", len(known), len(sorted))
	}
	if up := s6.UserPermissions; up != nil {
		t.Errorf("budget none still walked: %+v", up)
	}
	users, unknown, err := e.st.DirectPermissionsCoverage(ctx, e.tenant)
	if err != nil || users != len(sorted)+1 || unknown != 1 {
		t.Errorf("coverage %d users, %d unknown (%v); want %d and 1", users, unknown, err, len(sorted)+1)
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
