// Asset kinds: names, colours, and how the directory lists each one
// (columns, sort fields and filters map onto the API's list fields). The
// table itself is generated from package schema (kinds.generated.ts); this
// file adds the filters' wording and choices for the kinds that have them.

import { KIND_TABLE } from './kinds.generated';

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
  /** The kind part of its asset ids. */
  slug?: string;
  /** Query field of the cursor list, when the API has one. */
  listField?: string;
  /** GraphQL input type of the list's filter. */
  filterType?: string;
  columns?: Column[];
  filters?: FilterSpec[];
  defaultSort?: string;
}

const nameFilter: FilterSpec = { key: 'name', label: 'Name contains', type: 'text', field: 'name', op: 'contains' };

/** Filters in the directory's own words (keys are in its URLs); other kinds use their declared filters. */
const FILTERS: Record<string, FilterSpec[]> = {
  User: [
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
  Role: [nameFilter, { key: 'permission', label: 'Grants permission', type: 'ref', field: 'permission', kind: 'Permission' }],
  Permission: [
    { key: 'value', label: 'Scope contains', type: 'text', field: 'value', op: 'contains' },
    { key: 'audience', label: 'API identifier', type: 'text', field: 'audience', op: 'plain' },
    { key: 'defined', label: 'Defined by an API', type: 'bool', field: 'defined' },
    { key: 'api', label: 'API', type: 'ref', field: 'api', kind: 'ResourceServer' },
  ],
  Organization: [
    nameFilter,
    { key: 'displayName', label: 'Display name contains', type: 'text', field: 'displayName', op: 'contains' },
    { key: 'connection', label: 'Enables connection', type: 'ref', field: 'connection', kind: 'Connection' },
  ],
  Client: [
    nameFilter,
    { key: 'appType', label: 'Type', type: 'select', field: 'appType', options: ['spa', 'native', 'regular_web', 'non_interactive'], list: true },
    { key: 'grantType', label: 'Grant type', type: 'select', field: 'grantType', options: ['client_credentials', 'authorization_code', 'refresh_token', 'implicit', 'password'] },
    { key: 'confidential', label: 'Confidential', type: 'bool', field: 'confidential' },
    { key: 'firstParty', label: 'First party', type: 'bool', field: 'isFirstParty' },
    { key: 'connection', label: 'Uses connection', type: 'ref', field: 'connection', kind: 'Connection' },
    { key: 'api', label: 'Granted API', type: 'ref', field: 'api', kind: 'ResourceServer' },
  ],
  ClientGrant: [
    { key: 'audience', label: 'Audience', type: 'text', field: 'audience', op: 'plain' },
    { key: 'scope', label: 'Gives scope', type: 'text', field: 'scope', op: 'plain' },
    { key: 'system', label: 'System grant', type: 'bool', field: 'isSystem' },
    { key: 'client', label: 'Client', type: 'ref', field: 'client', kind: 'Client' },
    { key: 'api', label: 'API', type: 'ref', field: 'api', kind: 'ResourceServer' },
  ],
  Grant: [
    { key: 'audience', label: 'Audience', type: 'text', field: 'audience', op: 'plain' },
    { key: 'user', label: 'User', type: 'ref', field: 'user', kind: 'User' },
    { key: 'client', label: 'Client', type: 'ref', field: 'client', kind: 'Client' },
  ],
  ResourceServer: [
    nameFilter,
    { key: 'identifier', label: 'Identifier contains', type: 'text', field: 'identifier', op: 'contains' },
    { key: 'system', label: 'System', type: 'bool', field: 'isSystem' },
  ],
  Connection: [
    nameFilter,
    { key: 'strategy', label: 'Strategy', type: 'select', field: 'strategy', options: ['auth0', 'google-oauth2', 'github', 'samlp', 'waad', 'oidc', 'okta', 'sms', 'email'], list: true },
    { key: 'client', label: 'Used by client', type: 'ref', field: 'client', kind: 'Client' },
  ],
  CustomDomain: [nameFilter, { key: 'status', label: 'Status', type: 'text', field: 'status', op: 'plain' }],
  LogStream: [nameFilter, { key: 'status', label: 'Status', type: 'text', field: 'status', op: 'plain' }],
  Action: [nameFilter, { key: 'status', label: 'Status', type: 'text', field: 'status', op: 'plain' }],
  TenantSettings: [nameFilter],
};

export const KINDS: KindMeta[] = KIND_TABLE.map((k) => ({ ...k, filters: FILTERS[k.kind] ?? k.filters }));

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
const SLUGS: Record<string, string> = Object.fromEntries(KIND_TABLE.map((k) => [k.slug, k.kind]));

export function kindOfId(id: string): string | null {
  const parts = id.split('/');
  return parts.length >= 3 ? SLUGS[parts[1] ?? ''] ?? null : null;
}
