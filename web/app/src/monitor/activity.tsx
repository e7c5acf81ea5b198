// A tenant's activity feed: its changes, syncs and findings opened or
// resolved, newest first, refreshed while open.

import { useEffect, useState } from 'preact/hooks';
import { AssetLink, KindBadge } from '../components/asset';
import { Empty, ErrorBox, Loading } from '../components/state';
import { ago, formatNumber, formatTime } from '../format';
import { useAsync, useTenant } from '../hooks';
import { fetchTenants } from '../api/queries';
import { href, navigate, type Route } from '../router';
import { fetchActivity, type Change, type FindingRow, type SyncRow } from './api';
import { ChangeEntry } from './timeline';

export const activityLink = (tenant?: string) => href(tenant ? ['activity', tenant] : ['activity']);

type Item =
  | { type: 'change'; at: string; change: Change }
  | { type: 'sync'; at: string; sync: SyncRow }
  | { type: 'finding'; at: string; finding: FindingRow; what: 'opened' | 'resolved' }
  | { type: 'findings'; at: string; findings: FindingRow[]; what: 'opened' | 'resolved' };

const FILTERS = [
  { id: 'all', label: 'All' },
  { id: 'change', label: 'Changes' },
  { id: 'sync', label: 'Syncs' },
  { id: 'finding', label: 'Findings' },
] as const;

function items(d: { changes: Change[]; syncs: SyncRow[]; findings: FindingRow[] }): Item[] {
  const out: Item[] = [];
  for (const c of d.changes) out.push({ type: 'change', at: c.at, change: c });
  for (const s of d.syncs) if (s.started) out.push({ type: 'sync', at: s.finished ?? s.started, sync: s });
  for (const f of d.findings) {
    out.push({ type: 'finding', at: f.firstSeen, finding: f, what: 'opened' });
    if (f.resolvedAt) out.push({ type: 'finding', at: f.resolvedAt, finding: f, what: 'resolved' });
  }
  out.sort((a, b) => new Date(b.at).getTime() - new Date(a.at).getTime());
  return groupFindings(out);
}

/**
 * Findings a rules run opened (or resolved) together, e.g. every finding of
 * a first collection, become one entry that lists them: more than 3 in a
 * row within a minute.
 */
function groupFindings(list: Item[]): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < list.length; ) {
    const a = list[i];
    let j = i + 1;
    if (a.type === 'finding') {
      const t = new Date(a.at).getTime();
      while (j < list.length) {
        const b = list[j];
        if (b.type !== 'finding' || b.what !== a.what || t - new Date(b.at).getTime() > 60_000) break;
        j++;
      }
    }
    if (a.type === 'finding' && j - i > 3) {
      out.push({ type: 'findings', at: a.at, what: a.what, findings: list.slice(i, j).map((x) => (x as { finding: FindingRow }).finding) });
    } else {
      out.push(...list.slice(i, j));
    }
    i = j;
  }
  return out;
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];

function FindingGroup({ fs, what, at }: { fs: FindingRow[]; what: 'opened' | 'resolved'; at: string }) {
  const bySev = SEVERITIES.map((s) => [s, fs.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  return (
    <li class="timeline-entry" data-testid="finding-entry" data-what={what}>
      <div class="timeline-head">
        <span class={`pill finding-${what}`}>{fs.length} findings {what}</span>
        {bySev.map(([s, n]) => (
          <span key={s} class={`sev sev-${s.toLowerCase()}`}>
            {n} {s.toLowerCase()}
          </span>
        ))}
        <time datetime={at} class="muted small" title={formatTime(at)}>
          {ago(at)}
        </time>
      </div>
      <details>
        <summary class="small">Show them</summary>
        <ul class="ref-list">
          {fs.map((f) => (
            <li key={f.id} class="small">
              <span class={`sev sev-${f.severity.toLowerCase()}`}>{f.severity.toLowerCase()}</span> {f.title}: <AssetLink asset={{ id: f.assetId, name: f.name, kind: f.kind }} />
            </li>
          ))}
        </ul>
      </details>
    </li>
  );
}

const MODE_TITLES: Record<string, string> = {
  full: 'a full collection of the tenant',
  incremental: "a pass over the tenant's log: only what changed was read again",
  reconcile: 'a full collection counting what the incremental passes missed (drift)',
  stream: 'events pushed by log or event streams, applied as they came (one record per hour)',
};

function SyncEntry({ s }: { s: SyncRow }) {
  const took = s.started && s.finished ? (new Date(s.finished).getTime() - new Date(s.started).getTime()) / 1000 : null;
  return (
    <li class="timeline-entry" data-testid="sync-entry" data-status={s.status} data-mode={s.mode}>
      <div class="timeline-head">
        <span class={`pill pill-${s.status}`}>sync {s.status}</span>
        <span class={`pill mode-badge mode-${s.mode}`} data-testid="sync-mode" title={MODE_TITLES[s.mode] ?? s.mode}>
          {s.mode}
        </span>
        <time datetime={s.finished ?? s.started ?? ''} title={formatTime(s.finished ?? s.started)} class="muted small">
          {s.status === 'running' ? `running since ${ago(s.started)}` : ago(s.finished ?? s.started)}
        </time>
        <span class="small muted">
          {took !== null && `${took.toFixed(1)} s, `}
          {formatNumber(s.apiCalls)} API calls{s.retries > 0 && `, ${s.retries} retries`}
          {s.seen429 > 0 && `, ${s.seen429}× 429`}
          {s.mode === 'stream' && `, ${formatNumber(s.applies)} pushed ${s.applies === 1 ? 'batch' : 'batches'}`}
          {(s.mode === 'incremental' || s.mode === 'stream') && `, ${formatNumber(s.touched)} touched`}
          {s.mode === 'incremental' && `, ${formatNumber(s.logEvents)} log events`}
          {s.drift !== null && (
            <span class={s.drift > 0 ? 'error-text' : undefined} data-testid="sync-drift">
              , drift {formatNumber(s.drift)}
            </span>
          )}
        </span>
      </div>
      {s.reason && <p class="small muted" data-testid="sync-reason">{s.reason}</p>}
      {s.error && <p class="error-text small">{s.error}</p>}
    </li>
  );
}

function FindingEntry({ f, what }: { f: FindingRow; what: 'opened' | 'resolved' }) {
  return (
    <li class="timeline-entry" data-testid="finding-entry" data-what={what}>
      <div class="timeline-head">
        <span class={`pill finding-${what}`}>finding {what}</span>
        <span class={`sev sev-${f.severity.toLowerCase()}`}>{f.severity.toLowerCase()}</span>
        <b>{f.title}</b>
        <time datetime={what === 'opened' ? f.firstSeen : f.resolvedAt ?? ''} class="muted small" title={formatTime(what === 'opened' ? f.firstSeen : f.resolvedAt)}>
          {ago(what === 'opened' ? f.firstSeen : f.resolvedAt)}
        </time>
      </div>
      <div class="small">
        <KindBadge kind={f.kind} /> <AssetLink asset={{ id: f.assetId, name: f.name }} /> <code class="muted">{f.ruleId}</code>
      </div>
    </li>
  );
}

export function ActivityPage({ route }: { route: Route }) {
  const [scoped] = useTenant();
  const tenant = route.segments[1] ?? scoped;
  const filter = route.params.get('show') ?? 'all';
  const tenants = useAsync((s) => fetchTenants(s), []);
  const res = useAsync((s) => (tenant ? fetchActivity(tenant, s) : Promise.resolve(null)), [tenant]);
  const [, tick] = useState(0);
  // Refresh every 10 s while open (a sync may land), and the "ago" labels.
  useEffect(() => {
    const t = setInterval(() => {
      res.reload();
      tick((n) => n + 1);
    }, 10_000);
    return () => clearInterval(t);
  }, [tenant]);

  const all = res.data ? items(res.data) : [];
  const kindOf = (i: Item) => (i.type === 'findings' ? 'finding' : i.type);
  const count = (i: Item) => (i.type === 'findings' ? i.findings.length : 1);
  const shown = all.filter((i) => filter === 'all' || kindOf(i) === filter);
  return (
    <section class="page activity" data-testid="activity-page">
      <header class="detail-head">
        <div>
          <h1>Activity{tenant && <> of {tenant}</>}</h1>
          <p class="muted">Changes each sync saw, the syncs themselves, and findings opened or resolved.</p>
        </div>
        <label class="field inline">
          <span>Tenant</span>
          <select
            value={tenant}
            data-testid="activity-tenant"
            onChange={(e) => navigate(activityLink((e.target as HTMLSelectElement).value))}
          >
            <option value="">Choose a tenant…</option>
            {(tenants.data ?? []).map((t) => (
              <option key={t.id} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {!tenant ? (
        <Empty title="Choose a tenant">Its activity shows here.</Empty>
      ) : (
        <>
          <nav class="kind-tabs" aria-label="Show">
            {FILTERS.map((f) => (
              <a
                key={f.id}
                href={href(['activity', tenant], { show: f.id === 'all' ? null : f.id })}
                aria-current={filter === f.id ? 'page' : undefined}
              >
                {f.label} {res.data && <span class="count">{all.filter((i) => f.id === 'all' || kindOf(i) === f.id).reduce((n, i) => n + count(i), 0)}</span>}
              </a>
            ))}
          </nav>
          {res.status === 'error' && <ErrorBox error={res.error} retry={res.reload} />}
          {!res.data && res.status === 'loading' && <Loading label="Loading the activity…" />}
          {res.data && shown.length === 0 && <Empty title="Nothing yet">No {filter === 'all' ? 'activity' : FILTERS.find((f) => f.id === filter)?.label.toLowerCase()} recorded for {tenant}.</Empty>}
          {shown.length > 0 && (
            <ol class="timeline" data-testid="activity-feed">
              {shown.map((i) =>
                i.type === 'change' ? (
                  <ChangeEntry key={'c' + i.change.id} change={i.change} showAsset />
                ) : i.type === 'sync' ? (
                  <SyncEntry key={'s' + i.sync.id} s={i.sync} />
                ) : i.type === 'findings' ? (
                  <FindingGroup key={'g' + i.what + i.findings[0].id} fs={i.findings} what={i.what} at={i.at} />
                ) : (
                  <FindingEntry key={'f' + i.what + i.finding.id} f={i.finding} what={i.what} />
                ),
              )}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
