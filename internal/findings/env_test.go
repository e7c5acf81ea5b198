package findings_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/findings"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/rules"
)

// env is a simulator served over HTTP, synced into a fresh tenant of the
// real Neo4j.
type env struct {
	t      *testing.T
	sim    *auth0sim.Sim
	srv    *httptest.Server
	st     *store.Store
	tenant string
}

func newEnv(t *testing.T, cfg auth0sim.Config) *env {
	t.Helper()
	if cfg.ExportDelay == 0 {
		cfg.ExportDelay = -1
	}
	sim, err := auth0sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	d := neo4jtest.Driver(t)
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	st := store.FromDriver(d)
	if err := st.EnsureSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sim: sim, srv: srv, st: st, tenant: tenant}
}

func (e *env) sync() *ingest.Summary {
	e.t.Helper()
	return e.syncWith()
}

// syncWith syncs with the configuration changed by mod.
func (e *env) syncWith(mod ...func(*ingest.Config)) *ingest.Summary {
	e.t.Helper()
	cfg := ingest.Config{
		Credentials:          ingest.Credentials{Domain: e.srv.URL, ClientID: e.sim.ClientID(), ClientSecret: e.sim.ClientSecret()},
		Tenant:               e.tenant,
		UserPermissionsLimit: -1,
		ExportPoll:           20 * time.Millisecond,
	}
	for _, m := range mod {
		m(&cfg)
	}
	sum, err := ingest.Run(context.Background(), e.st, cfg)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return sum
}

func (e *env) mgmt() *management.Management {
	e.t.Helper()
	m, err := management.New(e.srv.URL, management.WithInsecure(),
		management.WithClientCredentials(context.Background(), e.sim.ClientID(), e.sim.ClientSecret()))
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func builtin(t *testing.T) []*rules.Rule {
	t.Helper()
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (e *env) run(eng *findings.Engine) *findings.Summary {
	e.t.Helper()
	sum, err := eng.Run(context.Background(), e.tenant)
	if err != nil {
		e.t.Fatalf("rules run: %v", err)
	}
	if len(sum.Failed) > 0 {
		e.t.Fatalf("rules failed: %v", sum.Failed)
	}
	return sum
}

// hits returns, per rule, the names of the assets of its open or
// suppressed findings.
func (e *env) hits() map[string]map[string]bool {
	e.t.Helper()
	page, err := e.st.Findings(context.Background(), store.FindingFilter{Tenant: e.tenant, Statuses: []string{"open", "suppressed"}}, 0, "")
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	for _, f := range page.Findings {
		if out[f.Rule] == nil {
			out[f.Rule] = map[string]bool{}
		}
		out[f.Rule][f.Name] = true
	}
	return out
}

// readScopesBut is every read scope a sync asks for but the one left out.
func readScopesBut(out string) []string {
	var scopes []string
	for _, s := range []string{"read:users", "read:tenant_settings", "read:roles", "read:clients", "read:client_grants", "read:grants",
		"read:resource_servers", "read:custom_domains", "read:connections", "read:log_streams", "read:actions",
		"read:organizations", "read:organization_members", "read:organization_member_roles", "read:organization_connections",
		"read:role_members", "read:signing_keys", "read:rules", "read:hooks", "read:email_provider", "read:guardian_factors",
		"read:attack_protection", "read:mfa_policies"} {
		if s != out {
			scopes = append(scopes, s)
		}
	}
	return scopes
}
