// Cypher console: CodeMirror editor with Cypher highlighting, Ctrl+Enter
// runs, results as a table and as a graph, refusals and errors shown
// plainly, a history in localStorage and example queries.

import type { EditorView } from '@codemirror/view';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { cypher } from '../api/queries';
import type { CypherResult, Json, JsonObject, Subgraph } from '../api/types';
import { AssetLink, KindDot } from '../components/asset';
import { Empty, Loading } from '../components/state';
import { createEditor, setDoc } from '../console/editor';
import { EXAMPLES } from '../console/examples';
import { SqlConsole } from '../console/sql';
import { addHistory, clearHistory, loadHistory, type HistoryEntry } from '../console/history';
import { ago, formatNumber } from '../format';
import { Legend, NodeDetails, stageKeys, useGraphCanvas, ViewButtons } from '../graph/parts';
import { useTenant } from '../hooks';
import { kindOfId } from '../kinds';
import { links, type Route } from '../router';

type Run =
  | { status: 'idle' }
  | { status: 'running'; query: string }
  | { status: 'ok'; query: string; result: CypherResult }
  | { status: 'error'; query: string; error: unknown };

function isObj(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nodeName(n: JsonObject): string {
  const p = isObj(n.properties ?? null) ? (n.properties as JsonObject) : {};
  return String(p.name ?? p.value ?? n.id ?? n.elementId ?? 'node');
}

function JsonCell({ v }: { v: Json }) {
  if (v === null) return <span class="muted">null</span>;
  if (Array.isArray(v)) {
    if (!v.length) return <span class="muted">[]</span>;
    return (
      <span class="cell-list">
        {v.slice(0, 20).map((x, i) => (
          <span key={i} class="cell-item">
            <JsonCell v={x} />
          </span>
        ))}
        {v.length > 20 && <span class="muted">… {v.length - 20} more</span>}
      </span>
    );
  }
  if (isObj(v)) {
    if (Array.isArray(v.labels) && isObj(v.properties ?? null)) {
      const id = typeof v.id === 'string' ? v.id : null;
      const kind = typeof (v.properties as JsonObject).kind === 'string' ? String((v.properties as JsonObject).kind) : null;
      if (id && kindOfId(id)) return <AssetLink asset={{ id, kind, name: nodeName(v) }} />;
      return (
        <span class="cell-node">
          <KindDot kind={kind} /> {nodeName(v)} <span class="muted">{(v.labels as Json[]).join(':')}</span>
        </span>
      );
    }
    if (typeof v.type === 'string' && 'startElementId' in v) return <span class="cell-rel">[:{v.type}]</span>;
    if (Array.isArray(v.nodes) && Array.isArray(v.relationships)) {
      const nodes = v.nodes.filter(isObj);
      return (
        <span class="cell-path">
          {nodes.map((n, i) => (
            <span key={i}>
              {i > 0 && <span class="path-edge">→</span>}
              <JsonCell v={n} />
            </span>
          ))}
        </span>
      );
    }
    return <code class="cell-json">{JSON.stringify(v)}</code>;
  }
  if (typeof v === 'boolean') return <span class={'bool ' + (v ? 'yes' : 'no')}>{String(v)}</span>;
  return <span>{String(v)}</span>;
}

function ResultTable({ r }: { r: CypherResult }) {
  if (!r.rows.length) return <Empty title="No rows.">The query ran and matched nothing.</Empty>;
  return (
    <div class="table-wrap" tabIndex={0} aria-label="Result rows">
      <table class="table compact result-table" data-testid="result-table">
        <thead>
          <tr>
            <th scope="col" class="num">
              #
            </th>
            {r.columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {r.rows.map((row, i) => (
            <tr key={i}>
              <td class="num muted">{i + 1}</td>
              {row.map((v, j) => (
                <td key={j}>
                  <JsonCell v={v} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ResultGraph({ g }: { g: Subgraph }) {
  const [selected, setSelected] = useState<string | null>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const { container, canvas, version } = useGraphCanvas({
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
    canvas.runLayout(2000);
    setTimeout(() => canvas.fit(), 50);
  }, [canvas, g]);
  useEffect(() => canvas?.setHiddenKinds(hidden), [canvas, hidden]);
  const shown = hovered ?? selected;
  const attrs = canvas && shown && canvas.graph.hasNode(shown) ? canvas.graph.getNodeAttributes(shown) : null;
  return (
    <div class="result-graph">
      <div class="graph-toolbar">
        <ViewButtons canvas={canvas} fileName="authgraph-query" />
        <span class="muted">
          {formatNumber(g.nodes.length)} nodes · {formatNumber(g.edges.length)} relationships{g.truncated && ' (truncated)'}
        </span>
      </div>
      <div class="graph-body">
        <div
          class="graph-stage"
          ref={container}
          tabIndex={0}
          role="application"
          aria-label="Result graph. Arrow keys pan, plus and minus zoom, 0 fits."
          data-testid="result-graph"
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
            <NodeDetails id={shown} attrs={attrs} pinned={shown === selected}>
              {!shown.startsWith('element:') && (
                <a class="btn btn-small" href={links.graph(shown)}>
                  Open in graph view
                </a>
              )}
            </NodeDetails>
          ) : (
            <p class="muted side-hint">Hover or click a node to see its details.</p>
          )}
        </aside>
      </div>
    </div>
  );
}

function RunError({ error }: { error: unknown }) {
  const e = describeError(error);
  const refused = e.code === 'FORBIDDEN';
  return (
    <div class={'state state-error console-error' + (refused ? ' refused' : '')} role="alert" data-testid="console-error" data-code={e.code}>
      <strong>{refused ? 'Refused: the console only reads' : e.code === 'INVALID' ? 'The query has an error' : e.title}</strong>
      <pre class="error-pre">{e.detail}</pre>
      {refused && (
        <p class="state-detail">
          Writes (CREATE, MERGE, SET, DELETE, REMOVE), LOAD CSV, procedures off the allowlist, CALL … IN TRANSACTIONS, USE and
          administration commands are refused before anything runs. The graph is unchanged.
        </p>
      )}
    </div>
  );
}

// ConsoleTabs switches between the Cypher and the SQL console.
export function ConsoleTabs({ lang }: { lang: 'cypher' | 'sql' }) {
  return (
    <nav class="tabs console-tabs" aria-label="Query language">
      <a class="tab" href="#/console" aria-current={lang === 'cypher' ? 'page' : undefined} data-testid="cypher-tab">
        Cypher
      </a>
      <a class="tab" href="#/console?lang=sql" aria-current={lang === 'sql' ? 'page' : undefined} data-testid="sql-tab">
        SQL
      </a>
    </nav>
  );
}

export function ConsolePage({ route }: { route: Route }) {
  if (route.params.get('lang') === 'sql') {
    return (
      <section class="page console-page">
        <SqlConsole header={<><h1>SQL console</h1><ConsoleTabs lang="sql" /></>} />
      </section>
    );
  }
  return <CypherConsole route={route} />;
}

function CypherConsole({ route }: { route: Route }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const text = useRef(route.params.get('q') ?? EXAMPLES[0]?.query ?? '');
  const [run, setRun] = useState<Run>({ status: 'idle' });
  const [tab, setTab] = useState<'table' | 'graph'>('table');
  const [hist, setHist] = useState<HistoryEntry[]>(() => loadHistory());
  const [tenant] = useTenant();
  const abort = useRef<AbortController | null>(null);
  const runRef = useRef<() => void>(() => undefined);

  const execute = () => {
    const query = text.current.trim();
    if (!query) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setRun({ status: 'running', query });
    cypher(query, { tenant: tenant || null }, ac.signal).then(
      (result) => {
        if (ac.signal.aborted) return;
        setRun({ status: 'ok', query, result });
        setHist(addHistory({ query, at: Date.now(), ok: true, rows: result.rowCount }));
        if (result.rows.length === 0 || result.graph.nodes.length === 0) setTab('table');
      },
      (error: unknown) => {
        if (ac.signal.aborted) return;
        setRun({ status: 'error', query, error });
        setHist(addHistory({ query, at: Date.now(), ok: false }));
      },
    );
  };
  runRef.current = execute;

  useEffect(() => {
    if (!host.current) return;
    view.current = createEditor(host.current, text.current, () => runRef.current(), (t) => (text.current = t));
    document.title = 'Cypher console · authgraph';
    return () => {
      abort.current?.abort();
      view.current?.destroy();
    };
  }, []);

  // A query in the URL (#/console?q=…) replaces the editor's text.
  const q = route.params.get('q');
  useEffect(() => {
    if (q && view.current && q !== text.current) {
      text.current = q;
      setDoc(view.current, q);
    }
  }, [q]);

  const load = (query: string) => {
    text.current = query;
    if (view.current) {
      setDoc(view.current, query);
      view.current.focus();
    }
  };

  const result = run.status === 'ok' ? run.result : null;

  return (
    <section class="page console-page">
      <div class="console-main">
        <h1>Cypher console</h1>
        <ConsoleTabs lang="cypher" />
        <p class="muted intro">
          Read-only Cypher over the asset graph. <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs the query. <code>$tenant</code> is{' '}
          {tenant ? <code>"{tenant}"</code> : <code>null</code>} (the tenant scope in the header).
        </p>
        <div class="editor" ref={host} />
        <div class="console-actions">
          <button type="button" class="btn btn-primary" onClick={execute} disabled={run.status === 'running'} data-testid="run-query">
            {run.status === 'running' ? 'Running…' : 'Run'} <span class="kbd-hint">Ctrl+Enter</span>
          </button>
          {run.status === 'running' && (
            <button type="button" class="btn" onClick={() => { abort.current?.abort(); setRun({ status: 'idle' }); }}>
              Cancel
            </button>
          )}
          {result && (
            <span class="muted" data-testid="result-meta" aria-live="polite">
              {formatNumber(result.rowCount)} row(s) in {formatNumber(result.elapsedMs)} ms
              {result.truncated && <span class="warn"> — truncated: {result.truncatedReason ?? 'too many rows'}</span>}
            </span>
          )}
        </div>

        <div class="results" aria-live="polite">
          {run.status === 'idle' && <Empty title="Run a query to see results.">Or pick one of the example queries.</Empty>}
          {run.status === 'running' && <Loading label="Running the query…" />}
          {run.status === 'error' && <RunError error={run.error} />}
          {result && (
            <>
              <div class="tabs" role="tablist" aria-label="Result view">
                <button type="button" role="tab" aria-selected={tab === 'table'} class="tab" onClick={() => setTab('table')}>
                  Table
                </button>
                <button type="button" role="tab" aria-selected={tab === 'graph'} class="tab" onClick={() => setTab('graph')} data-testid="graph-tab">
                  Graph <span class="count">{result.graph.nodes.length}</span>
                </button>
              </div>
              <div role="tabpanel">
                {tab === 'table' ? (
                  <ResultTable r={result} />
                ) : result.graph.nodes.length ? (
                  <ResultGraph g={result.graph} />
                ) : (
                  <Empty title="Nothing to draw.">Return nodes, relationships or paths (e.g. <code>RETURN p</code>) to see them as a graph.</Empty>
                )}
              </div>
            </>
          )}
        </div>
      </div>

      <aside class="console-side">
        <section class="block" aria-labelledby="examples-h">
          <h2 id="examples-h">Examples</h2>
          <ul class="examples">
            {EXAMPLES.map((ex) => (
              <li key={ex.title}>
                <button type="button" class="link-btn" onClick={() => load(ex.query)}>
                  {ex.title}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section class="block" aria-labelledby="history-h">
          <h2 id="history-h">
            History {hist.length > 0 && <span class="count">{hist.length}</span>}
          </h2>
          {hist.length === 0 ? (
            <p class="muted">Queries you run are kept here, in this browser.</p>
          ) : (
            <>
              <ul class="history" data-testid="history">
                {hist.map((h) => (
                  <li key={h.at + h.query}>
                    <button type="button" class="link-btn history-item" onClick={() => load(h.query)} title={h.query}>
                      <span class={'dot ' + (h.ok ? 'ok' : 'bad')} aria-label={h.ok ? 'succeeded' : 'failed'} />
                      <code>{h.query.replace(/^\s*\/\/.*$/gm, '').trim().slice(0, 90)}</code>
                    </button>
                    <span class="muted small">
                      {ago(h.at)}
                      {h.rows !== undefined && ` · ${h.rows} rows`}
                    </span>
                  </li>
                ))}
              </ul>
              <button type="button" class="btn btn-small btn-ghost" onClick={() => { clearHistory(); setHist([]); }}>
                Clear history
              </button>
            </>
          )}
        </section>
      </aside>
    </section>
  );
}
