package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/authgraph/authgraph/internal/access"
)

// Authorize checks every field an operation selects against the access
// table before anything runs: root fields always (Query fields need a
// viewer, Mutation fields not in the table are refused), other types'
// fields when the table lists them. One refused field refuses the whole
// operation with extensions.code UNAUTHENTICATED or FORBIDDEN (the POST
// transport answers 401 or 403). Mutations are written to the audit log,
// allowed or not.
type Authorize struct {
	// Audit records a mutation (nil: none).
	Audit func(ctx context.Context, action, target, outcome string)
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Authorize{}

func (Authorize) ExtensionName() string                          { return "Authorize" }
func (Authorize) Validate(schema graphql.ExecutableSchema) error { return nil }

// Codes of refused operations.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
)

// MutateOperationContext decides after validation (fields carry their
// definitions then).
func (a Authorize) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	p := access.FromContext(ctx)
	var (
		worst   = access.Allowed
		refused string
		need    access.Need
		roots   []string
	)
	walkFields(rc.Operation.SelectionSet, rc.Doc.Fragments, map[string]bool{}, map[string]bool{}, true, func(f *ast.Field, root bool) {
		if len(f.Name) > 1 && f.Name[:2] == "__" {
			return // introspection and __typename: the schema is not data
		}
		if f.ObjectDefinition == nil {
			return
		}
		typ := f.ObjectDefinition.Name
		if root {
			roots = append(roots, f.Name)
		} else if !access.GraphQLListed(typ, f.Name) {
			return
		}
		n := access.GraphQLField(typ, f.Name)
		if d := access.Allow(p, n); d > worst {
			worst, refused, need = d, typ+"."+f.Name, n
		}
	})
	if rc.Operation.Operation == ast.Mutation && a.Audit != nil {
		outcome := "ok"
		if worst != access.Allowed {
			outcome = "denied"
		}
		for _, r := range roots {
			a.Audit(ctx, "graphql.mutation", r, outcome)
		}
	}
	switch worst {
	case access.Unauthenticated:
		e := gqlerror.Errorf("sign in first (%s needs a signed-in caller)", refused)
		e.Extensions = map[string]any{"code": CodeUnauthenticated}
		return e
	case access.Forbidden:
		role := "none"
		if p != nil {
			role = string(p.Role)
		}
		e := gqlerror.Errorf("%s: not allowed for role %s (%s)", refused, role, needText(need))
		e.Extensions = map[string]any{"code": CodeForbidden}
		return e
	}
	return nil
}

func needText(n access.Need) string {
	switch {
	case n.Deny:
		return "no role may"
	case n.IngestOnly:
		return "ingest only"
	}
	return fmt.Sprintf("needs %s", n.Min)
}

// walkFields calls fn for every field of set, following fragments: each
// fragment is walked once at root level and once below it (a field's
// decision does not depend on the path to it), so nested spreads cannot
// make the walk exponential and cycles end; root says the field is a root
// field.
func walkFields(set ast.SelectionSet, frags ast.FragmentDefinitionList, doneRoot, doneNested map[string]bool, root bool, fn func(*ast.Field, bool)) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			fn(s, root)
			walkFields(s.SelectionSet, frags, doneRoot, doneNested, false, fn)
		case *ast.InlineFragment:
			walkFields(s.SelectionSet, frags, doneRoot, doneNested, root, fn)
		case *ast.FragmentSpread:
			done := doneNested
			if root {
				done = doneRoot
			}
			if done[s.Name] {
				continue
			}
			done[s.Name] = true
			if f := frags.ForName(s.Name); f != nil {
				walkFields(f.SelectionSet, frags, doneRoot, doneNested, root, fn)
			}
		}
	}
}

// optStr is nil for "" (optional strings of the audit log).
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
