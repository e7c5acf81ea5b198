// Pieces shared by the graph view and the console's graph tab: the hook
// that owns a GraphCanvas, the legend (colours and kind filter), the node
// details panel and the toolbar buttons.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatJson, humanize } from '../format';
import { kindMeta } from '../kinds';
import { links } from '../router';
import { KindBadge } from '../components/asset';
import { GraphCanvas, type CanvasEvents, type NodeAttrs } from './canvas';

declare global {
  interface Window {
    /** The graph on screen, for the browser tests and the benchmark. */
    __authgraphGraph?: GraphCanvas;
  }
}

/** Creates a GraphCanvas in the container on mount and kills it on unmount. */
export function useGraphCanvas(events: CanvasEvents) {
  const container = useRef<HTMLDivElement>(null);
  const [canvas, setCanvas] = useState<GraphCanvas | null>(null);
  const [version, setVersion] = useState(0);
  const [layoutRunning, setLayoutRunning] = useState(false);
  const [failed, setFailed] = useState<unknown>(null);
  const ev = useRef(events);
  ev.current = events;
  useEffect(() => {
    if (!container.current) return;
    let c: GraphCanvas;
    try {
      c = new GraphCanvas(container.current, {
        onClickNode: (id) => ev.current.onClickNode?.(id),
        onDoubleClickNode: (id) => ev.current.onDoubleClickNode?.(id),
        onHoverNode: (id) => ev.current.onHoverNode?.(id),
        onClickStage: () => ev.current.onClickStage?.(),
        onLayout: (r) => setLayoutRunning(r),
        onChange: () => setVersion((v) => v + 1),
      });
    } catch (e) {
      // No WebGL (old browser, GPU blocklisted): say so instead of a blank box.
      setFailed(e);
      return;
    }
    window.__authgraphGraph = c;
    setCanvas(c);
    return () => {
      if (window.__authgraphGraph === c) delete window.__authgraphGraph;
      c.destroy();
    };
  }, []);
  return { container, canvas, version, layoutRunning, failed };
}

export function Legend({
  canvas, version, hidden, onToggle,
}: { canvas: GraphCanvas | null; version: number; hidden: Set<string>; onToggle: (kind: string) => void }) {
  const counts = canvas ? [...canvas.kinds().entries()].sort((a, b) => a[0].localeCompare(b[0])) : [];
  void version;
  if (!counts.length) return null;
  return (
    <fieldset class="legend" data-testid="legend">
      <legend>Kinds (click to hide)</legend>
      <ul>
        {counts.map(([kind, n]) => {
          const m = kindMeta(kind);
          const on = !hidden.has(kind);
          return (
            <li key={kind}>
              <label class={'legend-item' + (on ? '' : ' off')}>
                <input type="checkbox" checked={on} onChange={() => onToggle(kind)} />
                <span class="kind-dot" style={{ '--kind': m.color }} aria-hidden="true" />
                <span>{m.plural}</span>
                <span class="count">{n}</span>
              </label>
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}

const SKIP = new Set(['id', 'kind', 'name', 'tenant', 'native_id']);

export function NodeDetails({
  id, attrs, pinned, children,
}: { id: string; attrs: NodeAttrs; pinned: boolean; children?: ComponentChildren }) {
  const keys = Object.keys(attrs.props).filter((k) => !SKIP.has(k)).sort().slice(0, 14);
  const isAsset = !id.startsWith('element:');
  return (
    <section class="node-details" aria-label="Node details" data-testid="node-details">
      <p class="node-details-state">{pinned ? 'Selected' : 'Hovered'}</p>
      <KindBadge kind={attrs.kind} />
      <h3>{attrs.label}</h3>
      {isAsset && (
        <p class="muted id-line">
          <code>{id}</code>
        </p>
      )}
      {children && <div class="node-actions">{children}</div>}
      {isAsset && (
        <p>
          <a href={links.asset(id)}>Open details →</a>
        </p>
      )}
      {keys.length > 0 && (
        <dl class="props small">
          {keys.map((k) => (
            <div key={k}>
              <dt>{humanize(k)}</dt>
              <dd>{formatJson(k, attrs.props[k])}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

export function ViewButtons({ canvas, fileName }: { canvas: GraphCanvas | null; fileName: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <div class="btn-group" role="group" aria-label="View">
      <button type="button" class="btn btn-small" onClick={() => canvas?.fit()} title="Fit the graph (0)">
        Fit
      </button>
      <button type="button" class="btn btn-small" onClick={() => canvas?.zoom(1)} aria-label="Zoom in" title="Zoom in (+)">
        +
      </button>
      <button type="button" class="btn btn-small" onClick={() => canvas?.zoom(-1)} aria-label="Zoom out" title="Zoom out (−)">
        −
      </button>
      <button
        type="button"
        class="btn btn-small"
        disabled={busy || !canvas}
        onClick={() => {
          if (!canvas) return;
          setBusy(true);
          canvas.exportPng(fileName).finally(() => setBusy(false));
        }}
      >
        {busy ? 'Exporting…' : 'Export PNG'}
      </button>
    </div>
  );
}

/** Arrow keys pan, + and - zoom, 0 fits: the canvas works from the keyboard. */
export function stageKeys(canvas: GraphCanvas | null, onEscape?: () => void) {
  return (e: KeyboardEvent) => {
    if (!canvas) return;
    const step = 0.1;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => canvas.pan(-step, 0),
      ArrowRight: () => canvas.pan(step, 0),
      ArrowUp: () => canvas.pan(0, step),
      ArrowDown: () => canvas.pan(0, -step),
      '+': () => canvas.zoom(1),
      '=': () => canvas.zoom(1),
      '-': () => canvas.zoom(-1),
      '0': () => canvas.fit(),
      Escape: () => onEscape?.(),
    };
    const f = keys[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  };
}
