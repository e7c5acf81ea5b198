// Overview: connected tenants with their last sync, kinds with counts, and
// each tenant's posture score with its most severe open findings.

import { gql } from '../api/client';
import { fetchTenants } from '../api/queries';
import type { Tenant } from '../api/types';
import { KindDot } from '../components/asset';
import { IncompleteNote } from '../completeness';
import { Empty, ErrorBox, Loading } from '../components/state';
import { ago, formatNumber, formatTime } from '../format';
import { useAsync, useTenant } from '../hooks';
import { kindMeta, LISTED_KINDS } from '../kinds';
import { links } from '../router';
import { useEffect } from 'preact/hooks';
import { PostureBlock } from './findings';

/** Live asset counts per kind (totalCount of each list), in one request. */
async function fetchKindCounts(tenant: string, signal: AbortSignal): Promise<{ kind: string; count: number }[]> {
  const fields = LISTED_KINDS.map((k) => `${k.kind}: ${k.listField}(tenant: $tenant, first: 0) { totalCount }`).join('\n');
  const d = await gql<Record<string, { totalCount: number }>>(`query KindCounts($tenant: String) {\n${fields}\n}`, { tenant: tenant || null }, signal);
  return LISTED_KINDS.map((k) => ({ kind: k.kind, count: d[k.kind]?.totalCount ?? 0 }));
}

function StatusPill({ status, incomplete }: { status: string | null | undefined; incomplete?: boolean }) {
  const s = status ?? 'never synced';
  // Not a plain green OK when something was not collected.
  if (incomplete && s === 'ok') return <span class="pill pill-incomplete" data-testid="status-pill">ok · incomplete</span>;
  return <span class={`pill pill-${s.replace(/\s+/g, '-')}`} data-testid="status-pill">{s}</span>;
}

function duration(a: string | null, b: string | null): string {
  if (!a || !b) return '—';
  const ms = new Date(b).getTime() - new Date(a).getTime();
  if (!(ms >= 0)) return '—';
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function TenantCard({ t, selected }: { t: Tenant; selected: boolean }) {
  const sync = t.lastSync;
  // Asset counts from the newest full collection: an incremental pass
  // counts only what it read again.
  const counts = t.lastFullSync?.counts ?? sync?.counts ?? [];
  const kinds = counts.filter((c) => !c.kind.includes('->'));
  const rels = counts.filter((c) => c.kind.includes('->'));
  const finished = sync?.finished ?? (t.lastSyncAt ? new Date(t.lastSyncAt).toISOString() : null);
  return (
    <article class={'card tenant-card' + (selected ? ' selected' : '')} data-testid="tenant-card" data-tenant={t.name}>
      <header class="card-head">
        <h3>
          <a href={links.asset(t.id)}>{t.name}</a>
        </h3>
        <StatusPill status={sync?.status ?? t.lastSyncStatus} incomplete={(t.incomplete?.length ?? 0) > 0} />
      </header>
      {!sync ? (
        <p class="muted">No sync recorded for this tenant.</p>
      ) : (
        <>
          <dl class="facts">
            <div>
              <dt>Last sync</dt>
              <dd title={formatTime(finished)}>
                {sync.status === 'running' ? `running since ${ago(sync.started)}` : ago(finished)}
                {sync.mode && sync.mode !== 'full' && <span class="muted small"> ({sync.mode})</span>}
              </dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{formatTime(finished)}</dd>
            </div>
            <div>
              <dt>Took</dt>
              <dd>{duration(sync.started, sync.finished)}</dd>
            </div>
            <div>
              <dt>API calls</dt>
              <dd>
                {formatNumber(sync.apiCalls)}
                {sync.retries > 0 && ` (${sync.retries} retries)`}
                {sync.seen429 > 0 && `, ${sync.seen429}× 429`}
              </dd>
            </div>
          </dl>
          {sync.error && <p class="error-text">{sync.error}</p>}
          {kinds.length > 0 && (
            <ul class="chips" aria-label={`Assets of ${t.name} by kind`}>
              {kinds.map((c) => (
                <li key={c.kind}>
                  <a class="chip" href={links.directory(c.kind, { tenant: t.name })} style={{ '--kind': kindMeta(c.kind).color }}>
                    <KindDot kind={c.kind} />
                    {kindMeta(c.kind).plural} <b>{formatNumber(c.count)}</b>
                  </a>
                </li>
              ))}
            </ul>
          )}
          <IncompleteNote
            items={(t.incomplete ?? []).map((inc) => ({ tenant: '', inc }))}
            lead="Not collected in the last sync; answers that depend on it are incomplete:"
            testid="incomplete-note"
          />
          {rels.length > 0 && (
            <details class="relations">
              <summary>{rels.length} relation types written</summary>
              <table class="mini rel-counts">
                <tbody>
                  {rels.map((r) => (
                    <tr key={r.kind}>
                      <td>
                        <code>{r.kind}</code>
                      </td>
                      <td class="num">{formatNumber(r.count)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </>
      )}
    </article>
  );
}

export function OverviewPage() {
  const [tenant] = useTenant();
  const tenants = useAsync((s) => fetchTenants(s), []);
  const counts = useAsync((s) => fetchKindCounts(tenant, s), [tenant]);
  useEffect(() => {
    document.title = 'Overview · authgraph';
  }, []);

  const list = tenants.data ?? [];
  const sorted = [...list].sort((a, b) => (a.name === tenant ? -1 : b.name === tenant ? 1 : a.name.localeCompare(b.name)));

  return (
    <section class="page overview">
      <h1>Overview</h1>

      <section aria-labelledby="tenants-h" class="block">
        <h2 id="tenants-h">
          Connected tenants {tenants.status === 'ok' && <span class="count">{list.length}</span>}
        </h2>
        {tenants.status === 'loading' && !tenants.data && <Loading label="Loading tenants…" />}
        {tenants.status === 'error' && <ErrorBox error={tenants.error} retry={tenants.reload} />}
        {tenants.status === 'ok' && list.length === 0 && (
          <Empty title="No tenant has been synced yet.">
            Collect one with <code>authgraph sync --domain https://TENANT.auth0.com …</code> (or the simulator:{' '}
            <code>authgraph sim</code> then <code>authgraph sync --domain http://127.0.0.1:4010 --client-id sim-client --client-secret sim-secret</code>).
          </Empty>
        )}
        {list.length > 0 && (
          <div class="cards">
            {sorted.map((t) => (
              <TenantCard key={t.id} t={t} selected={t.name === tenant} />
            ))}
          </div>
        )}
      </section>

      <div class="two-col">
        <section aria-labelledby="kinds-h" class="block">
          <h2 id="kinds-h">Assets by kind {tenant ? <span class="scope">in {tenant}</span> : <span class="scope">in all tenants</span>}</h2>
          {counts.status === 'loading' && !counts.data && <Loading label="Counting assets…" />}
          {counts.status === 'error' && <ErrorBox error={counts.error} retry={counts.reload} />}
          {counts.data && (
            <table class="table kinds-table" data-testid="kind-counts">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col" class="num">
                    Assets
                  </th>
                </tr>
              </thead>
              <tbody>
                {counts.data.map((c) => (
                  <tr key={c.kind}>
                    <td>
                      <a href={links.directory(c.kind)} class="asset-link">
                        <KindDot kind={c.kind} />
                        {kindMeta(c.kind).plural}
                      </a>
                    </td>
                    <td class="num">{formatNumber(c.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <PostureBlock />
      </div>
    </section>
  );
}
