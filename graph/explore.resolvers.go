package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
)

// Neighbourhood is the resolver for the neighbourhood field.
func (r *queryResolver) Neighbourhood(ctx context.Context, id string, depth *int, limit *int) (*model.Subgraph, error) {
	proj := r.loaders(ctx).proj
	if leanGraphNodes(graphql.GetOperationContext(ctx)) {
		proj = proj.LeanNodes()
	}
	g, err := r.Store.Neighbourhood(ctx, id, deref(depth, 1), deref(limit, 100), proj)
	if err != nil {
		return nil, err
	}
	return model.SubgraphFrom(g), nil
}

// ShortestPath is the resolver for the shortestPath field.
func (r *queryResolver) ShortestPath(ctx context.Context, from string, to string, maxDepth *int) (*model.Path, error) {
	p, err := r.Store.ShortestPath(ctx, from, to, deref(maxDepth, 6))
	if err != nil || p == nil {
		return nil, err
	}
	return model.PathFrom(*p), nil
}

// Paths is the resolver for the paths field.
func (r *queryResolver) Paths(ctx context.Context, from string, to string, maxDepth *int, first *int) ([]*model.Path, error) {
	n := deref(first, 10)
	if n < 1 || n > 100 {
		return nil, apperr.New(apperr.Invalid, "first must be between 1 and 100")
	}
	ps, err := r.Store.Paths(ctx, from, to, deref(maxDepth, 6), n)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Path, len(ps))
	for i, p := range ps {
		out[i] = model.PathFrom(p)
	}
	return out, nil
}
