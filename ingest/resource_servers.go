package ingest

import (
	"context"
	"strings"

	"github.com/auth0/go-auth0/management"

	"github.com/authgraph/authgraph/internal/store"
	"github.com/authgraph/authgraph/schema"
)

func init() {
	register(&resource{
		name: "resource_servers", stage: 1, scope: "read:resource_servers",
		kinds: []*schema.Kind{schema.ResourceServer, schema.Permission},
		rels:  []*schema.Relation{schema.RelDefines},
		probe: func(ctx context.Context, api API) error {
			_, err := api.ResourceServers(ctx, management.PerPage(1))
			return err
		},
		run: runResourceServers,
	})
}

func runResourceServers(ctx context.Context, r *run) (int, error) {
	byIdent := map[string]string{}
	n, err := eachOffsetPage(ctx, 100, func(opts ...management.RequestOption) (int, int, error) {
		l, err := r.api.ResourceServers(ctx, opts...)
		if err != nil {
			return 0, 0, err
		}
		for _, rs := range l.ResourceServers {
			node, perms := resourceServerRows(rs)
			if err := r.load.Node(ctx, schema.ResourceServer, node); err != nil {
				return 0, 0, err
			}
			for _, p := range perms {
				if err := r.load.Node(ctx, schema.Permission, p); err != nil {
					return 0, 0, err
				}
				if err := r.load.Rel(ctx, schema.RelDefines, store.Rel{From: rs.GetID(), To: p.NativeID}); err != nil {
					return 0, 0, err
				}
			}
			byIdent[rs.GetIdentifier()] = rs.GetID()
		}
		return len(l.ResourceServers), l.Total, nil
	})
	if err != nil {
		return n, err
	}
	r.state.mu.Lock()
	r.state.rsByIdentifier, r.state.resourcesOK = byIdent, true
	r.state.mu.Unlock()
	return n, nil
}

// isManagementAPI tells the Management API resource server by its
// identifier https://{domain}/api/v2/.
func isManagementAPI(identifier string) bool {
	return strings.HasSuffix(identifier, "/api/v2/") || strings.HasSuffix(identifier, "/api/v2")
}

// PermissionID is the native id of a permission: the API identifier and the
// scope value.
func PermissionID(identifier, value string) string { return identifier + "|" + value }

// resourceServerRows returns the API node and one permission node per scope.
// signing_secret is never stored.
func resourceServerRows(rs *management.ResourceServer) (store.Node, []store.Node) {
	ident := rs.GetIdentifier()
	mgmt := isManagementAPI(ident) && rs.GetIsSystem()
	p := props{}.str("identifier", rs.Identifier).bool("is_system", rs.IsSystem).set("is_management_api", mgmt).
		str("signing_alg", rs.SigningAlgorithm).int("token_lifetime", rs.TokenLifetime).
		int("token_lifetime_for_web", rs.TokenLifetimeForWeb).bool("allow_offline_access", rs.AllowOfflineAccess).
		bool("skip_consent_for_verifiable_first_party_clients", rs.SkipConsentForVerifiableFirstPartyClients).
		bool("enforce_policies", rs.EnforcePolicies).str("token_dialect", rs.TokenDialect)
	var perms []store.Node
	if rs.Scopes != nil {
		p["scope_count"] = len(*rs.Scopes)
		for _, s := range *rs.Scopes {
			perms = append(perms, permissionNode(ident, s.GetValue(), s.GetDescription(), true, mgmt))
		}
	}
	name := rs.GetName()
	if name == "" {
		name = ident
	}
	return store.Node{NativeID: rs.GetID(), Name: name, Props: p}, perms
}

func permissionNode(identifier, value, description string, defined, mgmt bool) store.Node {
	p := props{"value": value, "resource_server_identifier": identifier, "defined": defined}
	if description != "" {
		p["description"] = description
	}
	if mgmt || isManagementAPI(identifier) {
		p["is_management_api"] = true
	}
	return store.Node{NativeID: PermissionID(identifier, value), Name: value, Props: p}
}

// permissionRef is a permission referenced by a role, grant or user. If no
// API defines it in this sync, the node says defined=false.
func permissionRef(identifier, value string) store.Node {
	return permissionNode(identifier, value, "", false, false)
}
