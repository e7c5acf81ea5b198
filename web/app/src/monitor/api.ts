// Queries and mutations of connected tenants, change history and activity
// (graph/schema/monitor.graphqls, changes.graphqls). Secrets only go in.

import { gql } from '../api/client';

export interface ConnectedTenant {
  name: string;
  domain: string;
  clientId?: string;
  audience: string | null;
  enabled: boolean;
  intervalSeconds: number;
  allowMissingScopes: boolean;
  created: string | null;
  lastSyncAt: string | null;
  lastStatus: string | null;
  lastError: string | null;
  lastDurationMs: number | null;
  nextSyncAt: string | null;
  failures: number;
  syncing: boolean;
  baselined: boolean;
  findingsOpen: number;
  lastSync: { id: string; status: string; mode: string; apiCalls: number; retries: number; seen429: number; started: string | null; finished: string | null } | null;
}

export interface ScopeCheck {
  resource: string;
  scope: string;
  ok: boolean;
  reason: string | null;
  costs: string[];
}

export interface ConnectionTest {
  ok: boolean;
  tokenOk: boolean;
  error: string | null;
  scopes: ScopeCheck[];
  missingScopes: string[];
}

export interface TenantRemoval {
  tenant: string;
  state: string;
  deleted: number;
  current: string | null;
  error: string | null;
  started: string;
  finished: string | null;
}

export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
  target: string | null;
}

export interface Change {
  id: string;
  tenant: string;
  syncId: string | null;
  at: string;
  kind: string;
  assetId: string;
  assetKind: string;
  nativeId: string;
  name: string;
  fields: FieldChange[];
  actor: string | null;
}

const CT = `name domain audience enabled intervalSeconds allowMissingScopes created lastSyncAt lastStatus lastError lastDurationMs
  nextSyncAt failures syncing baselined findingsOpen lastSync { id status mode apiCalls retries seen429 started finished }`;

/** Connected tenants; admins also get each client id (a viewer may not select it). */
export async function fetchConnected(admin: boolean, signal?: AbortSignal): Promise<ConnectedTenant[]> {
  const d = await gql<{ connectedTenants: ConnectedTenant[] }>(
    `query ConnectedTenants { connectedTenants { ${CT} ${admin ? 'clientId' : ''} } }`, {}, signal);
  return d.connectedTenants;
}

export interface Credentials {
  domain: string;
  clientId: string;
  clientSecret: string;
  audience?: string | null;
}

export async function testConnection(c: Credentials): Promise<ConnectionTest> {
  const d = await gql<{ testTenantConnection: ConnectionTest }>(
    `mutation TestConnection($i: TenantCredentialsInput!) { testTenantConnection(input: $i) {
      ok tokenOk error missingScopes scopes { resource scope ok reason costs } } }`,
    { i: { ...c, audience: c.audience || null } });
  return d.testTenantConnection;
}

export async function connectTenant(c: Credentials & { name?: string; intervalSeconds: number; allowMissingScopes: boolean }): Promise<ConnectedTenant> {
  const d = await gql<{ connectTenant: ConnectedTenant }>(
    `mutation Connect($i: ConnectTenantInput!) { connectTenant(input: $i) { ${CT} clientId } }`,
    { i: { ...c, audience: c.audience || null, name: c.name || null } });
  return d.connectTenant;
}

export async function updateTenant(name: string, input: Record<string, unknown>): Promise<ConnectedTenant> {
  const d = await gql<{ updateConnectedTenant: ConnectedTenant }>(
    `mutation Update($n: String!, $i: UpdateConnectedTenantInput!) { updateConnectedTenant(name: $n, input: $i) { ${CT} clientId } }`,
    { n: name, i: input });
  return d.updateConnectedTenant;
}

export async function setEnabled(name: string, enabled: boolean): Promise<ConnectedTenant> {
  const d = await gql<{ setTenantEnabled: ConnectedTenant }>(
    `mutation SetEnabled($n: String!, $e: Boolean!) { setTenantEnabled(name: $n, enabled: $e) { ${CT} clientId } }`,
    { n: name, e: enabled });
  return d.setTenantEnabled;
}

const RM = `tenant state deleted current error started finished`;

export async function removeTenant(name: string): Promise<TenantRemoval> {
  const d = await gql<{ removeTenant: TenantRemoval }>(`mutation Remove($n: String!) { removeTenant(name: $n) { ${RM} } }`, { n: name });
  return d.removeTenant;
}

export async function fetchRemovals(signal?: AbortSignal): Promise<TenantRemoval[]> {
  const d = await gql<{ tenantRemovals: TenantRemoval[] }>(`query Removals { tenantRemovals { ${RM} } }`, {}, signal);
  return d.tenantRemovals;
}

const CHANGE = `id tenant syncId at kind assetId assetKind nativeId name actor fields { field old new target }`;

export async function fetchChanges(
  q: { tenant?: string; asset?: string; first?: number; after?: string | null },
  signal?: AbortSignal,
): Promise<{ nodes: Change[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> {
  const d = await gql<{ changes: { nodes: Change[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    `query Changes($t: String, $a: ID, $f: Int, $after: String) { changes(tenant: $t, asset: $a, first: $f, after: $after) {
      nodes { ${CHANGE} } pageInfo { hasNextPage endCursor } } }`,
    { t: q.tenant || null, a: q.asset || null, f: q.first ?? 50, after: q.after || null }, signal);
  return d.changes;
}

export interface SyncRow {
  id: string;
  status: string;
  /** full, incremental, reconcile or stream (pushed events, one record per hour) */
  mode: string;
  reason: string | null;
  touched: number;
  logEvents: number;
  drift: number | null;
  applies: number;
  started: string | null;
  finished: string | null;
  apiCalls: number;
  retries: number;
  seen429: number;
  error: string | null;
}

export interface FindingRow {
  id: string;
  ruleId: string;
  title: string;
  severity: string;
  status: string;
  assetId: string;
  kind: string;
  name: string;
  firstSeen: string;
  resolvedAt: string | null;
}

/** What a tenant's activity feed shows: its changes, syncs and findings. */
export async function fetchActivity(tenant: string, signal?: AbortSignal): Promise<{ changes: Change[]; syncs: SyncRow[]; findings: FindingRow[] }> {
  const d = await gql<{
    changes: { nodes: Change[] };
    tenants: { tenant: string; syncs: SyncRow[] }[];
    findings: { nodes: FindingRow[] };
  }>(
    `query Activity($t: String!) {
      changes(tenant: $t, first: 200) { nodes { ${CHANGE} } }
      tenants { tenant syncs(limit: 30) { id status mode reason touched logEvents drift applies started finished apiCalls retries seen429 error } }
      findings(filter: { tenant: $t, status: [OPEN, RESOLVED] }, first: 200) { nodes { id ruleId title severity status assetId kind name firstSeen resolvedAt } }
    }`,
    { t: tenant }, signal);
  return {
    changes: d.changes.nodes,
    syncs: d.tenants.find((x) => x.tenant === tenant)?.syncs ?? [],
    findings: d.findings.nodes,
  };
}

/** The read scopes authgraph asks for (README, "Connecting a real tenant"). */
export const READ_SCOPES = [
  'read:users', 'read:roles', 'read:organizations', 'read:organization_members', 'read:organization_member_roles',
  'read:organization_connections', 'read:clients', 'read:client_grants', 'read:grants', 'read:resource_servers',
  'read:custom_domains', 'read:tenant_settings', 'read:connections', 'read:log_streams', 'read:actions',
  'read:signing_keys', 'read:rules', 'read:hooks', 'read:email_provider', 'read:guardian_factors',
  'read:attack_protection', 'read:mfa_policies',
];

/** "15m", "90s", "1h30m", "600" (seconds) → seconds; NaN when unreadable. */
export function parseInterval(s: string): number {
  const t = s.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  const re = /(\d+)\s*(h|m|s)/g;
  let total = 0;
  let used = '';
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
    used += m[0];
  }
  return used.replace(/\s/g, '') === t.replace(/\s/g, '') && used ? total : NaN;
}

/** 900 → "15 min", 90 → "1 min 30 s". */
export function formatInterval(sec: number): string {
  if (sec % 3600 === 0) return `${sec / 3600} h`;
  if (sec >= 60) return `${Math.floor(sec / 60)} min${sec % 60 ? ` ${sec % 60} s` : ''}`;
  return `${sec} s`;
}

/** A field value of a change, short. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = JSON.stringify(v);
  return s.length > 160 ? s.slice(0, 157) + '…' : s;
}
