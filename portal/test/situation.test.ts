/**
 * The shared situation picture in a browser: on the seeded demo (pn's camera and mad's Remote ID receiver report the
 * same drone at the Bernabéu), pn's analyst sees the reports linked with why on the detail page and in the graph, the
 * stadium's dashboard at level high with its reasons, alerts, guidance and timeline, and sends a situation report;
 * pn's supervisor sees in the alert console which venue the camera's alert concerns, at what level (an operator, whom
 * the policy shows alerts but not locations, sees the alert's own venue name only).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCENARIO_IDS, seedScenario, startDemo, type DemoCluster } from '@popart/node/demo';
import type { Browser, Page } from 'playwright-core';
import { assertPortalBuilt, launch, newContext, screenshot, signIn } from './browser.js';

describe('correlations and the venue dashboard in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-situation-'));
  let cluster: DemoCluster;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assertPortalBuilt();
    cluster = await startDemo({ dataDir: dir, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    await seedScenario(cluster);
    browser = await launch();
    page = await (await newContext(browser, { locale: 'en-GB' })).newPage();
    await signIn(page, cluster.nodes.pn.url.replace(/graphql$/, ''), 'pn-analyst');
  });

  after(async () => {
    await browser?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the detail page lists the linked report of the other agency with why, and draws objects and agencies as a graph', async () => {
    await page.goto(`${cluster.nodes.pn.url.replace(/graphql$/, '')}threat/${encodeURIComponent(SCENARIO_IDS.pnCamera)}`);
    const panel = page.getByTestId('correlations');
    const link = panel.locator('li[data-kind="proximity"]', { hasText: 'Concha Espina' });
    await link.waitFor();
    assert.match(await link.innerText(), /two drone alerts \d+ m apart/);
    assert.match(await link.innerText(), /another agency/);
    const graph = page.getByTestId('correlation-graph');
    await graph.locator(`[data-object="${SCENARIO_IDS.madAlert}"]`).waitFor();
    assert.equal(await graph.locator('[data-agency="mad"]').count(), 1);
    assert.equal(await graph.locator('[data-agency="pn"]').count(), 1);
    await screenshot(page, 'correlations-pn-analyst');
    await graph.locator(`[data-object="${SCENARIO_IDS.madAlert}"]`).click();
    await page.locator(`[data-threat-id="${SCENARIO_IDS.madAlert}"]`).waitFor();
  });

  test('the venue dashboard: the stadium at level high, why, the alerts with guidance, the timeline; a situation report in one click', async () => {
    await page.getByRole('link', { name: 'Venues' }).click();
    await page.locator(`[data-venue="${SCENARIO_IDS.venue}"]`).getByRole('link').click();
    const level = page.getByTestId('risk-level').first();
    await level.waitFor();
    assert.equal(await level.getAttribute('data-level'), 'high');
    assert.match(await page.getByTestId('risk-reasons').innerText(), /high: score 6/);
    const alerts = page.getByTestId('contributing').locator(':scope > li');
    assert.equal(await alerts.count(), 3);
    assert.match(await page.getByTestId('contributing').innerText(), /Do not engage the drone/);
    assert.match(await page.getByTestId('timeline').innerText(), /two drone alerts/);
    assert.ok(await page.locator('.venue svg').count() >= 1, 'the map at the venue\'s scale');
    await screenshot(page, 'venue-dashboard-pn-analyst');
    await page.getByTestId('situation-report').click();
    await page.getByText(/Situation report published \(High, \d+ objects, block \d+\)/).waitFor();
  });

  test('the alert console names the registered venue an alert concerns, at what level, for a supervisor; an operator, who may not see venues, keeps the alert\'s venue name', async () => {
    const base = cluster.nodes.pn.url.replace(/graphql$/, '');
    /** The console's asks for the venues (the AlertVenues query) a page makes. */
    const venueAsks = (page: Page): string[] => {
      const asks: string[] = [];
      page.on('request', (r) => { if (r.method() === 'POST' && (r.postData() ?? '').includes('query AlertVenues')) asks.push(r.url()); });
      return asks;
    };
    const supervisor = await (await newContext(browser, { locale: 'en-GB' })).newPage();
    const supervisorAsks = venueAsks(supervisor);
    await signIn(supervisor, base, 'pn-supervisor');
    await supervisor.goto(`${base}console`);
    const venue = supervisor.locator(`[data-alert-id="${SCENARIO_IDS.pnCamera}"] [data-testid="alert-venue"][data-venue="${SCENARIO_IDS.venue}"]`);
    await venue.waitFor();
    assert.ok(supervisorAsks.length >= 1, 'a supervisor\'s console asks for the venues');
    assert.match(await venue.innerText(), /Bernabéu/);
    assert.equal(await venue.getByTestId('risk-level').getAttribute('data-level'), 'high');
    await screenshot(supervisor, 'console-venue-pn-supervisor');
    await venue.getByRole('link').click();
    await supervisor.getByTestId('risk-reasons').waitFor();
    await supervisor.context().close();

    const operator = await (await newContext(browser, { locale: 'en-GB' })).newPage();
    const operatorAsks = venueAsks(operator);
    await signIn(operator, base, 'pn-operator');
    await operator.goto(`${base}console`);
    const card = operator.locator(`[data-alert-id="${SCENARIO_IDS.pnCamera}"]`);
    await card.waitFor();
    assert.match(await card.locator('.meta').innerText(), /Estadio Santiago Bernabéu/);
    assert.equal(await card.getByTestId('alert-venue').count(), 0, 'the policy shows operators alerts, not locations: no venue, no level');
    assert.deepEqual(operatorAsks, [], 'nor asks for them: each ask would be an empty, audited consultation');
    await operator.context().close();
  });
});
