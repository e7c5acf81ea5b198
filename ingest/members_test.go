package ingest_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// A membership change costs a pass per member, not per organization: the
// log names the members, and the pass reads each one's organizations and
// roles instead of the organization's whole member list, then leaves the
// graph a full collection would.

// changeLog records what a pass reports as changed.
type changeLog struct {
	mu    sync.Mutex
	nodes map[string]string // "Kind native" → op
	rels  map[string]string // "TYPE from → to" → op
}

func newChangeLog() *changeLog {
	return &changeLog{nodes: map[string]string{}, rels: map[string]string{}}
}

func (c *changeLog) Nodes(k *schema.Kind, ch []store.NodeChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range ch {
		c.nodes[k.Name+" "+x.NativeID] = x.Op
	}
}

func (c *changeLog) Rels(r *schema.Relation, ch []store.RelChange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range ch {
		c.rels[r.Type+" "+x.FromID+" → "+x.ToID] = x.Op
	}
}

// membersPass runs one pass and returns it with what it changed and the
// simulator requests it made: in all, and of organization member lists.
func (e *env) membersPass() (sum *ingest.Summary, ch *changeLog, requests, memberPages int64) {
	e.t.Helper()
	ch = newChangeLog()
	cfg := e.config()
	cfg.Changes = ch
	ctx := context.Background()
	api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		e.t.Fatal(err)
	}
	before := e.sim.Stats()
	sum, err = ingest.Pass(ctx, e.st, api, cfg, ingest.PassOptions{})
	if err != nil {
		e.t.Fatalf("pass: %v", err)
	}
	if sum.Mode != ingest.ModeIncremental || sum.Status != "ok" {
		e.t.Fatalf("pass: mode %q status %q (%v)", sum.Mode, sum.Status, sum.Failed)
	}
	after := e.sim.Stats()
	return sum, ch, after.Requests - before.Requests,
		after.Kinds[auth0sim.KindOrgMembers].Requests - before.Kinds[auth0sim.KindOrgMembers].Requests
}

func TestPassReadsChangedMembersOnly(t *testing.T) {
	// ~1,000 members in the first organization: its list is 10+ pages.
	e := newEnv(t, auth0sim.Config{Seed: 83, Users: 3000, Orgs: 3})
	ctx := context.Background()
	if first := e.pass(ingest.PassOptions{}); first.Mode != ingest.ModeFull {
		t.Fatalf("first pass: mode %q", first.Mode)
	}
	snap := e.sim.Snapshot()
	big := snap.Organizations[0]
	for _, o := range snap.Organizations {
		if len(o.Members) > len(big.Members) {
			big = o
		}
	}
	org := big.ID
	listPages := int64(len(big.Members)/100 + 1)
	if listPages < 10 {
		t.Fatalf("the biggest organization has %d members: too few to tell a member from the list", len(big.Members))
	}
	in := map[string]bool{}
	for _, o := range snap.Organizations {
		for _, m := range o.Members {
			in[m.UserID] = true
		}
	}
	var outsider, late string // in no organization
	for _, u := range snap.Users {
		if !in[u.UserID] {
			if outsider == "" {
				outsider = u.UserID
			} else {
				late = u.UserID
				break
			}
		}
	}
	var role string // an organization role the member to change lacks
	changed := big.Members[1]
	has := map[string]bool{}
	for _, r := range changed.Roles {
		has[r] = true
	}
	for _, r := range snap.Roles {
		if !has[r.ID] {
			role = r.ID
			break
		}
	}
	if outsider == "" || late == "" || role == "" {
		t.Fatal("no user outside the organizations, or no role to assign")
	}
	removed := big.Members[0].UserID
	m := e.mgmt()
	// A pass: a token, the log, the users window; then per member its
	// organizations and (still a member) its roles.
	maxCalls := func(members int) int64 { return int64(3 + 2*members) }

	// 1. A member joins (and is given a role).
	if err := m.Organization.AddMembers(ctx, org, []string{outsider}); err != nil {
		t.Fatal(err)
	}
	if err := m.Organization.AssignMemberRoles(ctx, org, outsider, []string{role}); err != nil {
		t.Fatal(err)
	}
	sum, ch, calls, pages := e.membersPass()
	t.Logf("a member added to an organization of %d members: %d requests, %d of member lists, %s", len(big.Members), calls, pages, sum.Duration)
	if pages != 0 || calls > maxCalls(1) {
		t.Errorf("adding a member: %d requests, %d of them member list pages (the list is %d pages)", calls, pages, listPages)
	}
	mid := ingest.MembershipID(org, outsider)
	if ch.nodes["OrgMembership "+mid] != store.OpCreated || ch.rels["MEMBER_OF "+outsider+" → "+org] != store.OpCreated ||
		ch.rels["WITH_ROLE "+mid+" → "+role] != store.OpCreated {
		t.Errorf("the pass did not record the new membership: %v %v", ch.nodes, ch.rels)
	}

	// 2. A member leaves, another's roles change, a user joins and leaves
	// again, and a member whose roles changed is deleted: one pass.
	if err := m.Organization.DeleteMembers(ctx, org, []string{removed}); err != nil {
		t.Fatal(err)
	}
	if err := m.Organization.AssignMemberRoles(ctx, org, changed.UserID, []string{role}); err != nil {
		t.Fatal(err)
	}
	if err := m.Organization.AddMembers(ctx, org, []string{late}); err != nil {
		t.Fatal(err)
	}
	if err := m.Organization.DeleteMembers(ctx, org, []string{late}); err != nil {
		t.Fatal(err)
	}
	deleted := big.Members[2].UserID
	if err := m.Organization.AssignMemberRoles(ctx, org, deleted, []string{role}); err != nil {
		t.Fatal(err)
	}
	if err := m.User.Delete(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	sum, ch, calls, pages = e.membersPass()
	t.Logf("four members changed: %d requests, %d of member lists, %s", calls, pages, sum.Duration)
	if pages != 0 || calls > maxCalls(4) {
		t.Errorf("changing 4 members: %d requests, %d of them member list pages (the list is %d pages)", calls, pages, listPages)
	}
	if ch.nodes["OrgMembership "+ingest.MembershipID(org, deleted)] != store.OpDeleted || ch.nodes["User "+deleted] != store.OpDeleted {
		t.Errorf("the deleted member's membership: %v", ch.nodes)
	}
	gone := ingest.MembershipID(org, removed)
	if ch.nodes["OrgMembership "+gone] != store.OpDeleted || ch.rels["MEMBER_OF "+removed+" → "+org] != store.OpDeleted {
		t.Errorf("the pass did not record the membership's removal: %v %v", ch.nodes, ch.rels)
	}
	if op := ch.rels["WITH_ROLE "+ingest.MembershipID(org, changed.UserID)+" → "+role]; op != store.OpCreated {
		t.Errorf("the member's new role: %q, want created (%v)", op, ch.rels)
	}
	if len(ch.nodes) != 3 {
		t.Errorf("nodes changed: %v, want the removed memberships and the deleted user", ch.nodes)
	}
	incNodes, incRels := e.dump()
	if _, ok := incNodes["OrgMembership "+ingest.MembershipID(org, late)]; ok {
		t.Error("the membership of the user who joined and left is in the graph")
	}

	// The graph is what a full collection makes of the tenant.
	rec := e.pass(ingest.PassOptions{Mode: ingest.ModeReconcile})
	if rec.Status != "ok" || rec.Drift != 0 {
		t.Errorf("reconcile: status %q, drift %d", rec.Status, rec.Drift)
	}
	fullNodes, fullRels := e.dump()
	compareDumps(t, "nodes", fullNodes, incNodes)
	compareDumps(t, "relations", fullRels, incRels)
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))

	// What the pass did before: the organization's whole member list.
	api, err := ingest.NewAuth0(ctx, e.config().Credentials, e.config().Limits)
	if err != nil {
		t.Fatal(err)
	}
	before := e.sim.Stats().Kinds[auth0sim.KindOrgMembers].Requests
	if _, err := ingest.RunIncremental(ctx, e.st, api, e.config(), []ingest.Touch{{Resource: "organizations", ID: org, Sub: ingest.SubMembers}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := e.sim.Stats().Kinds[auth0sim.KindOrgMembers].Requests - before; got < listPages {
		t.Errorf("a whole-list read made %d member list requests, want at least %d", got, listPages)
	}
}

// Many members touched in a small organization: its list is cheaper than
// reading them one by one, and the pass reads the list.
func TestPassReadsTheListWhenCheaper(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 84, Users: 120})
	ctx := context.Background()
	e.pass(ingest.PassOptions{})
	snap := e.sim.Snapshot()
	org := snap.Organizations[0]
	if len(org.Members) < 3 {
		t.Fatal("too few members")
	}
	ids := []string{org.Members[0].UserID, org.Members[1].UserID, org.Members[2].UserID}
	if err := e.mgmt().Organization.DeleteMembers(ctx, org.ID, ids); err != nil {
		t.Fatal(err)
	}
	_, ch, _, pages := e.membersPass()
	if pages == 0 {
		t.Error("three members of a small organization were read one by one")
	}
	for _, u := range ids {
		if ch.nodes["OrgMembership "+ingest.MembershipID(org.ID, u)] != store.OpDeleted {
			t.Errorf("membership of %s not deleted: %v", u, ch.nodes)
		}
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
}

// TestMemberChangeCost measures one member change in an organization of
// AUTHGRAPH_MEMBERS_BENCH members (e.g. 5000): the pass per member and the
// whole-list re-read it replaces (docs/benchmarks.md, Incremental passes).
func TestMemberChangeCost(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("AUTHGRAPH_MEMBERS_BENCH"))
	if n <= 0 {
		t.Skip("set AUTHGRAPH_MEMBERS_BENCH=5000 to measure")
	}
	// The first organization holds about 80 % of the 40 % of users in one.
	e := newEnv(t, auth0sim.Config{Seed: 85, Users: n * 10 / 3, Orgs: 3})
	ctx := context.Background()
	cfg := e.config()
	cfg.UserPermissionsLimit = -2 // no direct user permissions: neither way reads them
	api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := ingest.Pass(ctx, e.st, api, cfg, ingest.PassOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("full collection of %d users: %s", n*10/3, time.Since(start).Round(time.Millisecond))
	snap := e.sim.Snapshot()
	big := snap.Organizations[0]
	for _, o := range snap.Organizations {
		if len(o.Members) > len(big.Members) {
			big = o
		}
	}
	uid := big.Members[len(big.Members)/2].UserID
	run := func(what string, touch ingest.Touch) {
		// The member leaves and comes back: a change of one member.
		m := e.mgmt()
		if err := m.Organization.DeleteMembers(ctx, big.ID, []string{uid}); err != nil {
			t.Fatal(err)
		}
		if err := m.Organization.AddMembers(ctx, big.ID, []string{uid}); err != nil {
			t.Fatal(err)
		}
		before := e.sim.Stats().Requests
		start := time.Now()
		sum, err := ingest.RunIncremental(ctx, e.st, api, cfg, []ingest.Touch{touch}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s, organization of %d members: %d requests (%d API calls), %s", what, len(big.Members),
			e.sim.Stats().Requests-before, sum.APICalls, time.Since(start).Round(time.Millisecond))
	}
	for range 3 {
		run("whole list (before)", ingest.Touch{Resource: "organizations", ID: big.ID, Sub: ingest.SubMembers})
		run("one member (after)", ingest.Touch{Resource: "organizations", ID: big.ID, Sub: ingest.SubMember, Member: uid})
	}
	if got := e.prop(schema.OrgMembership, ingest.MembershipID(big.ID, uid), "user_id"); got != uid {
		t.Errorf("the membership after the passes: user_id %v", got)
	}
}
