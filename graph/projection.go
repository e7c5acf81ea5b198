package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/authgraph/authgraph/graph/model"
)

// operationProps returns the stored properties an operation can show: the
// properties behind every field name selected anywhere in it, whatever the
// type (a name shared by two kinds reads both; reading a property more is
// harmless, one less would show a null). Resolvers of asset types read only
// the id and tenant of their object, which are always read, so every other
// property is needed only when its own field is selected. Field names that
// are not properties (relations, pageInfo, …) add nothing; a graph node's
// properties map needs them all (nil).
func operationProps(op *graphql.OperationContext) []string {
	if op == nil || op.Operation == nil {
		return nil
	}
	fp := model.FieldProps()
	set := map[string]bool{}
	all := false
	seenFrag := map[string]bool{}
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, s := range ss {
			switch s := s.(type) {
			case *ast.Field:
				all = all || s.Name == "properties"
				for _, p := range fp[s.Name] {
					set[p] = true
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if seenFrag[s.Name] {
					continue
				}
				seenFrag[s.Name] = true
				if s.Definition != nil {
					walk(s.Definition.SelectionSet)
				} else if op.Doc != nil {
					if d := op.Doc.Fragments.ForName(s.Name); d != nil {
						walk(d.SelectionSet)
					}
				}
			}
		}
	}
	walk(op.Operation.SelectionSet)
	if all {
		return nil
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	return out
}
