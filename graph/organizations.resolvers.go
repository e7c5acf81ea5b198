package graph

// Organizations' fields no declaration expresses; the list and relation
// fields are generated (kinds.generated.go).

import (
	"context"

	"github.com/authgraph/authgraph/graph/model"
	"github.com/authgraph/authgraph/internal/store"
)

// Connections is the resolver for the connections field: each connection
// with ENABLES's properties.
func (r *organizationResolver) Connections(ctx context.Context, obj *model.Organization) ([]*model.OrgConnection, error) {
	rel, err := r.loaders(ctx).Related(ctx, store.Out(relOrganizationEnablesConnection), obj.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.OrgConnection, 0, len(rel))
	for _, x := range rel {
		oc := &model.OrgConnection{Connection: model.As[model.Connection](x.Asset)}
		if b, ok := x.Edge.Props["assign_membership_on_login"].(bool); ok {
			oc.AssignMembershipOnLogin = &b
		}
		out = append(out, oc)
	}
	return out, nil
}
