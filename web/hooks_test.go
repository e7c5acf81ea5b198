package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/internal/stream"
	"github.com/authgraph/authgraph/web"
)

type nopApplier struct{}

func (nopApplier) ApplyTouches(context.Context, string, []stream.Touch, string) error { return nil }

// TestHooksTakeOnlyTheTenantsStreamToken: the stream endpoints behind the
// server's access checks, in token mode and in --auth none (where people
// are admins but Auth0's pushes still need the stream's token).
func TestHooksTakeOnlyTheTenantsStreamToken(t *testing.T) {
	d := neo4jtest.Driver(t)
	st := store.FromDriver(d)
	ctx := context.Background()
	if err := st.EnsureAccessSchema(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.EnsureMonitorSchema(ctx); err != nil {
		t.Fatal(err)
	}
	a, b := neo4jtest.Tenant(t), neo4jtest.Tenant(t)+"-b"
	for _, name := range []string{a, b} {
		neo4jtest.Cleanup(t, d, name)
		if err := st.AddConnectedTenant(ctx, store.ConnectedTenant{Name: name, Domain: "https://" + name, ClientID: "c", SecretSealed: "sealed", Interval: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	inA, err := stream.Setup(ctx, st, a, "https://authgraph.example.com")
	if err != nil {
		t.Fatal(err)
	}
	inB, err := stream.Setup(ctx, st, b, "https://authgraph.example.com")
	if err != nil {
		t.Fatal(err)
	}
	// A second setup replaces (and revokes) the first token.
	old := inB
	if inB, err = stream.Setup(ctx, st, b, "https://authgraph.example.com"); err != nil || inB.Replaced != old.TokenID {
		t.Fatalf("second setup: %+v %v", inB, err)
	}
	id, adminTok := access.NewToken()
	_, secret, _ := access.ParseToken(adminTok)
	if err := st.CreateToken(ctx, store.Token{ID: id, Name: "test-admin", Role: "admin", Hash: access.Hash(secret), Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, id := range []string{id, inA.TokenID, inB.TokenID} {
			_ = st.RevokeToken(context.Background(), id, time.Now())
		}
	})
	if !strings.HasPrefix(inA.LogsURL, "https://authgraph.example.com/hooks/auth0/") || !strings.HasSuffix(inA.LogsURL, "/logs") {
		t.Fatalf("logs URL %q", inA.LogsURL)
	}
	line := `{"log_id":"90020260101","data":{"type":"sapi","date":"2026-01-01T00:00:00Z","details":{"request":{"method":"patch","path":"/api/v2/clients/x"}}}}`
	pathA := strings.TrimPrefix(inA.LogsURL, "https://authgraph.example.com")
	for _, mode := range []string{web.AuthToken, web.AuthNone} {
		recv := stream.New(stream.Config{Applier: nopApplier{}, Tenants: st.StreamTokenID})
		srv := web.New(web.Config{Store: st, GraphQL: http.NotFoundHandler(), Auth: web.AuthConfig{Mode: mode, CacheTTL: time.Millisecond}, Hooks: recv})
		cases := []struct {
			name, auth, path string
			want             int
		}{
			{"the tenant's stream token", inA.Authorization, pathA, 200},
			{"no token", "", pathA, 401},
			{"an admin token", "Bearer " + adminTok, pathA, 403},
			{"another tenant's stream token", inB.Authorization, pathA, 403},
			{"a replaced stream token", old.Authorization, strings.Replace(pathA, a, b, 1), 401},
			{"a bad token", "Bearer agt_nope_nope", pathA, 401},
			{"an unknown tenant", inA.Authorization, "/hooks/auth0/nobody.example/logs", 404},
		}
		for _, c := range cases {
			req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(line))
			req.Host = "127.0.0.1:8080"
			req.Header.Set("Content-Type", "application/json")
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("%s, %s: %d %s, want %d", mode, c.name, rec.Code, rec.Body, c.want)
			}
		}
		recv.Close(ctx)
	}
}
