package monitor_test

import (
	"context"
	"strings"
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
	// The pass has a Sync record of its own: the tenant's last sync, while
	// its counts and completeness still come from the full collection.
	syncs, err := e.st.Syncs(ctx, e.tenant, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(syncs) != 2 || syncs[0].ID != res.Summary.SyncID || syncs[0].Mode != store.SyncIncremental ||
		syncs[0].Status != "ok" || syncs[0].Touched == 0 || syncs[0].LogEvents != res.Summary.LogEvents ||
		syncs[0].APICalls != res.Summary.APICalls || syncs[0].APICalls == 0 || syncs[0].Finished.IsZero() ||
		syncs[1].Mode != store.SyncFull {
		t.Fatalf("records after a pass: %+v", syncs)
	}
	last, err := e.st.LastSyncs(ctx, []string{e.tenant})
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.st.LastFullSyncs(ctx, []string{e.tenant})
	if err != nil {
		t.Fatal(err)
	}
	if last[e.tenant].ID != syncs[0].ID || full[e.tenant].ID != syncs[1].ID {
		t.Fatalf("last sync %q, last full %q; want %q and %q", last[e.tenant].ID, full[e.tenant].ID, syncs[0].ID, syncs[1].ID)
	}
	// An incremental record older than the retention goes with the next
	// record written; a full one that old stays.
	old := time.Now().Add(-store.SyncRetention - time.Hour)
	for _, mode := range []string{store.SyncIncremental, store.SyncFull} {
		if err := e.st.RecordSync(ctx, store.SyncRecord{ID: e.tenant + "@old/" + mode, Tenant: e.tenant, Started: old,
			Finished: old.Add(time.Second), Status: "ok", Mode: mode}); err != nil {
			t.Fatal(err)
		}
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
	// A second batch adds to the same rolling record of the hour.
	if err := m.ApplyTouches(ctx, e.tenant, []ingest.Touch{{Resource: "users", ID: snap.Users[4].UserID}}, "event-stream"); err != nil {
		t.Fatal(err)
	}
	syncs, err = e.st.Syncs(ctx, e.tenant, 10)
	if err != nil {
		t.Fatal(err)
	}
	var streams []store.SyncRecord
	for _, s := range syncs {
		if s.Mode == store.SyncStream {
			streams = append(streams, s)
		}
	}
	if len(streams) != 1 || streams[0].Applies != 2 || streams[0].Touched != 2 || streams[0].APICalls < 2 ||
		streams[0].Reason != "event-stream" || streams[0].ID != store.StreamSyncID(e.tenant, streams[0].Started) {
		t.Fatalf("stream records after two batches: %+v", streams)
	}
	if page.Changes[0].SyncID != streams[0].ID {
		t.Errorf("the pushed change names sync %q, not the stream record %q", page.Changes[0].SyncID, streams[0].ID)
	}
	if last, err := e.st.LastSyncs(ctx, []string{e.tenant}); err != nil || last[e.tenant].Mode != store.SyncIncremental {
		t.Errorf("the stream record became the last sync: %+v (%v)", last[e.tenant], err)
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
	syncs, err = e.st.Syncs(ctx, e.tenant, 20)
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]int{}
	for _, s := range syncs {
		modes[s.Mode]++
		if s.ID == e.tenant+"@old/"+store.SyncIncremental {
			t.Errorf("an incremental record older than the retention was kept")
		}
	}
	if syncs[0].Mode != store.SyncReconcile || syncs[0].ID != res.Summary.SyncID || syncs[0].Drift != 0 ||
		!strings.HasPrefix(syncs[0].Reason, "reconcile") || syncs[0].Status != "ok" {
		t.Fatalf("the reconcile's record: %+v", syncs[0])
	}
	// full (the baseline, the old one), two incremental (a pass, the
	// reconcile's catch-up), the stream's hour, the reconcile.
	if modes[store.SyncFull] != 2 || modes[store.SyncIncremental] != 2 || modes[store.SyncStream] != 1 || modes[store.SyncReconcile] != 1 {
		t.Fatalf("records by mode: %v", modes)
	}
}

func boolPtr(b bool) *bool { return &b }
