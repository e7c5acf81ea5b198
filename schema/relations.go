package schema

// Relations between kinds. Types are a contract (docs/graph-model.md). Out
// is what a relation gives its From kind, In what it gives its To kind: a
// GraphQL field listing the other end, and a filter of the kind's list.
var (
	RelHasSettings = &Relation{Type: "HAS_SETTINGS", From: Tenant, To: TenantSettings,
		Out: Side{Field: "settings", Shape: One}}

	RelHasRole = &Relation{Type: "HAS_ROLE", From: User, To: Role,
		Doc: "tenant-wide role assignment",
		Out: Side{Field: "roles", Doc: "Tenant-wide roles (HAS_ROLE).",
			Filter: "role", FilterDoc: "Users with this tenant-wide role (role id)."},
		In: Side{Field: "users", Shape: Paged, Doc: "Users with the role tenant-wide (HAS_ROLE)."}}
	RelMemberOf = &Relation{Type: "MEMBER_OF", From: User, To: Organization, SQL: "organization_members", SQLReverse: true,
		Out: Side{Filter: "organization", FilterDoc: "Members of this organization (organization id)."}}
	RelHasMembership = &Relation{Type: "HAS_MEMBERSHIP", From: User, To: OrgMembership,
		Out: Side{Field: "organizations", Doc: "Organization memberships, each with the member's organization roles."},
		In:  Side{Field: "user", Shape: One}}
	RelIn = &Relation{Type: "IN", From: OrgMembership, To: Organization,
		Out: Side{Field: "organization", Shape: One},
		In:  Side{Field: "members", Shape: Paged, Doc: "Members, each with their organization roles."}}
	RelWithRole = &Relation{Type: "WITH_ROLE", From: OrgMembership, To: Role, SQL: "member_roles",
		Doc: "an organization-scoped role of a member",
		Out: Side{Field: "roles", Doc: "Organization-scoped roles (WITH_ROLE)."},
		In:  Side{Field: "memberships", Shape: Paged, Doc: "Organization memberships that carry the role (WITH_ROLE)."}}

	RelDefines = &Relation{Type: "DEFINES", From: ResourceServer, To: Permission,
		Out: Side{Field: "permissions", Doc: "Permissions (scopes) it defines (DEFINES)."},
		In: Side{Field: "api", Shape: One, Doc: "The API that defines it (DEFINES).",
			Filter: "api", FilterDoc: "Permissions defined by this API (resource server id)."}}
	RelRoleGrants = &Relation{Type: "GRANTS", From: Role, To: Permission,
		Out: Side{Field: "permissions", Doc: "Permissions the role grants (GRANTS).",
			Filter: "permission", FilterDoc: "Roles that grant this permission (permission id)."},
		In: Side{Field: "roles", Doc: "Roles that grant it."}}
	RelHasPermission = &Relation{Type: "HAS_PERMISSION", From: User, To: Permission,
		Doc: "a permission assigned directly to the user",
		Out: Side{Field: "permissions", Doc: "Permissions assigned directly (HAS_PERMISSION).",
			Filter: "permission", FilterDoc: "Users with this permission assigned directly (permission id)."},
		In: Side{Field: "users", Shape: Paged, Doc: "Users it is assigned to directly (HAS_PERMISSION)."}}

	RelClientGrantForClient = &Relation{Type: "FOR_CLIENT", From: ClientGrant, To: Client,
		Out: Side{Field: "client", Shape: One, Filter: "client", FilterDoc: "Grants of this client (client id)."},
		In:  Side{Field: "grants", Doc: "Client grants for the client (FOR_CLIENT)."}}
	RelClientGrantForAPI = &Relation{Type: "FOR_API", From: ClientGrant, To: ResourceServer,
		Out: Side{Field: "api", Shape: One, Filter: "api", FilterDoc: "Grants for this API (resource server id)."},
		In:  Side{Field: "clientGrants", Doc: "Client grants for it (FOR_API)."}}
	RelClientGrantGrants = &Relation{Type: "GRANTS", From: ClientGrant, To: Permission,
		Out: Side{Field: "permissions", Doc: "Permissions the grant gives (GRANTS)."},
		In:  Side{Field: "clientGrants", Doc: "Client grants that grant it."}}
	RelCanAccess = &Relation{Type: "CAN_ACCESS", From: Client, To: ResourceServer,
		Doc: "derived from client grants",
		Props: []Property{
			{Name: "scopes", Type: StringList},
			{Name: "grant_id", Type: String},
			{Name: "is_system", Type: Bool},
		},
		Out: Side{Field: "apis", Doc: "APIs the client can call, with scopes (CAN_ACCESS).", Wrapper: "ApiAccess", Far: "api",
			Filter: "api", FilterDoc: "Clients with a client grant for this API (resource server id)."},
		In: Side{Field: "clients", Doc: "Clients that can call it, with scopes (CAN_ACCESS).", Wrapper: "ApiAccess", Far: "client"}}

	RelConsented = &Relation{Type: "CONSENTED", From: User, To: Grant,
		Out: Side{Field: "grants", Doc: "Consent grants (CONSENTED)."},
		In:  Side{Field: "user", Shape: One, Filter: "user", FilterDoc: "Grants of this user (user id)."}}
	RelGrantForClient = &Relation{Type: "FOR_CLIENT", From: Grant, To: Client,
		Out: Side{Field: "client", Shape: One, Filter: "client", FilterDoc: "Grants to this client (client id)."},
		In:  Side{Field: "consents", Shape: Paged, Doc: "Users' consent grants to the client."}}
	RelGrantForAPI = &Relation{Type: "FOR_API", From: Grant, To: ResourceServer,
		Out: Side{Field: "api", Shape: One},
		In:  Side{Field: "grants", Shape: Paged, Doc: "Users' consent grants for it."}}

	RelEnables = &Relation{Type: "ENABLES", From: Organization, To: Connection,
		Props: []Property{{Name: "assign_membership_on_login", Type: Bool}},
		Out: Side{Field: "connections", Doc: "Connections enabled for the organization (ENABLES).", Wrapper: "OrgConnection", Far: "connection",
			Filter: "connection", FilterDoc: "Organizations that enable this connection (connection id)."},
		In: Side{Field: "organizations", Doc: "Organizations that enable it (ENABLES)."}}
	RelUsesConnection = &Relation{Type: "USES_CONNECTION", From: Client, To: Connection,
		Out: Side{Field: "connections", Doc: "Connections the client uses (USES_CONNECTION).",
			Filter: "connection", FilterDoc: "Clients that use this connection (connection id)."},
		In: Side{Field: "clients", Doc: "Clients that use it (USES_CONNECTION).",
			Filter: "client", FilterDoc: "Connections this client uses (client id)."}}
	RelHasIdentity = &Relation{Type: "HAS_IDENTITY", From: User, To: Connection, SQL: "user_identities",
		Props: []Property{
			{Name: "provider", Type: String},
			{Name: "user_id", Type: String},
		},
		Out: Side{Field: "identities", Doc: "Identities: the connections the user signs in with (HAS_IDENTITY).", Wrapper: "Identity", Far: "connection"},
		In:  Side{Field: "users", Shape: Paged, Doc: "Users with an identity at the connection (HAS_IDENTITY)."}}
)

// ResourceRel links the tenant to every asset of it. It is written with each
// node and removed with it, so it is not in Relations.
const ResourceRel = "RESOURCE"

// Labels of nodes authgraph produces itself (not assets).
const (
	SyncLabel    = "Sync"
	SyncedRel    = "SYNCED" // (:Auth0Tenant)-[:SYNCED]->(:Sync)
	RuleLabel    = "Rule"
	FindingLabel = "Finding"
	ChangeLabel  = "Change"
)

// Relations lists every relation between asset kinds. RESOURCE is not in it.
var Relations = []*Relation{
	RelHasSettings,
	RelHasRole, RelMemberOf, RelHasMembership, RelIn, RelWithRole,
	RelDefines, RelRoleGrants, RelHasPermission,
	RelClientGrantForClient, RelClientGrantForAPI, RelClientGrantGrants, RelCanAccess,
	RelConsented, RelGrantForClient, RelGrantForAPI,
	RelEnables, RelUsesConnection, RelHasIdentity,
}
