// What a person types after #/assets/: the kind name (Role), its plural
// (roles), its label or its id slug (custom-domain) — any case, with or
// without dashes. Kept apart from kinds.ts (generated from schema/).

import { KINDS } from './kinds';

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const SLUGS: Record<string, string> = {
  settings: 'TenantSettings', org: 'Organization', orgs: 'Organization', membership: 'OrgMembership',
  api: 'ResourceServer', apis: 'ResourceServer', 'client-grant': 'ClientGrant', 'custom-domain': 'CustomDomain',
  'log-stream': 'LogStream',
};

/** The kind name for a directory slug, or null when none matches. */
export function resolveKind(slug: string | undefined): string | null {
  if (!slug) return null;
  const n = norm(slug);
  for (const k of KINDS) {
    if (k.kind === slug) return k.kind;
  }
  for (const k of KINDS) {
    if ([k.kind, k.plural, k.label, k.listField ?? ''].some((x) => x && norm(x) === n)) return k.kind;
  }
  for (const [s, kind] of Object.entries(SLUGS)) {
    if (norm(s) === n) return kind;
  }
  // A plain English plural: "identities", "connections".
  if (n.endsWith('s')) return resolveKind(slug.slice(0, -1));
  return null;
}
