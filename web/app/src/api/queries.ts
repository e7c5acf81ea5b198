// Typed queries: every call the app makes to the GraphQL API is here.

import { gql } from './client';
import type { KindMeta } from '../kinds';
import type {
  AssetRef, Connection, CypherResult, SqlResult, SqlTable, EffectivePermission, GraphNode, Json, PathResult, Reach, Row,
  SearchHit, Subgraph, Tenant,
} from './types';

const SYNC = `id status mode started finished counts { kind count } skipped { kind reason } apiCalls retries seen429 error`;

export async function fetchTenants(signal?: AbortSignal): Promise<Tenant[]> {
  const d = await gql<{ tenants: Tenant[] }>(
    `query Tenants { tenants { id kind name domain lastSyncStatus lastSyncAt lastSync { ${SYNC} } lastFullSync { counts { kind count } } incomplete { resource kinds relations reason } } }`,
    {}, signal,
  );
  return d.tenants;
}

export async function search(
  text: string, opts: { tenant?: string; kinds?: string[]; first?: number }, signal?: AbortSignal,
): Promise<SearchHit[]> {
  const d = await gql<{ search: SearchHit[] }>(
    `query Search($text: String!, $kinds: [String!], $tenant: String, $first: Int) {
      search(text: $text, kinds: $kinds, tenant: $tenant, first: $first) {
        score
        asset {
          id kind name tenant
          ... on User { email }
          ... on ResourceServer { identifier }
          ... on Permission { value resourceServerIdentifier }
        }
      }
    }`,
    { text, kinds: opts.kinds?.length ? opts.kinds : null, tenant: opts.tenant || null, first: opts.first ?? 12 },
    signal,
  );
  return d.search;
}

export interface ListArgs {
  tenant?: string;
  filter: Record<string, Json>;
  sort?: { field: string; direction: 'ASC' | 'DESC' };
  first: number;
  after?: string | null;
}

/** One page of a kind's directory table. */
export async function listAssets(meta: KindMeta, args: ListArgs, signal?: AbortSignal): Promise<Connection<Row>> {
  if (!meta.listField || !meta.filterType) throw new Error(`${meta.plural} have no list`);
  const fields = [...new Set((meta.columns ?? []).map((c) => c.key))].filter(
    (f) => !['id', 'kind', 'name', 'tenant', 'nativeId'].includes(f),
  );
  const q = `query List($tenant: String, $filter: ${meta.filterType}, $orderBy: Sort, $first: Int, $after: String) {
    list: ${meta.listField}(tenant: $tenant, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { id kind name tenant nativeId ${fields.join(' ')} }
    }
  }`;
  const d = await gql<{ list: Connection<Row> }>(
    q,
    {
      tenant: args.tenant || null,
      filter: Object.keys(args.filter).length ? args.filter : null,
      orderBy: args.sort ?? null,
      first: args.first,
      after: args.after ?? null,
    },
    signal,
  );
  return d.list;
}

const NODE = `id elementId labels kind name properties`;
const EDGE = `id type source target`;

export async function neighbourhood(
  id: string, opts: { depth?: number; limit?: number } = {}, signal?: AbortSignal,
): Promise<Subgraph> {
  const d = await gql<{ neighbourhood: Subgraph }>(
    `query Neighbourhood($id: ID!, $depth: Int, $limit: Int) {
      neighbourhood(id: $id, depth: $depth, limit: $limit) { truncated nodes { ${NODE} } edges { ${EDGE} } }
    }`,
    { id, depth: opts.depth ?? 1, limit: opts.limit ?? 100 },
    signal,
  );
  return d.neighbourhood;
}

export async function shortestPath(from: string, to: string, signal?: AbortSignal): Promise<PathResult | null> {
  const d = await gql<{ shortestPath: PathResult | null }>(
    `query Path($from: ID!, $to: ID!) {
      shortestPath(from: $from, to: $to, maxDepth: 8) { length nodes { ${NODE} } edges { ${EDGE} } }
    }`,
    { from, to },
    signal,
  );
  return d.shortestPath;
}

const REF = `id kind name`;

export interface UserDetail {
  __typename: 'User';
  roles: AssetRef[];
  organizations: { id: string; organization: AssetRef | null; roles: AssetRef[] }[];
  permissions: AssetRef[];
  identities: { provider: string | null; connection: AssetRef }[];
}
export interface ClientDetail {
  __typename: 'Client';
  apis: { api: AssetRef; scopes: string[] }[];
  connections: AssetRef[];
}
export interface RoleDetail {
  __typename: 'Role';
  permissions: AssetRef[];
  users: { totalCount: number };
  memberships: { totalCount: number };
}
export interface OrganizationDetail {
  __typename: 'Organization';
  members: { totalCount: number; nodes: { id: string; user: AssetRef | null; roles: AssetRef[] }[] };
}
export interface ResourceServerDetail {
  __typename: 'ResourceServer';
  clients: { client: AssetRef; scopes: string[] }[];
  permissions: AssetRef[];
}
export interface OtherDetail {
  __typename: string;
}
export type KindDetail = UserDetail | ClientDetail | RoleDetail | OrganizationDetail | ResourceServerDetail | OtherDetail;

export interface AssetDetail {
  node: (AssetRef & { tenant: string; nativeId: string; firstSeen: string | null; lastSeen: string | null } & KindDetail) | null;
  neighbourhood: Subgraph;
}

/** An asset's own fields, its typed relations, and its first ring of neighbours. */
export async function fetchAsset(id: string, signal?: AbortSignal): Promise<AssetDetail> {
  return gql<AssetDetail>(
    `query Asset($id: ID!) {
      node(id: $id) {
        __typename id kind name tenant nativeId firstSeen lastSeen
        ... on User {
          roles { ${REF} }
          organizations { id organization { ${REF} } roles { ${REF} } }
          permissions { ${REF} }
          identities { provider connection { ${REF} } }
        }
        ... on Client { apis { api { ${REF} } scopes } connections { ${REF} } }
        ... on Role { permissions { ${REF} } users(first: 0) { totalCount } memberships(first: 0) { totalCount } }
        ... on Organization { members(first: 25) { totalCount nodes { id user { ${REF} } roles { ${REF} } } } }
        ... on ResourceServer { clients { client { ${REF} } scopes } permissions { ${REF} } }
      }
      neighbourhood(id: $id, depth: 1, limit: 300) { truncated nodes { ${NODE} } edges { ${EDGE} } }
    }`,
    { id },
    signal,
  );
}

const PATHS = `paths { via nodes { ${REF} } edges { type source target } }`;

export async function effectivePermissions(
  principal: { userId?: string; clientId?: string }, signal?: AbortSignal,
): Promise<EffectivePermission[]> {
  const d = await gql<{ effectivePermissions: EffectivePermission[] }>(
    `query Effective($userId: ID, $clientId: ID) {
      effectivePermissions(userId: $userId, clientId: $clientId) {
        permission { ${REF} value } api { ${REF} } via ${PATHS}
      }
    }`,
    { userId: principal.userId ?? null, clientId: principal.clientId ?? null },
    signal,
  );
  return d.effectivePermissions;
}

export async function whoCanReach(
  target: { permissionId?: string; apiId?: string }, signal?: AbortSignal,
): Promise<Reach> {
  const d = await gql<{ whoCanReach: Reach }>(
    `query Reach($permissionId: ID, $apiId: ID) {
      whoCanReach(permissionId: $permissionId, apiId: $apiId, first: 50) {
        userCount clientCount truncated
        users { user { ${REF} } ${PATHS} }
        clients { client { ${REF} } ${PATHS} }
      }
    }`,
    { permissionId: target.permissionId ?? null, apiId: target.apiId ?? null },
    signal,
  );
  return d.whoCanReach;
}

export async function cypher(query: string, params: Record<string, Json>, signal?: AbortSignal): Promise<CypherResult> {
  const d = await gql<{ cypher: CypherResult }>(
    `query Cypher($query: String!, $params: Map) {
      cypher(query: $query, params: $params) {
        columns rows rowCount truncated truncatedReason elapsedMs
        graph { truncated nodes { ${NODE} } edges { ${EDGE} } }
      }
    }`,
    { query, params },
    signal,
  );
  return d.cypher;
}

export async function fetchNodes(ids: string[], signal?: AbortSignal): Promise<(AssetRef | null)[]> {
  const d = await gql<{ nodes: (AssetRef | null)[] }>(
    `query Nodes($ids: [ID!]!) { nodes(ids: $ids) { ${REF} } }`, { ids }, signal,
  );
  return d.nodes;
}

export type { GraphNode };

/**
 * What a user or client can reach, as a graph: every path that gives it a
 * permission (roles and their permissions, organization roles, direct
 * grants, client grants). "Open in graph" from a user shows this with the
 * user's own neighbours, rather than every holder of its roles.
 */
export async function reachGraph(principal: { userId?: string; clientId?: string }, signal?: AbortSignal): Promise<Subgraph> {
  const d = await gql<{ effectivePermissions: { paths: { nodes: GraphNode[]; edges: Subgraph['edges'] }[] }[] }>(
    `query ReachGraph($userId: ID, $clientId: ID) {
      effectivePermissions(userId: $userId, clientId: $clientId) { paths { nodes { ${NODE} } edges { ${EDGE} } } }
    }`,
    { userId: principal.userId ?? null, clientId: principal.clientId ?? null },
    signal,
  );
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, Subgraph['edges'][number]>();
  for (const p of d.effectivePermissions) {
    for (const path of p.paths) {
      for (const n of path.nodes) nodes.set(n.id, n);
      for (const e of path.edges) edges.set(e.id, e);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated: false };
}

export async function sql(query: string, signal?: AbortSignal): Promise<SqlResult> {
  const d = await gql<{ sql: SqlResult }>(
    `query Sql($query: String!) { sql(query: $query) { columns types rows rowCount truncated truncatedReason elapsedMs } }`,
    { query },
    signal,
  );
  return d.sql;
}

export async function sqlTables(signal?: AbortSignal): Promise<SqlTable[]> {
  const d = await gql<{ sqlTables: SqlTable[] }>(`query SqlTables { sqlTables { name kind relation columns { name type doc } } }`, {}, signal);
  return d.sqlTables;
}
