// Graph view: start from any asset, expand neighbours on click, filter by
// kind, find a path between two assets, force layout in a worker, node
// details on hover/selection, fit/zoom and PNG export.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { neighbourhood, reachGraph, shortestPath } from '../api/queries';
import type { AssetRef, PathResult } from '../api/types';
import { KindDot } from '../components/asset';
import { PathChain } from '../components/paths';
import { SearchBox } from '../components/search';
import { Empty, ErrorBox } from '../components/state';
import { formatNumber } from '../format';
import { kindOfId } from '../kinds';
import { links, navigate, type Route } from '../router';
import { Legend, NodeDetails, stageKeys, useGraphCanvas, ViewButtons } from '../graph/parts';

type Status = { kind: 'idle' } | { kind: 'busy'; what: string } | { kind: 'error'; error: unknown } | { kind: 'note'; text: string };

const FIRST_LIMIT = 100;
const EXPAND_LIMIT = 50;

export function GraphPage({ route }: { route: Route }) {
  const startId = route.params.get('id') ?? '';
  // Paths stay inside a tenant: the pickers search the start asset's one.
  const startTenant = startId.includes('/') ? startId.slice(0, startId.indexOf('/')) : undefined;
  const [selected, setSelected] = useState<string | null>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [path, setPath] = useState<PathResult | null>(null);
  const [pathFrom, setPathFrom] = useState<AssetRef | null>(null);
  const [pathTo, setPathTo] = useState<AssetRef | null>(null);
  const [limits] = useState(() => new Map<string, number>());
  const [listFilter, setListFilter] = useState('');
  const [finderOpen, setFinderOpen] = useState(false);

  // ?view=reach (Open in graph from a user or client): its neighbours and
  // every path that gives it a permission (roles with their permissions,
  // organization roles, grants), rather than one ring of neighbours only.
  const startReach = route.params.get('view') === 'reach';
  const expand = async (id: string) => {
    if (!canvas) return;
    const first = canvas.graph.order === 0;
    const kind = kindOfId(id);
    const reach = first && id === startId && startReach && (kind === 'User' || kind === 'Client');
    const limit = limits.get(id) ?? (first ? FIRST_LIMIT : EXPAND_LIMIT);
    setStatus({ kind: 'busy', what: reach ? 'Finding what it can reach…' : 'Expanding…' });
    try {
      const [g, r] = await Promise.all([
        neighbourhood(id, { depth: 1, limit }),
        reach ? reachGraph(kind === 'User' ? { userId: id } : { clientId: id }) : null,
      ]);
      if (r) canvas.merge(r, null);
      const added = canvas.merge(g, id);
      canvas.setExpanded(id);
      limits.set(id, Math.min(limit * 2, 1000));
      if (first) canvas.select(id);
      canvas.runLayout(first ? 2500 : 1500);
      if (first) setTimeout(() => canvas.fit(), 50);
      setStatus(
        g.truncated
          ? { kind: 'note', text: `Showing ${g.nodes.length - 1} neighbours of ${g.nodes.find((n) => n.id === id)?.name ?? id}; there are more — expand again to load up to ${Math.min(limit * 2, 1000)}.` }
          : added === 0
            ? { kind: 'note', text: 'No new neighbours: all are already on the graph.' }
            : { kind: 'idle' },
      );
    } catch (e) {
      setStatus({ kind: 'error', error: e });
    }
  };

  const { container, canvas, version, layoutRunning, failed } = useGraphCanvas({
    onClickNode: (id) => {
      setSelected(id);
      canvas?.select(id);
      if (canvas && !canvas.graph.getNodeAttribute(id, 'expanded')) void expand(id);
    },
    onHoverNode: (id) => setHovered(id),
    onClickStage: () => {
      setSelected(null);
      canvas?.select(null);
    },
  });

  // Start (again) from the asset in the URL.
  useEffect(() => {
    if (!canvas) return;
    canvas.clear();
    limits.clear();
    setPath(null);
    setSelected(startId || null);
    if (startId) void expand(startId);
    else setStatus({ kind: 'idle' });
    document.title = 'Graph · authgraph';
  }, [canvas, startId, startReach]);

  useEffect(() => canvas?.setHiddenKinds(hidden), [canvas, hidden]);

  const findPath = async () => {
    const from = pathFrom?.id ?? selected;
    const to = pathTo?.id;
    if (!canvas || !from || !to) return;
    setStatus({ kind: 'busy', what: 'Finding a path…' });
    try {
      const p = await shortestPath(from, to);
      if (!p) {
        setPath(null);
        canvas.setHighlight(null);
        setStatus({ kind: 'note', text: 'No path within 8 hops between these assets (paths never go through the tenant root).' });
        return;
      }
      const wasEmpty = canvas.graph.order === 0;
      canvas.merge(p, canvas.graph.hasNode(from) ? from : null);
      canvas.setHighlight({ nodes: p.nodes.map((n) => n.id), edges: p.edges.map((e) => e.id) });
      setPath(p);
      setFinderOpen(false);
      canvas.runLayout(1500);
      if (wasEmpty) setTimeout(() => canvas.fit(), 50);
      setStatus({ kind: 'idle' });
    } catch (e) {
      setStatus({ kind: 'error', error: e });
    }
  };

  const clearPath = () => {
    setPath(null);
    canvas?.setHighlight(null);
  };

  const toggleKind = (k: string) =>
    setHidden((h) => {
      const n = new Set(h);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });

  const shown = hovered ?? selected;
  const attrs = canvas && shown && canvas.graph.hasNode(shown) ? canvas.graph.getNodeAttributes(shown) : null;
  const order = canvas?.graph.order ?? 0;
  const size = canvas?.graph.size ?? 0;

  const nodeList = useMemo(() => {
    if (!canvas) return [];
    const f = listFilter.toLowerCase();
    const out: { id: string; label: string; kind: string; expanded: boolean }[] = [];
    canvas.graph.forEachNode((id, a) => {
      if (hidden.has(a.kind)) return;
      if (!f || a.label.toLowerCase().includes(f)) out.push({ id, label: a.label, kind: a.kind, expanded: a.expanded });
    });
    return out.sort((a, b) => a.label.localeCompare(b.label)).slice(0, 100);
  }, [canvas, version, listFilter, hidden]);

  const selectFromList = (id: string) => {
    setSelected(id);
    canvas?.select(id);
    canvas?.focus(id);
  };

  return (
    <section class="page graph-page">
      <h1 class="visually-hidden">Graph</h1>
      <div class="graph-toolbar">
        <SearchBox
          label="Start from an asset"
          placeholder="Start from an asset…"
          clearOnPick
          class="graph-start"
          testId="graph-start"
          onPick={(a) => navigate(links.graph(a.id))}
        />
        <details class="path-finder" open={finderOpen} onToggle={(e) => setFinderOpen((e.target as HTMLDetailsElement).open)}>
          <summary>Find a path</summary>
          <div class="path-form">
            <SearchBox
              label="Path from"
              placeholder={selected && canvas?.graph.hasNode(selected) ? `From: ${canvas.graph.getNodeAttribute(selected, 'label')}` : 'From…'}
              onPick={(a) => setPathFrom(a)}
              testId="path-from"
              tenant={startTenant}
            />
            <SearchBox label="Path to" placeholder="To…" onPick={(a) => setPathTo(a)} testId="path-to" tenant={startTenant} />
            <button type="button" class="btn btn-primary btn-small" disabled={!pathTo || !(pathFrom || selected)} onClick={() => void findPath()}>
              Find path
            </button>
          </div>
        </details>
        <ViewButtons canvas={canvas} fileName="authgraph-graph" />
        <div class="btn-group" role="group" aria-label="Layout">
          <button
            type="button"
            class="btn btn-small"
            disabled={order < 2}
            aria-pressed={layoutRunning}
            onClick={() => (layoutRunning ? canvas?.stopLayout() : canvas?.runLayout(0))}
          >
            {layoutRunning ? 'Stop layout' : 'Run layout'}
          </button>
          <button type="button" class="btn btn-small" disabled={order === 0} onClick={() => navigate(links.graph())}>
            Clear
          </button>
        </div>
      </div>

      <div class="graph-status" aria-live="polite">
        <span data-testid="graph-counts">
          {formatNumber(order)} nodes · {formatNumber(size)} edges
        </span>
        {status.kind === 'busy' && (
          <span role="status">
            <span class="spinner small" aria-hidden="true" /> {status.what}
          </span>
        )}
        {status.kind === 'note' && <span class="note">{status.text}</span>}
        {status.kind === 'error' && (
          <span class="error-text" role="alert">
            {describeError(status.error).title}: {describeError(status.error).detail}
          </span>
        )}
      </div>

      {path && (
        <div class="path-result" data-testid="path-result">
          <strong>Path of {path.length} hop(s):</strong> <PathChain nodes={path.nodes.map((n) => ({ id: n.id, kind: n.kind ?? 'Node', name: n.name ?? n.id }))} edges={path.edges} />
          <button type="button" class="btn btn-small btn-ghost" onClick={clearPath}>
            Clear highlight
          </button>
        </div>
      )}

      <div class="graph-body">
        <div
          class="graph-stage"
          ref={container}
          tabIndex={0}
          role="application"
          aria-label="Graph canvas. Click a node to expand it. Arrow keys pan, plus and minus zoom, 0 fits, Escape clears the selection."
          data-testid="graph-canvas"
          data-nodes={order}
          data-edges={size}
          onKeyDown={stageKeys(canvas, () => {
            setSelected(null);
            canvas?.select(null);
            clearPath();
          })}
        >
          {failed ? (
            <div class="stage-overlay">
              <ErrorBox error={new Error(`This browser cannot draw the graph (WebGL): ${describeError(failed).detail}`)} />
            </div>
          ) : null}
          {!failed && order === 0 && status.kind !== 'busy' && (
            <div class="stage-overlay">
              {status.kind === 'error' ? (
                <ErrorBox error={status.error} retry={startId ? () => void expand(startId) : undefined} />
              ) : (
                <Empty title="Start from an asset">
                  Search for a user, role, client or API above, or use “Open in graph” on any asset page.
                </Empty>
              )}
            </div>
          )}
        </div>
        <aside class="graph-side">
          <Legend canvas={canvas} version={version} hidden={hidden} onToggle={toggleKind} />
          {attrs && shown ? (
            <NodeDetails id={shown} attrs={attrs} pinned={shown === selected}>
              <button type="button" class="btn btn-small" onClick={() => void expand(shown)} data-testid="expand-node">
                {attrs.expanded ? 'Expand more' : 'Expand'}
              </button>
              <button type="button" class="btn btn-small" onClick={() => { setPathFrom({ id: shown, kind: attrs.kind, name: attrs.label }); setFinderOpen(true); }}>
                Path from here
              </button>
              <button type="button" class="btn btn-small" onClick={() => { setPathTo({ id: shown, kind: attrs.kind, name: attrs.label }); setFinderOpen(true); }}>
                Path to here
              </button>
            </NodeDetails>
          ) : (
            order > 0 && <p class="muted side-hint">Hover or click a node to see its details. Clicking expands its neighbours.</p>
          )}
          {(pathFrom || pathTo) && (
            <p class="path-pick">
              Path: {pathFrom ? <b>{pathFrom.name}</b> : <i>selected node</i>} → {pathTo ? <b>{pathTo.name}</b> : <i>choose a target</i>}
            </p>
          )}
          {order > 0 && (
            <details class="node-list">
              <summary>Nodes on the graph ({formatNumber(order)})</summary>
              <label class="field">
                <span>Filter</span>
                <input type="search" value={listFilter} onInput={(e) => setListFilter((e.target as HTMLInputElement).value)} />
              </label>
              <ul>
                {nodeList.map((n) => (
                  <li key={n.id}>
                    <button type="button" class="link-btn" onClick={() => selectFromList(n.id)} aria-current={n.id === selected ? 'true' : undefined}>
                      <KindDot kind={n.kind} /> {n.label}
                    </button>
                    <button type="button" class="btn btn-tiny" onClick={() => void expand(n.id)} aria-label={`Expand ${n.label}`}>
                      {n.expanded ? 'more' : 'expand'}
                    </button>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </aside>
      </div>
    </section>
  );
}
