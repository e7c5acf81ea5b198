package graph

// Tenants' fields no declaration expresses; the settings list and field are
// generated (kinds.generated.go).

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
)

// Tenants is the resolver for the tenants field.
func (r *queryResolver) Tenants(ctx context.Context) ([]*model.Tenant, error) {
	ts, err := r.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Tenant, 0, len(ts))
	for _, t := range ts {
		out = append(out, model.As[model.Tenant](t))
	}
	return out, nil
}

// LastSync is the resolver for the lastSync field.
func (r *tenantResolver) LastSync(ctx context.Context, obj *model.Tenant) (*model.Sync, error) {
	s, err := r.loaders(ctx).LastSync(ctx, obj.Tenant)
	if err != nil || s == nil {
		return nil, err
	}
	return syncFrom(*s), nil
}

// LastFullSync is the resolver for the lastFullSync field.
func (r *tenantResolver) LastFullSync(ctx context.Context, obj *model.Tenant) (*model.Sync, error) {
	s, err := r.loaders(ctx).LastFullSync(ctx, obj.Tenant)
	if err != nil || s == nil {
		return nil, err
	}
	return syncFrom(*s), nil
}

// Syncs is the resolver for the syncs field.
func (r *tenantResolver) Syncs(ctx context.Context, obj *model.Tenant, limit *int) ([]*model.Sync, error) {
	ss, err := r.Store.Syncs(ctx, obj.Tenant, deref(limit, 10))
	if err != nil {
		return nil, err
	}
	out := make([]*model.Sync, len(ss))
	for i, s := range ss {
		out[i] = syncFrom(s)
	}
	return out, nil
}
