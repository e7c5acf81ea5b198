// Screenshots of the app at 1280×800 and 390×844, for looking at it.
// Usage: node e2e/shots.mjs BASE_URL [hash-route ...]
// Writes artifacts/screenshots/shot-<viewport>-<name>.png.

import fs from 'node:fs';
import path from 'node:path';
import { artifactsDir, launch } from './lib.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const routes = process.argv.slice(3);
const list = routes.length ? routes : ['#/', '#/assets/User', '#/console'];
const dir = path.join(artifactsDir, 'screenshots');
fs.mkdirSync(dir, { recursive: true });

for (const [label, vp] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
  const { context, close } = await launch(vp);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${label}] page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`[${label}] console: ${m.text()}`));
  for (const r of list) {
    await page.goto(base + '/' + r, { waitUntil: 'networkidle' });
    await page.waitForTimeout(Number(process.env.SHOT_WAIT ?? 1500));
    const name = r.replace(/^#\/?/, '').replace(/[^a-z0-9]+/gi, '_').slice(0, 60) || 'overview';
    const file = path.join(dir, `shot-${label}-${name}.png`);
    await page.screenshot({ path: file, fullPage: process.env.FULL === '1' });
    console.log(file);
  }
  await close();
}
