package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

func newServer(t *testing.T, st *store.Store, graphiql bool) *web.Server {
	t.Helper()
	return web.New(web.Config{Store: st, GraphQL: graph.NewHandler(graph.Options{Store: st, Introspection: true}), GraphiQL: graphiql})
}

func do(t *testing.T, h http.Handler, method, path, accept, body string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Host = "127.0.0.1:8080" // httptest says example.com, which the Host check refuses
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header()
}

func TestRoutes(t *testing.T) {
	st := store.FromDriver(neo4jtest.Driver(t))
	s := newServer(t, st, true)
	h := s.Handler()

	code, body, _ := do(t, h, http.MethodPost, "/graphql", "", `{"query":"{ tenants { id } }"}`)
	if code != http.StatusOK || !strings.Contains(body, `"tenants"`) {
		t.Errorf("POST /graphql: %d %s", code, body)
	}
	// GraphQL over GET is off.
	code, body, _ = do(t, h, http.MethodGet, "/graphql?query=%7B%20tenants%20%7B%20id%20%7D%20%7D", "application/json", "")
	if code != http.StatusMethodNotAllowed || strings.Contains(body, `"tenants"`) {
		t.Errorf("GET /graphql?query=: %d %s", code, body)
	}
	code, body, _ = do(t, h, http.MethodGet, "/graphql", "text/html,application/xhtml+xml", "")
	if web.Assets() != nil && (code != http.StatusOK || !strings.Contains(strings.ToLower(body), "graphiql")) {
		t.Errorf("GraphiQL: %d %.200s", code, body)
	}
	code, body, _ = do(t, h, http.MethodGet, "/healthz", "", "")
	if code != http.StatusOK || body != `{"status":"up"}`+"\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	// "/" redirects to /graphql, unless the build embeds the web app, which
	// is served there instead (with its client-side routes).
	code, body, hdr := do(t, h, http.MethodGet, "/", "text/html", "")
	appEmbedded := code == http.StatusOK && strings.Contains(hdr.Get("Content-Type"), "text/html")
	if !appEmbedded && (code != http.StatusFound || hdr.Get("Location") != "/graphql") {
		t.Errorf("/: %d %s %.100s", code, hdr.Get("Location"), body)
	}
	code, body, _ = do(t, h, http.MethodGet, "/metrics", "", "")
	if code != http.StatusOK || !strings.Contains(body, `authgraph_http_requests_total{code="200",method="POST",route="/graphql"}`) {
		t.Errorf("metrics: %d %.500s", code, body)
	}
	if !appEmbedded {
		if code, _, _ = do(t, h, http.MethodGet, "/nothing-here", "", ""); code != http.StatusNotFound {
			t.Errorf("unknown path: %d", code)
		}
	}

	// GraphiQL off: a browser gets no page.
	off := newServer(t, st, false).Handler()
	code, body, _ = do(t, off, http.MethodGet, "/graphql", "text/html", "")
	if code == http.StatusOK && strings.Contains(strings.ToLower(body), "graphiql") {
		t.Errorf("GraphiQL served while off")
	}
}

func TestStaticSeam(t *testing.T) {
	st := store.FromDriver(neo4jtest.Driver(t))
	s := newServer(t, st, true)
	s.MountStatic(fstest.MapFS{
		"index.html":    {Data: []byte("<html>authgraph app</html>")},
		"assets/app.js": {Data: []byte("console.log('app')")},
	})
	h := s.Handler()
	for path, want := range map[string]string{
		"/": "authgraph app", "/assets/app.js": "console.log", "/users/some-id": "authgraph app",
	} {
		code, body, _ := do(t, h, http.MethodGet, path, "text/html", "")
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q", path, code, body)
		}
	}
	if code, body, _ := do(t, h, http.MethodPost, "/graphql", "", `{"query":"{ tenants { id } }"}`); code != http.StatusOK || !strings.Contains(body, "tenants") {
		t.Errorf("GraphQL behind the static seam: %d %s", code, body)
	}
}

func TestHealthzWhenNeo4jIsDown(t *testing.T) {
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d, err := neo4j.NewDriverWithContext("bolt://"+addr, neo4j.BasicAuth("neo4j", "x", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	s := web.New(web.Config{Store: store.FromDriver(d), GraphQL: http.NotFoundHandler()})
	code, body, _ := do(t, s.Handler(), http.MethodGet, "/healthz", "", "")
	// Down, and nothing about where the database is.
	if code != http.StatusServiceUnavailable || body != `{"status":"down"}`+"\n" || strings.Contains(body, addr) {
		t.Errorf("healthz with Neo4j down: %d %s", code, body)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	st := store.FromDriver(neo4jtest.Driver(t))
	s := newServer(t, st, true)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a.String() }) }()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz over TCP: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

func TestStatusOf(t *testing.T) {
	for err, want := range map[error]int{
		apperr.New(apperr.Invalid, "x"):         http.StatusBadRequest,
		apperr.New(apperr.NotFound, "x"):        http.StatusNotFound,
		apperr.New(apperr.Forbidden, "x"):       http.StatusForbidden,
		apperr.New(apperr.Unauthenticated, "x"): http.StatusUnauthorized,
		apperr.New(apperr.Conflict, "x"):        http.StatusConflict,
		apperr.New(apperr.Unavailable, "x"):     http.StatusServiceUnavailable,
		io.EOF:                                  http.StatusInternalServerError,
	} {
		if got := web.StatusOf(err); got != want {
			t.Errorf("StatusOf(%v) = %d, want %d", err, got, want)
		}
	}
}
