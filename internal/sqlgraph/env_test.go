package sqlgraph_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jlocal"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/sqlgraph"
	"github.com/authgraph/authgraph/internal/store"
)

// The tests share one simulated tenant, synced once into the real Neo4j by
// the real ingester.

const testUsers = 300

type testEnv struct {
	st     *store.Store
	driver neo4j.DriverWithContext
	tenant string
	snap   *auth0sim.Tenant
	g      *sqlgraph.Graph
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

func setup(t testing.TB) *testEnv {
	t.Helper()
	neo4jtest.Driver(t)
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
	sum, err := ingest.Run(ctx, e.st, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      tenant, UserPermissionsLimit: -1, ExportPoll: 10 * time.Millisecond,
	})
	if err != nil {
		return fmt.Errorf("sync of the simulated tenant: %w", err)
	}
	if sum.Status != "ok" {
		return fmt.Errorf("sync status %s: failed %v skipped %v", sum.Status, sum.Failed, sum.Skipped)
	}
	e.snap = sim.Snapshot()
	e.g = sqlgraph.New(e.st, store.ConsoleOptions{Timeout: 5 * time.Second, MaxRows: 5000})
	return nil
}
