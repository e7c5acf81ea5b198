// Benchmark page (#/bench?nodes=5000&edges=20000): a synthetic
// neighbourhood fed through the graph view's own rendering code
// (GraphCanvas: graphology + sigma + FA2 worker). Measures the time to the
// first rendered frame and frames per second while the camera pans.
// `npm run bench` drives it in headless Chromium and prints the figures.

import { useEffect, useState } from 'preact/hooks';
import type { GraphData, InEdge, InNode } from '../graph/canvas';
import { useGraphCanvas } from '../graph/parts';
import type { Route } from '../router';

export interface BenchResult {
  nodes: number;
  edges: number;
  firstRenderMs: number;
  panSeconds: number;
  /** Panning with sigma camera animations, as a drag does (big graphs hide edges while moving). */
  fps: number;
  /** The camera moved every frame with edges drawn in every frame. */
  fpsEdgesDrawn: number;
  /** Panning (as fps) while the ForceAtlas2 worker runs. */
  fpsWithLayout: number;
  renders: number;
  width: number;
  height: number;
}

declare global {
  interface Window {
    __benchResult?: BenchResult;
    __benchError?: string;
  }
}

const MIX: [string, number][] = [
  ['User', 0.62], ['OrgMembership', 0.12], ['Organization', 0.06], ['Role', 0.04], ['Permission', 0.08],
  ['Client', 0.04], ['ClientGrant', 0.02], ['ResourceServer', 0.01], ['Connection', 0.01],
];

/** A deterministic pseudo-random graph: hubs (roles, orgs, APIs) get most edges. */
export function syntheticGraph(n: number, m: number, seed = 42): GraphData {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const nodes: InNode[] = [];
  let k = 0;
  for (const [kind, share] of MIX) {
    const count = kind === MIX[0]?.[0] ? n - Math.round(n * (1 - share)) : Math.round(n * share);
    for (let i = 0; i < count && nodes.length < n; i++) nodes.push({ id: `bench/${kind}/${k++}`, kind, name: `${kind} ${i}` });
  }
  while (nodes.length < n) nodes.push({ id: `bench/User/${k++}`, kind: 'User', name: `User x${k}` });
  const hubs = nodes.filter((x) => x.kind !== 'User' && x.kind !== 'OrgMembership');
  const edges: InEdge[] = [];
  for (let i = 0; i < m; i++) {
    const a = nodes[Math.floor(rnd() * nodes.length)]!;
    const b = rnd() < 0.8 ? hubs[Math.floor(Math.pow(rnd(), 2) * hubs.length)]! : nodes[Math.floor(rnd() * nodes.length)]!;
    edges.push({ id: `e${i}`, type: 'REL', source: a.id, target: b.id === a.id ? nodes[(nodes.indexOf(a) + 1) % n]!.id : b.id });
  }
  return { nodes, edges };
}

const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r));

/** Frames per second (requestAnimationFrame callbacks) while step(t) runs each frame. */
async function countFrames(step: (t: number) => void, seconds: number): Promise<number> {
  let frames = 0;
  const start = await nextFrame();
  let now = start;
  while (now - start < seconds * 1000) {
    step((now - start) / 1000);
    now = await nextFrame();
    frames++;
  }
  return frames / ((now - start) / 1000);
}

export function BenchPage({ route }: { route: Route }) {
  const n = Number(route.params.get('nodes') ?? 5000);
  const m = Number(route.params.get('edges') ?? 20000);
  const seconds = Number(route.params.get('seconds') ?? 4);
  const { container, canvas } = useGraphCanvas({});
  const [result, setResult] = useState<BenchResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!canvas) return;
    let cancelled = false;
    (async () => {
      const data = syntheticGraph(n, m);
      await nextFrame();
      let renders = 0;
      const onRender = () => renders++;
      canvas.sigma.on('afterRender', onRender);
      const rendered = new Promise<void>((r) => canvas.sigma.once('afterRender', () => r()));
      const t0 = performance.now();
      canvas.merge(data, null, false);
      await rendered;
      await nextFrame(); // the frame is on screen
      const firstRenderMs = performance.now() - t0;

      const cam = canvas.sigma.getCamera();
      const base = cam.getState();
      const at = (t: number) => ({ x: base.x + 0.15 * Math.sin(t * 2), y: base.y + 0.1 * Math.cos(t * 2) });
      // A drag: sigma animates the camera from point to point (sigma knows it moves).
      let next = 0;
      const drag = (t: number) => {
        if (t >= next) {
          next = t + 0.25;
          void cam.animate(at(next), { duration: 250, easing: 'linear' });
        }
      };
      const fps = await countFrames(drag, seconds);
      // The camera set by hand every frame: sigma draws every edge each time.
      const fpsEdgesDrawn = await countFrames((t) => cam.setState(at(t)), seconds);
      canvas.runLayout(0);
      next = 0;
      const fpsWithLayout = await countFrames(drag, seconds);
      canvas.stopLayout();
      canvas.sigma.off('afterRender', onRender);
      if (cancelled) return;
      const rect = container.current?.getBoundingClientRect();
      const r: BenchResult = {
        nodes: canvas.graph.order, edges: canvas.graph.size, firstRenderMs, panSeconds: seconds, fps, fpsEdgesDrawn, fpsWithLayout, renders,
        width: Math.round(rect?.width ?? 0), height: Math.round(rect?.height ?? 0),
      };
      window.__benchResult = r;
      setResult(r);
    })().catch((e: unknown) => {
      const msg = e instanceof Error ? e.message : String(e);
      window.__benchError = msg;
      setError(msg);
    });
    return () => {
      cancelled = true;
    };
  }, [canvas]);

  return (
    <section class="page graph-page bench-page">
      <h1 class="visually-hidden">Graph benchmark</h1>
      <div class="graph-status" aria-live="polite" data-testid="bench-status">
        {error
          ? `Benchmark failed: ${error}`
          : result
            ? `${result.nodes} nodes, ${result.edges} edges: first render ${result.firstRenderMs.toFixed(0)} ms, ${result.fps.toFixed(1)} fps panning (${result.fpsEdgesDrawn.toFixed(1)} fps with every edge drawn each frame, ${result.fpsWithLayout.toFixed(1)} fps with the layout running)`
            : `Rendering ${n} nodes and ${m} edges…`}
      </div>
      <div class="graph-body">
        <div class="graph-stage" ref={container} />
      </div>
    </section>
  );
}
