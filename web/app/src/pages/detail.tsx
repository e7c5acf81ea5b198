// Asset detail: properties, relations grouped by kind, the kind's typed
// relations (roles, organizations, APIs…), effective permissions with the
// paths that grant them, who can reach a permission, and "open in graph".

import { AssetTimeline } from '../monitor/timeline';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import {
  effectivePermissions, fetchAsset, whoCanReach,
  type AssetDetail, type ClientDetail, type OrganizationDetail, type ResourceServerDetail, type RoleDetail, type UserDetail,
} from '../api/queries';
import type { AssetRef, EffectivePermission, GraphNode, JsonObject, Subgraph } from '../api/types';
import { AssetLink, KindBadge, KindDot } from '../components/asset';
import { AccessPaths, ViaBadge } from '../components/paths';
import { Empty, ErrorBox, Loading } from '../components/state';
import { formatJson, formatNumber, humanize } from '../format';
import { DIRECT_USER_GRANTS, IncompleteNote, useIncomplete } from '../completeness';
import { useAsync } from '../hooks';
import { kindMeta } from '../kinds';
import { links, type Route } from '../router';
import { AssetFindings } from './findings';

type Node = NonNullable<AssetDetail['node']>;

/** "Open in graph" from these shows what they reach (roles with their permissions, organizations), not only their neighbours. */
const GRAPH_VIEW: Record<string, string> = { User: 'reach', Client: 'reach' };

function Section({ title, count, children, id }: { title: string; count?: number; children: preact.ComponentChildren; id?: string }) {
  return (
    <section class="block" aria-label={title} data-section={id}>
      <h2>
        {title} {count !== undefined && <span class="count">{formatNumber(count)}</span>}
      </h2>
      {children}
    </section>
  );
}

function RefList({ items, empty }: { items: AssetRef[]; empty: string }) {
  if (!items.length) return <p class="muted">{empty}</p>;
  return (
    <ul class="ref-list">
      {items.map((a) => (
        <li key={a.id}>
          <AssetLink asset={a} />
        </li>
      ))}
    </ul>
  );
}

const HIDDEN_PROPS = new Set(['id', 'kind', 'name', 'tenant']);

/** authgraph's own bookkeeping, kept apart from Auth0's properties and dates. */
const BOOKKEEPING: Record<string, string> = {
  firstseen: 'First seen by authgraph',
  lastupdated: 'Last updated by authgraph',
};

function Properties({ props }: { props: JsonObject }) {
  const keys = Object.keys(props).filter((k) => !HIDDEN_PROPS.has(k) && !(k in BOOKKEEPING)).sort();
  const own = Object.keys(BOOKKEEPING).filter((k) => k in props);
  return (
    <>
      {keys.length ? (
        <dl class="props" data-testid="properties">
          {keys.map((k) => (
            <div key={k}>
              <dt title={k}>{humanize(k)}</dt>
              <dd>{formatJson(k, props[k])}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="muted">No other properties.</p>
      )}
      {own.length > 0 && (
        <dl class="props bookkeeping" data-testid="bookkeeping" aria-label="Recorded by authgraph">
          {own.map((k) => (
            <div key={k}>
              <dt title={k}>{BOOKKEEPING[k]}</dt>
              <dd>{formatJson(k, props[k])}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

interface Rel {
  node: GraphNode;
  types: string[];
}

/** Neighbours grouped by kind, each with the relation types that join it. */
function groupRelations(center: string, g: Subgraph): [string, Rel[]][] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const rels = new Map<string, Rel>();
  for (const e of g.edges) {
    const out = e.source === center;
    const other = out ? e.target : e.source;
    if (other === center) continue;
    const n = byId.get(other);
    if (!n) continue;
    const r = rels.get(other) ?? { node: n, types: [] };
    const label = out ? `${e.type} →` : `← ${e.type}`;
    if (!r.types.includes(label)) r.types.push(label);
    rels.set(other, r);
  }
  const groups = new Map<string, Rel[]>();
  for (const r of rels.values()) {
    const k = r.node.kind ?? 'Node';
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const list of groups.values()) list.sort((a, b) => (a.node.name ?? '').localeCompare(b.node.name ?? ''));
  return [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

function Relations({ id, g }: { id: string; g: Subgraph }) {
  const groups = useMemo(() => groupRelations(id, g), [id, g]);
  if (!groups.length) return <p class="muted">No relations.</p>;
  return (
    <div class="rel-groups" data-testid="relations">
      {g.truncated && <p class="note">Showing the first {g.nodes.length - 1} neighbours; the graph view can expand further.</p>}
      {groups.map(([kind, rels]) => (
        <details key={kind} open={rels.length <= 25} class="rel-group">
          <summary>
            <KindDot kind={kind} /> {kindMeta(kind).plural} <span class="count">{rels.length}</span>
          </summary>
          <ul class="ref-list">
            {rels.map((r) => (
              <li key={r.node.id}>
                <AssetLink asset={{ id: r.node.id, kind: r.node.kind, name: r.node.name }} />
                <span class="rel-types">{r.types.join(', ')}</span>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}

function UserSections({ node }: { node: Node & UserDetail }) {
  return (
    <>
      <Section title="Roles" count={node.roles.length} id="roles">
        <RefList items={node.roles} empty="No tenant-wide roles." />
      </Section>
      <Section title="Organizations" count={node.organizations.length} id="organizations">
        {node.organizations.length === 0 ? (
          <p class="muted">Not a member of any organization.</p>
        ) : (
          <table class="table compact">
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Organization roles</th>
              </tr>
            </thead>
            <tbody>
              {node.organizations.map((m) => (
                <tr key={m.id}>
                  <td>{m.organization ? <AssetLink asset={m.organization} /> : <span class="muted">—</span>}</td>
                  <td>
                    {m.roles.length ? (
                      m.roles.map((r) => <AssetLink key={r.id} asset={r} />)
                    ) : (
                      <span class="muted">none</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {node.permissions.length > 0 && (
        <Section title="Direct permissions" count={node.permissions.length}>
          <RefList items={node.permissions} empty="" />
        </Section>
      )}
      <Section title="Identities" count={node.identities.length}>
        <RefList items={node.identities.map((i) => i.connection)} empty="No identities." />
      </Section>
    </>
  );
}

function ScopeTable({ rows, head }: { rows: { who: AssetRef; scopes: string[] }[]; head: string }) {
  if (!rows.length) return <p class="muted">None.</p>;
  return (
    <table class="table compact">
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">Scopes</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.who.id}>
            <td>
              <AssetLink asset={r.who} />
            </td>
            <td>
              <span class="tags">
                {r.scopes.length ? r.scopes.map((s) => <span class="tag" key={s}>{s}</span>) : <span class="muted">none</span>}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EffectivePermissions({ principal, tenant }: { principal: { userId?: string; clientId?: string }; tenant: string }) {
  const key = principal.userId ?? principal.clientId ?? '';
  // A user's direct grants may not have been collected (one call per user).
  const missing = useIncomplete(tenant, { relations: principal.userId ? [DIRECT_USER_GRANTS] : [] });
  const res = useAsync((s) => effectivePermissions(principal, s), [key]);
  const [filter, setFilter] = useState('');
  const list: EffectivePermission[] = res.data ?? [];
  const shown = filter ? list.filter((p) => `${p.permission.value ?? p.permission.name} ${p.api?.name ?? ''}`.toLowerCase().includes(filter.toLowerCase())) : list;
  return (
    <Section title="Effective permissions" count={res.data?.length} id="effective">
      <IncompleteNote items={missing} lead="Direct permissions were not collected for this user, so this list shows only what roles and organization roles grant:" testid="effective-incomplete" />
      {res.status === 'loading' && !res.data && <Loading label="Working out effective permissions…" />}
      {res.status === 'error' && <ErrorBox error={res.error} retry={res.reload} />}
      {res.data && list.length === 0 && <Empty title="No permissions.">No role, organization role, direct assignment or client grant gives this principal a permission.</Empty>}
      {list.length > 8 && (
        <label class="field inline">
          <span>Filter</span>
          <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="scope or API" />
        </label>
      )}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table class="table compact effective" data-testid="effective-permissions">
            <thead>
              <tr>
                <th scope="col">Permission</th>
                <th scope="col">API</th>
                <th scope="col">Granted by</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.permission.id}>
                  <td>
                    <AssetLink asset={{ ...p.permission, name: p.permission.value ?? p.permission.name }} />
                    <div class="vias">
                      {p.via.map((v) => (
                        <ViaBadge key={v} via={v} />
                      ))}
                    </div>
                  </td>
                  <td>{p.api ? <AssetLink asset={p.api} /> : <span class="muted">undefined API</span>}</td>
                  <td>
                    <AccessPaths paths={p.paths} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function WhoCanReach({ target }: { target: { permissionId?: string; apiId?: string } }) {
  const key = target.permissionId ?? target.apiId ?? '';
  const res = useAsync((s) => whoCanReach(target, s), [key]);
  const d = res.data;
  return (
    <Section title="Who can reach it" id="reach">
      {res.status === 'loading' && !d && <Loading label="Finding who can reach it…" />}
      {res.status === 'error' && <ErrorBox error={res.error} retry={res.reload} />}
      {d && d.userCount + d.clientCount === 0 && <Empty title="Nobody can reach it.">No user or client has a path to it.</Empty>}
      {d && d.userCount + d.clientCount > 0 && (
        <>
          <p>
            {formatNumber(d.userCount)} user(s) and {formatNumber(d.clientCount)} client(s)
            {d.truncated && ' (the first 50 of each shown)'}.
          </p>
          <ul class="reach">
            {d.clients.map((c) => (
              <li key={c.client.id}>
                <AssetLink asset={c.client} showKind />
                <AccessPaths paths={c.paths} />
              </li>
            ))}
            {d.users.map((u) => (
              <li key={u.user.id}>
                <AssetLink asset={u.user} showKind />
                <AccessPaths paths={u.paths} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

function KindSections({ node }: { node: Node }) {
  switch (node.__typename) {
    case 'User':
      return <UserSections node={node as Node & UserDetail} />;
    case 'Client': {
      const c = node as Node & ClientDetail;
      return (
        <>
          <Section title="APIs it can call" count={c.apis.length}>
            <ScopeTable head="API" rows={c.apis.map((a) => ({ who: a.api, scopes: a.scopes }))} />
          </Section>
          <Section title="Connections" count={c.connections.length}>
            <RefList items={c.connections} empty="Uses no connection." />
          </Section>
        </>
      );
    }
    case 'Role': {
      const r = node as Node & RoleDetail;
      return (
        <>
          <Section title="Holders">
            <p>
              <a href={links.directory('User', { role: node.id })}>{formatNumber(r.users.totalCount)} user(s)</a> hold it tenant-wide;{' '}
              {formatNumber(r.memberships.totalCount)} organization membership(s) carry it.
            </p>
          </Section>
          <Section title="Permissions it grants" count={r.permissions.length}>
            <RefList items={r.permissions} empty="Grants no permission." />
          </Section>
        </>
      );
    }
    case 'Organization': {
      const o = node as Node & OrganizationDetail;
      return (
        <Section title="Members" count={o.members.totalCount}>
          {o.members.nodes.length === 0 ? (
            <p class="muted">No members.</p>
          ) : (
            <>
              <table class="table compact">
                <thead>
                  <tr>
                    <th scope="col">Member</th>
                    <th scope="col">Organization roles</th>
                  </tr>
                </thead>
                <tbody>
                  {o.members.nodes.map((m) => (
                    <tr key={m.id}>
                      <td>{m.user ? <AssetLink asset={m.user} /> : '—'}</td>
                      <td>{m.roles.length ? m.roles.map((r) => <AssetLink key={r.id} asset={r} />) : <span class="muted">none</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {o.members.totalCount > o.members.nodes.length && (
                <p>
                  <a href={links.directory('User', { organization: node.id })}>All {formatNumber(o.members.totalCount)} members</a>
                </p>
              )}
            </>
          )}
        </Section>
      );
    }
    case 'ResourceServer': {
      const a = node as Node & ResourceServerDetail;
      return (
        <>
          <Section title="Clients that can call it" count={a.clients.length}>
            <ScopeTable head="Client" rows={a.clients.map((c) => ({ who: c.client, scopes: c.scopes }))} />
          </Section>
          <Section title="Permissions it defines" count={a.permissions.length}>
            <RefList items={a.permissions} empty="Defines no permission." />
          </Section>
        </>
      );
    }
    default:
      return null;
  }
}

export function DetailPage({ route }: { route: Route }) {
  const id = route.segments.slice(1).join('/');
  const res = useAsync((s) => fetchAsset(id, s), [id]);
  const node = res.data?.node;
  useEffect(() => {
    document.title = `${node?.name ?? 'Asset'} · authgraph`;
  }, [node?.name]);
  const [copied, setCopied] = useState(false);

  if (res.status === 'loading' && !res.data) return <section class="page"><Loading label="Loading the asset…" /></section>;
  if (res.status === 'error' && res.error instanceof ApiError && res.error.code === 'NOT_FOUND')
    return (
      <section class="page">
        <h1>Asset not found</h1>
        <Empty title="No asset has this id.">
          <code>{id}</code> — a later sync may have removed it. <a href={links.overview()}>Back to the overview</a>
        </Empty>
      </section>
    );
  if (res.status === 'error')
    return (
      <section class="page">
        <h1>Asset</h1>
        <p class="mono-cell">{id}</p>
        <ErrorBox error={res.error} retry={res.reload} />
      </section>
    );
  if (!node || !res.data)
    return (
      <section class="page">
        <h1>Asset not found</h1>
        <Empty title="No asset has this id.">
          <code>{id}</code> — it may have been removed by a later sync. <a href={links.overview()}>Back to the overview</a>
        </Empty>
      </section>
    );

  const g = res.data.neighbourhood;
  const center = g.nodes.find((n) => n.id === node.id);
  const copy = () => {
    void navigator.clipboard?.writeText(node.id).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };

  return (
    <section class="page detail" data-kind={node.kind}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={links.directory(node.kind)}>{kindMeta(node.kind).plural}</a> <span aria-hidden="true">/</span> <span>{node.name}</span>
      </nav>
      <header class="detail-head">
        <div>
          <KindBadge kind={node.kind} />
          <h1>{node.name}</h1>
          <p class="muted id-line">
            <code>{node.id}</code>
          </p>
        </div>
        <div class="actions">
          <a class="btn btn-primary" href={links.graph(node.id, { view: GRAPH_VIEW[node.kind] })} data-testid="open-in-graph">
            Open in graph
          </a>
          <button type="button" class="btn" onClick={copy}>
            {copied ? 'Copied' : 'Copy id'}
          </button>
        </div>
      </header>

      <div class="detail-grid">
        <div class="detail-main">
          <AssetFindings assetId={node.id} />
          <KindSections node={node} />
          {node.__typename === 'User' && <EffectivePermissions principal={{ userId: node.id }} tenant={node.tenant} />}
          {node.__typename === 'Client' && <EffectivePermissions principal={{ clientId: node.id }} tenant={node.tenant} />}
          {node.__typename === 'Permission' && <WhoCanReach target={{ permissionId: node.id }} />}
          {node.__typename === 'ResourceServer' && <WhoCanReach target={{ apiId: node.id }} />}
          <Section title="Relations" count={g.nodes.length - 1} id="relations">
            <Relations id={node.id} g={g} />
          </Section>
          <AssetTimeline id={node.id} />
        </div>
        <aside class="detail-side">
          <Section title="Properties" id="properties">
            <dl class="props">
              <div>
                <dt>Tenant</dt>
                <dd>{node.tenant}</dd>
              </div>
              <div>
                <dt>Auth0 id</dt>
                <dd>
                  <code>{node.nativeId}</code>
                </dd>
              </div>
            </dl>
            {center ? <Properties props={center.properties} /> : <p class="muted">No properties.</p>}
          </Section>
        </aside>
      </div>
    </section>
  );
}
