package sqlgraph_test

import (
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/neo4jtest/simtenant"
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
	env    testEnv
	shared = &simtenant.Shared{Users: testUsers, Init: func(s *simtenant.Env) error {
		env = testEnv{st: s.Store, driver: s.Driver, tenant: s.Tenant, snap: s.Snap,
			g: sqlgraph.New(s.Store, store.ConsoleOptions{Timeout: 5 * time.Second, MaxRows: 5000})}
		return nil
	}}
)

func TestMain(m *testing.M) { shared.Main(m) }

func setup(t testing.TB) *testEnv {
	t.Helper()
	shared.Setup(t)
	return &env
}
