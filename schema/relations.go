package schema

// Relations between kinds. Types are a contract (docs/graph-model.md).
var (
	RelHasSettings = &Relation{Type: "HAS_SETTINGS", From: Tenant, To: TenantSettings}

	RelHasRole = &Relation{Type: "HAS_ROLE", From: User, To: Role,
		Doc: "tenant-wide role assignment"}
	RelMemberOf      = &Relation{Type: "MEMBER_OF", From: User, To: Organization}
	RelHasMembership = &Relation{Type: "HAS_MEMBERSHIP", From: User, To: OrgMembership}
	RelIn            = &Relation{Type: "IN", From: OrgMembership, To: Organization}
	RelWithRole      = &Relation{Type: "WITH_ROLE", From: OrgMembership, To: Role,
		Doc: "an organization-scoped role of a member"}

	RelDefines       = &Relation{Type: "DEFINES", From: ResourceServer, To: Permission}
	RelRoleGrants    = &Relation{Type: "GRANTS", From: Role, To: Permission}
	RelHasPermission = &Relation{Type: "HAS_PERMISSION", From: User, To: Permission,
		Doc: "a permission assigned directly to the user"}

	RelClientGrantForClient = &Relation{Type: "FOR_CLIENT", From: ClientGrant, To: Client}
	RelClientGrantForAPI    = &Relation{Type: "FOR_API", From: ClientGrant, To: ResourceServer}
	RelClientGrantGrants    = &Relation{Type: "GRANTS", From: ClientGrant, To: Permission}
	RelCanAccess            = &Relation{Type: "CAN_ACCESS", From: Client, To: ResourceServer,
		Doc: "derived from client grants",
		Props: []Property{
			{Name: "scopes", Type: StringList},
			{Name: "grant_id", Type: String},
			{Name: "is_system", Type: Bool},
		}}

	RelConsented      = &Relation{Type: "CONSENTED", From: User, To: Grant}
	RelGrantForClient = &Relation{Type: "FOR_CLIENT", From: Grant, To: Client}
	RelGrantForAPI    = &Relation{Type: "FOR_API", From: Grant, To: ResourceServer}

	RelEnables = &Relation{Type: "ENABLES", From: Organization, To: Connection,
		Props: []Property{{Name: "assign_membership_on_login", Type: Bool}}}
	RelUsesConnection = &Relation{Type: "USES_CONNECTION", From: Client, To: Connection}
	RelHasIdentity    = &Relation{Type: "HAS_IDENTITY", From: User, To: Connection,
		Props: []Property{
			{Name: "provider", Type: String},
			{Name: "user_id", Type: String},
		}}
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
