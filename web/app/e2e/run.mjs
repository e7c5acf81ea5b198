// End-to-end tests of the web app in a real browser (Debian's chromium via
// playwright-core). Starts everything itself: builds the UI and
// bin/authgraph, starts a simulated Auth0 tenant on a free port, syncs it
// into a unique tenant, serves the API and the app on a free port, runs the
// browser cases, stops what it started, and exits non-zero on failure.
// Screenshots go to artifacts/screenshots/ (gitignored).
//
//   npm --prefix web/app run e2e          (make ui-test; make test runs it too)
//
// Environment: E2E_USERS (simulated users, default 500), E2E_SKIP_BUILD=1
// (use web/dist and bin/authgraph as they are), CHROME_BIN (default
// /usr/bin/chromium), E2E_KEEP=1 (leave the servers running for a look),
// E2E_ONLY=regex (only the cases whose name matches, after signing in).

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { artifactsDir, freePort, launch, repoDir, requireChromium, run, start, stopAll, waitForHttp } from './lib.mjs';
import { dropTenant, firstHourCases, sweepLeftovers, testNeo4j, userPermissionsLimit } from './first-hour.mjs';
import { findingsCases } from './findings.mjs';
import { monitorCases, partialScopes } from './monitor.mjs';
import crypto from 'node:crypto';

const began = Date.now();
const shotsDir = path.join(artifactsDir, 'screenshots');
const logsDir = path.join(artifactsDir, 'e2e-logs');
const BIN = path.join(repoDir, 'bin', 'authgraph');
const users = Number(process.env.E2E_USERS ?? 500);
const tenant = `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}.sim.local`;

// Everything this run prints, for the token grep at the end.
const printed = [];
const consoleLog = console.log;
console.log = (...args) => {
  printed.push(args.join(' '));
  consoleLog(...args);
};

function log(msg) {
  console.log(`e2e: ${msg}`);
}

// The API token the run signs in with (created through the CLI).
let token = '';
let tokenId = '';
// An admin's token, for connecting tenants (monitor.mjs).
let adminToken = '';
let adminTokenId = '';
// The simulators' client secret (the sync gets it by environment) and the
// tenant the connect form adds (e2e-…: swept like the other).
const simSecret = 'sim-secret';
const connected = tenant.replace(/\.sim\.local$/, '-conn.sim.local');
let simURL = '';
let partialSimURL = '';

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

let neo4jStartedHere = false;

async function setUp() {
  requireChromium();
  fs.mkdirSync(shotsDir, { recursive: true });
  fs.mkdirSync(logsDir, { recursive: true });
  for (const f of fs.readdirSync(shotsDir)) if (f.startsWith('e2e-')) fs.rmSync(path.join(shotsDir, f));

  if (process.env.E2E_SKIP_BUILD !== '1') {
    log('building the web app (vite) and bin/authgraph');
    await run('npm', ['run', '--silent', 'build'], { cwd: path.join(repoDir, 'web', 'app'), quiet: true });
    const changed = await run('git', ['status', '--porcelain', '--', 'web/dist'], { quiet: true }).catch(() => '');
    if (changed.trim()) log('note: web/dist differs from the committed build; run `make ui` and commit web/dist');
    await run('make', ['--no-print-directory', 'build'], { quiet: true });
  }
  assert(fs.existsSync(BIN), `no ${BIN}: run make build`);

  if (!process.env.NEO4J_URI) {
    // The tests' own Neo4j, never the demo's graph (children inherit AUTHGRAPH_NEO4J_DIR).
    process.env.AUTHGRAPH_NEO4J_DIR ||= testNeo4j.dir;
    const status = await run(BIN, ['neo4j', 'status'], { quiet: true }).catch((e) => e.message);
    if (!/^running/m.test(status)) {
      log(`starting the tests' Neo4j (${path.relative(repoDir, process.env.AUTHGRAPH_NEO4J_DIR)}, port ${testNeo4j.port})`);
      await run(BIN, ['neo4j', 'start', '--port', String(testNeo4j.port), ...testNeo4j.size], { quiet: true });
      neo4jStartedHere = true;
    }
    await sweepLeftovers();
  }

  const simPort = await freePort();
  const sim = start('sim', BIN, ['sim', '--addr', `127.0.0.1:${simPort}`, '--users', String(users), '--rps', '0'], {
    logFile: path.join(logsDir, 'sim.log'),
  });
  await waitForHttp(`http://127.0.0.1:${simPort}/`, { child: sim });
  simURL = `http://127.0.0.1:${simPort}`;
  // A second, small simulator whose client lacks read:users and read:roles (the form names them).
  const partialPort = await freePort();
  const partial = start('sim-partial', BIN, ['sim', '--addr', `127.0.0.1:${partialPort}`, '--users', '20', '--seed', '2', '--rps', '0', '--scopes', partialScopes.join(',')], {
    logFile: path.join(logsDir, 'sim-partial.log'),
  });
  partialSimURL = `http://127.0.0.1:${partialPort}`;
  await waitForHttp(`${partialSimURL}/`, { child: partial });
  log(`simulator on :${simPort}; syncing ${users} users into tenant ${tenant}`);
  const t0 = Date.now();
  // Below the user count on purpose: direct user permissions are skipped, so the completeness notes show.
  await run(BIN, ['sync', '--domain', `http://127.0.0.1:${simPort}`, '--client-id', 'sim-client', '--tenant', tenant, '--user-permissions-limit', String(userPermissionsLimit)], {
    quiet: true,
    env: { AUTH0_CLIENT_SECRET: simSecret }, // never in argv
  });
  log(`synced in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // A token from the CLI, as an administrator would make one; serve asks
  // for it (--auth token).
  const created = JSON.parse(await run(BIN, ['tokens', 'create', '--name', 'e2e', '--role', 'analyst', '--expires', '1d', '--json'], { quiet: true }));
  token = created.token;
  tokenId = created.id;
  assert(/^agt_[0-9a-f]+_[0-9a-f]+$/.test(token), 'tokens create --json printed no agt_ token');
  log(`API token ${tokenId} (analyst) created`);
  const adm = JSON.parse(await run(BIN, ['tokens', 'create', '--name', 'e2e-admin', '--role', 'admin', '--expires', '1d', '--json'], { quiet: true }));
  adminToken = adm.token;
  adminTokenId = adm.id;

  const port = await freePort();
  // The key that seals connected tenants' secrets: this run's own, never a key file in the repository.
  const serve = start('serve', BIN, ['serve', '--addr', `127.0.0.1:${port}`, '--auth', 'token'], {
    logFile: path.join(logsDir, 'serve.log'),
    env: { AUTHGRAPH_SECRET_KEY: crypto.randomBytes(32).toString('base64') },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/healthz`, { child: serve });
  log(`authgraph serve at ${base}/`);
  return base;
}

async function gql(base, query, variables = {}) {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const j = await r.json();
  if (j.errors) throw new Error(`GraphQL: ${j.errors[0].message}`);
  return j.data;
}

/** Test data, from the API: a user with a tenant-wide role and an organization role. */
async function fixtures(base) {
  const d = await gql(
    base,
    `query($q: String!, $p: Map) { cypher(query: $q, params: $p) { rows } }`,
    {
      q: `MATCH (u:Auth0User {tenant: $tenant})-[:HAS_ROLE]->(r:Auth0Role)
          MATCH (u)-[:HAS_MEMBERSHIP]->(:Auth0OrgMembership)-[:WITH_ROLE]->(orole:Auth0Role)
          MATCH (u)-[:MEMBER_OF]->(o:Auth0Organization)
          WHERE u.email IS NOT NULL
          RETURN u.id, u.name, u.email, r.id, r.name, o.name, orole.name
          ORDER BY u.email LIMIT 1`,
      p: { tenant },
    },
  );
  const row = d.cypher.rows[0];
  assert(row, `tenant ${tenant} has no user with a role and an organization role`);
  const [id, name, email, roleId, role, org, orgRole] = row;
  return { id, name, email, roleId, role, org, orgRole };
}

async function setEditor(page, text) {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Signs the page's browser context in through the sign-in page. */
async function signIn(page, base) {
  await page.goto(`${base}/#/`);
  await page.locator('[data-testid="signin-page"]').waitFor({ timeout: 20_000 });
  await page.fill('[data-testid="signin-token"]', token);
  await page.click('[data-testid="signin-submit"]');
  await page.locator('[data-testid="signed-in-as"]').waitFor({ timeout: 20_000 });
}

/** Signs the page's browser context in with another token, through POST /auth/token. */
async function signInAs(page, base, tok) {
  await page.goto(`${base}/#/`);
  const status = await page.evaluate(async (t) => {
    const r = await fetch('/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: t }) });
    return r.status;
  }, tok);
  assert(status === 200, `signing in with the admin token answered ${status}`);
  await page.reload();
  await page.locator('[data-testid="signed-in-as"]', { hasText: 'admin' }).waitFor({ timeout: 20_000 });
}

/** A request with a chosen Host header (fetch cannot set one). */
function rawRequest(base, { method = 'GET', path: p = '/', headers = {}, body = '' }) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Another origin on the same site (same host, another port): cookies go along, Origin differs. */
async function otherOrigin() {
  const srv = http.createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another origin</title><p>another origin</p>');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${srv.address().port}/`,
    close: () => new Promise((r) => {
      srv.close(r);
      srv.closeAllConnections(); // the browser keeps its connection alive
    }),
  };
}

function cases(base, fx) {
  return [
    {
      name: 'signs in with an API token (401 shows the sign-in page)',
      async run(page) {
        const anon = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ tenants { id } }"}',
        });
        assert(anon.status === 401, `an anonymous POST /graphql answered ${anon.status}, not 401`);
        await page.goto(`${base}/#/`);
        await page.locator('[data-testid="signin-page"]').waitFor({ timeout: 20_000 });
        await page.fill('[data-testid="signin-token"]', 'agt_0000000000000000_' + '0'.repeat(64));
        await page.click('[data-testid="signin-submit"]');
        await page.locator('[data-testid="signin-error"]').waitFor({ timeout: 10_000 });
        await signIn(page, base);
        const who = await page.locator('[data-testid="signed-in-as"]').innerText();
        assert(/e2e/.test(who) && /analyst/.test(who), `the header does not show who is signed in: ${who}`);
        const cookies = await page.context().cookies(base);
        const c = cookies.find((k) => k.name === 'authgraph_session');
        assert(c && c.httpOnly && c.sameSite === 'Lax', `the session cookie is not HttpOnly + SameSite=Lax: ${JSON.stringify(c && { ...c, value: '…' })}`);
      },
    },
    {
      name: 'overview shows the synced tenant',
      async run(page) {
        await page.goto(`${base}/#/`);
        const card = page.locator(`[data-testid="tenant-card"][data-tenant="${tenant}"]`);
        await card.waitFor({ timeout: 20_000 });
        const text = await card.innerText();
        assert(/ok/i.test(text), `the tenant card shows no ok status: ${text}`);
        assert(new RegExp(`Users\\s+${users.toLocaleString('en-US')}`).test(text), `the card does not count ${users} users: ${text.replace(/\s+/g, ' ')}`);
        await page.locator('[data-testid="kind-counts"]').waitFor();
        await page.locator('[data-testid="posture"]').waitFor();
        await card.scrollIntoViewIfNeeded();
      },
    },
    {
      name: 'search finds a user (keyboard)',
      async run(page) {
        await page.goto(`${base}/#/`);
        // Scope the app to the test's tenant (other tenants hold the same simulated users).
        await page.locator('[data-testid="tenant-picker"] option', { hasText: tenant }).waitFor({ state: 'attached' });
        await page.selectOption('[data-testid="tenant-picker"]', { label: tenant });
        await page.locator('main h1').click();
        await page.keyboard.press('/');
        const box = page.locator('[data-testid="global-search"]');
        assert(await box.evaluate((el) => el === document.activeElement), '"/" does not focus the search box');
        await box.fill(fx.email);
        const hit = page.locator('[role="option"]', { hasText: fx.email });
        await hit.first().waitFor({ timeout: 10_000 });
        assert((await page.locator('[role="option"]').first().innerText()).includes(fx.email), 'the user is not the first hit');
        await page.screenshot({ path: path.join(shotsDir, 'e2e-search-results.png') });
        await box.press('Enter');
        await page.waitForURL(/#\/asset\//);
        await page.locator('h1', { hasText: fx.name }).waitFor();
        assert(decodeURIComponent(new URL(page.url()).hash).includes(fx.id), 'Enter did not open the user');
      },
    },
    {
      name: "detail shows the user's roles and organizations",
      async run(page) {
        await page.goto(`${base}/#/asset/${encodeURIComponent(fx.id)}`);
        const roles = page.locator('[data-section="roles"]');
        await roles.waitFor({ timeout: 20_000 });
        assert((await roles.innerText()).includes(fx.role), `roles do not list ${fx.role}`);
        const orgs = page.locator('[data-section="organizations"]');
        const orgText = await orgs.innerText();
        assert(orgText.includes(fx.org), `organizations do not list ${fx.org}`);
        assert(orgText.includes(fx.orgRole), `organizations do not show the org role ${fx.orgRole}`);
        await page.locator('[data-testid="effective-permissions"]').waitFor({ timeout: 20_000 });
        assert((await page.locator('[data-testid="properties"]').innerText()).includes(fx.email), 'properties lack the email');
        await page.locator(`a.asset-link[href="#/asset/${encodeURIComponent(fx.roleId)}"]`).first().waitFor();
      },
    },
    {
      name: 'graph view opens and expands a node',
      async run(page) {
        await page.goto(`${base}/#/asset/${encodeURIComponent(fx.id)}`);
        await page.click('[data-testid="open-in-graph"]');
        const stage = page.locator('[data-testid="graph-canvas"]');
        await page.waitForFunction(() => Number(document.querySelector('[data-testid="graph-canvas"]')?.getAttribute('data-nodes')) > 1, null, { timeout: 20_000 });
        const before = Number(await stage.getAttribute('data-nodes'));
        assert((await page.locator('canvas').count()) > 0, 'no canvas');
        await page.locator('[data-testid="legend"]').waitFor();
        // Let the layout settle, then click the role node where sigma drew it.
        await page.waitForTimeout(2800);
        const pos = await page.evaluate((id) => window.__authgraphGraph?.viewportOf(id), fx.roleId);
        assert(pos, 'the role is not on the graph');
        const box = await stage.boundingBox();
        await page.mouse.move(box.x + pos.x, box.y + pos.y);
        await page.locator('[data-testid="node-details"]', { hasText: fx.role }).waitFor({ timeout: 5_000 });
        await page.mouse.click(box.x + pos.x, box.y + pos.y);
        await page.waitForFunction((n) => Number(document.querySelector('[data-testid="graph-canvas"]')?.getAttribute('data-nodes')) > n, before, { timeout: 20_000 });
        const after = Number(await stage.getAttribute('data-nodes'));
        assert(after > before, `expanding the role added no node (${before} → ${after})`);
        await page.waitForTimeout(1500);
        // Export PNG downloads an image of the graph.
        const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('text=Export PNG')]);
        const png = path.join(shotsDir, 'e2e-graph-export.png');
        await download.saveAs(png);
        const head = fs.readFileSync(png).subarray(0, 8).toString('hex');
        assert(head === '89504e470d0a1a0a' && fs.statSync(png).size > 2000, `the export is not a PNG (${head}, ${fs.statSync(png).size} bytes)`);
      },
    },
    {
      name: 'console runs a read query and shows rows',
      async run(page) {
        await page.goto(`${base}/#/console`);
        await page.locator('.cm-content').waitFor();
        await setEditor(
          page,
          `MATCH (u:Auth0User {tenant: '${tenant}'})\nRETURN u.name AS name, u.email AS email, u\nORDER BY email\nLIMIT 7`,
        );
        await page.keyboard.press('Control+Enter');
        const table = page.locator('[data-testid="result-table"]');
        await table.waitFor({ timeout: 20_000 });
        const rows = await table.locator('tbody tr').count();
        assert(rows === 7, `expected 7 rows, got ${rows}`);
        assert((await page.locator('[data-testid="result-meta"]').innerText()).includes('7 row'), 'no row count');
        await page.click('[data-testid="graph-tab"]');
        await page.waitForFunction(() => Number(document.querySelector('[data-testid="result-graph"]')?.getAttribute('data-nodes')) === 7, null, { timeout: 10_000 });
        await page.waitForTimeout(1200);
      },
    },
    {
      name: 'console refuses a write with a clear message',
      async run(page) {
        await page.goto(`${base}/#/console`);
        await page.locator('.cm-content').waitFor();
        await setEditor(page, `CREATE (n:E2EProbe {tenant: '${tenant}'}) RETURN n`);
        await page.click('[data-testid="run-query"]');
        const err = page.locator('[data-testid="console-error"]');
        await err.waitFor({ timeout: 20_000 });
        assert((await err.getAttribute('data-code')) === 'FORBIDDEN', `error code ${await err.getAttribute('data-code')}, want FORBIDDEN`);
        const text = await err.innerText();
        assert(/Refused/.test(text) && /read-only/i.test(text) && /CREATE/.test(text), `unclear refusal: ${text}`);
        const hist = await page.locator('[data-testid="history"]').innerText();
        assert(hist.includes('CREATE (n:E2EProbe'), 'the refused query is not in the history');
        const probe = await gql(base, `{ cypher(query: "MATCH (n:E2EProbe) RETURN count(n) AS n") { rows } }`);
        assert(probe.cypher.rows[0][0] === 0, 'the write reached the graph');
      },
    },
    {
      name: 'SQL tab: tables beside the editor, completion, a join as a table, a write refused',
      async run(page) {
        await page.goto(`${base}/#/console`);
        await page.click('[data-testid="sql-tab"]');
        await page.locator('[data-testid="sql-editor"]').waitFor();
        const list = page.locator('[data-testid="sql-tables"]');
        await list.waitFor({ timeout: 20_000 });
        const names = await list.innerText();
        assert(/\busers\b/.test(names) && /user_roles/.test(names) && /organization_members/.test(names), `table list: ${names.slice(0, 200)}`);
        await list.getByRole('button', { name: 'users', exact: true }).click();
        assert((await list.innerText()).includes('mfa_enrolled'), 'the users table shows no columns');
        // Completion of a table name, then of a column name.
        await setEditor(page, 'SELECT * FROM user_ro');
        await page.keyboard.press('Control+Space');
        const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'user_roles' });
        await option.first().waitFor({ timeout: 5_000 });
        await setEditor(page, 'SELECT users.mfa_');
        await page.keyboard.press('Control+Space');
        await page.locator('.cm-tooltip-autocomplete li', { hasText: 'mfa_enrolled' }).first().waitFor({ timeout: 5_000 });
        await page.keyboard.press('Escape');
        await setEditor(
          page,
          `SELECT u.email, r.name FROM users u JOIN user_roles ur ON ur.user_id = u.id AND ur.tenant = u.tenant\nJOIN roles r ON r.id = ur.role_id AND r.tenant = ur.tenant\nWHERE u.tenant = '${tenant}' ORDER BY u.email LIMIT 5`,
        );
        await page.keyboard.press('Control+Enter');
        const table = page.locator('[data-testid="sql-result-table"]');
        await table.waitFor({ timeout: 20_000 });
        const rows = await table.locator('tbody tr').count();
        assert(rows === 5, `expected 5 rows, got ${rows}`);
        assert((await table.locator('thead').textContent()).toLowerCase().includes('email'), 'no email column');
        await page.screenshot({ path: path.join(shotsDir, 'e2e-sql-console.png') });
        await setEditor(page, `DELETE FROM users WHERE tenant = '${tenant}'`);
        await page.click('[data-testid="run-sql"]');
        const err = page.locator('[data-testid="sql-error"]');
        await err.waitFor({ timeout: 20_000 });
        assert((await err.getAttribute('data-code')) === 'FORBIDDEN', `error code ${await err.getAttribute('data-code')}`);
        assert(/Refused/.test(await err.innerText()), 'unclear refusal');
        const left = await gql(base, `{ sql(query: "SELECT COUNT(*) FROM users WHERE tenant = '${tenant}'") { rows } }`);
        assert(left.sql.rows[0][0] > 0, 'the users are gone');
      },
    },
    ...firstHourCases({ base, fx, tenant, users, gql, assert }),
    ...findingsCases({ base, tenant, gql, assert }),
    // From here on the browser is signed in as an admin.
    ...monitorCases({ base, simURL, partialSimURL, simSecret, connected, assert, shotsDir, signInAdmin: (page) => signInAs(page, base, adminToken) }),
    {
      name: 'GraphiQL loads from the server alone, under the CSP',
      async run(page) {
        const foreign = [];
        page.on('request', (r) => {
          const u = r.url();
          if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
        });
        await page.goto(`${base}/graphql`);
        await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
        await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ timeout: 20_000 });
        await page.locator('.graphiql-execute-button').click();
        // The answer (CodeMirror shows only the lines in view: look for the start of it).
        await page.locator('.result-window', { hasText: '"tenants"' }).waitFor({ timeout: 20_000 });
        const result = await page.locator('.result-window').innerText();
        assert(/"lastSync"/.test(result) && !/"errors"/.test(result), `GraphiQL's answer: ${result.slice(0, 300)}`);
        assert(foreign.length === 0, `GraphiQL fetched from elsewhere: ${foreign.slice(0, 3).join(', ')}`);
      },
    },
    {
      name: 'a cross-origin POST with the session cookie is refused',
      async run(page) {
        const other = await otherOrigin();
        try {
          // From a page of another origin on the same site (the Lax cookie
          // goes along): a forged sign-out and a forged query, as forms.
          const t0 = Date.now();
          for (const [p, field] of [['/auth/logout', 'x'], ['/graphql', '{"query":"{ tenants { id } }"}']]) {
            await page.goto(other.url);
            const answer = page.waitForResponse((r) => r.url() === base + p, { timeout: 20_000 });
            await page.evaluate(([action, name]) => {
              const f = document.createElement('form');
              f.method = 'POST';
              f.action = action;
              f.enctype = 'text/plain';
              const i = document.createElement('input');
              i.name = name;
              i.value = '';
              f.appendChild(i);
              document.body.appendChild(f);
              f.submit();
            }, [base + p, field]);
            const r = await answer;
            log(`cross-origin POST ${p}: answered ${r.status()} after ${Date.now() - t0} ms`);
            const sent = await r.request().allHeaders();
            assert(/authgraph_session=/.test(sent.cookie ?? ''), `the forged POST ${p} carried no session cookie (the test proves nothing)`);
            const text = await r.text();
            assert(r.status() === 403 && !text.includes(tenant), `cross-origin POST ${p} answered ${r.status()}: ${text.slice(0, 200)}`);
          }
          // The session survived the forged sign-out.
          await page.goto(`${base}/#/`);
          await page.locator('[data-testid="signed-in-as"]').waitFor({ timeout: 20_000 });
          log(`cross-origin: session checked after ${Date.now() - t0} ms`);
        } finally {
          await other.close();
        }
      },
    },
    {
      name: 'a foreign Host header is refused',
      async run(page) {
        const cookie = (await page.context().cookies(base)).find((k) => k.name === 'authgraph_session');
        assert(cookie, 'no session cookie');
        const port = new URL(base).port;
        for (const host of [`rebind.example:${port}`, 'attacker.test', `127.0.0.1.nip.io:${port}`, `localhost.evil.test:${port}`]) {
          for (const [method, p, headers, body] of [
            ['GET', '/', {}, ''],
            ['POST', '/graphql', { 'content-type': 'application/json', cookie: `${cookie.name}=${cookie.value}` }, '{"query":"{ tenants { id } }"}'],
            ['POST', '/graphql', { 'content-type': 'application/json', authorization: `Bearer ${token}` }, '{"query":"{ tenants { id } }"}'],
          ]) {
            const r = await rawRequest(base, { method, path: p, headers: { ...headers, host }, body });
            assert(r.status === 421 && !r.body.includes('tenants'), `${method} ${p} with Host ${host} answered ${r.status}`);
          }
        }
        const ok = await rawRequest(base, { path: '/healthz', headers: { host: `localhost:${port}` } });
        assert(ok.status === 200, `Host localhost answered ${ok.status}`);
      },
    },
    {
      name: 'signs out',
      async run(page) {
        await page.goto(`${base}/#/`);
        await page.locator('[data-testid="sign-out"]').click();
        await page.locator('[data-testid="signin-page"]').waitFor({ timeout: 20_000 });
        const r = await page.evaluate(async (b) => (await fetch(b + '/auth/me')).status, base);
        assert(r === 401, `after signing out /auth/me answered ${r}`);
      },
    },
  ];
}

/** Screenshots at a phone's size, for the artifacts (no assertions beyond loading). */
async function phoneShots(base, fx) {
  const { context, close } = await launch({ width: 390, height: 844 });
  try {
    const page = await context.newPage();
    await signIn(page, base);
    for (const [name, hash, sel] of [
      ['overview', '#/', '[data-testid="tenant-card"]'],
      ['user', `#/asset/${encodeURIComponent(fx.id)}`, '[data-section="roles"]'],
      ['users', '#/assets/User', '[data-testid="asset-table"]'],
      ['graph', `#/graph?id=${encodeURIComponent(fx.id)}`, '[data-testid="legend"]'],
      ['console', '#/console', '.cm-content'],
    ]) {
      await page.goto(`${base}/${hash}`);
      await page.locator(sel).first().waitFor({ timeout: 20_000 });
      await page.waitForTimeout(name === 'graph' ? 2500 : 300);
      await page.screenshot({ path: path.join(shotsDir, `e2e-phone-${name}.png`) });
    }
  } finally {
    await close();
  }
}

async function main() {
  let passed = 0;
  let failed = 0;
  let base;
  try {
    base = await setUp();
    const fx = await fixtures(base);
    log(`fixture user ${fx.email} (role ${fx.role}, organization ${fx.org} as ${fx.orgRole})`);
    const { context, close } = await launch({ width: 1280, height: 800 });
    try {
      let i = 0;
      // E2E_ONLY=regex runs the matching cases (and the first, which signs in).
      const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, 'i') : null;
      for (const c of cases(base, fx).filter((c, k) => !only || k === 0 || only.test(c.name))) {
        i++;
        const page = await context.newPage();
        const pageErrors = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        // A resource or script the Content-Security-Policy blocked is a failure too.
        page.on('console', (m) => {
          if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`);
        });
        const t = Date.now();
        const shot = path.join(shotsDir, `e2e-${String(i).padStart(2, '0')}-${c.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
        try {
          await Promise.race([
            c.run(page),
            new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 90 s')), 90_000)),
          ]);
          if (pageErrors.length) throw new Error(`uncaught error in the page: ${pageErrors[0]}`);
          await page.screenshot({ path: shot });
          passed++;
          console.log(`ok   ${c.name} (${Date.now() - t} ms)`);
        } catch (e) {
          failed++;
          await page.screenshot({ path: shot.replace(/\.png$/, '-FAILED.png') }).catch(() => {});
          console.log(`FAIL ${c.name} (${Date.now() - t} ms): ${e.message.split('\n')[0]}`);
        }
        await page.close();
      }
    } finally {
      await close();
    }
    await phoneShots(base, fx).catch((e) => log(`phone screenshots failed: ${e.message}`));
  } catch (e) {
    failed++;
    console.log(`FAIL set-up: ${e.message}`);
    log(`logs in ${path.relative(repoDir, logsDir)}/`);
  } finally {
    if (process.env.E2E_KEEP === '1' && base) {
      log(`E2E_KEEP=1: leaving ${base}/ running; Ctrl-C stops it`);
      await new Promise((r) => process.once('SIGINT', r));
    }
    await stopAll();
    await dropTenant(tenant).catch((e) => log(`could not remove tenant ${tenant}: ${e.message.split('\n')[0]}`));
    await dropTenant(connected).catch((e) => log(`could not remove tenant ${connected}: ${e.message.split('\n')[0]}`));
    if (adminTokenId) await run(BIN, ['tokens', 'revoke', adminTokenId], { quiet: true }).catch((e) => log(`revoking ${adminTokenId}: ${e.message}`));
    if (tokenId) await run(BIN, ['tokens', 'revoke', tokenId], { quiet: true }).catch((e) => log(`revoking ${tokenId}: ${e.message}`));
    if (neo4jStartedHere) await run(BIN, ['neo4j', 'stop'], { quiet: true }).catch(() => {});
  }
  // No token anywhere in the run's logs (the servers' and this run's own output).
  if (token) {
    const secrets = [token, adminToken].filter(Boolean).map((t) => t.split('_')[2]);
    const leaks = [];
    for (const f of fs.readdirSync(logsDir)) {
      const text = fs.readFileSync(path.join(logsDir, f), 'utf8');
      if (secrets.some((s) => text.includes(s))) leaks.push(f);
      // The simulators print their own credentials; the server never a client secret.
      if (f === 'serve.log' && text.includes(simSecret)) leaks.push(`${f} (the client secret)`);
    }
    if (secrets.some((s) => printed.join('\n').includes(s))) leaks.push('the e2e output');
    if (leaks.length) {
      failed++;
      console.log(`FAIL the API token appears in: ${leaks.join(', ')}`);
    } else {
      passed++;
      console.log(`ok   no token in the logs (${fs.readdirSync(logsDir).join(', ')} and this run's output)`);
    }
  }
  log(`screenshots in ${path.relative(repoDir, shotsDir)}/; took ${((Date.now() - began) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

process.on('SIGINT', () => {
  if (process.env.E2E_KEEP === '1') return;
  stopAll().finally(() => process.exit(130));
});
process.on('SIGTERM', () => stopAll().finally(() => process.exit(143)));

await main();
