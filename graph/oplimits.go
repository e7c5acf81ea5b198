package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Operation limits, by default: the complexity limit counts fields, these
// count what makes one operation many database reads at once (gqlgen
// resolves root fields concurrently).
const (
	DefaultMaxRootFields  = 20 // the overview asks for 13 list totals at once
	DefaultMaxAliases     = 30
	DefaultRequestTimeout = 30 * time.Second
	// One console statement per operation: the console's concurrency
	// limit counts statements, and one request should take one slot.
	maxCypherFields = 1
)

// OperationLimits refuses an operation that selects more than MaxFields
// fields once its fragments are spread, more than MaxRootFields root
// fields, more than MaxAliases aliased fields anywhere, or more than one
// cypher field. Introspection fields (__schema, __type, __typename) are not
// root fields.
type OperationLimits struct {
	MaxFields     int // fields once fragments are spread
	MaxRootFields int
	MaxAliases    int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = OperationLimits{}

func (OperationLimits) ExtensionName() string                          { return "OperationLimits" }
func (OperationLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

// MutateOperationContext counts the operation after validation.
func (l OperationLimits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	c := count(rc.Operation, rc.Doc.Fragments)
	limit := func(msg string, args ...any) *gqlerror.Error {
		e := gqlerror.Errorf(msg, args...)
		e.Extensions = map[string]any{"code": "OPERATION_LIMIT_EXCEEDED"}
		return e
	}
	switch {
	case c.fields > l.MaxFields:
		return limit("an operation may select %d fields once its fragments are spread; this one selects %d", l.MaxFields, c.fields)
	case c.cypher > maxCypherFields:
		return limit("an operation may run one cypher query (or one sql query); this one asks for %d", c.cypher)
	case c.rootFields > l.MaxRootFields:
		return limit("an operation may select %d root fields; this one selects %d", l.MaxRootFields, c.rootFields)
	case c.aliased > l.MaxAliases:
		return limit("an operation may alias %d fields; this one aliases %d", l.MaxAliases, c.aliased)
	}
	return nil
}

// opCount is what an operation selects once fragments are spread: fields
// (every selection of a field, however deep), root fields, cypher fields and
// aliased fields. Counts saturate at countCap.
type opCount struct{ fields, rootFields, cypher, aliased int }

const countCap = 1 << 40

func (c *opCount) add(o opCount) {
	sat := func(a, b int) int { return min(a+b, countCap) }
	c.fields = sat(c.fields, o.fields)
	c.rootFields = sat(c.rootFields, o.rootFields)
	c.cypher = sat(c.cypher, o.cypher)
	c.aliased = sat(c.aliased, o.aliased)
}

func introspection(name string) bool { return len(name) > 1 && name[:2] == "__" }

// count counts the operation. A fragment's counts are worked out once and
// added each time it is spread, so fragments that spread each other many
// times over cost no more to count than their text (gqlgen's complexity and
// the depth limit walk every spread: they run after this, on operations it
// has bounded).
func count(op *ast.OperationDefinition, frags ast.FragmentDefinitionList) opCount {
	memo := map[string]opCount{}
	var walk func(set ast.SelectionSet, top bool, visiting map[string]bool) opCount
	walk = func(set ast.SelectionSet, top bool, visiting map[string]bool) opCount {
		var c opCount
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				c.add(opCount{fields: 1})
				if s.Alias != "" && s.Alias != s.Name {
					c.add(opCount{aliased: 1})
				}
				if top && !introspection(s.Name) {
					c.add(opCount{rootFields: 1})
					// SQL takes the same console slots as Cypher.
					if s.Name == "cypher" || s.Name == "sql" {
						c.add(opCount{cypher: 1})
					}
				}
				sub := walk(s.SelectionSet, false, visiting)
				c.add(opCount{fields: sub.fields, aliased: sub.aliased})
			case *ast.InlineFragment:
				c.add(walk(s.SelectionSet, top, visiting))
			case *ast.FragmentSpread:
				key := s.Name
				if top {
					key = "top:" + key
				}
				if m, ok := memo[key]; ok {
					c.add(m)
					continue
				}
				f := frags.ForName(s.Name)
				if f == nil || visiting[s.Name] {
					continue
				}
				visiting[s.Name] = true
				m := walk(f.SelectionSet, top, visiting)
				delete(visiting, s.Name)
				memo[key] = m
				c.add(m)
			}
		}
		return c
	}
	return walk(op.SelectionSet, true, map[string]bool{})
}

// requestDeadline bounds the resolution of one operation: every read it
// makes shares this deadline, on top of each statement's own timeout.
func requestDeadline(d time.Duration) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return next(ctx)
	}
}
