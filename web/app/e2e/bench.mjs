// Graph view benchmark: a synthetic 5,000-node / 20,000-edge neighbourhood
// fed through the graph view's own rendering code (GraphCanvas: graphology,
// sigma.js WebGL, ForceAtlas2 worker) on the app's #/bench page, in headless
// Chromium at 1280×800. Prints the time to the first rendered frame and the
// frames per second while the camera pans (requestAnimationFrame counting),
// with the layout stopped and running. Targets: < 2 s, ≥ 30 fps. Figures
// only: nothing is asserted.
//
//   npm --prefix web/app run bench     (make ui-bench)
//   BENCH_NODES=5000 BENCH_EDGES=20000 BENCH_SECONDS=4 BENCH_RUNS=3 BENCH_SKIP_BUILD=1

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { appDir, artifactsDir, freePort, launch, repoDir, run } from './lib.mjs';

const nodes = Number(process.env.BENCH_NODES ?? 5000);
const edges = Number(process.env.BENCH_EDGES ?? 20000);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dist = path.join(repoDir, 'web', 'dist');

if (process.env.BENCH_SKIP_BUILD !== '1') await run('npm', ['run', '--silent', 'build'], { cwd: appDir, quiet: true });
if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error('bench: web/dist has no index.html: run `make ui`');
  process.exit(2);
}

// The built app, served as the Go binary serves it (no API is needed).
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const server = http.createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/auth/me') {
    // As `serve --auth none` answers: the app shows its pages, no sign-in.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"subject":"local","name":"local (no sign-in)","role":"admin","via":"none","auth":"none"}');
    return;
  }
  let file = path.join(dist, p === '/' ? 'index.html' : p);
  if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(dist, 'index.html');
  res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
const port = await freePort();
await new Promise((r) => server.listen(port, '127.0.0.1', r));

const { context, close } = await launch({ width: 1280, height: 800 });
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`bench: page error: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/#/bench?nodes=${nodes}&edges=${edges}&seconds=${seconds}`);
    await page.waitForFunction(() => window.__benchResult || window.__benchError, null, { timeout: 120_000 });
    const { result, error, renderer } = await page.evaluate(() => {
      const c = document.createElement('canvas').getContext('webgl');
      const info = c && c.getExtension('WEBGL_debug_renderer_info');
      return { result: window.__benchResult, error: window.__benchError, renderer: info ? c.getParameter(info.UNMASKED_RENDERER_WEBGL) : 'unknown' };
    });
    if (error) throw new Error(error);
    if (i === 0) {
      fs.mkdirSync(path.join(artifactsDir, 'screenshots'), { recursive: true });
      await page.screenshot({ path: path.join(artifactsDir, 'screenshots', 'bench.png') });
      console.log(`bench: ${result.nodes} nodes, ${result.edges} edges, ${result.width}×${result.height} px canvas, WebGL: ${renderer}`);
    }
    console.log(
      `bench: run ${i + 1}: first render ${result.firstRenderMs.toFixed(0)} ms; panning ${result.fps.toFixed(1)} fps ` +
        `(every edge drawn each frame: ${result.fpsEdgesDrawn.toFixed(1)} fps; FA2 worker running: ${result.fpsWithLayout.toFixed(1)} fps; ${seconds} s each)`,
    );
    results.push(result);
    await page.close();
  }
} finally {
  await close();
  server.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fr = median(results.map((r) => r.firstRenderMs));
const fps = median(results.map((r) => r.fps));
const fpsE = median(results.map((r) => r.fpsEdgesDrawn));
const fpsL = median(results.map((r) => r.fpsWithLayout));
console.log(`bench: median of ${results.length} runs; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`first render: ${fr.toFixed(0)} ms (target < 2000 ms)`);
console.log(`panning: ${fps.toFixed(1)} fps (target >= 30); every edge drawn each frame: ${fpsE.toFixed(1)} fps; FA2 worker running: ${fpsL.toFixed(1)} fps`);
