package graph

import (
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"github.com/authgraph/authgraph/graph/generated"
)

func TestOperationProps(t *testing.T) {
	es := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}})
	cases := []struct {
		query    string
		want     []string // must be read
		wantNone []string // must not be read
		// kind: properties that must be read of that kind, and then
		// (after a "-") ones that must not
		kinds map[string][]string
	}{
		{`{ users(first: 5) { totalCount nodes { id email lastLogin roles { id name } } } }`,
			[]string{"email", "last_login"}, []string{"logins_count", "description", "blocked"},
			map[string][]string{"User": {"email", "last_login", "-", "name"}, "Role": {"name", "-", "email", "last_login"}}},
		{`query { node(id: "x") { ...U ... on Role { description } } } fragment U on User { emailVerified lastSeen }`,
			[]string{"email_verified", "lastupdated", "description"}, []string{"email", "logins_count"},
			map[string][]string{"User": {"email_verified", "lastupdated", "-", "description"}, "Role": {"description", "-", "email_verified"}}},
		{`{ node(id: "x") { name ... on User { roles { description } } } }`, []string{"name", "description"}, nil,
			map[string][]string{"User": {"name", "-", "description"}, "Role": {"name", "description"}, "Client": {"name", "-", "description"}}},
		{`{ node(id: "x") { ... on User { identities { provider connection { id } } } } }`, nil, []string{"connection", "provider"},
			map[string][]string{"Connection": {"id", "-", "connection", "provider"}}},
		{`{ neighbourhood(id: "x") { nodes { id name } } }`, []string{"name"}, nil,
			map[string][]string{"User": {"name"}, "Connection": {"name"}}},
		{`{ neighbourhood(id: "x") { nodes { id properties } } }`, []string{"email", "logins_count", "description"}, nil, nil},
	}
	for _, c := range cases {
		doc, err := gqlparser.LoadQuery(es.Schema(), c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		got, byKind := operationProps(&graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]})
		if got == nil { // every property
			for _, p := range c.wantNone {
				t.Errorf("%s: reads every property, %s too", c.query, p)
			}
			continue
		}
		for kind, list := range c.kinds {
			set := map[string]bool{}
			for _, p := range byKind[kind] {
				set[p] = true
			}
			must := true
			for _, p := range list {
				if p == "-" {
					must = false
				} else if set[p] != must {
					t.Errorf("%s: of a %s, read %s: %v, want %v (reads %v)", c.query, kind, p, set[p], must, byKind[kind])
				}
			}
		}
		sort.Strings(got)
		set := map[string]bool{}
		for _, p := range got {
			set[p] = true
		}
		for _, p := range c.want {
			if !set[p] {
				t.Errorf("%s: %s not read (got %s)", c.query, p, strings.Join(got, ","))
			}
		}
		for _, p := range c.wantNone {
			if set[p] {
				t.Errorf("%s: %s read needlessly", c.query, p)
			}
		}
	}
}
