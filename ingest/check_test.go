package ingest_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/auth0sim"
)

// Check names each missing read scope and what the graph would lack, and
// rejects bad credentials, without a database.
func TestCheckScopes(t *testing.T) {
	scopes := []string{"read:tenant_settings", "read:roles", "read:clients", "read:client_grants", "read:grants",
		"read:resource_servers", "read:custom_domains", "read:connections", "read:log_streams",
		"read:organizations", "read:organization_members", "read:organization_member_roles", "read:organization_connections",
		"read:role_members", "read:signing_keys", "read:rules", "read:hooks", "read:email_provider",
		"read:guardian_factors", "read:attack_protection", "read:mfa_policies"} // no read:users, no read:actions
	sim, err := auth0sim.New(auth0sim.Config{Seed: 1, Users: 5, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	ctx := context.Background()
	checks, err := ingest.Check(ctx, ingest.Credentials{Domain: srv.URL, ClientID: sim.ClientID(), ClientSecret: sim.ClientSecret()})
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]ingest.ScopeCheck{}
	for _, c := range checks {
		if !c.OK {
			missing[c.Resource] = c
		}
	}
	users, actions := missing["users"], missing["actions"]
	if len(missing) != 2 || !strings.HasPrefix(users.Reason, "missing scope") || !strings.HasPrefix(actions.Reason, "missing scope") {
		t.Fatalf("missing: %+v", missing)
	}
	if !strings.Contains(strings.Join(users.Costs, ","), "Auth0User") || !strings.Contains(strings.Join(actions.Costs, ","), "Auth0Action") {
		t.Fatalf("costs: users %v, actions %v", users.Costs, actions.Costs)
	}
	_, err = ingest.Check(ctx, ingest.Credentials{Domain: srv.URL, ClientID: sim.ClientID(), ClientSecret: "wrong-secret"})
	if apperr.KindOf(err) != apperr.Forbidden || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("bad secret: %v", err)
	}
}
