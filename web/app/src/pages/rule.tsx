// A rule: what it checks and how to fix it, its pass ratio per tenant, its
// findings, and the graph of one finding (the rule's graph query) drawn by
// the graph view's canvas. Loaded on demand (sigma).

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { fetchFindingGraph, fetchFindings, fetchRule, type Finding, type FindingStatus } from '../api/findings';
import type { Subgraph } from '../api/types';
import { KindDot } from '../components/asset';
import { Empty, ErrorBox, Loading } from '../components/state';
import { ago, formatNumber, formatTime } from '../format';
import { Legend, NodeDetails, stageKeys, useGraphCanvas, ViewButtons } from '../graph/parts';
import { useAsync, useTenant } from '../hooks';
import { kindMeta } from '../kinds';
import { href, links, navigate, type Route } from '../router';
import { Evidence, FindingsTable, FindingStatusPill, findingLinks, passPct, SeverityBadge } from './findings';

function FindingGraph({ g, center }: { g: Subgraph; center: string }) {
  const [selected, setSelected] = useState<string | null>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const { container, canvas, version, failed } = useGraphCanvas({
    onClickNode: (id) => {
      setSelected(id);
      canvas?.select(id);
    },
    onHoverNode: setHovered,
    onClickStage: () => {
      setSelected(null);
      canvas?.select(null);
    },
  });
  useEffect(() => {
    if (!canvas) return;
    canvas.clear();
    canvas.merge(g);
    canvas.runLayout(1500);
    if (canvas.graph.hasNode(center)) canvas.select(center);
    setTimeout(() => canvas.fit(), 50);
  }, [canvas, g]);
  useEffect(() => canvas?.setHiddenKinds(hidden), [canvas, hidden]);
  if (failed) return <ErrorBox error={failed} compact />;
  const shown = hovered ?? selected;
  const attrs = canvas && shown && canvas.graph.hasNode(shown) ? canvas.graph.getNodeAttributes(shown) : null;
  return (
    <div class="result-graph finding-graph">
      <div class="graph-toolbar">
        <ViewButtons canvas={canvas} fileName="authgraph-finding" />
        <span class="muted">
          {formatNumber(g.nodes.length)} nodes · {formatNumber(g.edges.length)} relationships{g.truncated && ' (truncated)'}
        </span>
        <a class="btn btn-small" href={links.graph(center)}>
          Open in graph view
        </a>
      </div>
      <div class="graph-body">
        <div
          class="graph-stage"
          ref={container}
          tabIndex={0}
          role="application"
          aria-label="The finding's graph. Arrow keys pan, plus and minus zoom, 0 fits."
          data-testid="finding-graph"
          data-nodes={canvas?.graph.order ?? 0}
          onKeyDown={stageKeys(canvas, () => {
            setSelected(null);
            canvas?.select(null);
          })}
        />
        <aside class="graph-side">
          <Legend
            canvas={canvas}
            version={version}
            hidden={hidden}
            onToggle={(k) =>
              setHidden((h) => {
                const n = new Set(h);
                if (n.has(k)) n.delete(k);
                else n.add(k);
                return n;
              })
            }
          />
          {attrs && shown ? (
            <NodeDetails id={shown} attrs={attrs} pinned={shown === selected} />
          ) : (
            <p class="muted">Hover or click a node for its details.</p>
          )}
        </aside>
      </div>
    </div>
  );
}

function FindingPanel({ id }: { id: string }) {
  const res = useAsync((s) => fetchFindingGraph(id, s), [id]);
  if (res.status === 'loading' && !res.data) return <Loading label="Loading the finding's graph…" />;
  if (res.status === 'error') return <ErrorBox error={res.error} retry={res.reload} compact />;
  const f = res.data;
  if (!f) return <Empty title="This finding no longer exists." />;
  return (
    <div data-testid="finding-panel" data-finding={f.id}>
      <dl class="facts">
        <div>
          <dt>Asset</dt>
          <dd>
            {f.asset ? <a href={links.asset(f.assetId)}>{f.name || f.nativeId}</a> : `${f.name || f.nativeId} (deleted)`}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <FindingStatusPill f={f} />
          </dd>
        </div>
        <div>
          <dt>First seen</dt>
          <dd title={formatTime(f.firstSeen)}>{ago(f.firstSeen)}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd title={formatTime(f.lastSeen)}>{ago(f.lastSeen)}</dd>
        </div>
      </dl>
      <h3 class="sub-h">Evidence</h3>
      <Evidence evidence={f.evidence} />
      <h3 class="sub-h">Graph</h3>
      {f.graph && f.graph.nodes.length > 0 ? (
        <FindingGraph g={f.graph} center={f.assetId} />
      ) : (
        <p class="muted">{f.graph ? 'The graph query returned nothing (the asset may be gone).' : 'This rule has no graph query.'}</p>
      )}
    </div>
  );
}

const SHOWN: FindingStatus[] = ['OPEN', 'SUPPRESSED'];

export function RulePage({ route }: { route: Route }) {
  const id = route.segments.slice(1).join('/');
  const [scope] = useTenant();
  const tenant = route.params.get('tenant') ?? scope;
  const withResolved = route.params.get('resolved') === '1';
  const chosen = route.params.get('finding');
  const rule = useAsync((s) => fetchRule(id, tenant, s), [id, tenant]);
  const list = useAsync(
    (s) => fetchFindings({ rule: id, tenant, status: withResolved ? [] : SHOWN }, 200, null, s),
    [id, tenant, withResolved],
  );
  const r = rule.data;
  useEffect(() => {
    document.title = `${r?.title ?? id} · authgraph`;
  }, [r?.title, id]);

  const setParam = (k: string, v: string | null) => {
    const p: Record<string, string> = {};
    route.params.forEach((val, name) => (p[name] = val));
    if (v === null) delete p[k];
    else p[k] = v;
    navigate(href(['rule', id], p), true);
  };

  if (rule.status === 'loading' && !rule.data) return <section class="page"><Loading label="Loading the rule…" /></section>;
  if (rule.status === 'error' && !(rule.error instanceof ApiError && rule.error.code === 'NOT_FOUND'))
    return (
      <section class="page">
        <h1>Rule</h1>
        <ErrorBox error={rule.error} retry={rule.reload} />
      </section>
    );
  if (!r)
    return (
      <section class="page">
        <h1>Rule not found</h1>
        <Empty title="No loaded rule has this id.">
          <code>{id}</code> — <a href={findingLinks.rules()}>every rule</a>
        </Empty>
      </section>
    );

  const rows: Finding[] = list.data?.nodes ?? [];
  const shown = chosen && rows.some((f) => f.id === chosen) ? chosen : chosen ?? rows.find((f) => f.status === 'OPEN')?.id ?? rows[0]?.id ?? null;

  return (
    <section class="page rule-page" data-rule={r.id}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={findingLinks.rules()}>Rules</a> <span aria-hidden="true">/</span> <span>{r.id}</span>
      </nav>
      <header class="detail-head">
        <div>
          <div class="rule-head">
            <SeverityBadge severity={r.severity} />
            <h1>{r.title}</h1>
          </div>
          <p class="rule-meta">
            <code>{r.id}</code> · {r.category} · evaluates <KindDot kind={r.kind} /> {kindMeta(r.kind).plural}
            {!r.builtin && ' · custom rule'}
            {r.tags.length > 0 && ` · ${r.tags.join(', ')}`}
          </p>
        </div>
        <div class="actions">
          <a class="btn" href={findingLinks.findings({ rule: r.id, tenant: tenant || null })}>
            In the findings page
          </a>
        </div>
      </header>

      <div class="two-col">
        <section class="block" aria-label="What it checks">
          <h2>What it checks</h2>
          <p class="rule-text" data-testid="rule-description">{r.description}</p>
          <h2>How to fix it</h2>
          <p class="rule-text" data-testid="rule-remediation">{r.remediation}</p>
          {r.references.length > 0 && (
            <>
              <h3 class="sub-h">References</h3>
              <ul>
                {r.references.map((u) => (
                  <li key={u}>
                    <a href={u} target="_blank" rel="noopener noreferrer">
                      {u}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
          <details>
            <summary>The rule's query</summary>
            <pre class="rule-query">{r.query}</pre>
            {r.graph && (
              <>
                <p class="muted small">Its graph query (one finding):</p>
                <pre class="rule-query">{r.graph}</pre>
              </>
            )}
          </details>
        </section>
        <section class="block" aria-label="Pass ratio">
          <h2>Pass ratio {tenant && <span class="scope">in {tenant}</span>}</h2>
          {r.results.length === 0 ? (
            <p class="muted">Not evaluated yet{tenant ? ` on ${tenant}` : ''}: rules run after each sync.</p>
          ) : (
            <table class="table compact" data-testid="rule-results">
              <thead>
                <tr>
                  <th scope="col">Tenant</th>
                  <th scope="col" class="num">Pass ratio</th>
                  <th scope="col" class="num">Failing</th>
                  <th scope="col" class="num">Suppressed</th>
                  <th scope="col" class="num">Evaluated</th>
                  <th scope="col">Ran</th>
                </tr>
              </thead>
              <tbody>
                {r.results.map((x) => (
                  <tr key={x.tenant}>
                    <td>{x.tenant}</td>
                    <td class="num" data-testid="pass-ratio">
                      {x.error ? <span class="error-text" title={x.error}>failed</span> : passPct(x)}
                    </td>
                    <td class="num">{formatNumber(x.failing)}</td>
                    <td class="num">{formatNumber(x.suppressed)}</td>
                    <td class="num">{formatNumber(x.evaluated)}</td>
                    <td title={formatTime(x.ranAt)}>{ago(x.ranAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      <section class="block" aria-label="Findings">
        <h2>Findings {list.data && <span class="count">{list.data.totalCount}</span>}</h2>
        <label class="field inline scope-toggle">
          <input type="checkbox" checked={withResolved} onChange={(e) => setParam('resolved', (e.target as HTMLInputElement).checked ? '1' : null)} />
          <span>include resolved findings</span>
        </label>
        {list.status === 'loading' && !list.data && <Loading label="Loading findings…" />}
        {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} compact />}
        {list.data && rows.length === 0 && <p class="muted">No findings{tenant ? ` in ${tenant}` : ''}: every asset passes.</p>}
        {rows.length > 0 && (
          <FindingsTable
            rows={rows}
            hide={['rule', ...(tenant ? (['tenant'] as const) : [])]}
            selected={shown}
            onSelect={(f) => setParam('finding', f.id)}
            onChanged={() => list.reload()}
          />
        )}
      </section>

      {shown && (
        <section class="block" aria-label="One finding">
          <h2>One finding</h2>
          <FindingPanel key={shown + (rows.find((f) => f.id === shown)?.status ?? '')} id={shown} />
        </section>
      )}
    </section>
  );
}
