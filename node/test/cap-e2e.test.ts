/**
 * CAP 1.2 and webhooks on the four-agency demo: pn publishes alerts of every TLP, then an update and a cancellation.
 * Each agency's users read the CAP feed of their own node, and each agency's webhook receives what its principal may
 * see: pn's TLP:RED and TLP:AMBER+STRICT alerts reach pn's own readers and receivers and no other agency's, redactions
 * hold in CAP, restricted alerts need a purpose, deliveries are signed, retried, audited, and a hanging receiver holds
 * up no other. Every CAP message seen is left for the XML schema check (test/cap-xsd.check.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ALERT_EXTENSION_ID } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { verifyDelivery, webhookSecretName } from '../src/modules/webhooks/webhook-signature.js';
import { capText, capTexts, feedAlerts, recordCapMessage, webhookReceiver, type Delivery, type WebhookReceiver } from './cap-support.js';
import { gql, login, recordEmittedBundle, tempDir, until } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const EXT = ALERT_EXTENSION_ID;

describe('CAP 1.2 feed and webhooks on the demo', () => {
  const dir = tempDir('popart-cap-');
  let cluster: DemoCluster;
  const tokens: Record<string, string> = {};
  const r = {} as Record<'pnDispatch' | 'pnFlaky' | 'pnHanging' | 'madDispatch' | 'pjObjects' | 'crmOpen', WebhookReceiver>;
  const created = new Date(Date.now() - 60_000).toISOString();
  const mk = (name: string, tlp: 'clear' | 'green' | 'amber' | 'amber+strict' | 'red', audience?: string[]) =>
    alert({ by: IDENTITIES.pn, tlp, name, created, ...(audience ? { audience } : {}) });
  const A = {
    clear: mk('CAP clear at Sol', 'clear'),
    green: mk('CAP green at Sol', 'green'),
    amberMad: mk('CAP amber for mad', 'amber', [IDENTITIES.mad]),
    amberPj: mk('CAP amber for pj', 'amber', [IDENTITIES.pj]),
    amberCrm: mk('CAP amber for crm', 'amber', [IDENTITIES.crm]),
    strict: mk('CAP amber+strict', 'amber+strict'),
    red: mk('CAP red', 'red'),
    edge: mk('CAP green edge', 'green'),
  };
  // centred in Alcalá, reaching into Madrid city: mad's local authority gets the centre rounded to 2 decimals
  (A.edge.extensions as Record<string, Record<string, unknown>>)[EXT]!.area = { shape: 'circle', latitude: 40.482345, longitude: -3.364123, radius_m: 25000 };
  const greenIndicator = indicator(IDENTITIES.pn, 'CAP test indicator', 'green');
  const update: Record<string, unknown> = { ...A.green, modified: new Date(Date.parse(created) + 1000).toISOString(), name: 'CAP green at Sol (updated)' };
  const cancel: Record<string, unknown> = { ...A.clear, modified: new Date(Date.parse(created) + 1000).toISOString(), revoked: true };
  const secret = [A.strict.id, A.red.id] as string[];
  const url = (k: 'pn' | 'pj' | 'mad' | 'crm'): string => cluster.nodes[k].url;
  /** The node's base URL (its url is the GraphQL endpoint). */
  const base = (k: 'pn' | 'pj' | 'mad' | 'crm'): string => url(k).replace(/\/graphql$/, '');
  const get = (k: 'pn' | 'pj' | 'mad' | 'crm', path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${base(k)}${path}`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} });

  before(async () => {
    r.pnDispatch = await webhookReceiver();
    r.pnFlaky = await webhookReceiver((n) => (n <= 2 ? 500 : 204));
    r.pnHanging = await webhookReceiver(() => null);
    r.madDispatch = await webhookReceiver();
    r.pjObjects = await webhookReceiver();
    r.crmOpen = await webhookReceiver();
    const hook = (id: string, rx: { url: string }, more: Record<string, unknown>) => ({ id, url: rx.url, ...more });
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false,
      webhooks: {
        pn: [
          hook('pn-dispatch', r.pnDispatch, { role: 'analyst', purpose: 'emergency dispatch', formats: ['cap', 'stix'] }),
          hook('pn-flaky', r.pnFlaky, { role: 'analyst', purpose: 'emergency dispatch', retryDelayMs: 50, maxAttempts: 4, formats: ['stix'] }),
          hook('pn-hanging', r.pnHanging, { role: 'analyst', purpose: 'emergency dispatch', timeoutMs: 60_000, maxAttempts: 1 }),
        ],
        mad: [hook('mad-dispatch', r.madDispatch, { role: 'operator', purpose: 'municipal dispatch' })],
        pj: [hook('pj-objects', r.pjObjects, { role: 'analyst', purpose: 'partner analysis', events: ['alerts', 'objects'], formats: ['cap', 'stix'] })],
        crm: [hook('crm-open', r.crmOpen, { role: 'analyst', events: ['objects'], formats: ['stix'] })],
      },
    });
    for (const [user, k] of [['pn-analyst', 'pn'], ['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['crm-analyst', 'crm']] as const) tokens[user] = await login(url(k), user);
    let last = 0;
    for (const b of [bundle(...Object.values(A), greenIndicator), bundle(update, cancel)]) {
      const p = await gql<{ publishBundle: { status: string; blockNumber: number } }>(url('pn'), PUBLISH, { b }, tokens['pn-analyst']);
      assert.equal(p.errors, undefined, JSON.stringify(p.errors));
      last = Math.max(last, p.data!.publishBundle.blockNumber);
    }
    for (const k of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[k].listener.waitForBlock(last);
  });

  after(async () => {
    // the node first: stopping aborts the delivery the hanging receiver holds
    await cluster?.stop();
    for (const x of Object.values(r)) await x.close();
    dir.remove();
  });

  test('pn\'s analyst reads every alert of the feed as CAP: updates, cancellations, TLP:RED with its restriction', async () => {
    const res = await get('pn', '/cap/alerts.atom?purpose=cap%20test&limit=50', tokens['pn-analyst']);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/atom\+xml/);
    const alerts = feedAlerts(await res.text());
    alerts.forEach((a) => recordCapMessage('e2e-pn-feed', a));
    const byIncident = new Map(alerts.map((a) => [capText(a, 'incidents'), a]));
    for (const o of Object.values(A)) assert.ok(byIncident.has(o.id as string), `${String(o.name)} in pn's feed`);
    assert.equal(byIncident.size, alerts.length, 'one entry per alert (its latest version)');
    const upd = byIncident.get(update.id as string)!;
    assert.equal(capText(upd, 'msgType'), 'Update');
    assert.equal(capText(upd, 'headline'), 'CAP green at Sol (updated)');
    assert.equal(capText(upd, 'references'), `${IDENTITIES.pn},${A.green.id as string}/${created},${created.slice(0, 19)}-00:00`);
    const can = byIncident.get(cancel.id as string)!;
    assert.equal(capText(can, 'msgType'), 'Cancel');
    assert.equal(capText(can, 'scope'), 'Public');
    const red = byIncident.get(A.red.id as string)!;
    assert.equal(capText(red, 'msgType'), 'Alert');
    assert.match(capText(red, 'restriction') ?? '', /^TLP:RED/);
    assert.equal(capText(red, 'senderName'), 'Policía Nacional');
    assert.equal(capText(red, 'circle'), '40.4168,-3.7038 0.3');
    const one = await get('pn', `/cap/alerts/${A.red.id as string}.xml?purpose=cap%20test`, tokens['pn-analyst']);
    assert.equal(one.status, 200);
    const xml = await one.text();
    recordCapMessage('e2e-pn-one', xml);
    assert.equal(capText(xml, 'identifier'), `${A.red.id as string}/${created}`);
    assert.equal(capText(xml, 'web'), `${base('pn')}/cap/alerts/${A.red.id as string}.xml`);
  });

  test('no other agency\'s reader gets pn\'s TLP:RED or AMBER+STRICT alerts from its CAP feed or by id; mad gets the edge alert coarsened', async () => {
    for (const [user, k] of [['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['crm-analyst', 'crm']] as const) {
      const text = await (await get(k, '/cap/alerts.atom?purpose=cap%20test&limit=500', tokens[user])).text();
      const alerts = feedAlerts(text);
      alerts.forEach((a) => recordCapMessage(`e2e-${k}-feed`, a));
      assert.ok(alerts.some((a) => capText(a, 'incidents') === A.green.id), `${user} sees the green alert (the feed is not empty)`);
      for (const id of secret) {
        assert.ok(!text.includes(id), `${user}'s feed does not mention ${id}`);
        const one = await get(k, `/cap/alerts/${id}.xml?purpose=cap%20test`, tokens[user]);
        assert.equal(one.status, 404, `${user} cannot fetch ${id}`);
        assert.ok(!(await one.text()).includes('CAP red'));
      }
      // the same feed with HTTP Basic (a user of the node, as feed readers send it) and the purpose in its header
      const basic = await fetch(`${base(k)}/cap/alerts.atom?limit=500`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:demo`).toString('base64')}`, 'x-popart-purpose': 'cap test' },
      });
      assert.equal(basic.status, 200, `${user} with HTTP Basic`);
      const basicText = await basic.text();
      assert.deepEqual(feedAlerts(basicText).map((a) => capText(a, 'incidents')), alerts.map((a) => capText(a, 'incidents')), `${user}: the same alerts with Basic`);
      for (const id of secret) assert.ok(!basicText.includes(id));
      if (k === 'crm') assert.ok(alerts.some((a) => capText(a, 'incidents') === A.amberCrm.id), 'crm\'s reader, with a purpose, gets the AMBER alert addressed to crm');
      if (k === 'mad') {
        const edge = alerts.find((a) => capText(a, 'incidents') === A.edge.id)!;
        assert.equal(capText(edge, 'circle'), '40.48,-3.36 25', 'the centre rounded to 2 decimals for the local authority');
        assert.ok(!text.includes('40.482345'));
      }
    }
  });

  test('the feed refuses readers without credentials, restricted alerts without a purpose, bad parameters and other methods', async () => {
    const anonymous = await get('pn', '/cap/alerts.atom');
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /Basic realm=.*Bearer/);
    assert.equal((await get('pn', '/cap/alerts.atom', 'forged.token')).status, 401);
    const noPurpose = await get('mad', '/cap/alerts.atom', tokens['mad-operator']);
    assert.equal(noPurpose.status, 400);
    assert.match(await noPurpose.text(), /purpose/);
    const badLimit = await get('pn', '/cap/alerts.atom?limit=0&purpose=x', tokens['pn-analyst']);
    assert.equal(badLimit.status, 400);
    assert.match(await badLimit.text(), /limit: must be an integer from 1 to 500/);
    assert.equal((await get('pn', '/cap/alerts/not-an-id.xml', tokens['pn-analyst'])).status, 400);
    assert.equal((await get('pn', `/cap/alerts/${greenIndicator.id as string}.xml?purpose=x`, tokens['pn-analyst'])).status, 404, 'an indicator is no alert');
    assert.equal((await get('pn', '/cap/other', tokens['pn-analyst'])).status, 404);
    assert.equal((await get('pn', '/cap/alerts.atom', tokens['pn-analyst'], { method: 'POST', body: 'x' })).status, 405);
  });

  test('reading the feed is an audited disclosure to the reader, with the purpose', async () => {
    const page = await cluster.nodes.pn.audit.log.query({ action: 'disclosure', actor: 'pn-analyst' }, 50);
    const feed = page.entries.find((e) => e.details.resource === 'cap-feed');
    assert.ok(feed, 'a cap-feed disclosure');
    assert.deepEqual(feed.recipients, ['pn-analyst']);
    assert.equal(feed.purpose, 'cap test');
    assert.ok(feed.objectIds.includes(A.red.id as string));
  });

  test('webhooks: pn\'s receiver gets every alert as signed CAP and STIX; other agencies\' receivers never pn\'s RED or AMBER+STRICT', async () => {
    const ids = (d: Delivery[]): string => d.map((x) => x.body).join('\n');
    await until('pn-dispatch has the cancellation', async () => r.pnDispatch.got.some((d) => d.body.includes('<msgType>Cancel</msgType>')));
    await until('mad-dispatch has the green alert', async () => ids(r.madDispatch.got).includes(A.green.id as string));
    await until('pj-objects has the indicator', async () => ids(r.pjObjects.got).includes(greenIndicator.id as string));
    await until('crm-open has the indicator', async () => ids(r.crmOpen.got).includes(greenIndicator.id as string));
    // the receivers of the other agencies have had the whole first block; pn's own got the restricted alerts
    for (const id of secret) assert.ok(ids(r.pnDispatch.got).includes(id), `pn's own receiver gets ${id} (the check can fail)`);
    for (const [name, rx] of [['mad-dispatch', r.madDispatch], ['pj-objects', r.pjObjects], ['crm-open', r.crmOpen]] as const) {
      for (const id of secret) assert.ok(!ids(rx.got).includes(id), `${name} never receives ${id}`);
    }
    assert.ok(!ids(r.crmOpen.got).includes(A.amberCrm.id as string), 'a webhook without a purpose gets no TLP:AMBER, even of its own agency');
    assert.ok(ids(r.madDispatch.got).includes(A.amberMad.id as string), 'a webhook with a purpose gets the AMBER alert addressed to its agency');

    const secrets = async (k: 'pn' | 'mad', id: string) => cluster.nodes[k].keys.secretVersions(webhookSecretName(id));
    for (const d of r.pnDispatch.got) {
      assert.equal(verifyDelivery(await secrets('pn', 'pn-dispatch'), d.headers['x-popart-signature'] as string, d.body, new Date(d.at)), null);
      assert.equal(d.headers['x-popart-webhook'], 'pn-dispatch');
      if (d.headers['content-type'] === 'application/cap+xml') recordCapMessage('e2e-webhook-pn', d.body);
      else {
        assert.equal(d.headers['content-type'], 'application/stix+json;version=2.1');
        const b = JSON.parse(d.body) as { objects: { id: string }[] };
        recordEmittedBundle(`cap-e2e-webhook-pn-stix-${r.pnDispatch.got.indexOf(d)}`, b);
        const ids = b.objects.map((o) => o.id);
        for (const ref of [IDENTITIES.pn, EXT]) assert.ok(ids.includes(ref), `the bundle carries what its alerts refer to (${ref})`);
      }
    }
    assert.notEqual(verifyDelivery(await secrets('mad', 'mad-dispatch'), r.pnDispatch.got[0]!.headers['x-popart-signature'] as string, r.pnDispatch.got[0]!.body), null,
      'another webhook\'s secret does not verify');
    const madCap = r.madDispatch.got.filter((d) => d.headers['content-type'] === 'application/cap+xml');
    madCap.forEach((d) => recordCapMessage('e2e-webhook-mad', d.body));
    const edge = madCap.find((d) => capText(d.body, 'incidents') === A.edge.id);
    assert.equal(edge && capText(edge.body, 'circle'), '40.48,-3.36 25', 'the webhook gets what the gate released: coarsened');
    assert.deepEqual(capTexts(madCap.map((d) => d.body).join(''), 'status').filter((s) => s !== 'Actual'), []);
  });

  test('webhooks: a failing receiver is retried until it answers; a hanging one holds up no other; deliveries are audited', async () => {
    await until('pn-flaky answered 2xx', async () => r.pnFlaky.got.length >= 3);
    assert.equal(r.pnFlaky.got[0]!.headers['x-popart-delivery'], r.pnFlaky.got[2]!.headers['x-popart-delivery'], 'the same delivery, retried');
    await until('pn-hanging got its first delivery', async () => r.pnHanging.got.length >= 1);
    assert.equal(r.pnHanging.hanging.length, r.pnHanging.got.length, 'never answered');
    assert.ok(r.pnDispatch.got.some((d) => d.body.includes('<msgType>Cancel</msgType>')), 'pn-dispatch had the second block while pn-hanging still waits on the first');
    await until('pn-flaky delivery audited', async () => {
      const page = await cluster.nodes.pn.audit.log.query({ action: 'disclosure', actor: 'webhook:pn-flaky' }, 50);
      return page.entries.find((e) => e.details.outcome === 'delivered' && e.details.attempts === 3);
    });
    const page = await cluster.nodes.pn.audit.log.query({ action: 'disclosure', actor: 'webhook:pn-dispatch' }, 100);
    const audited = page.entries.filter((e) => e.recipients.includes(r.pnDispatch.url));
    assert.ok(audited.some((e) => e.objectIds.includes(A.red.id as string) && e.purpose === 'emergency dispatch' && e.details.format === 'cap'));
  });
});
