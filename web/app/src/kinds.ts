// Asset kinds: names, colours, and how the directory lists each one
// (columns, sort fields and filters map onto the API's list fields).

export type Format = 'text' | 'bool' | 'time' | 'list' | 'number' | 'mono';

export interface Column {
  /** Field of the list row (camelCase, as in the SDL). */
  key: string;
  label: string;
  format?: Format;
  /** Sort field (orderBy.field); absent: not sortable. */
  sort?: string;
  /** Hidden on narrow screens. */
  wide?: boolean;
}

export type FilterSpec =
  | { key: string; label: string; type: 'text'; field: string; op: 'contains' | 'eq' | 'prefix' | 'plain' }
  | { key: string; label: string; type: 'bool'; field: string }
  | { key: string; label: string; type: 'select'; field: string; options: string[]; list?: boolean }
  /** An id filter (role=…, organization=…), set by links from detail pages. */
  | { key: string; label: string; type: 'ref'; field: string; kind: string };

export interface KindMeta {
  kind: string;
  label: string;
  plural: string;
  color: string;
  /** Query field of the cursor list, when the API has one. */
  listField?: string;
  /** GraphQL input type of the list's filter. */
  filterType?: string;
  columns?: Column[];
  filters?: FilterSpec[];
  defaultSort?: string;
}

const name = (label = 'Name'): Column => ({ key: 'name', label, sort: 'name' });
const tenantCol: Column = { key: 'tenant', label: 'Tenant', sort: 'tenant', wide: true };
const nameFilter: FilterSpec = { key: 'name', label: 'Name contains', type: 'text', field: 'name', op: 'contains' };

export const KINDS: KindMeta[] = [
  {
    kind: 'User', label: 'User', plural: 'Users', color: '#2563eb', listField: 'users', filterType: 'UserFilter',
    columns: [
      name(),
      { key: 'email', label: 'Email', sort: 'email' },
      { key: 'connection', label: 'Connection', sort: 'connection', wide: true },
      { key: 'mfaEnrolled', label: 'MFA', format: 'bool', sort: 'mfaEnrolled' },
      { key: 'blocked', label: 'Blocked', format: 'bool', sort: 'blocked', wide: true },
      { key: 'lastLogin', label: 'Last login', format: 'time', sort: 'lastLogin', wide: true },
      { key: 'loginsCount', label: 'Logins', format: 'number', sort: 'loginsCount', wide: true },
      tenantCol,
    ],
    filters: [
      nameFilter,
      { key: 'email', label: 'Email contains', type: 'text', field: 'email', op: 'contains' },
      { key: 'connection', label: 'Connection', type: 'text', field: 'connection', op: 'plain' },
      { key: 'mfa', label: 'MFA enrolled', type: 'bool', field: 'mfaEnrolled' },
      { key: 'blocked', label: 'Blocked', type: 'bool', field: 'blocked' },
      { key: 'verified', label: 'Email verified', type: 'bool', field: 'emailVerified' },
      { key: 'role', label: 'Role', type: 'ref', field: 'role', kind: 'Role' },
      { key: 'organization', label: 'Organization', type: 'ref', field: 'organization', kind: 'Organization' },
      { key: 'permission', label: 'Direct permission', type: 'ref', field: 'permission', kind: 'Permission' },
    ],
  },
  {
    kind: 'Role', label: 'Role', plural: 'Roles', color: '#db2777', listField: 'roles', filterType: 'RoleFilter',
    columns: [name(), { key: 'description', label: 'Description' }, tenantCol],
    filters: [nameFilter, { key: 'permission', label: 'Grants permission', type: 'ref', field: 'permission', kind: 'Permission' }],
  },
  {
    kind: 'Permission', label: 'Permission', plural: 'Permissions', color: '#d97706', listField: 'permissions', filterType: 'PermissionFilter',
    columns: [
      { key: 'value', label: 'Scope', sort: 'value', format: 'mono' },
      { key: 'resourceServerIdentifier', label: 'API', sort: 'resourceServerIdentifier', format: 'mono' },
      { key: 'description', label: 'Description', wide: true },
      { key: 'defined', label: 'Defined', format: 'bool', sort: 'defined', wide: true },
      tenantCol,
    ],
    filters: [
      { key: 'value', label: 'Scope contains', type: 'text', field: 'value', op: 'contains' },
      { key: 'audience', label: 'API identifier', type: 'text', field: 'audience', op: 'plain' },
      { key: 'defined', label: 'Defined by an API', type: 'bool', field: 'defined' },
      { key: 'api', label: 'API', type: 'ref', field: 'api', kind: 'ResourceServer' },
    ],
    defaultSort: 'value',
  },
  {
    kind: 'Organization', label: 'Organization', plural: 'Organizations', color: '#16a34a', listField: 'organizations', filterType: 'OrganizationFilter',
    columns: [name(), { key: 'displayName', label: 'Display name', sort: 'displayName' }, tenantCol],
    filters: [
      nameFilter,
      { key: 'displayName', label: 'Display name contains', type: 'text', field: 'displayName', op: 'contains' },
      { key: 'connection', label: 'Enables connection', type: 'ref', field: 'connection', kind: 'Connection' },
    ],
  },
  { kind: 'OrgMembership', label: 'Membership', plural: 'Memberships', color: '#65a30d' },
  {
    kind: 'Client', label: 'Application', plural: 'Applications', color: '#7c3aed', listField: 'clients', filterType: 'ClientFilter',
    columns: [
      name(),
      { key: 'appType', label: 'Type', sort: 'appType' },
      { key: 'grantTypes', label: 'Grant types', format: 'list', wide: true },
      { key: 'confidential', label: 'Confidential', format: 'bool', sort: 'confidential' },
      { key: 'isFirstParty', label: 'First party', format: 'bool', sort: 'isFirstParty', wide: true },
      { key: 'tokenEndpointAuthMethod', label: 'Auth method', sort: 'tokenEndpointAuthMethod', wide: true },
      tenantCol,
    ],
    filters: [
      nameFilter,
      { key: 'appType', label: 'Type', type: 'select', field: 'appType', options: ['spa', 'native', 'regular_web', 'non_interactive'], list: true },
      { key: 'grantType', label: 'Grant type', type: 'select', field: 'grantType', options: ['client_credentials', 'authorization_code', 'refresh_token', 'implicit', 'password'] },
      { key: 'confidential', label: 'Confidential', type: 'bool', field: 'confidential' },
      { key: 'firstParty', label: 'First party', type: 'bool', field: 'isFirstParty' },
      { key: 'connection', label: 'Uses connection', type: 'ref', field: 'connection', kind: 'Connection' },
      { key: 'api', label: 'Granted API', type: 'ref', field: 'api', kind: 'ResourceServer' },
    ],
  },
  {
    kind: 'ClientGrant', label: 'Client grant', plural: 'Client grants', color: '#a855f7', listField: 'clientGrants', filterType: 'ClientGrantFilter',
    columns: [
      name(),
      { key: 'audience', label: 'Audience', sort: 'audience', format: 'mono' },
      { key: 'scope', label: 'Scopes', format: 'list' },
      { key: 'isSystem', label: 'System', format: 'bool', sort: 'isSystem', wide: true },
      tenantCol,
    ],
    filters: [
      { key: 'audience', label: 'Audience', type: 'text', field: 'audience', op: 'plain' },
      { key: 'scope', label: 'Gives scope', type: 'text', field: 'scope', op: 'plain' },
      { key: 'system', label: 'System grant', type: 'bool', field: 'isSystem' },
      { key: 'client', label: 'Client', type: 'ref', field: 'client', kind: 'Client' },
      { key: 'api', label: 'API', type: 'ref', field: 'api', kind: 'ResourceServer' },
    ],
  },
  {
    kind: 'Grant', label: 'User grant', plural: 'User grants', color: '#c026d3', listField: 'grants', filterType: 'GrantFilter',
    columns: [
      name(),
      { key: 'audience', label: 'Audience', sort: 'audience', format: 'mono' },
      { key: 'scope', label: 'Scopes', format: 'list', wide: true },
      tenantCol,
    ],
    filters: [
      { key: 'audience', label: 'Audience', type: 'text', field: 'audience', op: 'plain' },
      { key: 'user', label: 'User', type: 'ref', field: 'user', kind: 'User' },
      { key: 'client', label: 'Client', type: 'ref', field: 'client', kind: 'Client' },
    ],
  },
  {
    kind: 'ResourceServer', label: 'API', plural: 'APIs', color: '#ea580c', listField: 'resourceServers', filterType: 'ResourceServerFilter',
    columns: [
      name(),
      { key: 'identifier', label: 'Identifier', sort: 'identifier', format: 'mono' },
      { key: 'isSystem', label: 'System', format: 'bool', sort: 'isSystem' },
      { key: 'signingAlg', label: 'Signing', sort: 'signingAlg', wide: true },
      { key: 'scopeCount', label: 'Scopes', format: 'number', sort: 'scopeCount', wide: true },
      tenantCol,
    ],
    filters: [
      nameFilter,
      { key: 'identifier', label: 'Identifier contains', type: 'text', field: 'identifier', op: 'contains' },
      { key: 'system', label: 'System', type: 'bool', field: 'isSystem' },
    ],
  },
  {
    kind: 'Connection', label: 'Connection', plural: 'Connections', color: '#0891b2', listField: 'connections', filterType: 'ConnectionFilter',
    columns: [
      name(),
      { key: 'strategy', label: 'Strategy', sort: 'strategy' },
      { key: 'mfaActive', label: 'MFA', format: 'bool', sort: 'mfaActive', wide: true },
      { key: 'bruteForceProtection', label: 'Brute-force protection', format: 'bool', wide: true },
      { key: 'disableSignup', label: 'Sign-up disabled', format: 'bool', wide: true },
      tenantCol,
    ],
    filters: [
      nameFilter,
      { key: 'strategy', label: 'Strategy', type: 'select', field: 'strategy', options: ['auth0', 'google-oauth2', 'github', 'samlp', 'waad', 'oidc', 'okta', 'sms', 'email'], list: true },
      { key: 'client', label: 'Used by client', type: 'ref', field: 'client', kind: 'Client' },
    ],
  },
  {
    kind: 'CustomDomain', label: 'Custom domain', plural: 'Custom domains', color: '#475569', listField: 'customDomains', filterType: 'StatusFilter',
    columns: [name(), { key: 'domain', label: 'Domain', format: 'mono' }, { key: 'primary', label: 'Primary', format: 'bool' }, { key: 'status', label: 'Status', sort: 'status' }, { key: 'type', label: 'Type', wide: true }, tenantCol],
    filters: [nameFilter, { key: 'status', label: 'Status', type: 'text', field: 'status', op: 'plain' }],
  },
  {
    kind: 'LogStream', label: 'Log stream', plural: 'Log streams', color: '#78716c', listField: 'logStreams', filterType: 'StatusFilter',
    columns: [name(), { key: 'type', label: 'Type', sort: 'type' }, { key: 'status', label: 'Status', sort: 'status' }, tenantCol],
    filters: [nameFilter, { key: 'status', label: 'Status', type: 'text', field: 'status', op: 'plain' }],
  },
  {
    kind: 'Action', label: 'Action', plural: 'Actions', color: '#0d9488', listField: 'actions', filterType: 'StatusFilter',
    columns: [name(), { key: 'runtime', label: 'Runtime', sort: 'runtime' }, { key: 'status', label: 'Status', sort: 'status' }, { key: 'triggers', label: 'Triggers', format: 'list', wide: true }, { key: 'deployed', label: 'Deployed', format: 'bool' }, tenantCol],
    filters: [nameFilter, { key: 'status', label: 'Status', type: 'text', field: 'status', op: 'plain' }],
  },
  {
    kind: 'TenantSettings', label: 'Tenant settings', plural: 'Tenant settings', color: '#6b7280', listField: 'tenantSettings', filterType: 'NameFilter',
    columns: [name(), { key: 'friendlyName', label: 'Friendly name' }, { key: 'supportEmail', label: 'Support email', wide: true }, { key: 'sessionLifetime', label: 'Session (h)', format: 'number', wide: true }, tenantCol],
    filters: [nameFilter],
  },
  { kind: 'Tenant', label: 'Tenant', plural: 'Tenants', color: '#111827' },
];

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const fallback = (kind: string): KindMeta => ({ kind, label: kind, plural: kind, color: '#94a3b8' });

export function kindMeta(kind: string | null | undefined): KindMeta {
  return (kind && byKind.get(kind)) || fallback(kind ?? 'Node');
}

export function kindColor(kind: string | null | undefined): string {
  return kindMeta(kind).color;
}

/** Kinds that have a directory table. */
export const LISTED_KINDS = KINDS.filter((k) => k.listField);

/** The kind part of an asset id "<tenant>/<slug>/<native id>", by slug. */
const SLUGS: Record<string, string> = {
  tenant: 'Tenant', settings: 'TenantSettings', user: 'User', role: 'Role', permission: 'Permission',
  org: 'Organization', membership: 'OrgMembership', client: 'Client', 'client-grant': 'ClientGrant',
  grant: 'Grant', api: 'ResourceServer', connection: 'Connection', 'custom-domain': 'CustomDomain',
  'log-stream': 'LogStream', action: 'Action',
};

export function kindOfId(id: string): string | null {
  const parts = id.split('/');
  return parts.length >= 3 ? SLUGS[parts[1] ?? ''] ?? null : null;
}
