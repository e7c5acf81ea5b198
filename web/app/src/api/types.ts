// Shapes of the API answers the app asks for (a subset of the SDL in
// graph/schema/*.graphqls). JSON values of unknown shape are `Json`.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The fields every asset has. */
export interface AssetRef {
  id: string;
  kind: string;
  name: string;
}

export interface AssetBase extends AssetRef {
  __typename?: string;
  tenant: string;
  nativeId: string;
  firstSeen?: string | null;
  lastSeen?: string | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  totalCount: number;
  pageInfo: PageInfo;
  nodes: T[];
}

export interface KindCount {
  kind: string;
  count: number;
}

export interface SyncInfo {
  id: string;
  status: string;
  mode?: string;
  started: string | null;
  finished: string | null;
  counts: KindCount[];
  skipped: { kind: string; reason: string }[];
  apiCalls: number;
  retries: number;
  seen429: number;
  error: string | null;
}

export interface Tenant extends AssetRef {
  domain: string | null;
  lastSyncStatus: string | null;
  lastSyncAt: number | null;
  /** The newest sync of any mode (an incremental pass included). */
  lastSync: SyncInfo | null;
  /** The newest full collection: the asset counts by kind. */
  lastFullSync?: { counts: KindCount[] } | null;
  /** What the newest full collection did not collect (empty: complete). */
  incomplete?: { resource: string; kinds: string[]; relations: string[]; reason: string }[];
}

export interface SearchHit {
  score: number;
  asset: AssetRef & { tenant: string; email?: string | null; identifier?: string | null; value?: string | null; resourceServerIdentifier?: string | null };
}

export interface GraphNode {
  id: string;
  elementId?: string;
  labels: string[];
  kind: string | null;
  name: string | null;
  properties: JsonObject;
}

export interface GraphEdge {
  id: string;
  type: string;
  source: string;
  target: string;
  properties?: JsonObject;
}

export interface Subgraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}

export interface PathResult {
  length: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export type Via = 'ROLE' | 'ORG_ROLE' | 'DIRECT' | 'CLIENT_GRANT' | 'CAN_ACCESS' | 'CONSENT';

export interface AccessPath {
  via: Via;
  nodes: AssetRef[];
  edges: { type: string; source: string; target: string }[];
}

export interface EffectivePermission {
  permission: AssetRef & { value: string | null };
  api: AssetRef | null;
  via: Via[];
  paths: AccessPath[];
}

export interface Reach {
  userCount: number;
  clientCount: number;
  truncated: boolean;
  users: { user: AssetRef; paths: AccessPath[] }[];
  clients: { client: AssetRef; paths: AccessPath[] }[];
}

export interface CypherResult {
  columns: string[];
  rows: Json[][];
  rowCount: number;
  truncated: boolean;
  truncatedReason: string | null;
  elapsedMs: number;
  graph: Subgraph;
}

/** A list row: the asset fields plus whatever the kind's columns selected. */
export type Row = AssetBase & { [field: string]: unknown };

export interface SqlResult {
  columns: string[];
  types: string[];
  rows: Json[][];
  rowCount: number;
  truncated: boolean;
  truncatedReason: string | null;
  elapsedMs: number;
}

export interface SqlTable {
  name: string;
  kind: string | null;
  relation: string | null;
  columns: { name: string; type: string; doc: string | null }[];
}
