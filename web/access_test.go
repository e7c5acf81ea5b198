package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/graph/generated"
	"github.com/authgraph/authgraph/internal/access"
	"github.com/authgraph/authgraph/internal/neo4jtest"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/web"
)

// identities of the route × role table.
var identities = []string{"anonymous", "viewer", "analyst", "admin", "ingest", "revoked", "expired"}

// accessFixture is a token-mode server with one token per identity.
type accessFixture struct {
	st     *store.Store
	srv    *web.Server
	h      http.Handler
	tokens map[string]string // identity → token ("" for anonymous)
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	st := store.FromDriver(neo4jtest.Driver(t))
	ctx := context.Background()
	if err := st.EnsureAccessSchema(ctx); err != nil {
		t.Fatal(err)
	}
	f := &accessFixture{st: st, tokens: map[string]string{"anonymous": ""}}
	var ids []string
	for _, who := range identities[1:] {
		role := who
		var exp *time.Time
		switch who {
		case "revoked":
			role = "admin"
		case "expired":
			role = "admin"
			past := time.Now().Add(-time.Minute)
			exp = &past
		}
		id, tok := access.NewToken()
		_, secret, _ := access.ParseToken(tok)
		if err := st.CreateToken(ctx, store.Token{ID: id, Name: "test-" + who, Role: role, Hash: access.Hash(secret), Created: time.Now(), Expires: exp}); err != nil {
			t.Fatal(err)
		}
		if who == "revoked" {
			if err := st.RevokeToken(ctx, id, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		f.tokens[who] = tok
		ids = append(ids, id)
	}
	t.Cleanup(func() {
		for _, id := range ids {
			st.RevokeToken(context.Background(), id, time.Now())
		}
	})
	hooks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	gql := graph.NewHandler(graph.Options{Store: st, Introspection: true, Audit: func(ctx context.Context, action, target, outcome string) {
		f.srv.Audit(ctx, action, target, outcome)
	}})
	f.srv = web.New(web.Config{Store: st, GraphQL: gql, GraphiQL: true, Auth: web.AuthConfig{Mode: web.AuthToken, CacheTTL: time.Millisecond}, Hooks: hooks})
	f.srv.MountStatic(fstest.MapFS{
		"index.html":       {Data: []byte("<html>app</html>")},
		"graphiql.html":    {Data: []byte("<html>GraphiQL</html>")},
		"assets/app-1.js":  {Data: []byte("console.log(1)")},
		"assets/app-1.css": {Data: []byte("body{}")},
	})
	f.h = f.srv.Handler()
	return f
}

func (f *accessFixture) do(t *testing.T, who, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = "127.0.0.1:8080" // httptest says example.com, which the Host check refuses
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := f.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// class is what the table expects: "401", "403" or "ok" (anything else).
func class(code int) string {
	switch code {
	case http.StatusUnauthorized:
		return "401"
	case http.StatusForbidden:
		return "403"
	}
	return "ok"
}

// TestRouteRoleTable: every route × every identity. The expectations are
// written out here, apart from internal/access's table, and every route the
// server registers must have a row.
func TestRouteRoleTable(t *testing.T) {
	f := newAccessFixture(t)
	// Per identity, in the order of identities.
	const (
		public    = "ok ok ok ok ok 401 401" // a bad Bearer token is refused everywhere
		viewerUp  = "401 ok ok ok 403 401 401"
		adminOnly = "401 403 403 403 403 401 401"
		ingest    = "401 403 403 403 ok 401 401"
	)
	type row struct {
		method, path, reqPath, body, want string
	}
	rows := []row{
		{"POST", "/graphql", "/graphql", `{"query":"{ tenants { id } }"}`, viewerUp},
		{"GET", "/graphql", "/graphql", "", viewerUp},
		{"GET", "/metrics", "/metrics", "", strings.Replace(adminOnly, "403 401 401", "403 401 401", 1)},
		{"GET", "/healthz", "/healthz", "", public},
		{"GET", "/auth/login", "/auth/login", "", public},
		{"GET", "/auth/callback", "/auth/callback?state=x&code=y", "", public},
		{"POST", "/auth/token", "/auth/token", `{"token":"agt_nothing"}`, "401 401 401 401 401 401 401"},
		{"POST", "/auth/logout", "/auth/logout", "", public},
		{"GET", "/auth/me", "/auth/me", "", viewerUp},
		{"GET", "/auth/providers", "/auth/providers", "", public},
		{"POST", "/hooks/*", "/hooks/auth0/logs", `{}`, ingest},
		{"GET", "/", "/", "", public},
		{"GET", "/*", "/assets/app-1.js", "", public},
	}
	// /metrics: admins only ("ok" for admin).
	rows[2].want = "401 403 403 ok 403 401 401"

	seen := map[access.Route]bool{}
	for _, r := range rows {
		seen[access.Route{Method: r.method, Path: r.path}] = true
		want := strings.Fields(r.want)
		for i, who := range identities {
			code, body := f.do(t, who, r.method, r.reqPath, r.body)
			if got := class(code); got != want[i] {
				t.Errorf("%s %s as %s: %d (%s), want %s: %.200s", r.method, r.reqPath, who, code, got, want[i], body)
			}
		}
	}
	for _, r := range f.srv.Routes() {
		if !seen[r] {
			t.Errorf("route %s %s has no row in this table: add one (and a line in internal/access/policy.go)", r.Method, r.Path)
		}
	}
	// The access table names no route the server lacks (a stale line is a
	// hole waiting for a route).
	registered := map[access.Route]bool{}
	for _, r := range f.srv.Routes() {
		registered[r] = true
	}
	for _, r := range access.Routes() {
		if !registered[r] {
			t.Errorf("access table names %s %s, which the server does not register", r.Method, r.Path)
		}
	}
}

// graphQLExpect is the least role of every GraphQL root field that needs
// more than viewer (Query) or that exists at all (Mutation).
var graphQLExpect = map[string]access.Role{
	"Query.auditLog":             access.Admin,
	"Query.cypher":               access.Viewer,
	"Query.sql":                  access.Viewer,
	"Query.sqlTables":            access.Viewer,
	"Mutation.runRules":          access.Analyst,
	"Query.ruleRun":              access.Analyst,
	"Mutation.suppressFinding":   access.Analyst,
	"Mutation.unsuppressFinding": access.Analyst,

	"Query.tenantRemovals":           access.Admin,
	"Mutation.testTenantConnection":  access.Admin,
	"Mutation.connectTenant":         access.Admin,
	"Mutation.updateConnectedTenant": access.Admin,
	"Mutation.setTenantEnabled":      access.Admin,
	"Mutation.removeTenant":          access.Admin,
}

// TestGraphQLRoleTable: every Query and Mutation field × every identity,
// each sent as its own operation.
func TestGraphQLRoleTable(t *testing.T) {
	f := newAccessFixture(t)
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &graph.Resolver{}}).Schema()
	type op struct{ name, query string }
	var ops []op
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		if root == nil {
			continue
		}
		for _, fd := range root.Fields {
			if strings.HasPrefix(fd.Name, "__") {
				continue
			}
			kw := "query"
			if root == schema.Mutation {
				kw = "mutation"
			}
			ops = append(ops, op{root.Name + "." + fd.Name, kw + " { " + fd.Name + args(schema, fd.Arguments) + selection(schema, fd.Type) + " }"})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	if len(ops) < 20 {
		t.Fatalf("only %d operations found", len(ops))
	}
	for _, o := range ops {
		least, listed := graphQLExpect[o.name]
		if !listed {
			if strings.HasPrefix(o.name, "Mutation.") {
				t.Errorf("%s has no expected role here: add it to graphQLExpect and internal/access/policy.go", o.name)
				continue
			}
			least = access.Viewer
		}
		for _, who := range identities {
			code, body := f.do(t, who, "POST", "/graphql", fmt.Sprintf(`{"query":%q}`, o.query))
			want := expectFor(who, least)
			got := class(code)
			if got == "ok" && (strings.Contains(body, `"FORBIDDEN"`) || strings.Contains(body, `"UNAUTHENTICATED"`)) {
				got = "refused in a 200"
			}
			if got == "ok" && (code != http.StatusOK || strings.Contains(body, "GRAPHQL_VALIDATION_FAILED")) {
				t.Errorf("%s as %s: the operation did not run (%d): %.300s", o.name, who, code, body)
				continue
			}
			if got != want {
				t.Errorf("%s as %s: %d (%s), want %s: %.200s", o.name, who, code, got, want, body)
			}
		}
	}
	// An operation mixing an allowed field and a refused one is refused
	// whole, nothing of it runs.
	code, body := f.do(t, "viewer", "POST", "/graphql", `{"query":"{ tenants { id } auditLog { action } }"}`)
	if code != http.StatusForbidden || strings.Contains(body, `"tenants"`) {
		t.Errorf("mixed operation as viewer: %d %s", code, body)
	}
	// A fragment bomb (each fragment spreads the next twice: 2^40 paths)
	// ends: fragments are walked once each.
	var bomb strings.Builder
	bomb.WriteString("query { ...F0 } ")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&bomb, "fragment F%d on Query { ...F%d ...F%d } ", i, i+1, i+1)
	}
	bomb.WriteString("fragment F40 on Query { auditLog { action } }")
	code, body = f.do(t, "viewer", "POST", "/graphql", fmt.Sprintf(`{"query":%q}`, bomb.String()))
	if code == http.StatusOK && strings.Contains(body, `"auditLog"`) && !strings.Contains(body, "errors") {
		t.Errorf("fragment bomb as viewer ran: %d %.200s", code, body)
	}
	// Through a fragment too.
	code, body = f.do(t, "analyst", "POST", "/graphql", `{"query":"query { ...F } fragment F on Query { auditLog { action } }"}`)
	if code != http.StatusForbidden {
		t.Errorf("fragment as analyst: %d %s", code, body)
	}
}

func expectFor(who string, least access.Role) string {
	switch who {
	case "anonymous", "revoked", "expired":
		return "401"
	case "ingest":
		return "403"
	}
	if access.Allow(&access.Principal{Role: access.Role(who)}, access.Need{Min: least}) == access.Allowed {
		return "ok"
	}
	return "403"
}

// args writes literals for a field's required arguments.
func args(s *ast.Schema, defs ast.ArgumentDefinitionList) string {
	var parts []string
	for _, a := range defs {
		if a.Type.NonNull && a.DefaultValue == nil {
			parts = append(parts, a.Name+": "+literal(s, a.Type, 0))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func literal(s *ast.Schema, t *ast.Type, depth int) string {
	if t.Elem != nil {
		return "[" + literal(s, t.Elem, depth) + "]"
	}
	switch t.NamedType {
	case "ID", "String":
		return `"x"`
	case "Int":
		return "1"
	case "Float":
		return "1.0"
	case "Boolean":
		return "false"
	case "Time":
		return `"2020-01-01T00:00:00Z"`
	}
	d := s.Types[t.NamedType]
	switch {
	case d == nil:
		return `"x"`
	case d.Kind == ast.Enum:
		return d.EnumValues[0].Name
	case d.Kind == ast.InputObject && depth < 4:
		var parts []string
		for _, fd := range d.Fields {
			if fd.Type.NonNull && fd.DefaultValue == nil {
				parts = append(parts, fd.Name+": "+literal(s, fd.Type, depth+1))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "{}"
}

func selection(s *ast.Schema, t *ast.Type) string {
	for t.Elem != nil {
		t = t.Elem
	}
	d := s.Types[t.NamedType]
	if d != nil && (d.Kind == ast.Object || d.Kind == ast.Interface || d.Kind == ast.Union) {
		return " { __typename }"
	}
	return ""
}

// TestHTTPHardening: Host allowlist in many spellings, cross-origin
// state-changing requests, security headers on every answer.
func TestHTTPHardening(t *testing.T) {
	f := newAccessFixture(t)
	send := func(host string, hdr map[string]string, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+f.tokens["viewer"])
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	q := `{"query":"{ tenants { id } }"}`
	for host, ok := range map[string]bool{
		"127.0.0.1:8080": true, "localhost": true, "LOCALHOST:1": true, "localhost.:8080": true, "[::1]:8080": true, "::1": true,
		"evil.example": false, "localhost.evil.example": false, "127.0.0.1.evil.example:8080": false, "evil.example:8080": false,
		"0x7f000001": false, "2130706433": false, "127.1": false, "": false, "localhost@evil.example": false, "[::ffff:127.0.0.1]:80": false,
		"xn--localhost": false, "localhost:8080:80": false,
	} {
		rec := send(host, nil, "POST", "/graphql", q)
		if got := rec.Code == http.StatusOK; got != ok {
			t.Errorf("Host %q: %d, want allowed=%v", host, rec.Code, ok)
		}
		if !ok && strings.Contains(rec.Body.String(), "tenants") {
			t.Errorf("Host %q: data leaked", host)
		}
	}
	// Health probes by address still work, and say nothing more.
	if rec := send("10.1.2.3:8080", nil, "GET", "/healthz", ""); rec.Code != http.StatusOK || rec.Body.String() != `{"status":"up"}`+"\n" {
		t.Errorf("healthz by address: %d %s", rec.Code, rec.Body.String())
	}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
		{"Origin": "http://127.0.0.1:9999"},
		{"Origin": "null"},
	} {
		for _, path := range []string{"/graphql", "/auth/logout", "/auth/token"} {
			if rec := send("127.0.0.1:8080", hdr, "POST", path, q); rec.Code != http.StatusForbidden {
				t.Errorf("cross-origin POST %s with %v: %d", path, hdr, rec.Code)
			}
		}
	}
	for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://127.0.0.1:8080"}, {}} {
		if rec := send("127.0.0.1:8080", hdr, "POST", "/graphql", q); rec.Code != http.StatusOK {
			t.Errorf("same-origin POST with %v: %d", hdr, rec.Code)
		}
	}
	for _, path := range []string{"/", "/graphql", "/healthz", "/nowhere/x", "/auth/me"} {
		rec := send("127.0.0.1:8080", map[string]string{"Authorization": ""}, "GET", path, "")
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "http") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s (%d): headers %v", path, rec.Code, h)
		}
	}
}
