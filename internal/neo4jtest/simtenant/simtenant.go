// Package simtenant is the shared setup of the test packages that read one
// simulated tenant: the simulator (seed 1) synced once per test binary by the
// real ingester into the tests' Neo4j (package neo4jtest), and removed when
// the binary ends. A package of its own because neo4jtest cannot import the
// ingester: the ingester's and the store's own tests use neo4jtest.
//
//	var shared = &simtenant.Shared{Users: 300, Init: func(s *simtenant.Env) error { … }}
//	func TestMain(m *testing.M) { shared.Main(m) }
//	func setup(t testing.TB) *testEnv { shared.Setup(t); return &env }
package simtenant

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
	"github.com/authgraph/authgraph/internal/store"
)

// Env is the synced tenant.
type Env struct {
	Driver  neo4j.DriverWithContext // open until Main ends
	Store   *store.Store
	Tenant  string
	Snap    *auth0sim.Tenant // the simulator's ground truth
	Summary *ingest.Summary
}

// Shared syncs the tenant the first time a test asks for it.
type Shared struct {
	Users        int                         // the simulated tenant's users
	AccessSchema bool                        // also create the API tokens' schema
	Init         func(*Env) error            // the package's own setup, once, after the sync
	Close        func(context.Context, *Env) // the package's own cleanup, before the tenant is deleted
	once         sync.Once
	err          error
	env          *Env
}

// Setup returns the synced tenant, syncing it the first time; it fails t when
// Neo4j is down or the setup failed.
func (s *Shared) Setup(t testing.TB) *Env {
	t.Helper()
	neo4jtest.Driver(t) // fails when Neo4j is down; takes the binary-wide lock
	s.once.Do(func() { s.err = s.init(neo4jtest.Tenant(t)) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.env
}

func (s *Shared) init(tenant string) error {
	ctx := context.Background()
	d, err := neo4jlocal.NewDriver(neo4jtest.Target())
	if err != nil {
		return err
	}
	// Kept from here on, so that Main removes whatever a failed setup wrote.
	e := &Env{Driver: d, Store: store.FromDriver(d), Tenant: tenant}
	s.env = e
	if err := e.Store.EnsureSchema(ctx); err != nil {
		return err
	}
	if s.AccessSchema {
		if err := e.Store.EnsureAccessSchema(ctx); err != nil {
			return err
		}
	}
	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: s.Users})
	if err != nil {
		return err
	}
	hs := httptest.NewServer(sim.Handler())
	defer hs.Close()
	e.Summary, err = ingest.Run(ctx, e.Store, ingest.Config{
		Credentials: ingest.Credentials{Domain: hs.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()},
		Tenant:      tenant, UserPermissionsLimit: -1, ExportPoll: 10 * time.Millisecond,
	})
	if err != nil {
		return fmt.Errorf("sync of the simulated tenant: %w", err)
	}
	if e.Summary.Status != "ok" {
		return fmt.Errorf("sync status %s: failed %v skipped %v", e.Summary.Status, e.Summary.Failed, e.Summary.Skipped)
	}
	e.Snap = sim.Snapshot()
	if s.Init != nil {
		return s.Init(e)
	}
	return nil
}

// Main runs the tests, then removes the tenant (after Close) and exits.
func (s *Shared) Main(m *testing.M) {
	code := m.Run()
	if e := s.env; e != nil {
		ctx := context.Background()
		if s.Close != nil {
			s.Close(ctx, e)
		}
		if err := neo4jtest.DeleteTenant(ctx, e.Driver, e.Tenant); err != nil {
			fmt.Fprintln(os.Stderr, "cleanup:", err)
		}
		_ = e.Driver.Close(ctx)
	}
	os.Exit(code)
}
