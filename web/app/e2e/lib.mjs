// Helpers for the browser tests, the benchmark and the screenshot script:
// Debian's chromium driven by playwright-core (never a downloaded browser),
// free ports, child processes that are always stopped, HTTP readiness.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(appDir, '..', '..');
export const artifactsDir = path.join(repoDir, 'artifacts');

export const CHROMIUM = process.env.CHROME_BIN || '/usr/bin/chromium';

/** Fails with one clear line when chromium is not installed. */
export function requireChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`e2e: no chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROME_BIN)`);
    process.exit(2);
  }
}

export async function launch({ width = 1280, height = 800 } = {}) {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    console.error('e2e: playwright-core is not installed: run `npm --prefix web/app ci`');
    process.exit(2);
  }
  requireChromium();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authgraph-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    acceptDownloads: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // a fresh profile: launchPersistentContext passes userDataDir as --user-data-dir
      ...(process.env.CHROMIUM_EXTRA_ARGS ? process.env.CHROMIUM_EXTRA_ARGS.split(/\s+/) : []),
    ],
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const children = new Set();

/** Starts a long-lived process; its output goes to logFile. */
export function start(name, cmd, args, { logFile, cwd = repoDir, env } = {}) {
  const out = logFile ? fs.openSync(logFile, 'w') : 'ignore';
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  child.name = name;
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export async function stopAll() {
  const waits = [];
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      waits.push(new Promise((r) => c.once('exit', r)));
      c.kill('SIGTERM');
      setTimeout(() => c.exitCode === null && c.kill('SIGKILL'), 10_000).unref();
    }
  }
  await Promise.all(waits);
}

/** Runs a command to completion; rejects with its output on failure. */
export function run(cmd, args, { cwd = repoDir, env, quiet } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (!quiet) process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; if (!quiet) process.stderr.write(d); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out.slice(-4000)}`))));
  });
}

export async function waitForHttp(url, { timeoutMs = 30_000, child } = {}) {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`${child.name} exited (${child.exitCode}) before ${url} answered`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}
