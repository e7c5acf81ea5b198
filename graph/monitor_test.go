package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/ingest"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/auth0sim"
	"github.com/authgraph/authgraph/internal/monitor"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/secretbox"
	"github.com/authgraph/authgraph/internal/store"
)

// TestConnectedTenantsAPI walks the admin's way through connected tenants
// against the simulator: test a connection (good, missing scopes, a wrong
// secret), connect, list, change, disable, sync, remove with progress; no
// response ever carries the client secret.
func TestConnectedTenantsAPI(t *testing.T) {
	const secret = "sim-secret-9f3c7d1e-never-returned"
	d := neo4jtest.Driver(t)
	st := store.FromDriver(d)
	ctx := context.Background()
	if err := st.EnsureSchema(ctx); err != nil {
		t.Fatal(err)
	}
	tenant := neo4jtest.Tenant(t)
	neo4jtest.Cleanup(t, d, tenant)
	newSim := func(scopes []string) *httptest.Server {
		sim, err := auth0sim.New(auth0sim.Config{Seed: 3, Users: 40, ClientSecret: secret, Scopes: scopes, ExportDelay: -1})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(sim.Handler())
		t.Cleanup(hs.Close)
		return hs
	}
	full := newSim(nil)
	scopes := []string{"read:tenant_settings", "read:clients", "read:client_grants", "read:grants", "read:actions",
		"read:resource_servers", "read:custom_domains", "read:connections", "read:log_streams",
		"read:organizations", "read:organization_members", "read:organization_member_roles", "read:organization_connections",
		"read:role_members", "read:signing_keys", "read:rules", "read:hooks", "read:email_provider",
		"read:guardian_factors", "read:attack_protection", "read:mfa_policies"} // no read:users, no read:roles
	partial := newSim(scopes)

	key := bytes.Repeat([]byte{7}, 32)
	box, err := secretbox.New(key, "test")
	if err != nil {
		t.Fatal(err)
	}
	admin := &monitor.Admin{Store: st, LoadBox: func(bool) (*secretbox.Box, error) { return box, nil }}
	h := graph.NewHandler(graph.Options{Store: st, Tenants: admin})
	var bodies []string
	do := func(role access.Role, query string, vars map[string]any, out any) []string {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		p := &access.Principal{Subject: "t", Name: "t", Role: role, Via: "test"}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(access.WithPrincipal(req.Context(), p)))
		raw, _ := io.ReadAll(rec.Body)
		bodies = append(bodies, string(raw))
		var env struct {
			Data   json.RawMessage
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("%d %s", rec.Code, raw)
		}
		var errs []string
		for _, e := range env.Errors {
			errs = append(errs, e.Message)
		}
		if out != nil && len(env.Data) > 0 {
			if err := json.Unmarshal(env.Data, out); err != nil {
				t.Fatal(err)
			}
		}
		return errs
	}
	type test struct {
		TestTenantConnection struct {
			Ok, TokenOk   bool
			Error         *string
			MissingScopes []string
			Scopes        []struct {
				Resource, Scope string
				Ok              bool
				Reason          *string
				Costs           []string
			}
		}
	}
	testQ := `mutation($i: TenantCredentialsInput!) { testTenantConnection(input: $i) { ok tokenOk error missingScopes scopes { resource scope ok reason costs } } }`
	creds := func(url, sec string) map[string]any {
		return map[string]any{"i": map[string]any{"domain": url, "clientId": auth0sim.DefaultClientID, "clientSecret": sec}}
	}

	// A good connection.
	var good test
	if errs := do(access.Admin, testQ, creds(full.URL, secret), &good); errs != nil {
		t.Fatal(errs)
	}
	if !good.TestTenantConnection.Ok || !good.TestTenantConnection.TokenOk || len(good.TestTenantConnection.MissingScopes) != 0 || len(good.TestTenantConnection.Scopes) < 10 {
		t.Fatalf("good connection: %+v", good)
	}
	// Missing scopes: named, with what the graph would lack.
	var miss test
	if errs := do(access.Admin, testQ, creds(partial.URL, secret), &miss); errs != nil {
		t.Fatal(errs)
	}
	if miss.TestTenantConnection.Ok || !miss.TestTenantConnection.TokenOk || strings.Join(miss.TestTenantConnection.MissingScopes, ",") != "read:roles,read:users" {
		t.Fatalf("missing scopes: %+v", miss.TestTenantConnection)
	}
	for _, sc := range miss.TestTenantConnection.Scopes {
		if sc.Scope == "read:users" && (sc.Ok || len(sc.Costs) == 0 || !strings.Contains(strings.Join(sc.Costs, ","), "User")) {
			t.Errorf("read:users check: %+v", sc)
		}
	}
	// A wrong secret: no token, a reason, not an error.
	var wrong test
	if errs := do(access.Admin, testQ, creds(full.URL, "not-the-secret"), &wrong); errs != nil {
		t.Fatal(errs)
	}
	if wrong.TestTenantConnection.TokenOk || wrong.TestTenantConnection.Error == nil {
		t.Fatalf("wrong secret: %+v", wrong.TestTenantConnection)
	}
	// Bad input is an error.
	for _, dom := range []string{"x", "ftp://a.example.com", "http://10.0.0.1", ""} {
		if errs := do(access.Admin, testQ, creds(dom, secret), nil); len(errs) == 0 {
			t.Errorf("domain %q accepted", dom)
		}
	}
	// Not for analysts.
	if errs := do(access.Analyst, testQ, creds(full.URL, secret), nil); len(errs) == 0 || !strings.Contains(errs[0], "not allowed") {
		t.Errorf("analyst tested a connection: %v", errs)
	}

	type ct struct {
		Name, Domain, ClientID      string
		Enabled, Syncing, Baselined bool
		IntervalSeconds             int
		NextSyncAt, LastSyncAt      *time.Time
		LastStatus                  *string
		FindingsOpen                int
	}
	ctFields := `name domain clientId enabled syncing baselined intervalSeconds nextSyncAt lastSyncAt lastStatus findingsOpen`
	connectQ := `mutation($i: ConnectTenantInput!) { connectTenant(input: $i) { ` + ctFields + ` } }`
	// Missing scopes refuse to connect unless allowed.
	if errs := do(access.Admin, connectQ, map[string]any{"i": map[string]any{"domain": partial.URL, "clientId": auth0sim.DefaultClientID, "clientSecret": secret, "name": tenant}}, nil); len(errs) == 0 || !strings.Contains(errs[0], "read:roles, read:users") {
		t.Fatalf("connected with missing scopes: %v", errs)
	}
	if errs := do(access.Admin, connectQ, map[string]any{"i": map[string]any{"domain": full.URL, "clientId": auth0sim.DefaultClientID, "clientSecret": secret, "name": tenant, "intervalSeconds": 5}}, nil); len(errs) == 0 || !strings.Contains(errs[0], "at least") {
		t.Fatalf("a 5 s interval: %v", errs)
	}
	var conn struct{ ConnectTenant ct }
	if errs := do(access.Admin, connectQ, map[string]any{"i": map[string]any{"domain": full.URL, "clientId": auth0sim.DefaultClientID, "clientSecret": secret, "name": tenant, "intervalSeconds": 120}}, &conn); errs != nil {
		t.Fatal(errs)
	}
	if c := conn.ConnectTenant; c.Name != tenant || !c.Enabled || c.IntervalSeconds != 120 || c.NextSyncAt == nil || c.LastSyncAt != nil || c.Baselined {
		t.Fatalf("connected: %+v", c)
	}
	if errs := do(access.Admin, connectQ, map[string]any{"i": map[string]any{"domain": full.URL, "clientId": auth0sim.DefaultClientID, "clientSecret": secret, "name": tenant}}, nil); len(errs) == 0 || !strings.Contains(errs[0], "already connected") {
		t.Fatalf("connected twice: %v", errs)
	}
	stored, err := st.GetConnectedTenant(ctx, tenant)
	if err != nil || stored.SecretSealed == "" || strings.Contains(stored.SecretSealed, secret) {
		t.Fatalf("stored: %v", err)
	}

	// Viewers read the status, not the client id.
	var list struct{ ConnectedTenants []ct }
	if errs := do(access.Viewer, `{ connectedTenants { name enabled intervalSeconds lastSync { status } } }`, nil, &list); errs != nil {
		t.Fatal(errs)
	}
	found := false
	for _, c := range list.ConnectedTenants {
		found = found || c.Name == tenant
	}
	if !found {
		t.Fatalf("%s not listed: %+v", tenant, list)
	}
	if errs := do(access.Viewer, `{ connectedTenants { name clientId } }`, nil, nil); len(errs) == 0 {
		t.Error("a viewer read client ids")
	}

	// Change the interval; a wrong new secret is refused and changes nothing.
	updQ := `mutation($n: String!, $i: UpdateConnectedTenantInput!) { updateConnectedTenant(name: $n, input: $i) { ` + ctFields + ` } }`
	var upd struct{ UpdateConnectedTenant ct }
	if errs := do(access.Admin, updQ, map[string]any{"n": tenant, "i": map[string]any{"intervalSeconds": 60}}, &upd); errs != nil || upd.UpdateConnectedTenant.IntervalSeconds != 60 {
		t.Fatalf("interval: %v %+v", errs, upd)
	}
	if errs := do(access.Admin, updQ, map[string]any{"n": tenant, "i": map[string]any{"clientSecret": "wrong-secret", "intervalSeconds": 30}}, nil); len(errs) == 0 {
		t.Fatal("a wrong secret was saved")
	}
	if after, _ := st.GetConnectedTenant(ctx, tenant); after.SecretSealed != stored.SecretSealed || after.Interval != time.Minute {
		t.Fatalf("a refused update changed the tenant: %v", after.Interval)
	}
	// The stored secret checks a new client id... the same one here.
	if errs := do(access.Admin, updQ, map[string]any{"n": tenant, "i": map[string]any{"clientId": auth0sim.DefaultClientID}}, nil); errs != nil {
		t.Fatalf("re-check with the stored secret: %v", errs)
	}

	// Disable: no next sync. Enable: due now.
	enQ := `mutation($n: String!, $e: Boolean!) { setTenantEnabled(name: $n, enabled: $e) { ` + ctFields + ` } }`
	var en struct{ SetTenantEnabled ct }
	if errs := do(access.Admin, enQ, map[string]any{"n": tenant, "e": false}, &en); errs != nil || en.SetTenantEnabled.Enabled || en.SetTenantEnabled.NextSyncAt != nil {
		t.Fatalf("disable: %v %+v", errs, en)
	}
	if errs := do(access.Admin, enQ, map[string]any{"n": tenant, "e": true}, &en); errs != nil || !en.SetTenantEnabled.Enabled || en.SetTenantEnabled.NextSyncAt == nil {
		t.Fatalf("enable: %v %+v", errs, en)
	}

	// A sync, then its status.
	m := &monitor.Monitor{Store: st, Box: box, Configure: func(c *ingest.Config) { c.ExportPoll = 10 * time.Millisecond }}
	if _, err := m.SyncTenant(ctx, tenant, false); err != nil {
		t.Fatal(err)
	}
	var one struct{ ConnectedTenant *ct }
	if errs := do(access.Admin, `query($n: String!) { connectedTenant(name: $n) { `+ctFields+` } }`, map[string]any{"n": tenant}, &one); errs != nil || one.ConnectedTenant == nil {
		t.Fatal(errs)
	}
	if c := one.ConnectedTenant; c.LastSyncAt == nil || c.LastStatus == nil || *c.LastStatus != "ok" || !c.Baselined {
		t.Fatalf("after a sync: %+v", c)
	}

	// Remove, with progress, until done; then nothing of the tenant is left.
	var rm struct {
		RemoveTenant struct{ Tenant, State string }
	}
	if errs := do(access.Admin, `mutation($n: String!) { removeTenant(name: $n) { tenant state } }`, map[string]any{"n": tenant}, &rm); errs != nil || rm.RemoveTenant.State == "failed" {
		t.Fatalf("remove: %v %+v", errs, rm)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var rs struct {
			TenantRemovals []struct {
				Tenant, State string
				Deleted       int
				Error         *string
			}
		}
		if errs := do(access.Admin, `{ tenantRemovals { tenant state deleted error } }`, nil, &rs); errs != nil {
			t.Fatal(errs)
		}
		state := ""
		for _, r := range rs.TenantRemovals {
			if r.Tenant == tenant {
				state = r.State
				if r.State == "done" && r.Deleted < 40 {
					t.Errorf("removal deleted %d nodes", r.Deleted)
				}
				if r.Error != nil {
					t.Fatal(*r.Error)
				}
			}
		}
		if state == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("removal still %q", state)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if errs := do(access.Admin, `query($n: String!) { connectedTenant(name: $n) { name } }`, map[string]any{"n": tenant}, &one); errs != nil || one.ConnectedTenant != nil {
		t.Fatalf("still connected: %v %+v", errs, one)
	}
	res, err := neo4j.ExecuteQuery(ctx, d, `MATCH (n {tenant: $t}) RETURN count(n) AS n`, map[string]any{"t": tenant}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Records[0].Values[0].(int64); n != 0 {
		t.Fatalf("%d nodes of the tenant left", n)
	}
	if errs := do(access.Admin, `mutation($n: String!) { removeTenant(name: $n) { state } }`, map[string]any{"n": tenant}, nil); len(errs) == 0 {
		t.Error("removed a tenant that is gone")
	}

	for _, b := range bodies {
		if strings.Contains(b, secret) || strings.Contains(b, stored.SecretSealed) {
			t.Fatalf("a response carried the secret: %.300s", b)
		}
	}
}
