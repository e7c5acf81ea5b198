// Asset directory: one table per kind, with the kind's filters, sortable
// columns and cursor paging. Filters and sort live in the URL.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { fetchNodes, listAssets } from '../api/queries';
import type { Json, Row } from '../api/types';
import { AssetLink, KindDot } from '../components/asset';
import { Empty, ErrorBox, Loading } from '../components/state';
import { formatNumber, formatTime } from '../format';
import { useAsync, useDebounced, useMedia, useTenant } from '../hooks';
import { filterRelations, IncompleteNote, useIncomplete } from '../completeness';
import { kindMeta, LISTED_KINDS, type Column, type FilterSpec, type KindMeta } from '../kinds';
import { resolveKind } from '../kindslug';
import { href, links, navigate, type Route } from '../router';

const PAGE_SIZES = [25, 50, 100];

function buildFilter(meta: KindMeta, params: URLSearchParams): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const f of meta.filters ?? []) {
    const v = params.get(f.key);
    if (v === null || v === '') continue;
    switch (f.type) {
      case 'text':
        if (f.op === 'plain') out[f.field] = v;
        else out[f.field] = { [f.op]: v };
        break;
      case 'bool':
        if (v === 'yes' || v === 'no') out[f.field] = v === 'yes';
        break;
      case 'select':
        out[f.field] = f.list ? [v] : v;
        break;
      case 'ref':
        out[f.field] = v;
        break;
    }
  }
  return out;
}

function Cell({ col, row }: { col: Column; row: Row }) {
  const v = row[col.key];
  if (col.key === 'name')
    return (
      <>
        <AssetLink asset={row} />
        {/* The tenant column folds away on phones: name the tenant here. */}
        <span class="narrow-only muted small">{row.tenant}</span>
      </>
    );
  if (v === null || v === undefined || v === '') return <span class="muted">—</span>;
  switch (col.format) {
    case 'bool':
      return <span class={'bool ' + (v ? 'yes' : 'no')}>{v ? 'yes' : 'no'}</span>;
    case 'time':
      return <time dateTime={String(v)}>{formatTime(String(v))}</time>;
    case 'number':
      return <span>{typeof v === 'number' ? formatNumber(v) : String(v)}</span>;
    case 'list':
      return Array.isArray(v) && v.length ? (
        <span class="tags">
          {v.slice(0, 6).map((x) => (
            <span class="tag" key={String(x)}>
              {String(x)}
            </span>
          ))}
          {v.length > 6 && <span class="muted"> +{v.length - 6}</span>}
        </span>
      ) : (
        <span class="muted">—</span>
      );
    case 'mono':
      return <code class="mono-cell">{String(v)}</code>;
    default:
      return <span>{String(v)}</span>;
  }
}

function RefChip({ spec, id, onClear }: { spec: Extract<FilterSpec, { type: 'ref' }>; id: string; onClear: () => void }) {
  const name = useAsync((s) => fetchNodes([id], s), [id]);
  const n = name.data?.[0];
  return (
    <span class="chip ref-chip">
      <KindDot kind={spec.kind} />
      {spec.label}: <a href={links.asset(id)}>{n?.name ?? id}</a>
      <button type="button" class="chip-x" aria-label={`Remove filter ${spec.label}`} onClick={onClear}>
        ×
      </button>
    </span>
  );
}

function TextFilter({ spec, value, onChange }: { spec: FilterSpec; value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, 300);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (debounced !== value) onChange(debounced);
    // (runs when the debounced text settles, not when value or onChange change)
  }, [debounced]);
  return (
    <label class="field">
      <span>{spec.label}</span>
      <input type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} data-filter={spec.key} />
    </label>
  );
}

function Filters({ meta, params, set }: { meta: KindMeta; params: URLSearchParams; set: (k: string, v: string) => void }) {
  const specs = meta.filters ?? [];
  const refs = specs.filter((f): f is Extract<FilterSpec, { type: 'ref' }> => f.type === 'ref' && !!params.get(f.key));
  return (
    <div class="filters" role="group" aria-label={`Filter ${meta.plural.toLowerCase()}`}>
      {specs.map((f) => {
        const v = params.get(f.key) ?? '';
        if (f.type === 'text') return <TextFilter key={f.key + meta.kind} spec={f} value={v} onChange={(x) => set(f.key, x)} />;
        if (f.type === 'bool')
          return (
            <label class="field" key={f.key}>
              <span>{f.label}</span>
              <select value={v} onChange={(e) => set(f.key, (e.target as HTMLSelectElement).value)} data-filter={f.key}>
                <option value="">any</option>
                <option value="yes">yes</option>
                <option value="no">no</option>
              </select>
            </label>
          );
        if (f.type === 'select')
          return (
            <label class="field" key={f.key}>
              <span>{f.label}</span>
              <select value={v} onChange={(e) => set(f.key, (e.target as HTMLSelectElement).value)} data-filter={f.key}>
                <option value="">any</option>
                {f.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            </label>
          );
        return null;
      })}
      {refs.length > 0 && (
        <div class="ref-chips">
          {refs.map((f) => (
            <RefChip key={f.key} spec={f} id={params.get(f.key) ?? ''} onClear={() => set(f.key, '')} />
          ))}
        </div>
      )}
    </div>
  );
}

function KindTabs({ current }: { current: string }) {
  return (
    <>
      <nav class="kind-tabs" aria-label="Asset kinds">
        {LISTED_KINDS.map((k) => (
          <a key={k.kind} href={links.directory(k.kind)} aria-current={k.kind === current ? 'page' : undefined} style={{ '--kind': k.color }}>
            <KindDot kind={k.kind} />
            {k.plural}
          </a>
        ))}
      </nav>
      <label class="field kind-select">
        <span>Kind</span>
        <select value={current} onChange={(e) => navigate(links.directory((e.target as HTMLSelectElement).value))}>
          {LISTED_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.plural}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

export function DirectoryPage({ route }: { route: Route }) {
  // #/assets/roles, #/assets/role and #/assets/Role all open the roles.
  const kindName = resolveKind(route.segments[1]) ?? route.segments[1] ?? 'User';
  useEffect(() => {
    if (route.segments[1] && kindName !== route.segments[1]) navigate(href(['assets', kindName], Object.fromEntries(route.params)), true);
  }, [route.segments[1], kindName]);
  // A new kind starts a new table (no rows of the previous kind while loading).
  return <KindDirectory key={kindName} kindName={kindName} route={route} />;
}

function KindDirectory({ kindName, route }: { kindName: string; route: Route }) {
  const meta = kindMeta(kindName);
  const params = route.params;
  const [tenant, setTenant] = useTenant();

  // A tenant in the URL (links from the overview) sets the scope.
  useEffect(() => {
    const t = params.get('tenant');
    if (t !== null) {
      setTenant(t);
      const p = new URLSearchParams(params);
      p.delete('tenant');
      navigate(href(route.segments, Object.fromEntries(p)), true);
    }
  }, [params.toString()]);

  useEffect(() => {
    document.title = `${meta.plural} · authgraph`;
  }, [meta.plural]);

  // Filters fold away on narrow screens (the summary only shows there).
  const narrow = useMedia('(max-width: 700px)');
  const [filtersOpen, setFiltersOpen] = useState(false);
  const sortField = params.get('sort') ?? meta.defaultSort ?? 'name';
  const dir = params.get('dir') === 'DESC' ? 'DESC' : 'ASC';
  const size = PAGE_SIZES.includes(Number(params.get('size'))) ? Number(params.get('size')) : 50;
  const filter = useMemo(() => buildFilter(meta, params), [meta, params.toString()]);
  const filterKey = JSON.stringify(filter);
  // A filter over data that was not collected (e.g. direct permissions), or a kind that was not: say so.
  const missing = useIncomplete(tenant, { relations: filterRelations(meta.kind, params), kinds: [meta.kind] }).filter(
    (m) => m.inc.resource !== 'user_permissions' || filterRelations(meta.kind, params).length > 0,
  );

  // Cursor stack for paging: cursors[i] is the `after` of page i.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const pageIndex = cursors.length - 1;
  useEffect(() => setCursors([null]), [kindName, filterKey, sortField, dir, size, tenant]);

  const list = useAsync(
    (s) =>
      listAssets(meta, { tenant, filter, sort: { field: sortField, direction: dir }, first: size, after: cursors[pageIndex] }, s),
    [kindName, filterKey, sortField, dir, size, tenant, cursors[pageIndex] ?? ''],
  );

  const setParam = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    navigate(href(['assets', meta.kind], Object.fromEntries(p)), true);
  };
  const sortBy = (field: string) => {
    const p = new URLSearchParams(params);
    const nextDir = field === sortField && dir === 'ASC' ? 'DESC' : 'ASC';
    p.set('sort', field);
    p.set('dir', nextDir);
    navigate(href(['assets', meta.kind], Object.fromEntries(p)), true);
  };

  if (!meta.listField) {
    return (
      <section class="page">
        <h1>Assets</h1>
        <KindTabs current={kindName} />
        <Empty title={`${meta.plural} have no directory table.`}>Open them from a related asset instead.</Empty>
      </section>
    );
  }

  const data = list.data;
  // One tenant in scope: its name in every row says nothing.
  const cols = (meta.columns ?? []).filter((c) => !(tenant && c.key === 'tenant'));
  const from = data && data.nodes.length ? pageIndex * size + 1 : 0;
  const to = data ? pageIndex * size + data.nodes.length : 0;
  const activeFilters = Object.keys(filter).length;

  return (
    <section class="page directory">
      <h1>
        {meta.plural}
        {tenant && <span class="scope"> in {tenant}</span>}
      </h1>
      <KindTabs current={meta.kind} />
      <details class="filters-box" open={!narrow || filtersOpen} onToggle={(e) => narrow && setFiltersOpen((e.target as HTMLDetailsElement).open)}>
        <summary>Filters{activeFilters > 0 && ` (${activeFilters})`}</summary>
        <Filters meta={meta} params={params} set={setParam} />
      </details>

      <IncompleteNote
        items={missing}
        lead={`This list may lack ${meta.plural.toLowerCase()}: it reads data the last sync did not collect.`}
        testid="directory-incomplete"
      />
      <div class="table-meta" aria-live="polite">
        {data && (
          <span data-testid="row-range">
            {data.totalCount === 0 ? 'No rows' : `${formatNumber(from)}–${formatNumber(to)} of ${formatNumber(data.totalCount)}`}
          </span>
        )}
        {list.status === 'loading' && data && <span class="spinner small" role="status" aria-label="Loading" />}
        {activeFilters > 0 && (
          <a class="btn btn-small btn-ghost" href={links.directory(meta.kind)}>
            Clear filters
          </a>
        )}
      </div>

      {list.status === 'error' && <ErrorBox error={list.error} retry={list.reload} />}
      {list.status === 'loading' && !data && <Loading label={`Loading ${meta.plural.toLowerCase()}…`} />}
      {data && data.nodes.length === 0 && list.status !== 'error' && (
        <Empty title={`No ${meta.plural.toLowerCase()} ${activeFilters ? 'match these filters' : tenant ? `in ${tenant}` : 'yet'}.`}>
          {activeFilters ? <a href={links.directory(meta.kind)}>Clear the filters</a> : 'Sync a tenant to see them here.'}
        </Empty>
      )}
      {data && data.nodes.length > 0 && (
        <div class="table-wrap" tabIndex={0} aria-label={`${meta.plural} table`}>
          <table class={'table' + (list.status === 'loading' ? ' stale' : '')} data-testid="asset-table">
            <thead>
              <tr>
                {cols.map((c) => {
                  const sorted = c.sort === sortField;
                  return (
                    <th
                      key={c.key}
                      scope="col"
                      class={c.wide ? 'wide-col' : ''}
                      aria-sort={sorted ? (dir === 'ASC' ? 'ascending' : 'descending') : undefined}
                    >
                      {c.sort ? (
                        <button type="button" class="sort-btn" onClick={() => sortBy(c.sort ?? c.key)}>
                          {c.label}
                          <span class="sort-ind" aria-hidden="true">
                            {sorted ? (dir === 'ASC' ? '▲' : '▼') : '↕'}
                          </span>
                        </button>
                      ) : (
                        c.label
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {data.nodes.map((r) => (
                <tr key={r.id}>
                  {cols.map((c) => (
                    <td key={c.key} class={(c.wide ? 'wide-col ' : '') + (c.format === 'number' ? 'num' : '')}>
                      <Cell col={c} row={r} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (data.pageInfo.hasNextPage || pageIndex > 0) && (
        <div class="pager">
          <button type="button" class="btn" disabled={pageIndex === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Previous
          </button>
          <span>Page {pageIndex + 1} of {Math.max(1, Math.ceil(data.totalCount / size))}</span>
          <button
            type="button"
            class="btn"
            disabled={!data.pageInfo.hasNextPage || list.status === 'loading'}
            onClick={() => setCursors((c) => [...c, data.pageInfo.endCursor])}
          >
            Next →
          </button>
          <label class="field inline">
            <span>Rows</span>
            <select value={String(size)} onChange={(e) => setParam('size', (e.target as HTMLSelectElement).value)}>
              {PAGE_SIZES.map((s) => (
                <option key={s} value={String(s)}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
    </section>
  );
}
