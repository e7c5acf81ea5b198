package graph

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/schema"
)

// Search is the resolver for the search field.
func (r *queryResolver) Search(ctx context.Context, text string, kinds []string, tenant *string, first *int) ([]*model.SearchHit, error) {
	n := deref(first, 20)
	if n < 1 || n > MaxFirst {
		return nil, apperr.New(apperr.Invalid, "first must be between 1 and %d", MaxFirst)
	}
	var ks []*schema.Kind
	for _, name := range kinds {
		k, ok := schema.KindByName(name)
		if !ok {
			return nil, apperr.New(apperr.Invalid, "unknown kind %q", name)
		}
		if k.Unsearched {
			return nil, apperr.New(apperr.Invalid, "%s is not in the full-text search: find it through the assets it links", name)
		}
		ks = append(ks, k)
	}
	hits, err := r.Store.Search(ctx, text, ks, deref(tenant, ""), n)
	if err != nil {
		return nil, err
	}
	out := make([]*model.SearchHit, 0, len(hits))
	for _, h := range hits {
		if a := model.FromAsset(h.Asset); a != nil {
			out = append(out, &model.SearchHit{Asset: a, Score: h.Score})
		}
	}
	return out, nil
}
