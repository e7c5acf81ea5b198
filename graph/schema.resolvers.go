package graph

import (
	"context"

	"github.com/authgraph/authgraph/graph/generated"
	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (model.Asset, error) {
	k, err := store.KindOfID(id)
	if err != nil {
		return nil, err
	}
	exp := assetExpands(ctx, k)
	if len(exp) == 0 {
		// Batched with the request's other node fields.
		a, err := r.loaders(ctx).Asset(ctx, id)
		if err != nil || a == nil {
			return nil, err
		}
		return model.FromAsset(*a), nil
	}
	// The asset and every relation the query shows under it, at once.
	l := r.loaders(ctx)
	t, err := r.Store.AssetTree(ctx, id, exp, l.proj)
	if err != nil && apperr.KindOf(err) == apperr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l.PrimeAsset(t.Asset)
	l.primeTrees(exp, []store.Tree{t})
	return model.FromAsset(t.Asset), nil
}

// Nodes is the resolver for the nodes field.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]model.Asset, error) {
	if len(ids) > MaxFirst {
		return nil, apperr.New(apperr.Invalid, "at most %d ids", MaxFirst)
	}
	found, err := r.Store.AssetsByID(ctx, ids, r.loaders(ctx).proj)
	if err != nil {
		return nil, err
	}
	out := make([]model.Asset, len(ids))
	for i, id := range ids {
		if a, ok := found[id]; ok {
			out[i] = model.FromAsset(a)
		}
	}
	return out, nil
}

// Query returns generated.QueryResolver implementation.
func (r *Resolver) Query() generated.QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }
