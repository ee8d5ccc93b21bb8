/**
 * The portal in a real browser (Debian chromium via playwright-core) against the four-agency demo:
 * pn's analyst publishes an alert for Madrid's municipal police, it arrives live in mad's operator
 * console (another browser, phone sized), the operator acknowledges it, and pn's analyst sees the
 * acknowledgement in the alert's detail; users without rights get the "why" panel, not the content.
 * Screenshots of each main view go to .test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCENARIO_IDS, seedScenario, startDemo, type DemoCluster } from '@popart/node/demo';
import { ALERT_EXTENSION_ID, markedForExercise, tlpMarkingRef } from '@popart/schemas';
import type { Browser, BrowserContext } from 'playwright-core';
import { issuesByField } from '../src/publish/field-issues.js';
import { assertPortalBuilt, horizontalOverflow, launch, newContext, screenshot, signIn } from './browser.js';

const ALERT_NAME = `Drone over Puerta del Sol ${Date.now().toString(36)}`;
const GUIDANCE = 'Keep the crowd away from the stage; look for the pilot on the rooftops of Calle Mayor.';

describe('the portal in a browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'popart-portal-'));
  let cluster: DemoCluster;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const portal = (key: 'pn' | 'pj' | 'mad' | 'crm'): string => cluster.nodes[key].url.replace(/graphql$/, '');
  let alertId = '';

  const gqlAs = async <T>(key: 'pn' | 'pj' | 'mad' | 'crm', user: string, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const post = async (q: string, v: Record<string, unknown>, token?: string): Promise<{ data?: T; errors?: unknown[] }> => {
      const r = await fetch(cluster.nodes[key].url, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: q, variables: v }),
      });
      return (await r.json()) as { data?: T; errors?: unknown[] };
    };
    const l = (await post('mutation($u: String!) { login(username: $u, password: "demo") { token } }', { u: user })) as unknown as { data: { login: { token: string } } };
    const r = await post(query, variables, l.data.login.token);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data as T;
  };

  const context = async (opts: Parameters<typeof newContext>[1] = {}): Promise<BrowserContext> => {
    const ctx = await newContext(browser, opts);
    contexts.push(ctx);
    return ctx;
  };

  before(async () => {
    assertPortalBuilt();
    cluster = await startDemo({ dataDir: dir, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    await seedScenario(cluster);
    browser = await launch();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('pn-analyst signs in and sees agency, role and jurisdiction, the feed and the map', async () => {
    const page = await (await context()).newPage();
    await signIn(page, portal('pn'), 'pn-analyst');
    const who = await page.getByTestId('who').innerText();
    assert.match(who, /Analyst, Policía Nacional/);
    assert.match(who, /Policía Nacional · national authority/);
    assert.match(who, /Jurisdiction: centre 39\.\d{3}, -3\.\d{3}/);
    const seeded = page.locator(`[data-threat-id="${SCENARIO_IDS.alert}"]`);
    await seeded.waitFor();
    assert.match(await seeded.innerText(), /Drone over Estadio Santiago Bernabéu/);
    await screenshot(page, 'feed-pn-analyst');

    // Filters: severity low hides the (high) seeded alert; text search finds it again.
    await page.getByLabel('Severity').selectOption('low');
    await seeded.waitFor({ state: 'detached' });
    await page.getByLabel('Severity').selectOption('');
    await page.getByLabel('Search text').fill('Bernabéu');
    await seeded.waitFor();
    assert.equal(await page.locator('[data-threat-id]').count() >= 1, true);

    await page.getByRole('link', { name: 'Map' }).click();
    const shape = page.locator(`path[data-object-id="${SCENARIO_IDS.alert}"]`);
    await shape.waitFor();
    await page.locator('path.land').first().waitFor();
    await screenshot(page, 'map-pn-analyst');
    await shape.click();
    await page.waitForURL(/\/threat\/incident--/);
    await page.getByRole('heading', { name: 'Drone over Estadio Santiago Bernabéu' }).waitFor();
    const detail = await page.locator('article.detail').innerText();
    assert.match(detail, /signature\s*\n?.*verified against the publisher's registered key/i);
    assert.match(detail, /related-to → indicator--/, 'the related indicator is listed');
    await page.getByText('Show the raw STIX 2.1 object').click();
    assert.match(await page.locator('details.raw pre').innerText(), /"sensor_kind": "remote-id"/);
    await screenshot(page, 'detail-seeded-alert');
    // The related indicator, and mad's sighting of it.
    await page.getByRole('link', { name: SCENARIO_IDS.indicator }).click();
    await page.getByRole('heading', { name: 'Remote ID broadcast of the drone over the Bernabéu' }).waitFor();
    assert.match(await page.locator('article.detail').innerText(), /Sightings\s+Policía Municipal de Madrid — .*Patrol unit 12/);
  });

  test('first view: what needs no purpose at once, how many wait for one; a purpose stated once serves the session', async () => {
    const now = new Date();
    const restricted = {
      type: 'incident', spec_version: '2.1', id: `incident--${crypto.randomUUID()}`, created: now.toISOString(), modified: now.toISOString(),
      created_by_ref: cluster.nodes.pn.agency.identityId, name: 'Restricted: drone pilot identified near gate 7',
      object_marking_refs: [tlpMarkingRef('amber')],
      extensions: {
        [ALERT_EXTENSION_ID]: {
          extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 90,
          area: { shape: 'circle', latitude: 40.4531, longitude: -3.6883, radius_m: 200 }, sensor_kind: 'remote-id', venue: 'Estadio Santiago Bernabéu',
          expires: new Date(now.getTime() + 3_600_000).toISOString(), guidance: 'Plain-clothes unit to gate 7.', audience_refs: [cluster.nodes.mad.agency.identityId],
        },
      },
    };
    const r = await gqlAs<{ publishBundle: { blockNumber: number } }>('pn', 'pn-analyst', 'mutation($b: JSON!) { publishBundle(bundle: $b) { blockNumber } }',
      { b: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [restricted] } });
    await cluster.nodes.pn.listener.waitForBlock(r.publishBundle.blockNumber);

    const page = await (await context()).newPage();
    await signIn(page, portal('pn'), 'pn-analyst');
    // At once: the seeded (TLP:GREEN) alert, no error, and how many restricted results wait for a purpose.
    await page.locator(`[data-threat-id="${SCENARIO_IDS.alert}"]`).waitFor();
    assert.match(await page.getByTestId('left-out').innerText(), /^(1 more result needs|\d+ more results need) a purpose/);
    assert.equal(await page.locator(`[data-threat-id="${restricted.id}"]`).count(), 0);
    assert.doesNotMatch(await page.locator('main').innerText(), /Some results are restricted/);
    await screenshot(page, 'first-view-no-purpose');

    await page.getByLabel('Purpose of this consultation').fill('Case 2026/118 Bernabéu drone');
    await page.getByRole('button', { name: 'Use for this session' }).click();
    await page.locator(`[data-threat-id="${restricted.id}"]`).waitFor();
    assert.match(await page.getByTestId('purpose-stated').innerText(), /Purpose of this session: Case 2026\/118 Bernabéu drone/);
    assert.equal(await page.getByTestId('left-out').count(), 0);
    await screenshot(page, 'first-view-purpose-stated');
    // The node keeps it for the session: a reload (and the map) need nothing typed again.
    await page.reload();
    await page.locator(`[data-threat-id="${restricted.id}"]`).waitFor();
    await page.getByRole('link', { name: 'Map' }).click();
    await page.locator(`path[data-object-id="${restricted.id}"]`).waitFor();

    const audit = await gqlAs<{ auditLog: { edges: { node: { action: string; purpose: string | null; actor: string } }[] } }>('pn', 'pn-auditor',
      'query($id: String) { auditLog(filter: { objectId: $id, action: CONSULTATION }, first: 20) { edges { node { action purpose actor } } } }', { id: restricted.id });
    const consultations = audit.auditLog.edges.map((e) => e.node).filter((n) => n.actor === 'pn-analyst');
    assert.ok(consultations.length >= 2, 'the feed after stating, after the reload, and the map');
    assert.ok(consultations.every((c) => c.purpose === 'Case 2026/118 Bernabéu drone'), JSON.stringify(consultations));
  });

  test('Remote ID: the drone track and the pilot are drawn; a partner agency gets the track without the pilot, and is told why', async () => {
    const now = new Date();
    const id = 'incident--0b7e3c52-6a0d-4a4b-9b7e-5d6c2f9a1c01';
    const track = [[-3.7065, 40.4155], [-3.7052, 40.4162], [-3.7041, 40.4170], [-3.7036, 40.4176]];
    const alert = {
      type: 'incident', spec_version: '2.1', id, created: now.toISOString(), modified: now.toISOString(),
      created_by_ref: cluster.nodes.pn.agency.identityId, name: 'Remote ID drone over Plaza Mayor',
      object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
      x_popart_track: track, x_popart_operator_position: [-3.7089, 40.4149],
      extensions: {
        'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f': {
          extension_type: 'property-extension', category: 'drone', severity: 'medium', detection_confidence: 95,
          area: { shape: 'circle', latitude: 40.4176, longitude: -3.7036, radius_m: 150 }, sensor_kind: 'remote-id', venue: 'Plaza Mayor',
          expires: new Date(now.getTime() + 3_600_000).toISOString(), guidance: 'Locate the pilot west of the square.',
        },
      },
    };
    const r = await gqlAs<{ publishBundle: { blockNumber: number } }>('pn', 'pn-analyst', 'mutation($b: JSON!) { publishBundle(bundle: $b) { blockNumber } }',
      { b: { type: 'bundle', id: 'bundle--0b7e3c52-6a0d-4a4b-9b7e-5d6c2f9a1c02', objects: [alert] } });
    await cluster.nodes.pj.listener.waitForBlock(r.publishBundle.blockNumber);

    const pn = await (await context()).newPage();
    await signIn(pn, portal('pn'), 'pn-analyst');
    await pn.goto(`${portal('pn')}threat/${id}`);
    await pn.getByRole('heading', { name: 'Remote ID drone over Plaza Mayor' }).waitFor();
    await pn.locator(`path.track.line[data-object-id="${id}"]`).waitFor();
    await pn.locator(`path.pilot[data-object-id="${id}"]`).waitFor();
    assert.match(await pn.locator('article.detail').innerText(), /Remote ID\s+drone track of 4 positions\s+Remote ID\s+drone operator \(pilot\) at 40\.41490, -3\.70890/);
    await screenshot(pn, 'detail-remote-id-pn');

    const pj = await (await context()).newPage();
    await signIn(pj, portal('pj'), 'pj-analyst');
    await pj.goto(`${portal('pj')}threat/${id}`);
    await pj.getByRole('heading', { name: 'Remote ID drone over Plaza Mayor' }).waitFor();
    await pj.locator(`path.track.line[data-object-id="${id}"]`).waitFor();
    assert.equal(await pj.locator('path.pilot').count(), 0, 'no pilot position for a partner agency');
    const why = pj.getByTestId('why-panel');
    assert.equal(await why.getAttribute('open'), '', 'the why panel is open when something was redacted');
    assert.match(await why.innerText(), /Removed or coarsened\s+x_popart_operator_position/);
    await screenshot(pj, 'detail-remote-id-pj-redacted');
  });

  test('pn publishes an alert; mad-operator gets it live on a phone, acknowledges, and pn sees the acknowledgement', async () => {
    const mad = await (await context({ phone: true, position: { latitude: 40.4200, longitude: -3.7100 } })).newPage();
    await signIn(mad, portal('mad'), 'mad-operator');
    await mad.waitForURL(/\/console$/);
    await mad.locator('.live-dot.on').first().waitFor();
    // The console's first list of alerts has come (live can be on before it): what is there now is what was before.
    await mad.locator('ul.alert-list[data-loaded="true"]').waitFor({ state: 'attached' });
    const before = await mad.locator('[data-alert-id]').count();

    const pn = await (await context()).newPage();
    await signIn(pn, portal('pn'), 'pn-analyst');
    await pn.getByLabel('Purpose of this consultation').fill('match-day security operation');
    await pn.getByRole('button', { name: 'Use for this session' }).click();
    await pn.getByTestId('purpose-stated').waitFor();
    await pn.getByRole('link', { name: 'Publish' }).click();
    // Nothing filled in: every problem is shown next to its field, nothing is sent.
    await pn.getByRole('button', { name: 'Validate and publish' }).click();
    for (const field of ['name', 'venue', 'guidance', 'latitude', 'longitude']) {
      assert.match(await pn.locator(`.field-error[data-field="${field}"]`).innerText(), /Required/, field);
    }
    await screenshot(pn, 'publish-errors');

    await pn.getByLabel('Name', { exact: true }).fill(ALERT_NAME);
    await pn.getByLabel('Severity').selectOption('critical');
    await pn.getByLabel('Venue').fill('Puerta del Sol');
    await pn.getByLabel('Guidance for operators').fill(GUIDANCE);
    // The area: a click on the map sets the centre; then the exact coordinates are typed.
    await pn.locator('.publish svg.map-svg').click({ position: { x: 200, y: 150 } });
    assert.notEqual(await pn.getByLabel('Latitude').inputValue(), '');
    await pn.getByLabel('Latitude').fill('40.41690');
    await pn.getByLabel('Longitude').fill('-3.70350');
    await pn.getByLabel('Radius (m)').fill('250');
    await pn.getByLabel('TLP', { exact: true }).selectOption('amber');
    await pn.getByRole('button', { name: 'Validate and publish' }).click();
    assert.match(await pn.locator('.field-error[data-field="recipients"]').innerText(), /at least one recipient/);
    await pn.getByLabel('Policía Municipal de Madrid').check();
    await screenshot(pn, 'publish-form');
    const t0 = Date.now();
    await pn.getByRole('button', { name: 'Validate and publish' }).click();
    await pn.getByRole('status').filter({ hasText: 'Published: transaction' }).waitFor();

    // Live in mad's console, without reload.
    const card = mad.locator('[data-alert-id]', { hasText: ALERT_NAME });
    await card.waitFor();
    console.log(`# alert drawn in the operator console ${Date.now() - t0} ms after the publish click`);
    alertId = String(await card.getAttribute('data-alert-id'));
    assert.match(alertId, /^incident--/);
    assert.equal(await mad.locator('[data-alert-id]').count(), before + 1);
    const text = await card.innerText();
    assert.match(text, new RegExp(GUIDANCE.slice(0, 30)));
    assert.match(text, /from your device's position/);
    assert.match(text, /\d+ m (north|south|east|west)/, 'distance and direction to the area');
    assert.equal(await horizontalOverflow(mad), 0, 'nothing wider than 360 px');
    await screenshot(mad, 'console-mad-operator-360px');

    // pn's analyst opens the alert's detail before anyone has responded.
    await pn.getByRole('link', { name: 'Open it' }).click();
    await pn.getByRole('heading', { name: ALERT_NAME }).waitFor();
    const responses = pn.getByTestId('responses');
    assert.doesNotMatch(await pn.locator('article.detail').innerText(), /mad-operator/);
    const detailUrl = pn.url();

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await card.getByText('Status: acknowledged').waitFor();
    assert.equal(await card.getByRole('button', { name: 'Acknowledge' }).isDisabled(), true);
    await card.getByRole('button', { name: 'On scene' }).click();
    await card.getByText('Status: on scene').waitFor();
    await screenshot(mad, 'console-acknowledged');

    // The open detail on pn's node shows mad's responses as they are committed (the related subscription), without reload.
    await responses.getByText(/mad-operator \(Policía Municipal de Madrid\) on scene at/).waitFor({ timeout: 20_000 });
    assert.match(await responses.innerText(), /mad-operator \(Policía Municipal de Madrid\) acknowledged at/);
    assert.equal(pn.url(), detailUrl);
    await screenshot(pn, 'detail-with-acknowledgement');
    // While nothing changes the page asks nothing (each read of the object is a consultation in the audit log):
    // longer than the 5 s the detail used to poll at.
    let reads = 0;
    const count = (r: { url(): string; method(): string }): void => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/graphql') reads++; };
    pn.on('request', count);
    await pn.waitForTimeout(6500);
    pn.off('request', count);
    assert.equal(reads, 0, 'no GraphQL request while the open detail is unchanged');
  });

  test('users without rights get the "why" panel, not the content', async () => {
    assert.ok(alertId, 'the publishing test ran first');
    // Polícia Judiciária is not among the AMBER alert's recipients: its node never received it.
    const pj = await (await context({ locale: 'pt-PT' })).newPage();
    await signIn(pj, portal('pj'), 'pj-analyst');
    await pj.goto(`${portal('pj')}threat/${alertId}`);
    const why = pj.getByTestId('why-panel');
    await why.waitFor();
    // The browser speaks Portuguese: so does the portal.
    assert.match(await pj.getByTestId('not-visible').innerText(), /não é visível para si/);
    const text = await why.innerText();
    assert.match(text, /release\.amber/);
    assert.match(text, /not among the named recipients/);
    assert.doesNotMatch(await pj.locator('main').innerText(), new RegExp(GUIDANCE.slice(0, 20)));
    await screenshot(pj, 'why-pj-analyst');

    // pn's auditor: the policy shows auditors no content at all.
    const auditor = await (await context()).newPage();
    await signIn(auditor, portal('pn'), 'pn-auditor');
    await auditor.goto(`${portal('pn')}threat/${SCENARIO_IDS.alert}`);
    await auditor.getByTestId('why-panel').waitFor();
    assert.match(await auditor.getByTestId('why-panel').innerText(), /auditors see no object content/);
    assert.doesNotMatch(await auditor.locator('main').innerText(), /Do not engage the drone/);
    await screenshot(auditor, 'why-pn-auditor');
  });

  test('Spanish and Portuguese: labels, dates and numbers follow the language', async () => {
    const page = await (await context()).newPage();
    await signIn(page, portal('crm'), 'crm-analyst');
    await page.getByLabel('Language').first().selectOption('es');
    await page.getByRole('link', { name: 'Amenazas' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    const who = await page.getByTestId('who').innerText();
    assert.match(who, /Jurisdicción: centro 40,\d{3}, -3,\d{3}/, 'decimal comma in Spanish');
    await page.locator(`[data-threat-id="${SCENARIO_IDS.alert}"]`).waitFor();
    await screenshot(page, 'feed-crm-analyst-es');
    await page.getByLabel('Idioma').first().selectOption('pt');
    await page.getByRole('link', { name: 'Ameaças' }).waitFor();
    await page.getByRole('link', { name: 'Mapa' }).click();
    await page.getByRole('heading', { name: 'Mapa de ameaças' }).waitFor();
  });

  test('an exercise link puts the operator console in exercise mode: the exercise alert comes marked, and is answered in it', async () => {
    const exercise = 'portal-drill-1';
    const now = new Date();
    const drill = markedForExercise({
      type: 'incident', spec_version: '2.1', id: `incident--${crypto.randomUUID()}`, created: now.toISOString(), modified: now.toISOString(),
      created_by_ref: cluster.nodes.pn.agency.identityId, name: 'EXERCISE: drone over Plaza de Cibeles', object_marking_refs: [tlpMarkingRef('green')],
      extensions: {
        [ALERT_EXTENSION_ID]: {
          extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 80,
          area: { shape: 'circle', latitude: 40.4193, longitude: -3.6931, radius_m: 150 }, sensor_kind: 'remote-id', venue: 'Plaza de Cibeles',
          expires: new Date(now.getTime() + 3_600_000).toISOString(), guidance: 'Exercise: report the drone\'s heading.',
        },
      },
    }, exercise);
    const trainee = await (await context({ phone: true })).newPage();
    await signIn(trainee, `${portal('mad')}?exercise=${exercise}`, 'mad-operator');
    await trainee.waitForURL(/\/console$/);
    await trainee.getByTestId('exercise-mode').waitFor();
    await trainee.locator('.live-dot.on').first().waitFor();
    const real = await (await context({ phone: true })).newPage();
    await signIn(real, portal('mad'), 'mad-operator');
    await real.locator('.live-dot.on').first().waitFor();

    await gqlAs('pn', 'pn-analyst', 'mutation($b: JSON!) { publishBundle(bundle: $b) { blockNumber } }', { b: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [drill] } });
    const card = trainee.locator(`[data-alert-id="${drill.id}"]`);
    await card.waitFor();
    assert.equal(await card.getByTestId('exercise-badge').innerText(), 'EXERCISE');
    await screenshot(trainee, 'console-exercise-mode');
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await card.getByText('Status: acknowledged').waitFor();
    assert.equal(await real.locator(`[data-alert-id="${drill.id}"]`).count(), 0, 'a console not in the exercise never shows it');
    assert.equal(await real.getByTestId('exercise-mode').count(), 0);
  });

  test('the node\'s refusals name fields the publish form can show them next to', async () => {
    // A real refusal from pn's node (an alert with a negative radius and no guidance), mapped to the form's fields.
    const login = await fetch(cluster.nodes.pn.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { login(username: "pn-analyst", password: "demo") { token } }' }),
    });
    const token = ((await login.json()) as { data: { login: { token: string } } }).data.login.token;
    const now = new Date().toISOString();
    const bad = {
      type: 'bundle', id: 'bundle--6a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a99',
      objects: [{
        type: 'incident', spec_version: '2.1', id: 'incident--6a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a98', created: now, modified: now,
        created_by_ref: cluster.nodes.pn.agency.identityId, name: '',
        extensions: {
          'extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f': {
            extension_type: 'property-extension', category: 'drone', severity: 'urgent', detection_confidence: 50,
            area: { shape: 'circle', latitude: 40.4, longitude: -3.7, radius_m: -5 }, sensor_kind: 'human', venue: 'Sol',
            expires: new Date(Date.now() + 3_600_000).toISOString(),
          },
        },
      }],
    };
    const r = await fetch(cluster.nodes.pn.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', variables: { b: bad } }),
    });
    const body = (await r.json()) as { errors: { extensions: { code: string; issues: { property: string; message: string }[] } }[] };
    assert.equal(body.errors[0]?.extensions.code, 'INVALID_BUNDLE');
    const { fields } = issuesByField(body.errors[0]!.extensions.issues);
    assert.ok(fields.radius?.length, JSON.stringify(body.errors[0]!.extensions.issues));
    assert.ok(fields.severity?.length);
    assert.ok(fields.guidance?.length);
  });
});
