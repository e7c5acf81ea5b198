package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/authgraph/authgraph/graph/generated"
)

// The fast POST transport answers every request as gqlgen's POST does:
// same status, content type and JSON, whether the response is data only,
// data with errors, a validation error or a body that does not decode.
func TestFastPOSTAnswersAsGqlgenPOST(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	serve := func(tr graphql.Transport) *handler.Server {
		srv := handler.New(es)
		srv.AddTransport(tr)
		return srv
	}
	gqlgen, fast := serve(transport.POST{}), serve(fastPOST{})
	cases := []struct {
		name, body, accept string
		wantErrors         bool
	}{
		{"data only", `{"query":"{ __typename }"}`, "", false},
		{"data only, html characters", `{"query":"query { a: __typename }","variables":{"x":"<&>"}}`, "application/json", false},
		{"resolver error", `{"query":"{ node(id: \"not-an-id\") { id } }"}`, "", true},
		{"validation error", `{"query":"{ noSuchField }"}`, "", true},
		{"syntax error", `{"query":"{ "}`, "", true},
		{"body that does not decode", `{"query":`, "", true},
		{"graphql-response+json", `{"query":"{ noSuchField }"}`, "application/graphql-response+json", true},
	}
	for _, c := range cases {
		do := func(h http.Handler) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if c.accept != "" {
				req.Header.Set("Accept", c.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		want, got := do(gqlgen), do(fast)
		if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
			t.Errorf("%s: status %d %q, want %d %q", c.name, got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
		}
		var w, g map[string]any
		if err := json.Unmarshal(want.Body.Bytes(), &w); err != nil {
			t.Fatalf("%s: gqlgen's body: %v", c.name, err)
		}
		if err := json.Unmarshal(got.Body.Bytes(), &g); err != nil {
			t.Fatalf("%s: fast body %q: %v", c.name, got.Body.String(), err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got.Body.String(), want.Body.String())
		}
		if _, hasErrors := g["errors"]; hasErrors != c.wantErrors {
			t.Errorf("%s: errors in %s: %v, want %v", c.name, got.Body.String(), hasErrors, c.wantErrors)
		}
	}
}

// The fast way out is taken for what gqlgen's executor answers a query
// without errors (it sets Extensions to an empty map), and not for an
// answer with errors.
func TestDataOnlyTakesExecutorResponses(t *testing.T) {
	exec := executor.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}))
	for _, c := range []struct {
		query string
		want  bool
	}{
		{"{ __typename }", true},
		{`{ node(id: "not-an-id") { id } }`, false},
	} {
		ctx := graphql.StartOperationTrace(context.Background())
		rc, errs := exec.CreateOperationContext(ctx, &graphql.RawParams{Query: c.query})
		if errs != nil {
			t.Fatalf("%s: %v", c.query, errs)
		}
		responses, ctx := exec.DispatchOperation(ctx, rc)
		if got := dataOnly(responses(ctx)); got != c.want {
			t.Errorf("dataOnly(answer to %s) = %v, want %v", c.query, got, c.want)
		}
	}
}
