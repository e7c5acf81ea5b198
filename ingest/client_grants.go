package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "client_grants", stage: 2, scope: "read:client_grants",
		kinds: []*schema.Kind{schema.ClientGrant, schema.Permission},
		rels:  []*schema.Relation{schema.RelClientGrantForClient, schema.RelClientGrantForAPI, schema.RelClientGrantGrants, schema.RelCanAccess},
		probe: func(ctx context.Context, api API) error {
			_, err := api.ClientGrants(ctx, management.PerPage(1))
			return err
		},
		run: runClientGrants,
	})
}

// clientGrantRows returns the grant node, the permissions it references and
// its relations. rsID resolves an audience to a resource server id ("" when
// no API has that identifier: the FOR_API and CAN_ACCESS edges are omitted).
func clientGrantRows(g *management.ClientGrant, rsID string) (store.Node, []store.Node, map[*schema.Relation][]store.Rel) {
	scopes := strs(g.Scope)
	p := props{}.str("client_id", g.ClientID).str("audience", g.Audience).set("scope", append([]string{}, scopes...)).
		bool("is_system", g.IsSystem).str("subject_type", g.SubjectType).str("organization_usage", g.OrganizationUsage).
		bool("allow_any_organization", g.AllowAnyOrganization)
	node := store.Node{NativeID: g.GetID(), Name: g.GetClientID() + " → " + g.GetAudience(), Props: p}
	rels := map[*schema.Relation][]store.Rel{
		schema.RelClientGrantForClient: {{From: g.GetID(), To: g.GetClientID()}},
	}
	var perms []store.Node
	for _, s := range scopes {
		ref := permissionRef(g.GetAudience(), s)
		perms = append(perms, ref)
		rels[schema.RelClientGrantGrants] = append(rels[schema.RelClientGrantGrants], store.Rel{From: g.GetID(), To: ref.NativeID})
	}
	if rsID != "" {
		rels[schema.RelClientGrantForAPI] = []store.Rel{{From: g.GetID(), To: rsID}}
		rels[schema.RelCanAccess] = []store.Rel{{From: g.GetClientID(), To: rsID, Props: props{
			"scopes": append([]string{}, scopes...), "grant_id": g.GetID(), "is_system": g.GetIsSystem(),
		}}}
	}
	return node, perms, rels
}

func runClientGrants(ctx context.Context, r *run) (int, error) {
	if !r.state.resourcesOK {
		// Without the API map the FOR_API/CAN_ACCESS edges can't be drawn.
		r.markIncomplete(schema.RelClientGrantForAPI.Name(), schema.RelCanAccess.Name())
	}
	return eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		l, err := r.api.ClientGrants(ctx, opts...)
		if err != nil {
			return 0, 0, err
		}
		for _, g := range l.ClientGrants {
			node, perms, rels := clientGrantRows(g, r.state.rsByIdentifier[g.GetAudience()])
			if err := r.load.Node(ctx, schema.ClientGrant, node); err != nil {
				return 0, 0, err
			}
			for _, p := range perms {
				if err := r.load.Ref(ctx, schema.Permission, p); err != nil {
					return 0, 0, err
				}
			}
			if err := loadRels(ctx, r, rels); err != nil {
				return 0, 0, err
			}
		}
		return len(l.ClientGrants), l.Total, nil
	})
}

// loadRels queues relation rows in schema order.
func loadRels(ctx context.Context, r *run, rels map[*schema.Relation][]store.Rel) error {
	for _, rel := range schema.Relations {
		for _, x := range rels[rel] {
			if err := r.load.Rel(ctx, rel, x); err != nil {
				return err
			}
		}
	}
	return nil
}
