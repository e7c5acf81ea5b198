package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "organizations", stage: 1, scope: "read:organizations",
		kinds: []*schema.Kind{schema.Organization},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Organizations(ctx, management.Take(1))
			return err
		},
		run: runOrganizations,
	})
	register(&resource{
		name: "organization_members", stage: 3, scope: "read:organization_members read:organization_member_roles", early: true,
		kinds: []*schema.Kind{schema.OrgMembership},
		rels:  []*schema.Relation{schema.RelMemberOf, schema.RelHasMembership, schema.RelIn, schema.RelWithRole},
		run:   runOrgMembers,
	})
	register(&resource{
		name: "organization_connections", stage: 2, scope: "read:organization_connections",
		rels: []*schema.Relation{schema.RelEnables},
		run:  runOrgConnections,
	})
}

func runOrganizations(ctx context.Context, r *run) (int, error) {
	var ids []string
	n, err := eachCheckpoint(ctx, 100, func(opts ...management.RequestOption) (int, string, error) {
		l, err := r.api.Organizations(ctx, opts...)
		if err != nil {
			return 0, "", err
		}
		for _, o := range l.Organizations {
			node := store.Node{NativeID: o.GetID(), Name: o.GetName(), Props: props{}.str("display_name", o.DisplayName)}
			if err := r.load.Node(ctx, schema.Organization, node); err != nil {
				return 0, "", err
			}
			ids = append(ids, o.GetID())
		}
		return len(l.Organizations), l.Next, nil
	})
	if err != nil {
		return n, err
	}
	r.state.mu.Lock()
	r.state.orgIDs, r.state.orgsOK = ids, true
	r.state.mu.Unlock()
	return n, nil
}

// MembershipID is the native id of a user's membership of an organization.
func MembershipID(orgID, userID string) string { return orgID + "|" + userID }

// membershipRows turns one member (with roles inline) into the membership
// node and its relations.
func membershipRows(orgID string, m *management.OrganizationMember) (store.Node, map[*schema.Relation][]store.Rel) {
	uid := m.GetUserID()
	mid := MembershipID(orgID, uid)
	name := m.GetEmail()
	if name == "" {
		name = m.GetName()
	}
	if name == "" {
		name = uid
	}
	node := store.Node{NativeID: mid, Name: name + " @ " + orgID, Props: props{"organization_id": orgID, "user_id": uid}}
	rels := map[*schema.Relation][]store.Rel{
		schema.RelMemberOf:      {{From: uid, To: orgID}},
		schema.RelHasMembership: {{From: uid, To: mid}},
		schema.RelIn:            {{From: mid, To: orgID}},
	}
	for _, role := range m.Roles {
		rels[schema.RelWithRole] = append(rels[schema.RelWithRole], store.Rel{From: mid, To: role.GetID()})
	}
	return node, rels
}

func runOrgMembers(ctx context.Context, r *run) (int, error) {
	if !r.state.orgsOK {
		return 0, errIncompleteInput("organizations")
	}
	orgs := r.state.orgIDs
	return eachParent(ctx, orgs, 4, func(ctx context.Context, org string) (int, error) {
		return eachCheckpoint(ctx, 100, func(opts ...management.RequestOption) (int, string, error) {
			opts = append(opts, management.Parameter("fields", "user_id,email,name,roles"), management.Parameter("include_fields", "true"))
			l, err := r.api.OrgMembers(ctx, org, opts...)
			if err != nil {
				return 0, "", err
			}
			for _, m := range l.Members {
				node, rels := membershipRows(org, &m)
				if err := r.load.Node(ctx, schema.OrgMembership, node); err != nil {
					return 0, "", err
				}
				for _, rel := range []*schema.Relation{schema.RelMemberOf, schema.RelHasMembership, schema.RelIn, schema.RelWithRole} {
					for _, x := range rels[rel] {
						if err := r.load.Rel(ctx, rel, x); err != nil {
							return 0, "", err
						}
					}
				}
			}
			return len(l.Members), l.Next, nil
		})
	}, func(done int) {
		r.progress(Event{Resource: "organization_members", Phase: "progress", Count: done, Total: len(orgs), Note: "organizations"})
	})
}

func runOrgConnections(ctx context.Context, r *run) (int, error) {
	if !r.state.orgsOK {
		return 0, errIncompleteInput("organizations")
	}
	orgs := r.state.orgIDs
	return eachParent(ctx, orgs, 4, func(ctx context.Context, org string) (int, error) {
		return eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			l, err := r.api.OrgConnections(ctx, org, opts...)
			if err != nil {
				return 0, 0, err
			}
			for _, c := range l.OrganizationConnections {
				rel := store.Rel{From: org, To: c.GetConnectionID(), Props: props{}.bool("assign_membership_on_login", c.AssignMembershipOnLogin)}
				if err := r.load.Rel(ctx, schema.RelEnables, rel); err != nil {
					return 0, 0, err
				}
			}
			// The envelope's limit is the item count; Total still bounds it.
			return len(l.OrganizationConnections), l.Total, nil
		})
	}, func(done int) {
		r.progress(Event{Resource: "organization_connections", Phase: "progress", Count: done, Total: len(orgs), Note: "organizations"})
	})
}
