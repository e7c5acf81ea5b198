package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/schema"
)

// rawPost sends a GraphQL request to the handler and returns the body.
func rawPost(t *testing.T, h http.Handler, q string, vars map[string]any) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// The direct writers of graph view lists must answer byte for byte what
// gqlgen's generated marshallers answer, for every selection they take, and
// leave the others to gqlgen.
func TestDirectGraphListsWriteWhatGQLGenWrites(t *testing.T) {
	e := setup(t)
	tr := e.truth()
	var uid, rid string
	for _, u := range tr.Users {
		if len(u.RoleIDs) > 0 && len(u.OrgIDs) > 0 {
			uid, rid = e.key(schema.User, u.UserID), e.key(schema.Role, u.RoleIDs[0])
			break
		}
	}
	if uid == "" {
		t.Fatal("no user with roles and organizations in the simulated tenant")
	}
	nb := func(sel string) string {
		return `query($id: ID!) { neighbourhood(id: $id, depth: 2, limit: 60) { truncated ` + sel + ` } }`
	}
	cases := []struct {
		name   string
		query  string
		vars   map[string]any
		direct bool // the direct writers take both lists
	}{
		{"graph view fields", nb(`nodes { id kind name } edges { id type source target }`), map[string]any{"id": uid}, true},
		{"every plain field", nb(`nodes { __typename id elementId labels kind name properties } edges { __typename id type source target properties }`), map[string]any{"id": uid}, true},
		{"aliases and repeats", nb(`nodes { key: id id k: kind id label: labels } edges { from: source to: target from: source t: type }`), map[string]any{"id": rid}, true},
		{"fragments and skip", `query($id: ID!, $no: Boolean!) { neighbourhood(id: $id, depth: 2) {
			nodes { ...N name @skip(if: $no) elementId @include(if: $no) } edges { ... on Edge { id } type @include(if: $no) } } }
			fragment N on GraphNode { id kind }`, map[string]any{"id": uid, "no": true}, true},
		{"an asset selected", nb(`nodes { id asset { id name } } edges { id }`), map[string]any{"id": uid}, false},
		{"a path", `query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b) { length nodes { id kind labels } edges { type source target } } }`,
			map[string]any{"a": uid, "b": rid}, true},
		{"a console graph", `query { cypher(query: "MATCH (u:Auth0User)-[r]->(x) RETURN u, r, x LIMIT 40") { columns truncated graph { nodes { id labels properties } edges { id type source target properties } } } }`,
			nil, true},
		{"a console graph with nodes that are not assets", `query($t: String!) { cypher(query: "MATCH (t:Auth0Tenant {tenant: $t})-[r:SYNCED]->(s) RETURN t, r, s LIMIT 5", params: {t: $t}) { graph { nodes { id kind name labels } edges { type source target } } } }`,
			map[string]any{"t": e.tenant}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			model.UseGQLGenGraphLists(true)
			before := model.DirectListWrites()
			want := rawPost(t, e.handler, c.query, c.vars)
			if model.DirectListWrites() != before {
				t.Fatal("the direct writers ran while turned off")
			}
			model.UseGQLGenGraphLists(false)
			got := rawPost(t, e.handler, c.query, c.vars)
			took := model.DirectListWrites() - before
			if c.direct && took < 2 {
				t.Errorf("the direct writers took %d lists, want both (is the call in graph/generated? run go generate ./graph)", took)
			}
			if !c.direct && took > 1 {
				t.Errorf("the direct writers took %d lists, want at most the edges", took)
			}
			if bytes.Contains(want, []byte(`"errors"`)) || !bytes.Contains(want, []byte(`"id"`)) && !strings.Contains(c.query, "shortestPath") {
				t.Fatalf("the query answered no graph: %s", want)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("direct writers differ from gqlgen:\n got %s\nwant %s", got, want)
			}
		})
	}
}
