package graph_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// TestTenantIncomplete: a tenant whose newest sync skipped direct user
// permissions says so in Tenant.incomplete (and Sync.incomplete); a
// complete one has an empty list.
func TestTenantIncomplete(t *testing.T) {
	e := setup(t)
	partial := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, e.driver, partial)
	sim, err := auth0sim.New(auth0sim.Config{Seed: 7, Users: 40})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	if _, err := ingest.Run(context.Background(), e.st, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      partial, UserPermissionsLimit: 10, ExportPoll: 10 * time.Millisecond,
	}); err != nil {
		t.Fatal(err)
	}
	// An incremental pass after it: the tenant's last sync, but what the
	// tenant lacks is still what the full collection did not collect.
	now := time.Now()
	if err := e.st.RecordSync(context.Background(), store.SyncRecord{ID: partial + "@pass/incremental", Tenant: partial,
		Started: now, Finished: now.Add(1500 * time.Millisecond), Status: "ok", Mode: store.SyncIncremental,
		Touched: 3, LogEvents: 5, APICalls: 4}); err != nil {
		t.Fatal(err)
	}
	type inc struct {
		Resource, Reason string
		Kinds, Relations []string
	}
	type sync struct {
		ID, Mode                              string
		Touched, LogEvents, Applies, APICalls int
		DurationMs, Drift                     *int
		Incomplete                            []inc
	}
	var resp struct {
		Tenants []struct {
			Name         string
			Incomplete   []inc
			LastSync     sync
			LastFullSync sync
		}
	}
	post(t, e.client(), `{ tenants { name incomplete { resource kinds relations reason }
	  lastSync { id mode touched logEvents applies apiCalls durationMs drift incomplete { resource reason } }
	  lastFullSync { id mode incomplete { resource reason } } } }`, &resp)
	seen := 0
	for _, tn := range resp.Tenants {
		switch tn.Name {
		case e.tenant:
			seen++
			if len(tn.Incomplete) != 0 {
				t.Errorf("complete tenant reports %+v", tn.Incomplete)
			}
		case partial:
			seen++
			if len(tn.Incomplete) != 1 || tn.Incomplete[0].Resource != "user_permissions" ||
				!slices.Contains(tn.Incomplete[0].Relations, schema.RelHasPermission.Name()) ||
				!strings.Contains(tn.Incomplete[0].Reason, "40 users") {
				t.Errorf("partial tenant incomplete %+v", tn.Incomplete)
			}
			if len(tn.LastFullSync.Incomplete) != 1 || tn.LastFullSync.Incomplete[0].Reason != tn.Incomplete[0].Reason ||
				tn.LastFullSync.Mode != "full" {
				t.Errorf("lastFullSync %+v", tn.LastFullSync)
			}
			if ls := tn.LastSync; ls.ID != partial+"@pass/incremental" || ls.Mode != "incremental" || ls.Touched != 3 ||
				ls.LogEvents != 5 || ls.Applies != 1 || ls.APICalls != 4 || ls.DurationMs == nil || *ls.DurationMs != 1500 ||
				ls.Drift != nil || len(ls.Incomplete) != 0 {
				t.Errorf("lastSync %+v", ls)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("tenants %+v lack %s or %s", resp.Tenants, e.tenant, partial)
	}
}
