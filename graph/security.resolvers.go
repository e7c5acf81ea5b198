package graph

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/apperr"
	"github.com/authgraph/authgraph/internal/store"
)

// EffectivePermissions is the resolver for the effectivePermissions field.
func (r *queryResolver) EffectivePermissions(ctx context.Context, userID *string, clientID *string) ([]*model.EffectivePermission, error) {
	var list []store.PermissionAccess
	var err error
	switch {
	case (userID == nil) == (clientID == nil):
		return nil, apperr.New(apperr.Invalid, "give exactly one of userId and clientId")
	case userID != nil:
		list, err = r.Store.UserEffectivePermissions(ctx, *userID)
	default:
		list, err = r.Store.ClientEffectivePermissions(ctx, *clientID)
	}
	if err != nil {
		return nil, err
	}
	return effectiveFrom(list), nil
}

// WhoCanReach is the resolver for the whoCanReach field.
func (r *queryResolver) WhoCanReach(ctx context.Context, permissionID *string, apiID *string, first *int) (*model.Reach, error) {
	if (permissionID == nil) == (apiID == nil) {
		return nil, apperr.New(apperr.Invalid, "give exactly one of permissionId and apiId")
	}
	n := deref(first, 100)
	if n < 0 || n > MaxFirst {
		return nil, apperr.New(apperr.Invalid, "first must be between 0 and %d", MaxFirst)
	}
	id := deref(permissionID, deref(apiID, ""))
	reach, err := r.Store.WhoCanReach(ctx, id, n)
	if err != nil {
		return nil, err
	}
	out := &model.Reach{
		Target: model.FromAsset(reach.Target), UserCount: reach.UserCount, ClientCount: reach.ClientCount,
		Users: []*model.UserReach{}, Clients: []*model.ClientReach{},
		Truncated: reach.UserCount > len(reach.Users) || reach.ClientCount > len(reach.Clients),
	}
	for _, u := range reach.Users {
		out.Users = append(out.Users, &model.UserReach{User: model.As[model.User](u.Asset), Paths: accessPathsFrom(u.Paths)})
	}
	for _, c := range reach.Clients {
		out.Clients = append(out.Clients, &model.ClientReach{Client: model.As[model.Client](c.Asset), Paths: accessPathsFrom(c.Paths)})
	}
	return out, nil
}
