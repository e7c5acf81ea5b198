package graph

// Users' fields no declaration expresses; the list and relation fields are
// generated (kinds.generated.go).

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/store"
)

// Identities is the resolver for the identities field: each connection
// with the identity's provider and user id (HAS_IDENTITY's properties).
func (r *userResolver) Identities(ctx context.Context, obj *model.User) ([]*model.Identity, error) {
	rel, err := r.loaders(ctx).Related(ctx, store.Out(relUserHasIdentityConnection), obj.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Identity, 0, len(rel))
	for _, x := range rel {
		id := &model.Identity{Connection: model.As[model.Connection](x.Asset)}
		if p, ok := x.Edge.Props["provider"].(string); ok {
			id.Provider = &p
		}
		if u, ok := x.Edge.Props["user_id"].(string); ok {
			id.UserID = &u
		}
		out = append(out, id)
	}
	return out, nil
}

// EffectivePermissions is the resolver for the effectivePermissions field.
func (r *userResolver) EffectivePermissions(ctx context.Context, obj *model.User) ([]*model.EffectivePermission, error) {
	list, err := r.Store.UserEffectivePermissions(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	return effectiveFrom(list), nil
}
