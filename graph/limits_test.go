package graph_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/authgraph/authgraph/graph"
	"github.com/authgraph/authgraph/schema"
)

func TestLimits(t *testing.T) {
	e := setup(t)
	c := e.client()

	// Depth: 13 levels of user -> organizations -> user -> ...
	nest := "id"
	for i := 0; i < 7; i++ {
		nest = "organizations { user { " + nest + " } }"
	}
	deep := "{ users(first: 1) { nodes { " + nest + " } } }"
	raw, err := c.RawPost(deep)
	if err != nil {
		t.Fatal(err)
	}
	if code := errCode(t, raw); code != "DEPTH_LIMIT_EXCEEDED" {
		t.Errorf("deep query: code %q (%s)", code, raw.Errors)
	}

	// Complexity: many aliased fields.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 3000; i++ {
		b.WriteString(" a")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(": tenants { id }")
	}
	b.WriteString(" }")
	raw, _ = c.RawPost(b.String())
	if code := errCode(t, raw); code != "OPERATION_LIMIT_EXCEEDED" {
		t.Errorf("many aliases: code %q (%.200s)", code, raw.Errors)
	}
	// With the alias and root field caps lifted, the complexity limit
	// still stops it.
	loose := client.New(signedIn(graph.NewHandler(graph.Options{Store: e.st, MaxRootFields: 1 << 20, MaxAliases: 1 << 20})))
	raw, _ = loose.RawPost(b.String())
	if code := errCode(t, raw); code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("complex query: code %q (%.200s)", code, raw.Errors)
	}

	// Tokens: a huge query is refused by the parser.
	huge := "{ tenants { " + strings.Repeat("id ", 30000) + "} }"
	raw, err = c.RawPost(huge)
	if err == nil && raw != nil {
		err = fmt.Errorf("%s", raw.Errors)
	}
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "token") {
		t.Errorf("huge query: %.300v", err)
	}

	// GraphiQL's introspection query is deep but not counted.
	raw, err = c.RawPost(`{ __schema { queryType { name } types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } }`)
	if err != nil || len(raw.Errors) > 0 || !strings.Contains(fmt.Sprint(raw.Data), "Query") {
		t.Errorf("deep introspection: %v %.300s", err, raw.Errors)
	}

	// With introspection off, __schema is refused.
	off := client.New(signedIn(graph.NewHandler(graph.Options{Store: e.st})))
	raw, _ = off.RawPost(`{ __schema { queryType { name } } }`)
	if len(raw.Errors) == 0 {
		t.Errorf("introspection off still answers")
	}
}

// Every declared property of every kind is a field of its GraphQL type, of
// the right type, so adding a property to schema without the SDL fails here.
func TestSchemaCoversEveryProperty(t *testing.T) {
	e := setup(t)
	c := e.client()
	var resp struct {
		Schema struct {
			Types []struct {
				Name   string
				Fields []struct {
					Name string
					Type struct {
						Kind   string
						Name   *string
						OfType *struct {
							Kind   string
							Name   *string
							OfType *struct{ Name *string }
						}
					}
				}
			}
		} `json:"__schema"`
	}
	post(t, c, `{ __schema { types { name fields { name type { kind name ofType { kind name ofType { name } } } } } } }`, &resp)
	types := map[string]map[string]string{}
	for _, ty := range resp.Schema.Types {
		fs := map[string]string{}
		for _, f := range ty.Fields {
			name := ""
			switch {
			case f.Type.Name != nil:
				name = *f.Type.Name
			case f.Type.Kind == "LIST" && f.Type.OfType != nil && f.Type.OfType.OfType != nil && f.Type.OfType.OfType.Name != nil:
				name = "[" + *f.Type.OfType.OfType.Name + "]"
			case f.Type.OfType != nil && f.Type.OfType.Name != nil:
				name = *f.Type.OfType.Name
			}
			fs[f.Name] = name
		}
		types[ty.Name] = fs
	}
	gqlType := map[schema.Type]string{schema.String: "String", schema.Int: "Int", schema.Float: "Float", schema.Bool: "Boolean",
		schema.StringList: "[String]", schema.Time: "Time"}
	for _, k := range schema.Kinds {
		fields, ok := types[k.Name]
		if !ok {
			t.Errorf("kind %s has no GraphQL type", k.Name)
			continue
		}
		for _, p := range k.Props {
			f := camel(p.Name)
			if got := fields[f]; got != gqlType[p.Type] {
				t.Errorf("%s.%s (%s): GraphQL field %q has type %q, want %q", k.Name, p.Name, p.Type, f, got, gqlType[p.Type])
			}
		}
		for _, f := range []string{"id", "kind", "nativeId", "tenant", "name", "firstSeen", "lastSeen"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("%s lacks the Asset field %s", k.Name, f)
			}
		}
	}
}

func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
