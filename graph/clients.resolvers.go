package graph

// Clients' and APIs' fields no declaration expresses; the list and relation
// fields are generated (kinds.generated.go).

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/store"
)

// Apis is the resolver for the apis field: each API with the scopes of
// the client's access (CAN_ACCESS's properties).
func (r *clientResolver) Apis(ctx context.Context, obj *model.Client) ([]*model.APIAccess, error) {
	rel, err := r.loaders(ctx).Related(ctx, store.Out(relClientCanAccessResourceServer), obj.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.APIAccess, 0, len(rel))
	for _, x := range rel {
		out = append(out, apiAccess(obj, model.As[model.ResourceServer](x.Asset), x.Edge))
	}
	return out, nil
}

// EffectivePermissions is the resolver for the effectivePermissions field.
func (r *clientResolver) EffectivePermissions(ctx context.Context, obj *model.Client) ([]*model.EffectivePermission, error) {
	list, err := r.Store.ClientEffectivePermissions(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	return effectiveFrom(list), nil
}

// Clients is the resolver for the clients field of an API: each client
// with the scopes of its access (CAN_ACCESS's properties).
func (r *resourceServerResolver) Clients(ctx context.Context, obj *model.ResourceServer) ([]*model.APIAccess, error) {
	rel, err := r.loaders(ctx).Related(ctx, store.In(relClientCanAccessResourceServer), obj.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.APIAccess, 0, len(rel))
	for _, x := range rel {
		out = append(out, apiAccess(model.As[model.Client](x.Asset), obj, x.Edge))
	}
	return out, nil
}
