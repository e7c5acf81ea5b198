// The graph renderer: a graphology graph drawn by sigma.js (WebGL), laid
// out by ForceAtlas2 in a web worker. Used by the graph view, the console's
// graph tab and the benchmark, so all three measure the same code.

import Graph from 'graphology';
import Sigma from 'sigma';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import { downloadAsPNG } from '@sigma/export-image';
import type { JsonObject } from '../api/types';
import { kindColor } from '../kinds';

export interface NodeAttrs {
  label: string;
  kind: string;
  x: number;
  y: number;
  size: number;
  color: string;
  props: JsonObject;
  expanded: boolean;
}

export interface EdgeAttrs {
  label: string;
  relType: string;
  size: number;
  color: string;
  type: string;
}

export interface InNode {
  id: string;
  kind: string | null;
  name: string | null;
  properties?: JsonObject;
}
export interface InEdge {
  id: string;
  type: string;
  source: string;
  target: string;
}
export interface GraphData {
  nodes: InNode[];
  edges: InEdge[];
}

export interface CanvasEvents {
  onClickNode?: (id: string) => void;
  onDoubleClickNode?: (id: string) => void;
  onHoverNode?: (id: string | null) => void;
  onClickStage?: () => void;
  onLayout?: (running: boolean) => void;
  onChange?: () => void;
}

const DIM_NODE = '#e2e8f0';
const DIM_EDGE = '#f1f5f9';
const EDGE = '#cbd5e1';
const EDGE_HI = '#334155';

export class GraphCanvas {
  readonly graph: Graph<NodeAttrs, EdgeAttrs>;
  readonly sigma: Sigma<NodeAttrs, EdgeAttrs>;
  private layout: FA2Layout | null = null;
  private layoutTimer: ReturnType<typeof setTimeout> | null = null;
  private hiddenKinds = new Set<string>();
  private highlight: { nodes: Set<string>; edges: Set<string> } | null = null;
  private selected: string | null = null;
  private hovered: string | null = null;
  private events: CanvasEvents;

  constructor(container: HTMLElement, events: CanvasEvents = {}) {
    this.events = events;
    this.graph = new Graph<NodeAttrs, EdgeAttrs>({ multi: true, allowSelfLoops: true, type: 'directed' });
    this.sigma = new Sigma<NodeAttrs, EdgeAttrs>(this.graph, container, {
      renderEdgeLabels: false,
      defaultEdgeType: 'arrow',
      labelFont: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      labelSize: 12,
      labelWeight: '500',
      labelColor: { color: '#0f172a' },
      edgeLabelSize: 10,
      edgeLabelColor: { color: '#64748b' },
      labelRenderedSizeThreshold: 4,
      labelDensity: 0.6,
      zIndex: true,
      stagePadding: 40,
      hideEdgesOnMove: false,
      minCameraRatio: 0.02,
      maxCameraRatio: 20,
      nodeReducer: (node, data) => this.reduceNode(node, data),
      edgeReducer: (edge, data) => this.reduceEdge(edge, data),
    });
    this.sigma.on('clickNode', ({ node }) => this.events.onClickNode?.(node));
    this.sigma.on('doubleClickNode', (e) => {
      e.preventSigmaDefault();
      this.events.onDoubleClickNode?.(e.node);
    });
    this.sigma.on('enterNode', ({ node }) => {
      this.hovered = node;
      container.style.cursor = 'pointer';
      this.events.onHoverNode?.(node);
      this.sigma.refresh({ skipIndexation: true });
    });
    this.sigma.on('leaveNode', () => {
      this.hovered = null;
      container.style.cursor = '';
      this.events.onHoverNode?.(null);
      this.sigma.refresh({ skipIndexation: true });
    });
    this.sigma.on('clickStage', () => this.events.onClickStage?.());
  }

  private reduceNode(node: string, data: NodeAttrs) {
    const out: Partial<NodeAttrs> & { hidden?: boolean; highlighted?: boolean; zIndex?: number; forceLabel?: boolean } = { ...data };
    if (this.hiddenKinds.has(data.kind)) {
      out.hidden = true;
      return out;
    }
    if (this.highlight && !this.highlight.nodes.has(node)) {
      out.color = DIM_NODE;
      out.label = '';
      out.zIndex = 0;
    } else if (this.highlight) {
      out.zIndex = 2;
      out.forceLabel = true;
    }
    const focus = this.hovered ?? this.selected;
    if (focus && !this.highlight) {
      if (node === focus || this.graph.areNeighbors(node, focus)) {
        out.zIndex = 2;
        if (node === focus) out.forceLabel = true;
      } else {
        out.color = DIM_NODE;
        out.label = '';
        out.zIndex = 0;
      }
    }
    if (node === this.selected) {
      out.highlighted = true;
      out.size = data.size + 3;
    }
    return out;
  }

  private reduceEdge(edge: string, data: EdgeAttrs) {
    const out: Partial<EdgeAttrs> & { hidden?: boolean; zIndex?: number; forceLabel?: boolean } = { ...data };
    const [s, t] = this.graph.extremities(edge);
    if (this.hiddenKinds.has(this.graph.getNodeAttribute(s, 'kind')) || this.hiddenKinds.has(this.graph.getNodeAttribute(t, 'kind'))) {
      out.hidden = true;
      return out;
    }
    if (this.highlight) {
      if (this.highlight.edges.has(edge)) {
        out.color = EDGE_HI;
        out.size = 3;
        out.zIndex = 2;
        out.forceLabel = true;
      } else {
        out.color = DIM_EDGE;
      }
      return out;
    }
    const focus = this.hovered ?? this.selected;
    if (focus) {
      if (s === focus || t === focus) {
        out.color = EDGE_HI;
        out.size = 2;
        out.zIndex = 2;
      } else {
        out.color = DIM_EDGE;
      }
    }
    return out;
  }

  /**
   * Adds nodes and edges not in the graph yet. New nodes start around
   * `around` (an expanded node) or spread on a disc. Returns how many
   * nodes were added.
   */
  merge(data: GraphData, around?: string | null, props = true): number {
    const g = this.graph;
    const start = around && g.hasNode(around) ? g.getNodeAttributes(around) : null;
    const fresh = data.nodes.filter((n) => !g.hasNode(n.id));
    const spread = start ? 0.5 + Math.sqrt(fresh.length) * 0.3 : Math.sqrt(g.order + fresh.length) * 2 + 1;
    fresh.forEach((n, i) => {
      const a = (2 * Math.PI * i) / Math.max(fresh.length, 1) + Math.random() * 0.3;
      const r = spread * (start ? 1 : Math.sqrt(Math.random()));
      const kind = n.kind ?? 'Node';
      g.addNode(n.id, {
        label: n.name ?? n.id,
        kind,
        x: (start?.x ?? 0) + Math.cos(a) * r,
        y: (start?.y ?? 0) + Math.sin(a) * r,
        size: 6,
        color: kindColor(kind),
        props: props ? n.properties ?? {} : {},
        expanded: false,
      });
    });
    for (const n of data.nodes) {
      // Keep the richer properties if a later answer has them.
      if (props && n.properties && Object.keys(n.properties).length && !fresh.includes(n)) {
        g.setNodeAttribute(n.id, 'props', n.properties);
      }
    }
    for (const e of data.edges) {
      if (g.hasEdge(e.id) || !g.hasNode(e.source) || !g.hasNode(e.target)) continue;
      g.addDirectedEdgeWithKey(e.id, e.source, e.target, { label: e.type, relType: e.type, size: 1, color: EDGE, type: 'arrow' });
    }
    this.resize();
    this.sigma.setSetting('renderEdgeLabels', g.size <= 300);
    this.events.onChange?.();
    return fresh.length;
  }

  /** Node sizes follow degree, so hubs stand out. */
  private resize(): void {
    const g = this.graph;
    g.forEachNode((n) => {
      const d = g.degree(n);
      g.setNodeAttribute(n, 'size', Math.min(5 + Math.sqrt(d) * 1.6, 22));
    });
  }

  clear(): void {
    this.stopLayout();
    this.graph.clear();
    this.highlight = null;
    this.selected = null;
    this.hovered = null;
    this.events.onChange?.();
  }

  removeNode(id: string): void {
    if (!this.graph.hasNode(id)) return;
    this.graph.dropNode(id);
    if (this.selected === id) this.selected = null;
    this.resize();
    this.events.onChange?.();
  }

  setExpanded(id: string): void {
    if (this.graph.hasNode(id)) this.graph.setNodeAttribute(id, 'expanded', true);
  }

  setHiddenKinds(kinds: Set<string>): void {
    this.hiddenKinds = new Set(kinds);
    this.sigma.refresh({ skipIndexation: true });
  }

  setHighlight(h: { nodes: string[]; edges: string[] } | null): void {
    this.highlight = h ? { nodes: new Set(h.nodes), edges: new Set(h.edges) } : null;
    this.sigma.refresh({ skipIndexation: true });
  }

  select(id: string | null): void {
    this.selected = id && this.graph.hasNode(id) ? id : null;
    this.sigma.refresh({ skipIndexation: true });
  }

  kinds(): Map<string, number> {
    const m = new Map<string, number>();
    this.graph.forEachNode((_, a) => m.set(a.kind, (m.get(a.kind) ?? 0) + 1));
    return m;
  }

  /** Runs ForceAtlas2 off the main thread for ms milliseconds (0: until stopped). */
  runLayout(ms: number): void {
    this.stopLayout();
    if (this.graph.order < 2) return;
    const settings = forceAtlas2.inferSettings(this.graph);
    this.layout = new FA2Layout(this.graph, {
      settings: { ...settings, barnesHutOptimize: this.graph.order > 300, slowDown: 5, adjustSizes: false },
    });
    this.layout.start();
    this.events.onLayout?.(true);
    if (ms > 0) this.layoutTimer = setTimeout(() => this.stopLayout(), ms);
  }

  stopLayout(): void {
    if (this.layoutTimer) clearTimeout(this.layoutTimer);
    this.layoutTimer = null;
    if (this.layout) {
      this.layout.kill();
      this.layout = null;
      this.events.onLayout?.(false);
    }
  }

  layoutRunning(): boolean {
    return !!this.layout?.isRunning();
  }

  fit(): void {
    void this.sigma.getCamera().animatedReset({ duration: 300 });
  }

  zoom(dir: 1 | -1): void {
    const c = this.sigma.getCamera();
    void (dir > 0 ? c.animatedZoom({ duration: 200 }) : c.animatedUnzoom({ duration: 200 }));
  }

  pan(dx: number, dy: number): void {
    const c = this.sigma.getCamera();
    const s = c.getState();
    c.setState({ x: s.x + dx * s.ratio, y: s.y + dy * s.ratio });
  }

  focus(id: string): void {
    const d = this.sigma.getNodeDisplayData(id);
    if (!d) return;
    void this.sigma.getCamera().animate({ x: d.x, y: d.y, ratio: Math.min(this.sigma.getCamera().getState().ratio, 0.6) }, { duration: 300 });
  }

  /** Where a node is drawn, in CSS pixels of the container (tests click there). */
  viewportOf(id: string): { x: number; y: number } | null {
    const d = this.sigma.getNodeDisplayData(id);
    return d ? this.sigma.framedGraphToViewport(d) : null;
  }

  async exportPng(fileName: string): Promise<void> {
    // The exporter is typed for sigma's default attributes.
    await downloadAsPNG(this.sigma as unknown as Sigma, { fileName, backgroundColor: '#ffffff' });
  }

  destroy(): void {
    this.stopLayout();
    this.sigma.kill();
  }
}
