package ingest

import (
	"context"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "roles", stage: 1, scope: "read:roles",
		kinds: []*schema.Kind{schema.Role},
		probe: func(ctx context.Context, api API) error {
			_, err := api.Roles(ctx, management.PerPage(1))
			return err
		},
		run: runRoles,
	})
	register(&resource{
		name: "role_permissions", stage: 2, scope: "read:roles",
		kinds: []*schema.Kind{schema.Permission},
		rels:  []*schema.Relation{schema.RelRoleGrants},
		run:   runRolePermissions,
	})
	register(&resource{
		name: "role_users", stage: 3, scope: "read:roles read:users", early: true,
		rels: []*schema.Relation{schema.RelHasRole},
		run:  runRoleUsers,
	})
}

func runRoles(ctx context.Context, r *run) (int, error) {
	var ids []string
	n, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		l, err := r.api.Roles(ctx, opts...)
		if err != nil {
			return 0, 0, err
		}
		for _, role := range l.Roles {
			if err := r.load.Node(ctx, schema.Role, roleNode(role)); err != nil {
				return 0, 0, err
			}
			ids = append(ids, role.GetID())
		}
		return len(l.Roles), l.Total, nil
	})
	if err != nil {
		return n, err
	}
	r.state.mu.Lock()
	r.state.roleIDs, r.state.rolesOK = ids, true
	r.state.mu.Unlock()
	return n, nil
}

func roleNode(role *management.Role) store.Node {
	return store.Node{NativeID: role.GetID(), Name: role.GetName(), Props: props{}.str("description", role.Description)}
}

func runRolePermissions(ctx context.Context, r *run) (int, error) {
	if !r.state.rolesOK {
		return 0, errIncompleteInput("roles")
	}
	roles := r.state.roleIDs
	return eachParent(ctx, roles, 4, func(ctx context.Context, id string) (int, error) {
		return eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
			l, err := r.api.RolePermissions(ctx, id, opts...)
			if err != nil {
				return 0, 0, err
			}
			for _, p := range l.Permissions {
				ref := permissionRef(p.GetResourceServerIdentifier(), p.GetName())
				if err := r.load.Ref(ctx, schema.Permission, ref); err != nil {
					return 0, 0, err
				}
				if err := r.load.Rel(ctx, schema.RelRoleGrants, store.Rel{From: id, To: ref.NativeID}); err != nil {
					return 0, 0, err
				}
			}
			return len(l.Permissions), l.Total, nil
		})
	}, func(done int) {
		r.progress(Event{Resource: "role_permissions", Phase: "progress", Count: done, Total: len(roles), Note: "roles"})
	})
}

func runRoleUsers(ctx context.Context, r *run) (int, error) {
	if !r.state.rolesOK {
		return 0, errIncompleteInput("roles")
	}
	roles := r.state.roleIDs
	return eachParent(ctx, roles, 4, func(ctx context.Context, id string) (int, error) {
		return eachCheckpoint(ctx, 100, func(opts ...management.RequestOption) (int, string, error) {
			l, err := r.api.RoleUsers(ctx, id, opts...)
			if err != nil {
				return 0, "", err
			}
			for _, u := range l.Users {
				if err := r.load.Rel(ctx, schema.RelHasRole, store.Rel{From: u.GetID(), To: id}); err != nil {
					return 0, "", err
				}
			}
			return len(l.Users), l.Next, nil
		})
	}, func(done int) {
		r.progress(Event{Resource: "role_users", Phase: "progress", Count: done, Total: len(roles), Note: "roles"})
	})
}
