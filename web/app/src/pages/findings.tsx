// Findings: the findings page (filters in the URL, sortable, suppress and
// lift for analysts), the rules index, the findings of one asset (its detail
// page) and the posture of each tenant (the overview). The rule page, which
// draws a finding's graph, is pages/rule.tsx (loaded on demand).

import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { fetchMe, SIGNED_OUT } from '../api/auth';
import { describeError } from '../api/client';
import {
  fetchFindings, fetchRules, fetchSummaries, SEVERITIES, STATUSES, suppressFinding, unsuppressFinding,
  type Finding, type FindingFilter, type FindingOrderField, type FindingStatus, type FindingsSummary, type RuleResult, type Severity,
} from '../api/findings';
import { fetchTenants } from '../api/queries';
import type { Json, JsonObject } from '../api/types';
import { AssetLink, KindDot } from '../components/asset';
import { Empty, ErrorBox, Loading } from '../components/state';
import { ago, formatNumber, formatTime } from '../format';
import { useAsync, useTenant } from '../hooks';
import { kindMeta } from '../kinds';
import { href, navigate, type Route } from '../router';
import './findings.css';

export const findingLinks = {
  findings: (params?: Record<string, string | null | undefined>) => href(['findings'], params),
  rules: () => href(['rules']),
  rule: (id: string, params?: Record<string, string | null | undefined>) => href(['rule', id], params),
};

const SEV_LABEL: Record<Severity, string> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low', INFO: 'info' };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span class={`sev sev-${severity.toLowerCase()}`} data-severity={severity}>
      {SEV_LABEL[severity] ?? severity.toLowerCase()}
    </span>
  );
}

export function FindingStatusPill({ f }: { f: Pick<Finding, 'status' | 'suppression'> }) {
  const until = f.suppression?.until;
  const title = f.suppression
    ? `Suppressed by ${f.suppression.by} ${ago(f.suppression.at)}: ${f.suppression.reason}${until ? ` (until ${formatTime(until)})` : ''}`
    : undefined;
  return (
    <span class={`pill finding-${f.status.toLowerCase()}`} title={title} data-testid="finding-status">
      {f.status.toLowerCase()}
    </span>
  );
}

/** Whether the signed-in caller may suppress findings (analyst or admin). Asked once. */
let mePromise: Promise<boolean> | null = null;
window.addEventListener(SIGNED_OUT, () => {
  mePromise = null;
});
function useCanAct(): boolean {
  const [can, setCan] = useState(false);
  useEffect(() => {
    mePromise ??= fetchMe().then(
      (me) => !!me && (me.role === 'analyst' || me.role === 'admin'),
      () => false,
    );
    let live = true;
    void mePromise.then((v) => live && setCan(v));
    return () => {
      live = false;
    };
  }, []);
  return can;
}

function evidenceText(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : '[]';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function Evidence({ evidence }: { evidence: JsonObject }) {
  const keys = Object.keys(evidence ?? {}).sort();
  if (!keys.length) return <span class="muted">—</span>;
  return (
    <dl class="evidence">
      {keys.map((k) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{evidenceText(evidence[k])}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The end of a chosen day (UTC), as the API's Time. */
function endOfDay(date: string): string {
  return `${date}T23:59:59Z`;
}

function SuppressForm({ f, onDone, onCancel }: { f: Finding; onDone: (f: Finding) => void; onCancel: () => void }) {
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const today = new Date().toISOString().slice(0, 10);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) return;
    setBusy(true);
    setErr(null);
    suppressFinding(f.id, reason.trim(), until ? endOfDay(until) : null).then(onDone, (x: unknown) => {
      setErr(x);
      setBusy(false);
    });
  };
  return (
    <form class="suppress-form" onSubmit={submit} data-testid="suppress-form">
      <label class="field">
        <span>Reason (required: why the risk is accepted)</span>
        <input
          type="text"
          required
          maxLength={500}
          value={reason}
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          data-testid="suppress-reason"
          autoFocus
        />
      </label>
      <label class="field">
        <span>Until (optional; it reopens then)</span>
        <input type="date" min={today} value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} data-testid="suppress-until" />
      </label>
      <div class="btn-group">
        <button type="submit" class="btn btn-primary btn-small" disabled={busy || !reason.trim()} data-testid="suppress-submit">
          {busy ? 'Suppressing…' : 'Suppress'}
        </button>
        <button type="button" class="btn btn-small" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      {err != null && <p class="error-text" role="alert">{describeError(err).detail}</p>}
    </form>
  );
}

type SortKey = 'severity' | 'rule' | 'asset' | 'tenant' | 'status' | 'firstSeen' | 'lastSeen';
const SORTS: { key: SortKey; label: string }[] = [
  { key: 'severity', label: 'Severity' },
  { key: 'rule', label: 'Rule' },
  { key: 'asset', label: 'Asset' },
  { key: 'tenant', label: 'Tenant' },
  { key: 'status', label: 'Status' },
  { key: 'firstSeen', label: 'First seen' },
  { key: 'lastSeen', label: 'Last seen' },
];

const ORDER_FIELD: Record<SortKey, FindingOrderField> = {
  severity: 'SEVERITY',
  rule: 'RULE',
  asset: 'ASSET',
  tenant: 'TENANT',
  status: 'STATUS',
  firstSeen: 'FIRST_SEEN',
  lastSeen: 'LAST_SEEN',
};

export interface TableProps {
  rows: Finding[];
  /** Columns left out (one rule's page has no rule column). */
  hide?: SortKey[];
  /** The order the rows come in (the server sorts); onSort asks for another. */
  sort?: { key: SortKey; desc: boolean };
  onSort?: (key: SortKey) => void;
  /** Called after a suppression changed, to reload. */
  onChanged?: (f: Finding) => void;
  /** The rule page marks the finding whose graph it draws. */
  selected?: string | null;
  onSelect?: (f: Finding) => void;
  testid?: string;
}

/** Findings as a table; analysts get Suppress / Lift on each row. */
export function FindingsTable({ rows, hide = [], sort, onSort, onChanged, selected, onSelect, testid = 'findings-table' }: TableProps) {
  const canAct = useCanAct();
  const [open, setOpen] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [err, setErr] = useState<{ id: string; e: unknown } | null>(null);
  const cols = SORTS.filter((c) => !hide.includes(c.key));

  const lift = (f: Finding) => {
    setBusy(f.id);
    setErr(null);
    unsuppressFinding(f.id).then(
      (nf) => {
        setBusy(null);
        onChanged?.(nf);
      },
      (e: unknown) => {
        setBusy(null);
        setErr({ id: f.id, e });
      },
    );
  };

  const head = (key: SortKey, label: string) => {
    const on = sort?.key === key;
    return (
      <th key={key} scope="col" aria-sort={on ? (sort?.desc ? 'descending' : 'ascending') : undefined}>
        {onSort ? (
          <button type="button" class="sort-btn" onClick={() => onSort(key)} data-sort={key}>
            {label}
            <span class="sort-ind" aria-hidden="true">
              {on ? (sort?.desc ? '▼' : '▲') : '↕'}
            </span>
          </button>
        ) : (
          label
        )}
      </th>
    );
  };

  return (
    <div class="table-wrap">
      <table class="table findings-table" data-testid={testid}>
        <thead>
          <tr>
            {cols.map((c) => head(c.key, c.label))}
            <th scope="col">Evidence</th>
            {(canAct || onSelect) && <th scope="col"><span class="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((f) => (
            <Fragment key={f.id}>
              <tr
                data-testid="finding-row"
                data-finding={f.id}
                data-rule={f.ruleId}
                data-status={f.status}
                class={selected === f.id ? 'selected-row' : ''}
              >
                {cols.map((c) => {
                  switch (c.key) {
                    case 'severity':
                      return (
                        <td key="sev">
                          <SeverityBadge severity={f.severity} />
                        </td>
                      );
                    case 'rule':
                      return (
                        <td key="rule">
                          <a href={findingLinks.rule(f.ruleId, { finding: f.id })} title={f.ruleId}>
                            {f.title}
                          </a>
                        </td>
                      );
                    case 'asset':
                      return (
                        <td key="asset">
                          {f.asset ? (
                            <AssetLink asset={{ id: f.assetId, kind: f.kind, name: f.name || f.nativeId }} />
                          ) : (
                            <span class="asset-link gone" title="The asset no longer exists">
                              <KindDot kind={f.kind} />
                              <span class="asset-name">{f.name || f.nativeId}</span>
                            </span>
                          )}
                          <div class="muted small">{kindMeta(f.kind).label}</div>
                        </td>
                      );
                    case 'tenant':
                      return <td key="tenant">{f.tenant}</td>;
                    case 'status':
                      return (
                        <td key="status">
                          <FindingStatusPill f={f} />
                          {f.suppression && (
                            <div class="muted small suppression-note">
                              {f.suppression.reason}
                              {f.suppression.until ? ` · until ${formatTime(f.suppression.until)}` : ''} · {f.suppression.by}
                            </div>
                          )}
                        </td>
                      );
                    case 'firstSeen':
                      return (
                        <td key="first" class="date" title={formatTime(f.firstSeen)}>
                          {ago(f.firstSeen)}
                        </td>
                      );
                    case 'lastSeen':
                      return (
                        <td key="last" class="date" title={formatTime(f.lastSeen)}>
                          {ago(f.lastSeen)}
                        </td>
                      );
                  }
                })}
                <td class="evidence-cell">
                  <Evidence evidence={f.evidence} />
                </td>
                {(canAct || onSelect) && (
                  <td class="row-actions">
                    {onSelect && (
                      <button
                        type="button"
                        class="btn btn-tiny"
                        aria-pressed={selected === f.id}
                        onClick={() => onSelect(f)}
                        data-testid="show-graph"
                      >
                        Graph
                      </button>
                    )}
                    {canAct && f.status === 'OPEN' && (
                      <button type="button" class="btn btn-tiny" onClick={() => setOpen(open === f.id ? null : f.id)} data-testid="suppress">
                        Suppress…
                      </button>
                    )}
                    {canAct && f.status === 'SUPPRESSED' && (
                      <button type="button" class="btn btn-tiny" disabled={busy === f.id} onClick={() => lift(f)} data-testid="unsuppress">
                        {busy === f.id ? 'Lifting…' : 'Lift suppression'}
                      </button>
                    )}
                    {err?.id === f.id && <div class="error-text small">{describeError(err.e).detail}</div>}
                  </td>
                )}
              </tr>
              {open === f.id && (
                <tr class="form-row">
                  <td colSpan={cols.length + 2}>
                    <SuppressForm
                      f={f}
                      onCancel={() => setOpen(null)}
                      onDone={(nf) => {
                        setOpen(null);
                        onChanged?.(nf);
                      }}
                    />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function splitList<T extends string>(v: string | null, allowed: readonly T[]): T[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is T => (allowed as readonly string[]).includes(s));
}

function Toggles<T extends string>({
  label, all, on, set, render,
}: { label: string; all: readonly T[]; on: T[]; set: (v: T[]) => void; render: (v: T) => preact.ComponentChildren }) {
  return (
    <fieldset class="field toggles" data-filter={label.toLowerCase()}>
      <legend>{label}</legend>
      <div class="btn-group">
        {all.map((v) => {
          const pressed = on.includes(v);
          return (
            <button
              key={v}
              type="button"
              class={'toggle' + (pressed ? ' on' : '')}
              aria-pressed={pressed}
              data-value={v}
              onClick={() => set(pressed ? on.filter((x) => x !== v) : [...on, v])}
            >
              {render(v)}
            </button>
          );
        })}
      </div>
    </fieldset>
  );
}

const PAGE = 100;

export function FindingsPage({ route }: { route: Route }) {
  const params = route.params;
  const [scope] = useTenant();
  const tenant = params.has('tenant') ? params.get('tenant') ?? '' : scope;
  const severity = splitList(params.get('severity'), SEVERITIES);
  // No status in the URL: the open ones; "status=" (empty): every status.
  const status = params.has('status') ? splitList(params.get('status'), STATUSES) : (['OPEN'] as FindingStatus[]);
  const rule = params.get('rule') ?? '';
  const kind = params.get('kind') ?? '';
  const sortKey = (SORTS.find((s) => s.key === params.get('sort'))?.key ?? 'severity') as SortKey;
  const desc = params.get('dir') === 'desc';
  const filter: FindingFilter = { tenant, severity, status, rule, kind };
  const order = { field: ORDER_FIELD[sortKey], direction: desc ? 'DESC' : 'ASC' } as const;
  const key = JSON.stringify([filter, order]);
  useEffect(() => {
    document.title = 'Findings · authgraph';
  }, []);

  // The first page follows the filters and the order; "Load more" appends the next ones.
  const list = useAsync((s) => fetchFindings(filter, PAGE, null, s, order), [key]);
  const [more, setMore] = useState<{ nodes: Finding[]; end: string | null; hasNext: boolean } | null>(null);
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreErr, setMoreErr] = useState<unknown>(null);
  useEffect(() => {
    setMore(null);
    setMoreErr(null);
  }, [list.data]);
  const loadMore = () => {
    const after = more ? more.end : list.data?.pageInfo.endCursor ?? null;
    setMoreBusy(true);
    fetchFindings(filter, PAGE, after, undefined, order).then(
      (pg) => {
        setMore((m) => ({ nodes: [...(m?.nodes ?? []), ...pg.nodes], end: pg.pageInfo.endCursor, hasNext: pg.pageInfo.hasNextPage }));
        setMoreBusy(false);
      },
      (e: unknown) => {
        setMoreErr(e);
        setMoreBusy(false);
      },
    );
  };
  const tenants = useAsync((s) => fetchTenants(s), []);
  const rules = useAsync((s) => fetchRules(s), []);

  // Empty values stay in the URL: "tenant=" is every tenant (not the scope), "status=" every status.
  const go = (p: URLSearchParams) => {
    const q = p.toString();
    navigate(href(['findings']) + (q ? '?' + q : ''), true);
  };
  const set = (k: string, v: string | null) => {
    const p = new URLSearchParams(params);
    if (v === null) p.delete(k);
    else p.set(k, v);
    go(p);
  };
  const sortBy = (k: SortKey) => {
    const p = new URLSearchParams(params);
    p.set('sort', k);
    p.set('dir', k === sortKey && !desc ? 'desc' : 'asc');
    go(p);
  };

  const data = list.data;
  const shownRows = data ? [...data.nodes, ...(more?.nodes ?? [])] : [];
  const hasNext = more ? more.hasNext : !!data?.pageInfo.hasNextPage;
  const ruleTitle = rules.data?.find((r) => r.id === rule)?.title;
  const tenantNames = tenants.data?.map((t) => t.name) ?? [];
  if (tenant && !tenantNames.includes(tenant)) tenantNames.push(tenant);
  const ruleOptions = [...(rules.data ?? [])].sort((a, b) => a.title.localeCompare(b.title));

  return (
    <section class="page findings-page" data-testid="findings-page" data-state={list.status} data-query={key}>
      <h1>
        Findings
        {tenant && <span class="scope"> in {tenant}</span>}
        {ruleTitle && <span class="scope"> · {ruleTitle}</span>}
      </h1>
      <p class="muted lead">
        What the security rules found, most severe first. See every rule and its pass ratio on the{' '}
        <a href={findingLinks.rules()}>rules page</a>.
      </p>
      <div class="filters findings-filters" role="group" aria-label="Filter findings">
        <label class="field">
          <span>Tenant</span>
          <select value={tenant} onChange={(e) => set('tenant', (e.target as HTMLSelectElement).value)} data-filter="tenant">
            <option value="">All tenants</option>
            {tenantNames.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Rule</span>
          <select value={rule} onChange={(e) => set('rule', (e.target as HTMLSelectElement).value || null)} data-filter="rule">
            <option value="">Any rule</option>
            {ruleOptions.map((r) => (
              <option key={r.id} value={r.id}>
                {r.title}
              </option>
            ))}
            {rule && !ruleOptions.some((r) => r.id === rule) && <option value={rule}>{rule}</option>}
          </select>
        </label>
        <Toggles
          label="Severity"
          all={SEVERITIES}
          on={severity}
          set={(v) => set('severity', v.length ? v.join(',') : null)}
          render={(v) => <SeverityBadge severity={v} />}
        />
        <Toggles
          label="Status"
          all={STATUSES}
          on={status}
          set={(v) => set('status', v.join(','))}
          render={(v) => v.toLowerCase()}
        />
        {kind && (
          <span class="chip">
            {kindMeta(kind).plural}
            <button type="button" class="chip-x" aria-label="Any kind" onClick={() => set('kind', null)}>
              ×
            </button>
          </span>
        )}
      </div>

      <div class="table-meta" aria-live="polite">
        {data && (
          <span data-testid="findings-count">
            {data.totalCount === 0
              ? 'No findings'
              : `${formatNumber(shownRows.length)} of ${formatNumber(data.totalCount)} finding${data.totalCount === 1 ? '' : 's'}`}
          </span>
        )}
        {list.status === 'loading' && data && <span class="spinner small" role="status" aria-label="Loading" />}
      </div>
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {list.status === 'loading' && !data && <Loading label="Loading findings…" />}
      {data && data.nodes.length === 0 && list.status !== 'error' && (
        <Empty title="No findings match these filters.">
          Rules run after every sync; <code>authgraph rules run</code> runs them now.
        </Empty>
      )}
      {data && data.nodes.length > 0 && (
        <FindingsTable
          rows={shownRows}
          hide={tenant ? ['tenant'] : []}
          sort={{ key: sortKey, desc }}
          onSort={sortBy}
          onChanged={() => list.reload()}
        />
      )}
      {data && hasNext && (
        <div class="pager">
          <button type="button" class="btn" disabled={list.status === 'loading' || moreBusy} onClick={loadMore} data-testid="load-more">
            {moreBusy ? 'Loading…' : `Load ${PAGE} more`}
          </button>
          {moreErr != null && <ErrorBox error={moreErr} retry={loadMore} compact />}
        </div>
      )}
    </section>
  );
}

function passPct(r: { evaluated: number; failing: number }): string {
  if (!r.evaluated) return '—';
  return `${Math.round(((r.evaluated - r.failing) / r.evaluated) * 100)} %`;
}

/** Sums a rule's results over tenants (or keeps the one tenant's). */
export function sumResults(results: RuleResult[], tenant: string): { evaluated: number; failing: number; suppressed: number; error: string | null } {
  const rs = tenant ? results.filter((r) => r.tenant === tenant) : results;
  return rs.reduce(
    (a, r) => ({ evaluated: a.evaluated + r.evaluated, failing: a.failing + r.failing, suppressed: a.suppressed + r.suppressed, error: a.error ?? r.error }),
    { evaluated: 0, failing: 0, suppressed: 0, error: null as string | null },
  );
}

export function RulesPage() {
  const [tenant] = useTenant();
  const rules = useAsync((s) => fetchRules(s), []);
  useEffect(() => {
    document.title = 'Rules · authgraph';
  }, []);
  const rows = useMemo(
    () =>
      [...(rules.data ?? [])]
        .map((r) => ({ r, s: sumResults(r.results, tenant) }))
        .sort((a, b) => b.s.failing - a.s.failing || SEVERITIES.indexOf(a.r.severity) - SEVERITIES.indexOf(b.r.severity) || a.r.id.localeCompare(b.r.id)),
    [rules.data, tenant],
  );
  return (
    <section class="page rules-page">
      <h1>
        Rules {rules.data && <span class="count">{rules.data.length}</span>}
        {tenant && <span class="scope"> in {tenant}</span>}
      </h1>
      {rules.status === 'loading' && !rules.data && <Loading label="Loading rules…" />}
      {rules.status === 'error' && <ErrorBox error={rules.error} retry={rules.reload} />}
      {rules.data && (
        <div class="table-wrap">
          <table class="table" data-testid="rules-table">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Rule</th>
                <th scope="col">Category</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">Failing</th>
                <th scope="col" class="num">Evaluated</th>
                <th scope="col" class="num">Pass ratio</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ r, s }) => (
                <tr key={r.id} data-rule={r.id}>
                  <td>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td>
                    <a href={findingLinks.rule(r.id)}>{r.title}</a>
                    <div class="muted small">
                      <code>{r.id}</code>
                      {!r.builtin && ' · custom'}
                    </div>
                  </td>
                  <td>{r.category}</td>
                  <td>
                    <KindDot kind={r.kind} /> {kindMeta(r.kind).plural}
                  </td>
                  <td class="num">
                    {s.failing > 0 ? <a href={findingLinks.findings({ rule: r.id, tenant: tenant || null })}>{formatNumber(s.failing)}</a> : '0'}
                  </td>
                  <td class="num">{formatNumber(s.evaluated)}</td>
                  <td class="num" title={s.error ?? undefined}>
                    {s.error ? <span class="error-text">failed</span> : passPct(s)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The findings on one asset (its detail page). */
export function AssetFindings({ assetId }: { assetId: string }) {
  const list = useAsync((s) => fetchFindings({ assetId, status: [] }, 100, null, s), [assetId]);
  const rows = list.data?.nodes ?? [];
  const open = rows.filter((f) => f.status === 'OPEN').length;
  return (
    <section class="block" aria-label="Findings" data-section="findings" data-testid="asset-findings">
      <h2>
        Findings <span class="count">{open}</span>
        {rows.length > open && <span class="scope"> open, {rows.length - open} suppressed or resolved</span>}
      </h2>
      {list.status === 'loading' && !list.data && <Loading label="Loading findings…" />}
      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} compact />}
      {list.data && rows.length === 0 && <p class="muted">No rule has flagged this asset.</p>}
      {rows.length > 0 && <FindingsTable rows={rows} hide={['asset', 'tenant', 'firstSeen']} onChanged={() => list.reload()} testid="asset-findings-table" />}
    </section>
  );
}

function count(s: FindingsSummary, sev: Severity, st: FindingStatus): number {
  return s.counts.find((c) => c.severity === sev && c.status === st)?.count ?? 0;
}

function scoreClass(score: number): string {
  return score >= 90 ? 'good' : score >= 70 ? 'fair' : 'poor';
}

/** The overview's posture: each tenant's score and open findings by severity, and the most severe open ones. */
export function PostureBlock() {
  const [tenant] = useTenant();
  const tenants = useAsync((s) => fetchTenants(s), []);
  const names = (tenants.data ?? []).map((t) => t.name).filter((n) => !tenant || n === tenant);
  const sums = useAsync((s) => fetchSummaries(names, s), [names.join('\n')]);
  const top = useAsync((s) => fetchFindings({ tenant, status: ['OPEN'] }, 5, null, s), [tenant]);
  return (
    <section aria-labelledby="risks-h" class="block" data-testid="posture">
      <h2 id="risks-h">
        Posture <a class="scope" href={findingLinks.rules()}>rules →</a>
      </h2>
      {(sums.status === 'loading' && !sums.data) || (tenants.status === 'loading' && !tenants.data) ? <Loading label="Scoring…" /> : null}
      {sums.status === 'error' && <ErrorBox error={sums.error} retry={sums.reload} compact />}
      {sums.data && sums.data.length === 0 && tenants.status === 'ok' && <p class="muted">No tenant synced yet.</p>}
      {sums.data && sums.data.length > 0 && (
        <ul class="posture-list">
          {sums.data.map((s) => (
            <li key={s.tenant} data-testid="posture-tenant" data-tenant={s.tenant}>
              <span class={`score score-${scoreClass(s.score)}`} data-testid="posture-score" title="Passing / evaluated over every rule">
                {s.score.toFixed(0)}
                <small>%</small>
              </span>
              <div class="posture-body">
                <strong>{s.tenant}</strong>
                <div class="sev-counts">
                  {SEVERITIES.map((sev) => {
                    const n = count(s, sev, 'OPEN');
                    return n > 0 ? (
                      <a key={sev} class="chip" href={findingLinks.findings({ tenant: s.tenant, severity: sev })}>
                        <SeverityBadge severity={sev} /> <b>{formatNumber(n)}</b>
                      </a>
                    ) : null;
                  })}
                  {s.open === 0 && <span class="muted">no open findings</span>}
                </div>
                <div class="muted small">
                  <a href={findingLinks.findings({ tenant: s.tenant })}>{formatNumber(s.open)} open</a> · {formatNumber(s.suppressed)} suppressed ·{' '}
                  {formatNumber(s.resolved)} resolved
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      {top.data && top.data.nodes.length > 0 && (
        <>
          <h3 class="sub-h">Most severe open findings</h3>
          <ul class="top-findings">
            {top.data.nodes.map((f) => (
              <li key={f.id}>
                <SeverityBadge severity={f.severity} /> <a href={findingLinks.rule(f.ruleId, { finding: f.id })}>{f.title}</a>
                <span class="muted"> · {f.name || f.nativeId}{!tenant && ` · ${f.tenant}`}</span>
              </li>
            ))}
          </ul>
          <a class="btn btn-small" href={findingLinks.findings({ tenant: tenant || null })}>
            All findings →
          </a>
        </>
      )}
    </section>
  );
}

/** For the rule page: pass ratio text. */
export { passPct };
