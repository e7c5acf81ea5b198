// The graph renderer: a graphology graph drawn by sigma.js (WebGL), laid
// out by ForceAtlas2 in a web worker. Used by the graph view, the console's
// graph tab and the benchmark, so all three measure the same code.

import Graph from 'graphology';
import Sigma from 'sigma';
import { EdgeArrowProgram, EdgeLineProgram, EdgeRectangleProgram, NodeCircleProgram, NodePointProgram } from 'sigma/rendering';
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
  /** sigma node program: circle, or point for big graphs. */
  type?: string;
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
/** Above this many edges the graph is drawn in its cheaper form (see adapt). */
const LARGE_EDGES = 3000;
const LARGE_NODES = 1500;
/** The cheap programs: GL points for nodes, 1 px GL lines for edges. */
const NODE_FAST = 'point';
/** Sigma's layers that draw nothing while a big graph moves. */
const MOVING_HIDDEN_LAYERS = ['edges', 'edgeLabels', 'labels', 'hovers', 'hoverNodes'];
const EDGE_FAST = 'fast';

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
  private large = false;
  private layersHidden = false;

  constructor(container: HTMLElement, events: CanvasEvents = {}) {
    this.events = events;
    this.graph = new Graph<NodeAttrs, EdgeAttrs>({ multi: true, allowSelfLoops: true, type: 'directed' });
    this.sigma = new Sigma<NodeAttrs, EdgeAttrs>(this.graph, container, {
      renderEdgeLabels: false,
      defaultEdgeType: 'arrow',
      // circle/arrow draw nicely; point/fast (GL points and lines) draw big
      // graphs several times cheaper (see adapt).
      nodeProgramClasses: { circle: NodeCircleProgram, point: NodePointProgram },
      edgeProgramClasses: { arrow: EdgeArrowProgram, line: EdgeRectangleProgram, fast: EdgeLineProgram },
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
    this.sigma.on('beforeRender', () => this.syncMovingLayers());
    this.sigma.on('clickNode', ({ node }) => this.events.onClickNode?.(node));
    this.sigma.on('doubleClickNode', (e) => {
      e.preventSigmaDefault();
      this.events.onDoubleClickNode?.(e.node);
    });
    this.sigma.on('enterNode', ({ node }) => {
      this.hovered = node;
      container.style.cursor = 'pointer';
      this.events.onHoverNode?.(node);
      this.repaint();
    });
    this.sigma.on('leaveNode', () => {
      this.hovered = null;
      container.style.cursor = '';
      this.events.onHoverNode?.(null);
      this.repaint();
    });
    this.sigma.on('clickStage', () => this.events.onClickStage?.());
  }

  private reduceNode(node: string, data: NodeAttrs) {
    if (!this.hiddenKinds.size && !this.highlight && !this.hovered && !this.selected) return data;
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
    if (!this.hiddenKinds.size && !this.highlight && !this.hovered && !this.selected) return data;
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

  /** Re-applies the reducers (selection, hover, filters) without re-indexing. */
  private repaint(): void {
    try {
      this.sigma.refresh({ skipIndexation: true });
    } catch {
      // Items added in this tick are not indexed yet: a full refresh is.
      this.sigma.refresh();
    }
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
        type: this.large ? NODE_FAST : 'circle',
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
      g.addDirectedEdgeWithKey(e.id, e.source, e.target, { label: e.type, relType: e.type, size: 1, color: EDGE, type: this.large ? EDGE_FAST : 'arrow' });
    }
    this.resize();
    this.adapt();
    this.events.onChange?.();
    return fresh.length;
  }

  /** Node sizes follow degree, so hubs stand out (one graph event for all). */
  private resize(): void {
    const g = this.graph;
    // No hints: sigma then re-indexes, which nodes added in this tick need.
    // Thousands of nodes read better (and draw faster) as small dots.
    const [base, k, max] = g.order > LARGE_NODES ? [2, 0.7, 10] : [5, 1.6, 22];
    g.updateEachNodeAttributes((n, a) => ({ ...a, size: Math.min(base + Math.sqrt(g.degree(n)) * k, max) }));
  }

  /**
   * While a big graph's camera moves, sigma draws neither edges nor labels
   * (see adapt), yet it clears their canvases each frame and the browser
   * still composites every layer: five full-size layers blended per frame
   * on a software renderer. Hiding those canvases while moving leaves the
   * nodes' layer alone to composite; they come back with the first frame
   * drawn at rest, which has edges and labels again. Sigma also gives the
   * nodes' picking layer (hover detection) a new full-size texture every
   * frame; nothing is hovered while moving, so that waits for rest too.
   */
  private syncMovingLayers(): void {
    const captor = this.sigma.getMouseCaptor() as unknown as { isMoving?: boolean; draggedEvents?: number; currentWheelDirection?: number };
    const moving = this.large && (this.sigma.getCamera().isAnimated() || !!captor.isMoving || (captor.draggedEvents ?? 0) > 0 || !!captor.currentWheelDirection);
    if (moving === this.layersHidden) return;
    this.layersHidden = moving;
    const canvases = this.sigma.getCanvases();
    for (const id of MOVING_HIDDEN_LAYERS) {
      const c = canvases[id];
      if (c) c.style.visibility = moving ? 'hidden' : '';
    }
    // beforeRender runs before sigma resets the picking textures.
    const picking = (this.sigma as unknown as { pickingLayers?: Set<string> }).pickingLayers;
    if (picking) {
      if (moving) picking.delete('nodes');
      else picking.add('nodes');
    }
  }

  /**
   * Big graphs (thousands of nodes or edges) draw cheaper: nodes as GL
   * points and edges as 1 px GL lines without arrowheads, and no edges or
   * labels while the camera moves (sigma's hideEdgesOnMove and
   * hideLabelsOnMove), so dragging stays smooth on slow GPUs and on
   * software rendering. Measured with `npm run bench`.
   */
  private adapt(): void {
    const large = this.graph.size > LARGE_EDGES || this.graph.order > LARGE_NODES;
    if (large !== this.large) {
      this.large = large;
      const type = large ? EDGE_FAST : 'arrow';
      // The 'type' hint makes sigma re-index the edges (their program changes).
      this.graph.updateEachEdgeAttributes((_, a) => ({ ...a, type }), { attributes: ['type'] });
      this.graph.updateEachNodeAttributes((_, a) => ({ ...a, type: large ? NODE_FAST : 'circle' }), { attributes: ['type'] });
      this.sigma.setSetting('hideEdgesOnMove', large);
      this.sigma.setSetting('hideLabelsOnMove', large);
    }
    this.sigma.setSetting('renderEdgeLabels', this.graph.size <= 300);
  }

  clear(): void {
    this.stopLayout();
    this.graph.clear();
    this.highlight = null;
    this.selected = null;
    this.hovered = null;
    this.adapt();
    this.events.onChange?.();
  }

  removeNode(id: string): void {
    if (!this.graph.hasNode(id)) return;
    this.graph.dropNode(id);
    if (this.selected === id) this.selected = null;
    this.resize();
    this.adapt();
    this.events.onChange?.();
  }

  setExpanded(id: string): void {
    if (this.graph.hasNode(id)) this.graph.setNodeAttribute(id, 'expanded', true);
  }

  setHiddenKinds(kinds: Set<string>): void {
    this.hiddenKinds = new Set(kinds);
    this.repaint();
  }

  setHighlight(h: { nodes: string[]; edges: string[] } | null): void {
    this.highlight = h ? { nodes: new Set(h.nodes), edges: new Set(h.edges) } : null;
    this.repaint();
  }

  select(id: string | null): void {
    this.selected = id && this.graph.hasNode(id) ? id : null;
    this.repaint();
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
