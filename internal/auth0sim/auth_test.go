package auth0sim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0/go-auth0/management"
)

func TestTokenEndpoint(t *testing.T) {
	s, srv, _ := testSim(t, Config{Seed: 1, Users: 10})
	post := func(body, contentType string, basic bool, id, secret string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if basic {
			req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	aud := srv.URL + "/api/v2/"
	form := func(v url.Values) string { return v.Encode() }
	good := []struct {
		name                 string
		body, ct             string
		basic                bool
		basicID, basicSecret string
	}{
		{"json", `{"grant_type":"client_credentials","client_id":"` + s.ClientID() + `","client_secret":"` + s.ClientSecret() + `","audience":"` + aud + `"}`, "application/json", false, "", ""},
		{"form", form(url.Values{"grant_type": {"client_credentials"}, "client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}, "audience": {aud}}), "application/x-www-form-urlencoded", false, "", ""},
		{"basic", form(url.Values{"grant_type": {"client_credentials"}, "audience": {aud}}), "application/x-www-form-urlencoded", true, s.ClientID(), s.ClientSecret()},
	}
	for _, g := range good {
		status, out := post(g.body, g.ct, g.basic, g.basicID, g.basicSecret)
		if status != 200 || out["token_type"] != "Bearer" || out["expires_in"] != float64(86400) ||
			!strings.Contains(out["scope"].(string), "read:users") || out["access_token"] == "" {
			t.Fatalf("%s: status %d, keys %v", g.name, status, keys(out))
		}
		tok := out["access_token"].(string)
		if r := get(t, srv, tok, "/api/v2/tenants/settings", nil); r.StatusCode != 200 {
			t.Fatalf("%s: token rejected (%d)", g.name, r.StatusCode)
		}
	}
	for _, bad := range []struct{ id, secret string }{{s.ClientID(), "wrong"}, {"no-such-client", "x"}} {
		status, out := post(form(url.Values{"grant_type": {"client_credentials"}, "audience": {aud}}),
			"application/x-www-form-urlencoded", true, bad.id, bad.secret)
		if status != 401 || out["error"] != "access_denied" || out["error_description"] != "Unauthorized" {
			t.Fatalf("bad credentials: %d %v", status, out)
		}
	}
	// go-auth0 with a wrong secret fails on the token, before any API call.
	// (go-auth0 retries transport errors with backoff: turn that off.)
	m := mgmtFor(t, srv, s.ClientID(), "wrong", management.WithNoRetries())
	if _, err := m.Tenant.Read(context.Background()); err == nil {
		t.Fatal("wrong secret accepted")
	}
	for _, c := range []struct{ header, msg string }{
		{"", "Missing authentication"},
		{"Bearer not-a-token", "Invalid token"},
		{"Basic Zm9vOmJhcg==", "Bad HTTP authentication header format"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/users", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 401 || out["statusCode"] != float64(401) || out["error"] != "Unauthorized" || out["message"] != c.msg {
			t.Fatalf("%q: %d %v", c.header, resp.StatusCode, out)
		}
	}
}

func TestScopes(t *testing.T) {
	s, srv, m := testSim(t, Config{Seed: 1, Users: 100, Scopes: []string{"read:users", "read:roles"}})
	ctx := context.Background()
	if _, err := m.User.List(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := m.Log.List(ctx)
	if statusOf(err) != 403 || !strings.Contains(err.Error(), "Insufficient scope, expected any of: read:logs") {
		t.Fatalf("logs without read:logs: %v", err)
	}
	if err := m.Role.Create(ctx, &management.Role{Name: auth0String("x")}); statusOf(err) != 403 ||
		!strings.Contains(err.Error(), "create:roles") {
		t.Fatalf("write without scope: %v", err)
	}

	// Other tenant clients authenticate with their own grant's scopes.
	tn := s.Snapshot()
	prov := findClientByName(tn, "Provisioning Service")
	pm := mgmtFor(t, srv, prov.ClientID, prov.ClientSecret)
	if _, err := pm.User.Read(ctx, tn.Users[0].UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := pm.Role.List(ctx); statusOf(err) != 403 {
		t.Fatalf("provisioning client listing roles: %v", err)
	}
	// A client without client_credentials (or without a grant) gets no token.
	for _, name := range []string{"Legacy Reporting (decommissioned)", "Customer Portal"} {
		c := findClientByName(tn, name)
		if _, err := mgmtFor(t, srv, c.ClientID, c.ClientSecret, management.WithNoRetries()).Tenant.Read(ctx); err == nil {
			t.Fatalf("%s obtained a Management API token", name)
		}
	}
}
