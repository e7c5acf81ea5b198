package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/auth0/go-auth0"
	"github.com/auth0/go-auth0/management"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/simchange"
	"github.com/authgraph/authgraph/schema"
)

// An incremental pass must leave exactly the graph a full collection
// leaves: after a random series of mutations of every kind through the
// Management API, the graph after one pass is compared, node properties and
// relations included, with the graph a full collection then makes of the
// same tenant (and the reconcile that makes it must count no drift).

// dump reads the tenant's assets with their properties and relations,
// without sync bookkeeping.
func (e *env) dump() (nodes, rels map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	nodes, rels = map[string]string{}, map[string]string{}
	clean := func(p map[string]any) string {
		delete(p, "firstseen")
		delete(p, "lastupdated")
		// When direct permissions were read is bookkeeping; whether they are
		// known is not.
		if _, ok := p["direct_permissions_at"]; ok {
			p["direct_permissions_at"] = "known"
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	res, err := neo4j.ExecuteQuery(ctx, e.driver, `MATCH (n:Asset {tenant: $t}) WHERE n.kind <> 'Tenant' RETURN n.kind, n.native_id, properties(n)`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		nodes[fmt.Sprint(r.Values[0], " ", r.Values[1])] = clean(r.Values[2].(map[string]any))
	}
	res, err = neo4j.ExecuteQuery(ctx, e.driver, `MATCH (a:Asset {tenant: $t})-[r]->(b:Asset)
WHERE type(r) <> 'RESOURCE' RETURN a.kind, a.native_id, type(r), b.kind, b.native_id, properties(r)`,
		map[string]any{"t": e.tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res.Records {
		v := r.Values
		rels[fmt.Sprintf("%v %v -%v-> %v %v", v[0], v[1], v[2], v[3], v[4])] = clean(v[5].(map[string]any))
	}
	return nodes, rels
}

func compareDumps(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	var bad []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			bad = append(bad, "missing "+k)
		} else if g != v {
			bad = append(bad, fmt.Sprintf("differs %s\n    full: %s\n    incr: %s", k, v, g))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			bad = append(bad, "extra "+k)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		if len(bad) > 25 {
			bad = append(bad[:25], fmt.Sprintf("… %d more", len(bad)-25))
		}
		t.Errorf("%s: incremental pass differs from a full collection in %d ways:", what, len(bad))
		for _, b := range bad {
			t.Log("  " + b)
		}
	}
}

func (e *env) pass(opt ingest.PassOptions) *ingest.Summary {
	e.t.Helper()
	cfg := e.config()
	ctx := context.Background()
	api, err := ingest.NewAuth0(ctx, cfg.Credentials, cfg.Limits)
	if err != nil {
		e.t.Fatal(err)
	}
	sum, err := ingest.Pass(ctx, e.st, api, cfg, opt)
	if err != nil {
		e.t.Fatalf("pass: %v", err)
	}
	return sum
}

func TestIncrementalPassEqualsFullCollection(t *testing.T) {
	incrementalEqualsFull(t, auth0sim.Config{Seed: 77, Users: 300})
}

// Above 1,000 users the full collection reads users from the export job
// while the pass re-reads each from GET /users/{id}: both must give the same
// nodes.
func TestIncrementalPassEqualsFullCollectionViaExport(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1,100-user tenant")
	}
	incrementalEqualsFull(t, auth0sim.Config{Seed: 79, Users: 1100})
}

// The same with every membership a touch names read one by one (the pass
// reads small organizations' lists whole, cheaper, so the test above rarely
// takes that way).
func TestIncrementalPassEqualsFullCollectionPerMember(t *testing.T) {
	t.Cleanup(ingest.AlwaysPerMember())
	incrementalEqualsFull(t, auth0sim.Config{Seed: 86, Users: 300})
}

func incrementalEqualsFull(t *testing.T, cfg auth0sim.Config) {
	e := newEnv(t, cfg)
	ctx := context.Background()
	first := e.pass(ingest.PassOptions{})
	if first.Mode != ingest.ModeFull || first.Reason != "no checkpoint" {
		t.Fatalf("first pass: mode %q reason %q, want a full collection for want of a checkpoint", first.Mode, first.Reason)
	}
	mu := simchange.New(e.mgmt(), e.sim, 7)
	for mu.N < 560 {
		if name, err := mu.Step(ctx); err != nil {
			// A target another mutation removed, or a conflict: not a mutation.
			t.Logf("%s: %v", name, err)
		}
	}
	t.Logf("mutations: %v", mu.Done)
	if missing := mu.Missing(); len(missing) > 0 || len(mu.Done) < 34 {
		t.Fatalf("%d kinds of mutation applied (of %d); never applied: %v", len(mu.Done), len(simchange.Kinds()), missing)
	}
	inc := e.pass(ingest.PassOptions{})
	if inc.Mode != ingest.ModeIncremental || inc.Status != "ok" {
		t.Fatalf("second pass: mode %q status %q (%v)", inc.Mode, inc.Status, inc.Failed)
	}
	if inc.LogEvents < 500 {
		t.Errorf("the pass read %d log events after %d mutations", inc.LogEvents, mu.N)
	}
	incNodes, incRels := e.dump()

	// The same tenant collected in full, as a reconcile: it must change
	// nothing, and say so.
	rec := e.pass(ingest.PassOptions{Mode: ingest.ModeReconcile})
	if rec.Mode != ingest.ModeReconcile || rec.Status != "ok" {
		t.Fatalf("reconcile: mode %q status %q", rec.Mode, rec.Status)
	}
	fullNodes, fullRels := e.dump()
	compareDumps(t, "nodes", fullNodes, incNodes)
	compareDumps(t, "relations", fullRels, incRels)
	if rec.Drift != 0 {
		t.Errorf("the reconcile found %d differences", rec.Drift)
	}
	// And the graph is the simulator's ground truth.
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))

	// Nothing changed since: a pass reads the log and nothing else.
	quiet := e.pass(ingest.PassOptions{})
	if quiet.Mode != ingest.ModeIncremental || quiet.LogEvents != 0 {
		t.Errorf("quiet pass: mode %q, %d log events", quiet.Mode, quiet.LogEvents)
	}
	if quiet.APICalls > 3 {
		t.Errorf("a pass over an unchanged tenant made %d API calls", quiet.APICalls)
	}
}

func TestExpiredCheckpointFallsBackToFullCollection(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 78, Users: 120})
	ctx := context.Background()
	e.pass(ingest.PassOptions{})
	cp, err := e.st.GetCheckpoint(ctx, e.tenant)
	if err != nil || cp.LogID == "" {
		t.Fatalf("checkpoint after a full collection: %+v %v", cp, err)
	}
	// The last pass was two days ago: events after the checkpoint may have
	// left a one-day log.
	cp.Since = time.Now().Add(-48 * time.Hour)
	if err := e.st.SetCheckpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	m := e.mgmt()
	if err := m.Client.Update(ctx, e.sim.Snapshot().Clients[0].ClientID, &management.Client{Description: auth0.String("after expiry")}); err != nil {
		t.Fatal(err)
	}
	sum := e.pass(ingest.PassOptions{Retention: 24 * time.Hour})
	if sum.Mode != ingest.ModeFull {
		t.Fatalf("mode %q after an expired checkpoint, want full", sum.Mode)
	}
	if sum.Reason == "" {
		t.Error("no reason given for the full collection")
	}
	after, err := e.st.GetCheckpoint(ctx, e.tenant)
	if err != nil || time.Since(after.Since) > time.Hour || after.FullAt.IsZero() {
		t.Fatalf("checkpoint not renewed by the full collection: %+v %v", after, err)
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
	// The next pass is incremental again.
	if next := e.pass(ingest.PassOptions{}); next.Mode != ingest.ModeIncremental {
		t.Errorf("pass after the fallback: mode %q", next.Mode)
	}
}

// A membership is named after its member's email: when a user changes it,
// the pass (which re-reads the user, not the organization's member list)
// renames the user's memberships as a full collection would.
func TestPassRenamesMembershipsOfRenamedUser(t *testing.T) {
	e := newEnv(t, auth0sim.Config{Seed: 80, Users: 120})
	e.pass(ingest.PassOptions{})
	var org, uid string
	for _, o := range e.sim.Snapshot().Organizations {
		if len(o.Members) > 0 {
			org, uid = o.ID, o.Members[0].UserID
			break
		}
	}
	if org == "" {
		t.Fatal("no organization with members")
	}
	if err := e.sim.UserEvent("sce", uid); err != nil { // the user changes their email
		t.Fatal(err)
	}
	email := ""
	for _, u := range e.sim.Snapshot().Users {
		if u.UserID == uid {
			email = u.Email
		}
	}
	sum := e.pass(ingest.PassOptions{})
	if sum.Mode != ingest.ModeIncremental {
		t.Fatalf("mode %q", sum.Mode)
	}
	if got, want := e.prop(schema.OrgMembership, ingest.MembershipID(org, uid), "name"), email+" @ "+org; got != want {
		t.Errorf("membership name %q after the email change, want %q", got, want)
	}
	e.assertEqual(expected(e.tenant, e.sim.Snapshot(), true))
}
