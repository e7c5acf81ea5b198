package monitor_test

import (
	"context"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// Scheduled syncs of a connected tenant are incremental passes after the
// first collection, record changes (with actors) like a full sync, and a
// reconcile counts its drift; pushed touches are applied under the lease.
func TestIncrementalPassesOfAConnectedTenant(t *testing.T) {
	e := newEnv(t, 80)
	ctx := context.Background()
	e.connect(e.tenant, time.Hour)
	m := e.monitor("holder-incr")
	m.Metrics = monitor.NewMetrics()

	res, err := m.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Mode != ingest.ModeFull || !res.Baseline {
		t.Fatalf("first sync: mode %q baseline %v", res.Summary.Mode, res.Baseline)
	}
	snap := e.sim.Snapshot()
	client := snap.Clients[0].ClientID
	if err := e.mgmt().Client.Update(ctx, client, &management.Client{Description: auth0String("changed by a pass")}); err != nil {
		t.Fatal(err)
	}
	res, err = m.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Mode != ingest.ModeIncremental || res.Summary.LogEvents == 0 {
		t.Fatalf("second sync: mode %q, %d log events", res.Summary.Mode, res.Summary.LogEvents)
	}
	key := schema.Key(e.tenant, schema.Client, client)
	var found bool
	for _, c := range res.Changes {
		if c.AssetID == key && c.Op == store.OpUpdated {
			found = true
			if c.Actor == "" {
				t.Errorf("the pass's change has no actor: %+v", c)
			}
		}
	}
	if !found {
		t.Fatalf("the pass recorded %v, not the client's update", changeSet(res.Changes))
	}

	// A pushed event: applied at once, recorded, the schedule untouched.
	before, err := e.st.GetConnectedTenant(ctx, e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	user := snap.Users[3].UserID
	if err := e.mgmt().User.Update(ctx, user, &management.User{Blocked: boolPtr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := m.ApplyTouches(ctx, e.tenant, []ingest.Touch{{Resource: "users", ID: user}}, "log-stream"); err != nil {
		t.Fatal(err)
	}
	page, err := e.st.Changes(ctx, store.ChangeQuery{Tenant: e.tenant, Asset: schema.Key(e.tenant, schema.User, user)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != 1 || page.Changes[0].Op != store.OpUpdated {
		t.Fatalf("pushed update recorded %v", changeSet(page.Changes))
	}
	after, err := e.st.GetConnectedTenant(ctx, e.tenant)
	if err != nil {
		t.Fatal(err)
	}
	if !after.NextSyncAt.Equal(before.NextSyncAt) || after.LeaseHolder != "" {
		t.Errorf("applying touches moved the schedule (%s → %s) or kept the lease (%q)", before.NextSyncAt, after.NextSyncAt, after.LeaseHolder)
	}

	// A reconcile finds nothing the passes missed.
	m.Passes.Mode = ingest.ModeReconcile
	res, err = m.SyncTenant(ctx, e.tenant, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Mode != ingest.ModeReconcile || res.Summary.Drift != 0 {
		t.Fatalf("reconcile: mode %q drift %d (%v)", res.Summary.Mode, res.Summary.Drift, changeSet(res.Changes))
	}
}

func boolPtr(b bool) *bool { return &b }
