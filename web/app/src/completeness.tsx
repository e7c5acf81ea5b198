// Completeness: what the newest sync of each tenant did not collect (GraphQL
// Tenant.incomplete), and the note every page shows where its answer
// depends on that data. One small request, shared by the pages for a while.

import { gql } from './api/client';
import { useAsync } from './hooks';

export interface Incompleteness {
  resource: string;
  kinds: string[];
  relations: string[];
  reason: string;
}

/** The relation a user's direct permission grants are stored as. */
export const DIRECT_USER_GRANTS = 'User-HAS_PERMISSION->Permission';

/** Directory filters (kind.filter key) that read a relation. */
const FILTER_RELATIONS: Record<string, string> = {
  'User.permission': DIRECT_USER_GRANTS,
};

const RESOURCE_LABELS: Record<string, string> = {
  user_permissions: 'direct user permissions',
  custom_domains: 'custom domains',
  log_streams: 'log streams',
  client_grants: 'client grants',
  tenant_settings: 'tenant settings',
  organization_members: 'organization members',
};

export function resourceLabel(r: string): string {
  return RESOURCE_LABELS[r] ?? r.replace(/_/g, ' ');
}

let cache: { at: number; p: Promise<Map<string, Incompleteness[]>> } | null = null;

/** tenant name → what its newest sync did not collect (cached 30 s). */
export function fetchIncomplete(): Promise<Map<string, Incompleteness[]>> {
  if (!cache || Date.now() - cache.at > 30_000) {
    const p = gql<{ tenants: { name: string; incomplete: Incompleteness[] }[] }>(
      `query Incomplete { tenants { name incomplete { resource kinds relations reason } } }`,
    ).then((d) => new Map(d.tenants.map((t) => [t.name, t.incomplete])));
    p.catch(() => {
      cache = null;
    });
    cache = { at: Date.now(), p };
  }
  return cache.p;
}

/** What is missing for these tenants ('' = all) that touches a relation or kind. */
export function useIncomplete(tenant: string, match: { relations?: string[]; kinds?: string[] }): { tenant: string; inc: Incompleteness }[] {
  const res = useAsync(() => fetchIncomplete(), []);
  const out: { tenant: string; inc: Incompleteness }[] = [];
  for (const [t, list] of res.data ?? []) {
    if (tenant && t !== tenant) continue;
    for (const inc of list) {
      const hit = (match.relations ?? []).some((r) => inc.relations.includes(r)) || (match.kinds ?? []).some((k) => inc.kinds.includes(k));
      if (hit) out.push({ tenant: t, inc });
    }
  }
  return out;
}

/** A note saying what an answer lacks; nothing when nothing is missing. */
export function IncompleteNote({ items, lead, testid }: { items: { tenant: string; inc: Incompleteness }[]; lead: string; testid: string }) {
  if (!items.length) return null;
  return (
    <div class="note note-warn" role="note" data-testid={testid}>
      <strong>{lead}</strong>
      <ul>
        {items.map(({ tenant, inc }) => (
          <li key={tenant + inc.resource}>
            {resourceLabel(inc.resource)} were not collected{items.length > 1 || tenant ? ` in ${tenant}` : ''}: {inc.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Relations read by the directory filters set in params, for kind. */
export function filterRelations(kind: string, params: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [key, rel] of Object.entries(FILTER_RELATIONS)) {
    const [k, f] = key.split('.');
    if (k === kind && f && params.get(f)) out.push(rel);
  }
  return out;
}
