package graph_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest/simtenant"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// The tests of this package share one simulated tenant, synced once into
// the real Neo4j by the real ingester, and compare what the API says with
// the simulator's ground truth.

const (
	testUsers     = 300
	cypherTimeout = 2 * time.Second
	cypherMaxRows = 500
)

type testEnv struct {
	st      *store.Store
	driver  neo4j.DriverWithContext
	tenant  string
	snap    *auth0sim.Tenant
	summary *ingest.Summary
	handler http.Handler
}

var (
	env    testEnv
	shared = &simtenant.Shared{Users: testUsers, Init: func(s *simtenant.Env) error {
		env = testEnv{st: s.Store, driver: s.Driver, tenant: s.Tenant, snap: s.Snap, summary: s.Summary,
			handler: signedIn(graph.NewHandler(graph.Options{
				Store: s.Store, Introspection: true,
				Console: store.ConsoleOptions{Timeout: cypherTimeout, MaxRows: cypherMaxRows},
			}))}
		return nil
	}}
)

func TestMain(m *testing.M) { shared.Main(m) }

// setup returns the shared environment, syncing the simulated tenant the
// first time.
func setup(t testing.TB) *testEnv {
	t.Helper()
	shared.Setup(t)
	return &env
}

// signedIn runs every request as a signed-in analyst, who may read
// everything and run rules and suppress findings (the web server's
// authentication does this in front of the real handler;
// web/access_test.go tests the roles themselves).
func signedIn(h http.Handler) http.Handler {
	p := &access.Principal{Subject: "test", Name: "graph tests", Role: access.Analyst, Via: "test"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(access.WithPrincipal(r.Context(), p)))
	})
}

func (e *testEnv) client() *client.Client { return client.New(e.handler) }

// key is the GraphQL id of an asset of the test tenant.
func (e *testEnv) key(k *schema.Kind, nativeID string) string {
	return schema.Key(e.tenant, k, nativeID)
}

func TestSyncedTenant(t *testing.T) {
	e := setup(t)
	var resp struct {
		Tenants []struct {
			ID       string
			Name     string
			LastSync struct {
				Status   string
				APICalls int
				Counts   []struct {
					Kind  string
					Count int
				}
			}
			Settings struct{ ID string }
		}
	}
	e.client().MustPost(`{ tenants { id name lastSync { status apiCalls counts { kind count } } settings { id } } }`, &resp)
	var found bool
	for _, tn := range resp.Tenants {
		if tn.Name != e.tenant {
			continue
		}
		found = true
		if tn.ID != store.TenantKey(e.tenant) || tn.LastSync.Status != "ok" || tn.LastSync.APICalls == 0 {
			t.Errorf("tenant %+v", tn)
		}
		counts := map[string]int{}
		for _, c := range tn.LastSync.Counts {
			counts[c.Kind] = c.Count
		}
		if counts[schema.User.Name] != testUsers {
			t.Errorf("last sync counts %d users, want %d (%v)", counts[schema.User.Name], testUsers, counts)
		}
		if tn.Settings.ID != e.key(schema.TenantSettings, e.tenant) {
			t.Errorf("settings id %q", tn.Settings.ID)
		}
	}
	if !found {
		t.Fatalf("tenant %s not in tenants", e.tenant)
	}
}
