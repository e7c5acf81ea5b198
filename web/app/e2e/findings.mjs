// Browser cases for rules and findings (issue 16): the findings page lists
// the simulator's findings and filters them through the URL, a rule page
// draws one finding's graph, and a suppression made in the UI is still
// there after a reload (and on the asset's page). run.mjs imports these;
// the run signs in with an analyst token, so suppressing is allowed.

/** The simulator's planted misconfigurations these cases rely on (see internal/findings/rules_test.go). */
const HS256_CLIENT = 'Internal Admin Dashboard';

export function findingsCases({ base, tenant, gql, assert }) {
  const rows = (page) => page.locator('[data-testid="findings-table"] [data-testid="finding-row"]');
  /** How many findings the API has for a filter. */
  const apiCount = async (filter) =>
    (await gql(base, `query($f: FindingFilter) { findings(filter: $f, first: 1) { totalCount } }`, { f: { tenant, ...filter } })).findings.totalCount;
  /** Waits until the findings page has loaded the answer to its current filters and shows total findings. */
  const settled = async (page, total) => {
    await page.waitForFunction(
      (n) => {
        const p = document.querySelector('[data-testid="findings-page"]');
        const c = document.querySelector('[data-testid="findings-count"]')?.textContent ?? '';
        return p?.getAttribute('data-state') === 'ok' && (n === 0 ? c === 'No findings' : c.includes(`of ${n.toLocaleString('en-US')} `));
      },
      total, { timeout: 20_000 },
    );
  };
  return [
    {
      name: "the findings page lists the simulator's findings and filters them in the URL",
      async run(page) {
        await page.goto(`${base}/#/findings?tenant=${encodeURIComponent(tenant)}`);
        const open = await apiCount({ status: ['OPEN'] });
        assert(open > 0, 'the API has no open findings for the tenant');
        await settled(page, open);
        // Most severe first: the first row is critical (the simulator plants m2m-management-write).
        assert((await rows(page).first().getAttribute('data-rule')) !== null, 'rows carry no rule');
        const firstSev = await rows(page).first().locator('[data-severity]').getAttribute('data-severity');
        assert(firstSev === 'CRITICAL', `the first row is ${firstSev}, not CRITICAL`);

        // A rule filter (the select) goes into the URL and narrows the rows to that rule.
        await page.selectOption('[data-filter="rule"]', 'client-hs256');
        await page.waitForURL(/rule=client-hs256/);
        await settled(page, await apiCount({ status: ['OPEN'], rule: 'client-hs256' }));
        const ruleRows = await page.locator('[data-testid="finding-row"]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-rule')));
        assert(ruleRows.length > 0 && ruleRows.every((r) => r === 'client-hs256'), `rows of other rules: ${ruleRows}`);
        const text = await rows(page).first().innerText();
        assert(text.includes(HS256_CLIENT), `client-hs256 does not list ${HS256_CLIENT}: ${text}`);

        // A severity toggle narrows by severity; sorting by a column goes into the URL.
        await page.goto(`${base}/#/findings?tenant=${encodeURIComponent(tenant)}`);
        await settled(page, open);
        await page.click('[data-filter="severity"] [data-value="HIGH"]');
        await page.waitForURL(/severity=HIGH/);
        const high = await apiCount({ status: ['OPEN'], severity: ['HIGH'] });
        assert(high > 1 && high < open, `${high} high of ${open} open findings: the filter cannot be told apart`);
        await settled(page, high);
        const sev = await page.locator('[data-testid="finding-row"] [data-severity]').evaluateAll((es) => es.map((e) => e.getAttribute('data-severity')));
        assert(sev.length === Math.min(high, 100) && sev.every((s) => s === 'HIGH'), `severity filter rows: ${sev}`);
        // Sorting asks the server (code point order, like Cypher), so it holds across pages.
        const title = (page) => page.locator('[data-testid="finding-row"] td:nth-child(2) a').allInnerTexts();
        await page.click('[data-sort="rule"]');
        await page.waitForURL(/sort=rule&dir=asc|dir=asc&sort=rule|sort=rule/);
        await page.waitForFunction(() => document.querySelector('[data-testid="findings-page"]')?.getAttribute('data-query')?.includes('"RULE"'), null, { timeout: 10_000 });
        await settled(page, high);
        const up = await title(page);
        assert(up.join('\n') === [...up].sort().join('\n'), `sorting by rule does not order the rows: ${up}`);
        await page.click('[data-sort="rule"]');
        await page.waitForFunction(() => document.querySelector('[data-testid="findings-page"]')?.getAttribute('data-query')?.includes('"DESC"'), null, { timeout: 10_000 });
        await settled(page, high);
        const down = await title(page);
        assert(down.join('\n') === [...down].sort().reverse().join('\n'), `descending by rule: ${down}`);
      },
    },
    {
      name: 'a rule page shows its description, pass ratio and the graph of one finding',
      async run(page) {
        await page.goto(`${base}/#/rule/client-hs256?tenant=${encodeURIComponent(tenant)}`);
        await page.locator('h1', { hasText: 'ID tokens signed with HS256' }).waitFor({ timeout: 20_000 });
        assert((await page.locator('[data-testid="rule-remediation"]').innerText()).length > 20, 'no remediation');
        const ratio = await page.locator('[data-testid="pass-ratio"]').first().innerText();
        assert(/^\d+ %$/.test(ratio.trim()), `no pass ratio: ${ratio}`);
        await page.locator('[data-testid="finding-panel"]').waitFor({ timeout: 20_000 });
        await page.waitForFunction(() => Number(document.querySelector('[data-testid="finding-graph"]')?.getAttribute('data-nodes')) >= 1, null, {
          timeout: 20_000,
        });
        assert((await page.locator('[data-testid="finding-graph"] canvas').count()) > 0, 'the graph has no canvas');
        await page.locator('[data-testid="legend"]').waitFor();
        assert((await page.locator('[data-testid="finding-panel"]').innerText()).includes(HS256_CLIENT), `the finding shown is not ${HS256_CLIENT}'s`);
        await page.locator('[data-testid="finding-graph"]').scrollIntoViewIfNeeded();
        await page.waitForTimeout(1200);
      },
    },
    {
      name: 'a suppression made in the UI shows as suppressed after a reload',
      async run(page) {
        const rule = 'client-cross-origin-auth';
        await page.goto(`${base}/#/findings?tenant=${encodeURIComponent(tenant)}&rule=${rule}&status=OPEN,SUPPRESSED`);
        const row = rows(page).first();
        await row.waitFor({ timeout: 20_000 });
        const id = await row.getAttribute('data-finding');
        assert((await row.getAttribute('data-status')) === 'OPEN', 'the finding is not open to begin with');
        await row.locator('[data-testid="suppress"]').click();
        const until = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
        await page.fill('[data-testid="suppress-reason"]', 'e2e: accepted while the dashboard moves');
        await page.fill('[data-testid="suppress-until"]', until);
        await page.click('[data-testid="suppress-submit"]');
        const mine = page.locator(`[data-testid="finding-row"][data-finding="${id}"]`);
        await page.locator(`[data-testid="finding-row"][data-finding="${id}"][data-status="SUPPRESSED"]`).waitFor({ timeout: 10_000 });

        await page.reload();
        await page.locator(`[data-testid="finding-row"][data-finding="${id}"][data-status="SUPPRESSED"]`).waitFor({ timeout: 20_000 });
        const text = await mine.innerText();
        assert(/suppressed/i.test(text) && text.includes('accepted while the dashboard moves'), `after a reload the row says: ${text}`);
        const api = await gql(base, `query($id: ID!) { finding(id: $id) { status suppression { reason until by } } }`, { id });
        assert(api.finding.status === 'SUPPRESSED' && api.finding.suppression.until.startsWith(until), `the API has ${JSON.stringify(api.finding)}`);
        assert(/e2e/.test(api.finding.suppression.by), `suppressed by ${api.finding.suppression.by}, not the signed-in token`);

        // The asset's page shows the finding, suppressed; lifting it there reopens it.
        const asset = await gql(base, `query($id: ID!) { finding(id: $id) { assetId } }`, { id });
        await page.goto(`${base}/#/asset/${encodeURIComponent(asset.finding.assetId)}`);
        const onAsset = page.locator(`[data-testid="asset-findings"] [data-finding="${id}"]`);
        await onAsset.waitFor({ timeout: 20_000 });
        assert((await onAsset.getAttribute('data-status')) === 'SUPPRESSED', 'the asset page does not show the suppression');
        await onAsset.locator('[data-testid="unsuppress"]').click();
        await page.locator(`[data-testid="asset-findings"] [data-finding="${id}"][data-status="OPEN"]`).waitFor({ timeout: 10_000 });
      },
    },
    {
      name: "the overview shows the tenant's posture score",
      async run(page) {
        await page.goto(`${base}/#/`);
        const item = page.locator(`[data-testid="posture-tenant"][data-tenant="${tenant}"]`);
        await item.waitFor({ timeout: 20_000 });
        const score = (await item.locator('[data-testid="posture-score"]').innerText()).replace(/\s+/g, '');
        const api = await gql(base, `query($t: String!) { findingsSummary(tenant: $t) { score } }`, { t: tenant });
        assert(score === `${api.findingsSummary.score.toFixed(0)}%`, `the overview shows ${score}, the API ${api.findingsSummary.score}`);
      },
    },
  ];
}
