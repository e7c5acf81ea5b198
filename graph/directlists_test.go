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
			model.UseGQLGenLists(true)
			before := model.DirectListWrites()
			want := rawPost(t, e.handler, c.query, c.vars)
			if model.DirectListWrites() != before {
				t.Fatal("the direct writers ran while turned off")
			}
			model.UseGQLGenLists(false)
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

// scalarFields returns the selection of every field of a GraphQL object
// type that takes no argument and shows a scalar or an enum, read by
// introspection.
func scalarFields(t *testing.T, h http.Handler, typeName string) string {
	t.Helper()
	body := rawPost(t, h, `query($n: String!) { __type(name: $n) { fields { name args { name }
		type { kind ofType { kind ofType { kind ofType { kind } } } } } } }`, map[string]any{"n": typeName})
	var resp struct {
		Data struct {
			Type struct {
				Fields []struct {
					Name string
					Args []struct{ Name string }
					Type struct {
						Kind   string
						OfType *struct {
							Kind   string
							OfType *struct {
								Kind   string
								OfType *struct{ Kind string }
							}
						}
					}
				}
			} `json:"__type"`
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range resp.Data.Type.Fields {
		// The named type's kind, under at most three NON_NULL / LIST wrappers.
		kind := f.Type.Kind
		if o := f.Type.OfType; o != nil {
			kind = o.Kind
			if o := o.OfType; o != nil {
				kind = o.Kind
				if o := o.OfType; o != nil {
					kind = o.Kind
				}
			}
		}
		if len(f.Args) == 0 && (kind == "SCALAR" || kind == "ENUM") {
			names = append(names, f.Name)
		}
	}
	if len(names) < 5 {
		t.Fatalf("%s: only %v", typeName, names)
	}
	return strings.Join(names, " ")
}

// The direct writers of model lists must answer byte for byte what gqlgen
// answers: every scalar field of every listed kind, relations read ahead
// at several levels, interface fragments, aliases, and selections they
// leave to gqlgen.
func TestDirectObjectListsWriteWhatGQLGenWrites(t *testing.T) {
	e := setup(t)
	h := e.handler
	model.UseGQLGenLists(false)
	type listCase struct {
		name, query string
		direct      bool
	}
	var cases []listCase
	for field, typ := range map[string]string{"users": "User", "roles": "Role", "permissions": "Permission",
		"organizations": "Organization", "clients": "Client", "clientGrants": "ClientGrant", "grants": "Grant",
		"resourceServers": "ResourceServer", "connections": "Connection", "customDomains": "CustomDomain",
		"logStreams": "LogStream", "actions": "Action", "tenantSettings": "TenantSettings"} {
		// Floats (tenant settings' lifetimes) are left to gqlgen.
		cases = append(cases, listCase{"every scalar of " + typ,
			`query($t: String) { ` + field + `(tenant: $t, first: 60) { totalCount nodes { ` + scalarFields(t, h, typ) + ` } } }`, typ != "TenantSettings"})
	}
	cases = append(cases,
		listCase{"users with relations read ahead", `query($t: String) { users(tenant: $t, first: 80) { nodes { id email lastLogin
			roles { id name permissions { id value api { id name } } }
			organizations { id user { id } organization { id name displayName } roles { __typename id name } }
			permissions { id value } grants { id scope client { id name } api { id } } } } }`, true},
		listCase{"interface fragments, aliases, skip", `query($t: String, $yes: Boolean!) { users(tenant: $t, first: 40) { nodes {
			... on Asset { id kind k2: kind } ...U mail: email @include(if: $yes) blocked @skip(if: $yes)
			roles { ... on Asset { name } r: id } } } } fragment U on User { __typename email id }`, true},
		listCase{"clients, their grants and connections", `query($t: String) { clients(tenant: $t) { nodes { id name appType grantTypes
			grants { id scope api { id identifier } permissions { value } } connections { id name strategy } } } }`, true},
		listCase{"apis and permissions both ways", `query($t: String) { resourceServers(tenant: $t) { nodes { id identifier
			permissions { id value roles { id name } clientGrants { id } } clientGrants { id client { id } } } } }`, true},
		listCase{"wrapped relations (left to gqlgen)", `query($t: String) { users(tenant: $t, first: 30) { nodes { id
			identities { provider connection { id name } } } } }`, false},
		listCase{"a relation with arguments (left to gqlgen)", `query($t: String) { roles(tenant: $t, first: 10) { nodes { id
			users(first: 3) { totalCount nodes { id email roles { id } } } } } }`, false},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]any{"t": e.tenant, "yes": true}
			model.UseGQLGenLists(true)
			want := rawPost(t, h, c.query, vars)
			model.UseGQLGenLists(false)
			before := model.DirectListWrites()
			got := rawPost(t, h, c.query, vars)
			took := model.DirectListWrites() - before
			if bytes.Contains(want, []byte(`"errors"`)) || !bytes.Contains(want, []byte(`"id"`)) && !strings.Contains(c.query, "tenantSettings") {
				t.Fatalf("the query answered no list: %.400s", want)
			}
			// A list written directly writes its relations' lists too: one
			// call for the whole page.
			if c.direct && took != 1 {
				t.Errorf("the direct writers took %d lists, want the page as one (is the call in graph/generated? run go generate ./graph)", took)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("direct writers differ from gqlgen:\n got %.2000s\nwant %.2000s", got, want)
			}
		})
	}
}
