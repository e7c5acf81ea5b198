package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

// projectionOf is what an operation's assets are read with: the properties
// it can show (operationProps). The resolvers pass it to every store read
// that returns assets.
func projectionOf(op *graphql.OperationContext) *store.Projection {
	return store.NewProjection(operationProps(op))
}

// operationProps returns the stored properties an operation can show: the
// properties behind every field name selected anywhere in it, whatever the
// type (a name shared by two kinds reads both; reading a property more is
// harmless, one less would show a null). Resolvers of asset types read only
// the id and tenant of their object, which are always read, so every other
// property is needed only when its own field is selected. Field names that
// are not properties (relations, pageInfo, …) add nothing; a graph node's
// properties map needs them all (nil). byKind narrows it for each asset
// type: the fields selected on that type and on the Asset interface, and a
// graph node's (its name is its asset's). Fields of other types that are
// not assets (an identity's provider, a page's totalCount) read no asset
// property.
func operationProps(op *graphql.OperationContext) (props []string, byKind map[string][]string) {
	if op == nil || op.Operation == nil {
		return nil, nil
	}
	fp := model.FieldProps()
	shared := map[string]bool{}
	typed := map[string]map[string]bool{}
	all := false
	eachField(op, func(s *ast.Field) {
		all = all || s.Name == "properties"
		var set map[string]bool
		switch def := s.ObjectDefinition; {
		case def == nil || def.Name == "Asset" || def.Name == "GraphNode":
			set = shared
		case model.KindModel(def.Name) != nil:
			if typed[def.Name] == nil {
				typed[def.Name] = map[string]bool{}
			}
			set = typed[def.Name]
		}
		for _, p := range fp[s.Name] {
			if set != nil {
				set[p] = true
			}
		}
	})
	if all {
		return nil, nil
	}
	union := map[string]bool{}
	for p := range shared {
		union[p] = true
	}
	byKind = map[string][]string{}
	for _, k := range schema.Kinds {
		if model.KindModel(k.Name) == nil {
			continue
		}
		list := keys(shared)
		for p := range typed[k.Name] {
			if !shared[p] {
				list = append(list, p)
			}
			union[p] = true
		}
		byKind[k.Name] = list
	}
	return keys(union), byKind
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// eachField calls fn for every field an operation selects, at every level,
// in fragments too (each named fragment once).
func eachField(op *graphql.OperationContext, fn func(*ast.Field)) {
	seenFrag := map[string]bool{}
	var walk func(ss ast.SelectionSet)
	walk = func(ss ast.SelectionSet) {
		for _, s := range ss {
			switch s := s.(type) {
			case *ast.Field:
				fn(s)
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
}

// graphNodeDetails are the fields of a graph node that need more of it than
// its id, kind and name: with none of them selected, a neighbourhood reads
// lean nodes (store.Projection.LeanNodes).
var graphNodeDetails = map[string]bool{"elementId": true, "labels": true, "properties": true, "asset": true}

// leanGraphNodes reports whether an operation selects none of a graph
// node's details.
func leanGraphNodes(op *graphql.OperationContext) bool {
	if op == nil || op.Operation == nil {
		return false
	}
	lean := true
	eachField(op, func(f *ast.Field) {
		if f.ObjectDefinition != nil && f.ObjectDefinition.Name == "GraphNode" && graphNodeDetails[f.Name] {
			lean = false
		}
	})
	return lean
}
