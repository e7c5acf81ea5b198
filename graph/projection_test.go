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
	}{
		{`{ users(first: 5) { totalCount nodes { id email lastLogin roles { id name } } } }`,
			[]string{"email", "last_login"}, []string{"logins_count", "description", "blocked"}},
		{`query { node(id: "x") { ...U ... on Role { description } } } fragment U on User { emailVerified lastSeen }`,
			[]string{"email_verified", "lastupdated", "description"}, []string{"email", "logins_count"}},
		{`{ neighbourhood(id: "x") { nodes { id properties } } }`, []string{"email", "logins_count", "description"}, nil},
	}
	for _, c := range cases {
		doc, err := gqlparser.LoadQuery(es.Schema(), c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		got := operationProps(&graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]})
		if got == nil { // every property
			for _, p := range c.wantNone {
				t.Errorf("%s: reads every property, %s too", c.query, p)
			}
			continue
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
