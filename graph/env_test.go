package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jlocal"
	"github.com/authgraph/authgraph/internal/neo4jtest"
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
	envOnce sync.Once
	envErr  error
	env     testEnv
)

func TestMain(m *testing.M) {
	code := m.Run()
	if env.driver != nil {
		ctx := context.Background()
		if err := neo4jtest.DeleteTenant(ctx, env.driver, env.tenant); err != nil {
			fmt.Fprintln(os.Stderr, "cleanup:", err)
		}
		_ = env.driver.Close(ctx)
	}
	os.Exit(code)
}

// setup returns the shared environment, syncing the simulated tenant the
// first time.
func setup(t testing.TB) *testEnv {
	t.Helper()
	neo4jtest.Driver(t) // fails when Neo4j is down; takes the binary-wide lock
	envOnce.Do(func() { envErr = env.init(neo4jtest.Tenant(t)) })
	if envErr != nil {
		t.Fatal(envErr)
	}
	return &env
}

func (e *testEnv) init(tenant string) error {
	ctx := context.Background()
	d, err := neo4jlocal.NewDriver(neo4jtest.Target())
	if err != nil {
		return err
	}
	e.driver, e.tenant = d, tenant
	e.st = store.FromDriver(d)
	if err := e.st.EnsureSchema(ctx); err != nil {
		return err
	}
	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: testUsers})
	if err != nil {
		return err
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	e.summary, err = ingest.Run(ctx, e.st, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      tenant, UserPermissionsLimit: -1, ExportPoll: 10 * time.Millisecond,
	})
	if err != nil {
		return fmt.Errorf("sync of the simulated tenant: %w", err)
	}
	if e.summary.Status != "ok" {
		return fmt.Errorf("sync status %s: failed %v skipped %v", e.summary.Status, e.summary.Failed, e.summary.Skipped)
	}
	e.snap = sim.Snapshot()
	e.handler = signedIn(graph.NewHandler(graph.Options{
		Store: e.st, Introspection: true,
		Console: store.ConsoleOptions{Timeout: cypherTimeout, MaxRows: cypherMaxRows},
	}))
	return nil
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
