// The SQL tab of the console: read-only SQL (MySQL dialect) over the
// graph's tables, with the table list and columns beside the editor,
// completion of table and column names, and results as a table.

import { autocompletion } from '@codemirror/autocomplete';
import { MySQL, sql as sqlLang } from '@codemirror/lang-sql';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { sql, sqlTables } from '../api/queries';
import type { Json, SqlResult, SqlTable } from '../api/types';
import { Empty, Loading } from '../components/state';
import { formatNumber } from '../format';
import { useTenant } from '../hooks';

export const SQL_EXAMPLES: { title: string; query: string }[] = [
  {
    title: 'Users holding the admin role',
    query: `SELECT u.tenant, u.email, u.mfa_enrolled
FROM users u
JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant
JOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant
WHERE r.name = 'admin'
ORDER BY u.email
LIMIT 100`,
  },
  {
    title: 'Members per organization',
    query: `SELECT o.tenant, o.name, COUNT(m.user_id) AS members
FROM organizations o
LEFT JOIN organization_members m ON m.organization_id = o.id AND m.tenant = o.tenant
GROUP BY o.tenant, o.name
ORDER BY members DESC`,
  },
  {
    title: 'Clients with a Management API write grant',
    query: `SELECT c.tenant, c.name, c.app_type FROM clients c
WHERE c.id IN (
  SELECT cgc.client_id FROM client_grant_clients cgc
  JOIN client_grant_permissions cgp ON cgp.client_grant_id = cgc.client_grant_id AND cgp.tenant = cgc.tenant
  JOIN permissions p ON p.id = cgp.permission_id AND p.tenant = cgp.tenant
  WHERE p.is_management_api AND (p.value LIKE 'create:%' OR p.value LIKE 'update:%' OR p.value LIKE 'delete:%'))`,
  },
  { title: 'Users per connection', query: 'SELECT connection, COUNT(*) AS users, COUNT(DISTINCT tenant) AS tenants\nFROM users GROUP BY connection ORDER BY users DESC' },
];

type Run =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'ok'; result: SqlResult }
  | { status: 'error'; error: unknown };

function Cell({ v }: { v: Json }) {
  if (v === null) return <span class="muted">NULL</span>;
  if (typeof v === 'object') return <code class="cell-json">{JSON.stringify(v)}</code>;
  if (typeof v === 'boolean') return <span class={'bool ' + (v ? 'yes' : 'no')}>{String(v)}</span>;
  return <span>{String(v)}</span>;
}

function SqlTableView({ r }: { r: SqlResult }) {
  if (!r.rows.length) return <Empty title="No rows.">The query ran and matched nothing.</Empty>;
  return (
    <div class="table-wrap" tabIndex={0} aria-label="Result rows">
      <table class="table compact result-table" data-testid="sql-result-table">
        <thead>
          <tr>
            <th scope="col" class="num">#</th>
            {r.columns.map((c, i) => (
              <th scope="col" key={i} title={r.types[i]}>
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
                  <Cell v={v} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SqlError({ error }: { error: unknown }) {
  const e = describeError(error);
  const refused = e.code === 'FORBIDDEN';
  return (
    <div class={'state state-error console-error' + (refused ? ' refused' : '')} role="alert" data-testid="sql-error" data-code={e.code}>
      <strong>{refused ? 'Refused: SQL over the graph only reads' : e.code === 'INVALID' ? 'The query has an error' : e.title}</strong>
      <pre class="error-pre">{e.detail}</pre>
      {refused && (
        <p class="state-detail">
          Only SELECT over authgraph's tables runs: writes, DDL, LOAD DATA, SELECT … INTO, variables, SET, SHOW, the engine's own
          databases and functions that read files are refused before anything runs. The graph is unchanged.
        </p>
      )}
    </div>
  );
}

const language = new Compartment();

function createSqlEditor(parent: HTMLElement, doc: string, onRun: () => void, onChange: (t: string) => void): EditorView {
  const run = () => {
    onRun();
    return true;
  };
  return new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        bracketMatching(),
        language.of(sqlLang({ dialect: MySQL, upperCaseKeywords: true })),
        autocompletion(),
        syntaxHighlighting(defaultHighlightStyle),
        EditorView.lineWrapping,
        placeholder('SELECT name, email FROM users LIMIT 25'),
        keymap.of([{ key: 'Mod-Enter', run, preventDefault: true }, { key: 'Ctrl-Enter', run, preventDefault: true }, ...historyKeymap, ...defaultKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': 'SQL query (Ctrl+Enter runs it)', 'data-testid': 'sql-editor' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

// setSchema tells the editor's SQL language the tables and their columns,
// for completion.
function setSchema(view: EditorView, tables: SqlTable[]) {
  const schema: Record<string, string[]> = {};
  for (const t of tables) schema[t.name] = t.columns.map((c) => c.name);
  view.dispatch({ effects: language.reconfigure(sqlLang({ dialect: MySQL, upperCaseKeywords: true, schema })) });
}

export function SqlConsole({ header }: { header: ComponentChildren }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const text = useRef(SQL_EXAMPLES[0]?.query ?? '');
  const [run, setRun] = useState<Run>({ status: 'idle' });
  const [tables, setTables] = useState<SqlTable[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [tenant] = useTenant();
  const abort = useRef<AbortController | null>(null);
  const runRef = useRef<() => void>(() => undefined);

  const execute = () => {
    const query = text.current.trim();
    if (!query) return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setRun({ status: 'running' });
    sql(query, ac.signal).then(
      (result) => !ac.signal.aborted && setRun({ status: 'ok', result }),
      (error: unknown) => !ac.signal.aborted && setRun({ status: 'error', error }),
    );
  };
  runRef.current = execute;

  useEffect(() => {
    if (!host.current) return;
    view.current = createSqlEditor(host.current, text.current, () => runRef.current(), (t) => (text.current = t));
    document.title = 'SQL console · authgraph';
    const ac = new AbortController();
    sqlTables(ac.signal).then(
      (ts) => {
        setTables(ts);
        if (view.current) setSchema(view.current, ts);
      },
      () => setTables([]),
    );
    return () => {
      ac.abort();
      abort.current?.abort();
      view.current?.destroy();
    };
  }, []);

  const insert = (s: string) => {
    const v = view.current;
    if (!v) return;
    const at = v.state.selection.main.head;
    v.dispatch({ changes: { from: at, insert: s }, selection: { anchor: at + s.length } });
    v.focus();
  };
  const load = (q: string) => {
    const v = view.current;
    text.current = q;
    if (v) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: q }, selection: { anchor: q.length } });
      v.focus();
    }
  };
  const result = run.status === 'ok' ? run.result : null;

  return (
    <>
      <div class="console-main">
        {header}
        <p class="muted intro">
          Read-only SQL (MySQL dialect) over the graph: one table per kind of asset, one per relation, each with a{' '}
          <code>tenant</code> column{tenant ? <> (the header's scope, <code>{tenant}</code>, is not applied: filter on it)</> : null}.{' '}
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs the query; <kbd>Ctrl</kbd>+<kbd>Space</kbd> completes table and column names.
        </p>
        <div class="editor" ref={host} />
        <div class="console-actions">
          <button type="button" class="btn btn-primary" onClick={execute} disabled={run.status === 'running'} data-testid="run-sql">
            {run.status === 'running' ? 'Running…' : 'Run'} <span class="kbd-hint">Ctrl+Enter</span>
          </button>
          {result && (
            <span class="muted" data-testid="sql-result-meta" aria-live="polite">
              {formatNumber(result.rowCount)} row(s) in {formatNumber(result.elapsedMs)} ms
              {result.truncated && <span class="warn"> — truncated: {result.truncatedReason ?? 'too many rows'}</span>}
            </span>
          )}
        </div>
        <div class="results" aria-live="polite">
          {run.status === 'idle' && <Empty title="Run a query to see results.">Or pick an example, or a table on the right.</Empty>}
          {run.status === 'running' && <Loading label="Running the query…" />}
          {run.status === 'error' && <SqlError error={run.error} />}
          {result && <SqlTableView r={result} />}
        </div>
      </div>
      <aside class="console-side">
        <section class="block" aria-labelledby="sql-tables-h">
          <h2 id="sql-tables-h">
            Tables {tables && <span class="count">{tables.length}</span>}
          </h2>
          {tables === null ? (
            <Loading label="Loading tables…" />
          ) : (
            <ul class="sql-tables" data-testid="sql-tables">
              {tables.map((t) => (
                <li key={t.name}>
                  <button type="button" class="link-btn" aria-expanded={open === t.name} onClick={() => setOpen(open === t.name ? null : t.name)}>
                    <code>{t.name}</code>
                  </button>{' '}
                  <button type="button" class="btn btn-small btn-ghost" title={`SELECT * FROM ${t.name}`} onClick={() => load(`SELECT * FROM ${t.name} LIMIT 100`)}>
                    query
                  </button>
                  {open === t.name && (
                    <ul class="sql-columns">
                      {t.columns.map((c) => (
                        <li key={c.name}>
                          <button type="button" class="link-btn" title={c.doc ?? ''} onClick={() => insert(c.name)}>
                            <code>{c.name}</code>
                          </button>{' '}
                          <span class="muted small">{c.type}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="block" aria-labelledby="sql-examples-h">
          <h2 id="sql-examples-h">Examples</h2>
          <ul class="examples">
            {SQL_EXAMPLES.map((ex) => (
              <li key={ex.title}>
                <button type="button" class="link-btn" onClick={() => load(ex.query)}>
                  {ex.title}
                </button>
              </li>
            ))}
          </ul>
        </section>
      </aside>
    </>
  );
}
