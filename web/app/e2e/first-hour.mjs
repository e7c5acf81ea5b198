// Browser cases for what a new user meets in the first hour (issue 19), and
// the runner's test-graph hygiene: the tests' own Neo4j, a sweep of what an
// interrupted run left, and removing the run's tenant whatever happens.
// run.mjs imports these; the cases get the same page and fixtures as its own.

import path from 'node:path';
import { repoDir, run } from './lib.mjs';

/** The tests' own Neo4j (as in the Makefile): never the demo's graph. */
export const testNeo4j = {
  dir: path.join(repoDir, '.authgraph', 'neo4j-test'),
  port: 7688,
  size: ['--heap', '1g', '--page-cache', '256m'],
};

/** Below E2E_USERS on purpose: the sync skips direct user permissions, so the completeness notes show. */
export const userPermissionsLimit = Number(process.env.E2E_USER_PERMISSIONS_LIMIT ?? 100);

const testgraph = path.join(repoDir, 'bin', 'testgraph');

async function buildTestgraph() {
  await run('go', ['build', '-o', testgraph, './internal/cmd/testgraph'], { quiet: true });
}

/** Deletes e2e-… tenants an interrupted run left in the tests' server (refused on any other). */
export async function sweepLeftovers() {
  await buildTestgraph();
  const out = await run(testgraph, ['sweep', 'e2e-'], { quiet: true });
  if (out.trim()) console.log(`e2e: ${out.trim()}`);
}

/** Removes this run's tenant from whichever server it used. */
export async function dropTenant(tenant) {
  await buildTestgraph();
  await run(testgraph, ['drop', tenant], { quiet: true });
}

/** Ids the cases need: a role of the fixture user that grants a permission (tenant-wide or in an organization), and the user's organization. */
async function reachFixtures({ base, gql, fx, tenant }) {
  const d = await gql(
    base,
    `query($q: String!, $p: Map) { cypher(query: $q, params: $p) { rows } }`,
    {
      q: `MATCH (u:Auth0User {id: $user})-[:MEMBER_OF]->(o:Auth0Organization {name: $org})
          CALL (u) {
            MATCH (u)-[:HAS_ROLE]->(r:Auth0Role)-[:GRANTS]->(p:Auth0Permission) RETURN r, p
            UNION
            MATCH (u)-[:HAS_MEMBERSHIP]->(:Auth0OrgMembership)-[:WITH_ROLE]->(r:Auth0Role)-[:GRANTS]->(p:Auth0Permission) RETURN r, p
          }
          RETURN r.id, p.id, o.id ORDER BY r.id, p.id LIMIT 1`,
      p: { user: fx.id, org: fx.org, tenant },
    },
  );
  const row = d.cypher.rows[0];
  if (!row) throw new Error(`no role of ${fx.email} grants a permission`);
  return { roleId: row[0], permId: row[1], orgId: row[2] };
}

async function scopeTo(page, tenant) {
  await page.locator('[data-testid="tenant-picker"] option', { hasText: tenant }).waitFor({ state: 'attached' });
  await page.selectOption('[data-testid="tenant-picker"]', { label: tenant });
}

export function firstHourCases({ base, fx, tenant, users, gql, assert }) {
  let reach;
  const ids = async () => (reach ??= await reachFixtures({ base, gql, fx, tenant }));
  return [
    {
      name: 'overview says what the last sync did not collect',
      async run(page) {
        await page.goto(`${base}/#/`);
        const card = page.locator(`[data-testid="tenant-card"][data-tenant="${tenant}"]`);
        await card.waitFor({ timeout: 20_000 });
        const pill = await card.locator('[data-testid="status-pill"]').innerText();
        assert(/incomplete/i.test(pill), `the status is a plain "${pill}" although direct user permissions were skipped`);
        const note = await card.locator('[data-testid="incomplete-note"]').innerText();
        assert(/direct user permissions were not collected/i.test(note) && note.includes(`${users} users`), `unclear note: ${note}`);
        await card.scrollIntoViewIfNeeded();
      },
    },
    {
      name: "a user's effective permissions say direct grants were not collected",
      async run(page) {
        await page.goto(`${base}/#/asset/${encodeURIComponent(fx.id)}`);
        const note = page.locator('[data-testid="effective-incomplete"]');
        await note.waitFor({ timeout: 20_000 });
        const text = await note.innerText();
        assert(/direct permissions were not collected for this user/i.test(text) && /user-permissions-limit/.test(text), `unclear note: ${text}`);
        await page.locator('[data-testid="effective-permissions"]').waitFor({ timeout: 20_000 });
        // authgraph's bookkeeping is labelled as such, apart from Auth0's properties.
        const own = await page.locator('[data-testid="bookkeeping"]').innerText();
        assert(/first seen by authgraph/i.test(own) && /last updated by authgraph/i.test(own), `bookkeeping: ${own}`);
        const props = await page.locator('[data-testid="properties"]').innerText();
        assert(!/firstseen|lastupdated/i.test(props), 'bookkeeping mixed into Auth0 properties');
      },
    },
    {
      name: 'a directory filter over direct permissions says the data is missing',
      async run(page) {
        const { permId } = await ids();
        await page.goto(`${base}/#/assets/User?permission=${encodeURIComponent(permId)}`);
        const note = page.locator('[data-testid="directory-incomplete"]');
        await note.waitFor({ timeout: 20_000 });
        assert(/direct user permissions were not collected/i.test(await note.innerText()), 'no note on the direct-permission filter');
        // Without that filter, no note.
        await page.goto(`${base}/#/assets/User`);
        await page.locator('[data-testid="asset-table"]').waitFor({ timeout: 20_000 });
        assert((await page.locator('[data-testid="directory-incomplete"]').count()) === 0, 'a note on an unfiltered list');
      },
    },
    {
      name: '#/assets/roles opens the roles directory; one tenant hides the tenant column',
      async run(page) {
        await page.goto(`${base}/#/`);
        await scopeTo(page, tenant);
        await page.goto(`${base}/#/assets/roles`);
        await page.locator('[data-testid="asset-table"]').waitFor({ timeout: 20_000 });
        await page.waitForURL(/#\/assets\/Role/);
        assert((await page.locator('main h1').innerText()).startsWith('Roles'), `heading ${await page.locator('main h1').innerText()}`);
        assert((await page.locator('[data-testid="asset-table"]').innerText()).includes(fx.role), `the roles list lacks ${fx.role}`);
        const heads = await page.locator('[data-testid="asset-table"] thead th').allInnerTexts();
        assert(!heads.some((h) => /tenant/i.test(h)), `a tenant column with one tenant selected: ${heads.join(', ')}`);
      },
    },
    {
      name: 'open in graph from a user shows what it reaches: roles with their permissions, organizations',
      async run(page) {
        const { roleId, permId, orgId } = await ids();
        await page.goto(`${base}/#/asset/${encodeURIComponent(fx.id)}`);
        await page.click('[data-testid="open-in-graph"]');
        await page.waitForURL(/view=reach/);
        const has = (id) => page.evaluate((i) => !!window.__authgraphGraph?.graph.hasNode(i), id);
        await page.waitForFunction((i) => !!window.__authgraphGraph?.graph.hasNode(i), permId, { timeout: 20_000 });
        assert(await has(roleId), 'the role is not on the graph');
        assert(await has(orgId), 'the organization is not on the graph');
        assert(await has(permId), "the role's permission is not on the graph");
        await page.waitForTimeout(1500);
      },
    },
  ];
}
