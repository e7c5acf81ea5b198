package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "grants", stage: 3, scope: "read:grants", early: true,
		kinds: []*schema.Kind{schema.Grant},
		rels:  []*schema.Relation{schema.RelConsented, schema.RelGrantForClient, schema.RelGrantForAPI},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Grants(ctx, management.PerPage(1))
			return err
		},
		run: func(ctx context.Context, r *run) (int, error) {
			if !r.state.resourcesOK {
				r.markIncomplete(schema.RelGrantForAPI.Name())
			}
			return eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
				l, err := r.api.Grants(ctx, opts...)
				if err != nil {
					return 0, 0, err
				}
				for _, g := range l.Grants {
					node, rels := grantRows(g, r.state.rsByIdentifier[g.GetAudience()])
					if err := r.load.Node(ctx, schema.Grant, node); err != nil {
						return 0, 0, err
					}
					if err := loadRels(ctx, r, rels); err != nil {
						return 0, 0, err
					}
				}
				return len(l.Grants), l.Total, nil
			})
		},
	})
}

// grantRows turns a user consent grant into its node and relations. The
// audience may be https://TENANT/userinfo, which is no resource server.
func grantRows(g *management.Grant, rsID string) (store.Node, map[*schema.Relation][]store.Rel) {
	node := store.Node{NativeID: g.GetID(), Name: g.GetUserID() + " → " + g.GetClientID(), Props: props{}.
		str("user_id", g.UserID).str("client_id", g.ClientID).str("audience", g.Audience).
		set("scope", anyStrings(g.Scope))}
	rels := map[*schema.Relation][]store.Rel{
		schema.RelConsented:      {{From: g.GetUserID(), To: g.GetID()}},
		schema.RelGrantForClient: {{From: g.GetID(), To: g.GetClientID()}},
	}
	if rsID != "" {
		rels[schema.RelGrantForAPI] = []store.Rel{{From: g.GetID(), To: rsID}}
	}
	return node, rels
}
