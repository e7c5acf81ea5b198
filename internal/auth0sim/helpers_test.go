package auth0sim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/auth0/go-auth0/management"
)

// testSim starts a simulator behind an httptest server and a go-auth0
// client authenticated with the dev credentials.
func testSim(t *testing.T, cfg Config) (*Sim, *httptest.Server, *management.Management) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv, mgmtFor(t, srv, s.ClientID(), s.ClientSecret())
}

// httptestServer serves s on another test server.
func httptestServer(t *testing.T, s *Sim) *httptest.Server {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func mgmtFor(t *testing.T, srv *httptest.Server, id, secret string, extra ...management.Option) *management.Management {
	t.Helper()
	// WithInsecure must come first: after WithClientCredentials it would
	// replace the token source with the static token "insecure".
	opts := append([]management.Option{management.WithInsecure(),
		management.WithClientCredentials(context.Background(), id, secret)}, extra...)
	m, err := management.New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// token fetches a bearer token for raw HTTP tests.
func token(t *testing.T, srv *httptest.Server, id, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret},
		"audience": {srv.URL + "/api/v2/"}}
	resp, err := http.PostForm(srv.URL+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&body) != nil || body.AccessToken == "" {
		t.Fatalf("token: status %d", resp.StatusCode)
	}
	return body.AccessToken
}

// get performs a raw GET and decodes the JSON body into out (if non-nil).
func get(t *testing.T, srv *httptest.Server, tok, path string, out any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m, ok := out.(*map[string]any); ok && !strings.HasPrefix(strings.TrimSpace(string(b)), "{") {
		*m = nil // a list: callers only read objects (errors)
		return resp
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: status %d, body not JSON: %v", path, resp.StatusCode, err)
		}
	}
	return resp
}

func statusOf(err error) int {
	var me management.Error
	if errors.As(err, &me) {
		return me.Status()
	}
	return 0
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func setOf(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	sa := setOf(a)
	for _, x := range b {
		if !sa[x] {
			return false
		}
	}
	return true
}

func findRole(tn *Tenant, name string) Role {
	for _, r := range tn.Roles {
		if r.Name == name {
			return r
		}
	}
	return Role{}
}

func findClientByName(tn *Tenant, name string) Client {
	for _, c := range tn.Clients {
		if strings.HasSuffix(c.Name, name) {
			return c
		}
	}
	return Client{}
}
