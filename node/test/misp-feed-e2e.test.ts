/**
 * The MISP feed of the four-agency demo nodes (/misp-feed): pn's drone alert as pj's analyst (HTTP Basic, as a MISP
 * instance sends the feed's Authorization header) and pj's MISP API key get it — manifest entry and event file with the
 * TLP tag, Policía Nacional as creator, the distribution of TLP:GREEN, the place, severity, guidance and the drone's MAC
 * address —; a report becomes an event with its objects; no credentials is 401, an unknown event 404; restricted data
 * needs a purpose; and pn's RED and AMBER+STRICT objects (alerts, indicators, a relationship to the drone alert, a
 * report) reach pn's own feed and no other agency's or partner key's manifest, hashes or event files. PyMISP (pinned with
 * misp-stix by scripts/tools.sh; node/test/misp-feed-check.py) loads pj's events and would publish the same manifest and hashes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { tlpMarkingRef } from '@popart/schemas';
import { secretHash } from '../src/auth/api-keys.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { BERNABEU, SCENARIO_IDS, seedScenario } from '../src/demo/scenario.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';
import { basic } from './taxii-support.js';

type Json = Record<string, unknown>;
type Agency = 'pn' | 'pj' | 'mad' | 'crm';
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const PURPOSE = 'misp feed test: what a partner MISP receives';
const KEY = 'b'.repeat(64);
const uuidOf = (id: string): string => id.slice(id.indexOf('--') + 2);
const md5 = (v: string): string => createHash('md5').update(v).digest('hex');
const CHECK_SCRIPT = fileURLToPath(new URL('../../test/misp-feed-check.py', import.meta.url));

describe('MISP feed of the demo nodes', () => {
  const dir = tempDir('popart-misp-');
  let cluster: DemoCluster;
  const t = new Date().toISOString();
  const withMac = (o: Json, mac: string): Json => ({ ...o, pattern: `[mac-addr:value = '${mac}']` });
  const greenIndicator = withMac(indicator(IDENTITIES.pn, 'reported controller', 'green'), '60:60:1f:00:aa:01');
  const report = {
    type: 'report', spec_version: '2.1', id: `report--${randomUUID()}`, created: t, modified: t, created_by_ref: IDENTITIES.pn,
    name: 'Drone controllers seen this week', published: t, report_types: ['threat-report'], object_refs: [greenIndicator.id],
    object_marking_refs: [tlpMarkingRef('green')],
  };
  const amberPj = alert({ by: IDENTITIES.pn, name: 'amber alert for pj', tlp: 'amber', audience: [IDENTITIES.pj] });
  const redIndicator = withMac(indicator(IDENTITIES.pn, 'red controller', 'red'), '66:66:66:00:00:01');
  const strictIndicator = withMac(indicator(IDENTITIES.pn, 'strict controller', 'amber+strict'), '66:66:66:00:00:02');
  const redLink = {
    type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: t, modified: t, created_by_ref: IDENTITIES.pn,
    relationship_type: 'related-to', source_ref: redIndicator.id, target_ref: SCENARIO_IDS.alert, object_marking_refs: [tlpMarkingRef('red')],
  };
  const redReport = { ...report, id: `report--${randomUUID()}`, name: 'red report', object_refs: [redIndicator.id], object_marking_refs: [tlpMarkingRef('red')] };
  const secrets: Json[] = [
    alert({ by: IDENTITIES.pn, name: 'red alert', tlp: 'red' }), alert({ by: IDENTITIES.pn, name: 'strict alert', tlp: 'amber+strict' }),
    redIndicator, strictIndicator, redLink, redReport,
  ];
  const secretMarks = [...secrets.map((s) => uuidOf(s.id as string)), '66:66:66:00:00:01', '66:66:66:00:00:02', md5('66:66:66:00:00:01'), md5('66:66:66:00:00:02')];
  const feed = (k: Agency): string => cluster.nodes[k].url.replace(/\/graphql$/, '/misp-feed');
  const get = async (url: string, auth: string | null, purpose: string | false = PURPOSE): Promise<{ status: number; text: string; headers: Headers }> => {
    const res = await fetch(url, { headers: { ...(auth ? { authorization: auth } : {}), ...(purpose ? { 'x-popart-purpose': purpose } : {}) } });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  const json = async (url: string, auth: string): Promise<Json> => {
    const r = await get(url, auth);
    assert.equal(r.status, 200, `${url}: ${r.text}`);
    return JSON.parse(r.text) as Json;
  };

  before(async () => {
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false,
      apiKeys: { pj: [{ id: 'misp-pj', name: 'MISP of the Polícia Judiciária', role: 'analyst', purpose: PURPOSE, secretHash: secretHash(KEY) }] },
    });
    await seedScenario(cluster);
    const token = await login(cluster.nodes.pn.url, 'pn-analyst');
    const r = await gql<{ publishBundle: { blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(greenIndicator, report, amberPj, ...secrets) }, token);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    for (const k of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[k].listener.waitForBlock(r.data!.publishBundle.blockNumber);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test("pn's drone alert as pj's analyst sees it: manifest, event file and hashes", async () => {
    const uuid = uuidOf(SCENARIO_IDS.alert);
    const manifest = await json(`${feed('pj')}/manifest.json`, basic('pj-analyst'));
    const entry = manifest[uuid] as Json;
    assert.ok(entry, 'the drone alert is in the manifest');
    assert.equal(entry.info, 'Drone over Estadio Santiago Bernabéu');
    assert.deepEqual(entry.Orgc, { name: 'Policía Nacional', uuid: uuidOf(IDENTITIES.pn) });
    assert.ok((entry.Tag as Json[]).some((tag) => tag.name === 'tlp:green'));
    assert.equal(entry.threat_level_id, '1', 'severity high is MISP threat level 1 (high)');
    assert.match(String(entry.timestamp), /^\d+$/);

    const { Event: e } = (await json(`${feed('pj')}/${uuid}.json`, basic('pj-analyst'))) as { Event: Json };
    assert.equal(e.uuid, uuid);
    assert.equal(e.distribution, '1', 'TLP:GREEN is "this community only"');
    assert.deepEqual(e.Orgc, entry.Orgc);
    const attrs = e.Attribute as Json[];
    const byComment = (c: string): Json | undefined => attrs.find((a) => a.comment === c);
    assert.equal(byComment('severity')?.value, 'high');
    assert.match(String(byComment('guidance')?.value), /^Do not engage the drone/);
    assert.equal(byComment('venue')?.value, 'Estadio Santiago Bernabéu');
    const mac = attrs.find((a) => a.type === 'mac-address');
    assert.equal(mac?.value, '60:60:1f:a3:5c:21', "the related indicator's MAC address");
    assert.equal(mac?.to_ids, true);
    const geo = (e.Object as Json[]).find((o) => o.name === 'geolocation' && String(o.comment).includes('alert'));
    const rel = (r: string): unknown => (geo?.Attribute as Json[] | undefined)?.find((a) => a.object_relation === r)?.value;
    assert.equal(Number(rel('latitude')), BERNABEU.latitude);
    assert.equal(Number(rel('longitude')), BERNABEU.longitude);
    assert.equal(Number(rel('accuracy-radius')), 0.4, 'radius 400 m in km');
    const uuids = [...attrs, ...(e.Object as Json[]).flatMap((o) => o.Attribute as Json[])].map((a) => a.uuid);
    assert.equal(new Set(uuids).size, uuids.length, 'attribute uuids are unique');

    const hashes = (await get(`${feed('pj')}/hashes.csv`, basic('pj-analyst'))).text.trim().split('\n');
    assert.ok(hashes.includes(`${md5('60:60:1f:a3:5c:21')},${uuid}`));
  });

  test("PyMISP loads pj's events as MISP does and would publish the same manifest entries and hashes", async () => {
    const python = process.env.POPART_STIX_TOOLS_PYTHON;
    assert.ok(python, 'POPART_STIX_TOOLS_PYTHON is not set: eval "$(bash scripts/tools.sh)" first');
    const auth = `Bearer popart_misp-pj_${KEY}`;
    const manifest = await json(`${feed('pj')}/manifest.json`, auth);
    const hashes = (await get(`${feed('pj')}/hashes.csv`, auth)).text.trim().split('\n');
    const files = [];
    const events = new Map<string, Json>();
    for (const uuid of Object.keys(manifest)) {
      const file = join(dir.path, `${uuid}.json`);
      events.set(uuid, await json(`${feed('pj')}/${uuid}.json`, auth));
      writeFileSync(file, JSON.stringify(events.get(uuid)));
      files.push(file);
    }
    const r = spawnSync(python, [CHECK_SCRIPT, ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { events: { uuid: string; info: string; distribution: number; orgc: { name: string }; tags: string[];
      attributes: string[][]; objects: { name: string; attributes: string[][] }[]; manifest: Json; hashes: string[] }[] };
    assert.equal(out.events.length, Object.keys(manifest).length);
    for (const e of out.events) {
      const mine = manifest[e.uuid] as Json;
      assert.deepEqual(e.manifest, {
        info: mine.info, date: mine.date, threat_level_id: Number(mine.threat_level_id), analysis: Number(mine.analysis), timestamp: Number(mine.timestamp),
        orgc: (mine.Orgc as Json).name, tags: (mine.Tag as Json[]).map((t) => t.name),
      }, `${e.info}: PyMISP's manifest entry`);
      // PyMISP hashes a datetime attribute as its parsed value's str() ("2026-05-01 12:00:00+00:00"), the node the value
      // as sent: compare the other attributes' hashes.
      const sent = ((events.get(e.uuid)!.Event as Json).Attribute as Json[]).filter((a) => a.type === 'datetime').map((a) => md5(a.value as string));
      const parsed = e.attributes.filter((a) => a[0] === 'datetime').map((a) => md5(a[3] as string));
      const ours = new Set(hashes.filter((line) => line.endsWith(`,${e.uuid}`)).map((line) => line.split(',')[0] as string));
      assert.deepEqual([...ours].filter((h) => !sent.includes(h)).sort(), e.hashes.filter((h) => !parsed.includes(h)).sort(), `${e.info}: hashes.csv`);
      assert.ok(ours.size > sent.length, `${e.info}: hashes compared`);
    }
    const drone = out.events.find((e) => e.uuid === uuidOf(SCENARIO_IDS.alert))!;
    assert.equal(drone.orgc.name, 'Policía Nacional');
    assert.ok(drone.tags.includes('tlp:green'));
    assert.equal(drone.distribution, 1);
    assert.ok(drone.attributes.some((a) => a[0] === 'mac-address' && a[1] === 'Network activity' && a[3] === '60:60:1f:a3:5c:21'));
    assert.ok(drone.attributes.some((a) => a[2] === 'severity' && a[3] === 'high'));
    assert.ok(drone.objects.some((o) => o.name === 'geolocation' && o.attributes.some((a) => a[0] === 'latitude' && Number(a[1]) === BERNABEU.latitude)));
  });

  test('a report is an event holding the objects it refers to', async () => {
    const { Event: e } = (await json(`${feed('pj')}/${uuidOf(report.id)}.json`, `Bearer popart_misp-pj_${KEY}`)) as { Event: Json };
    assert.equal(e.info, report.name);
    assert.deepEqual((e.Attribute as Json[]).filter((a) => a.type === 'mac-address').map((a) => a.value), ['60:60:1f:00:aa:01']);
    assert.equal(e.threat_level_id, '4');
  });

  test('no credentials is 401, a wrong password 401, an unknown event 404, a bad name 400, POST 405', async () => {
    const none = await get(`${feed('pj')}/manifest.json`, null);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Basic/);
    assert.equal((await get(`${feed('pj')}/manifest.json`, basic('pj-analyst', 'wrong'))).status, 401);
    const unknown = await get(`${feed('pj')}/${randomUUID()}.json`, basic('pj-analyst'));
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /no event/);
    assert.equal((await get(`${feed('pj')}/${uuidOf(secrets[0]!.id as string)}.json`, basic('pj-analyst'))).status, 404, "pn's red alert does not exist for pj");
    assert.match((await get(`${feed('pj')}/not-a-uuid.json`, basic('pj-analyst'))).text, /event-uuid/);
    assert.equal((await get(`${feed('pj')}/other.txt`, basic('pj-analyst'))).status, 404);
    assert.equal((await fetch(`${feed('pj')}/manifest.json`, { method: 'POST', headers: { authorization: basic('pj-analyst') } })).status, 405);
  });

  test('restricted data needs a purpose: the header, or the API key\'s own', async () => {
    const without = await get(`${feed('pj')}/manifest.json`, basic('pj-analyst'), false);
    assert.equal(without.status, 403, 'pj sees the AMBER alert addressed to it');
    assert.match(without.text, /X-Popart-Purpose/);
    assert.ok(uuidOf(amberPj.id as string) in (await json(`${feed('pj')}/manifest.json`, basic('pj-analyst'))));
    const key = await get(`${feed('pj')}/manifest.json`, `Bearer popart_misp-pj_${KEY}`, false);
    assert.equal(key.status, 200, 'the API key carries its purpose');
  });

  test("pn's RED and AMBER+STRICT objects reach pn's feed and no other agency's or partner key's", async () => {
    const pnText = (await get(`${feed('pn')}/manifest.json`, basic('pn-analyst'))).text + (await get(`${feed('pn')}/hashes.csv`, basic('pn-analyst'))).text;
    for (const mark of [uuidOf(secrets[0]!.id as string), uuidOf(redReport.id), md5('66:66:66:00:00:01')]) assert.ok(pnText.includes(mark), `pn's own feed holds ${mark}`);
    const drone = (await get(`${feed('pn')}/${uuidOf(SCENARIO_IDS.alert)}.json`, basic('pn-analyst'))).text;
    assert.ok(drone.includes('66:66:66:00:00:01'), "pn's drone alert event holds its red related indicator for pn");

    const readers: [Agency, string][] = [['pj', basic('pj-analyst')], ['pj', `Bearer popart_misp-pj_${KEY}`], ['mad', basic('mad-operator')], ['crm', basic('crm-analyst')]];
    for (const [k, auth] of readers) {
      const manifest = await get(`${feed(k)}/manifest.json`, auth);
      assert.equal(manifest.status, 200, manifest.text);
      const texts = [manifest.text, (await get(`${feed(k)}/hashes.csv`, auth)).text];
      for (const uuid of Object.keys(JSON.parse(manifest.text) as Json)) texts.push((await get(`${feed(k)}/${uuid}.json`, auth)).text);
      if (k !== 'crm') assert.ok(texts.length > 2, `${k} sees some events (the test looks at something)`);
      for (const text of texts) for (const mark of secretMarks) assert.ok(!text.includes(mark), `${k} (${auth.slice(0, 12)}…) got ${mark}`);
    }
  });

  test('the feed follows the read model: new events, a new related object in a cached event, a revoked alert leaves; a foreign creator is the Orgc', async () => {
    const auth = basic('pj-analyst');
    const before = await json(`${feed('pj')}/manifest.json`, auth);
    const droneUuid = uuidOf(SCENARIO_IDS.alert);
    assert.ok(!(await get(`${feed('pj')}/${droneUuid}.json`, auth)).text.includes('60:60:1f:00:bb:02'), 'the event as cached before');
    const now = new Date().toISOString();
    const gnr = {
      type: 'identity', spec_version: '2.1', id: `identity--${randomUUID()}`, created: now, modified: now, name: 'Guarda Nacional Republicana (test)',
      identity_class: 'organization', object_marking_refs: [tlpMarkingRef('clear')],
    };
    const foreign = alert({ by: gnr.id, name: 'drone reported by a foreign producer', tlp: 'green' });
    const fresh = alert({ by: IDENTITIES.pn, name: 'a new green alert', tlp: 'green' });
    const freshRed = alert({ by: IDENTITIES.pn, name: 'a new red alert', tlp: 'red' });
    const controller = withMac(indicator(IDENTITIES.pn, 'second controller', 'green'), '60:60:1f:00:bb:02');
    const link = {
      type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: now, modified: now, created_by_ref: IDENTITIES.pn,
      relationship_type: 'related-to', source_ref: controller.id, target_ref: SCENARIO_IDS.alert, object_marking_refs: [tlpMarkingRef('green')],
    };
    const token = await login(cluster.nodes.pn.url, 'pn-analyst');
    let r = await gql<{ publishBundle: { blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(gnr, foreign, fresh, freshRed, controller, link) }, token);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    await cluster.nodes.pj.listener.waitForBlock(r.data!.publishBundle.blockNumber);
    const after = await json(`${feed('pj')}/manifest.json`, auth);
    assert.deepEqual(Object.keys(after).filter((u) => !(u in before)).sort(), [uuidOf(foreign.id as string), uuidOf(fresh.id as string)].sort(), 'the new events pj may see, not the red one');
    assert.deepEqual((after[uuidOf(foreign.id as string)] as Json).Orgc, { name: gnr.name, uuid: uuidOf(gnr.id) }, 'the creator\'s identity from the closure');
    assert.ok((await get(`${feed('pj')}/${droneUuid}.json`, auth)).text.includes('60:60:1f:00:bb:02'), 'the new related indicator is in the drone alert\'s event');
    const stamp = (m: Json): number => Number((m[droneUuid] as Json).timestamp);
    assert.equal(stamp(after), Math.max(stamp(before), Math.floor(Date.parse(now) / 1000)), 'the event\'s timestamp is its latest object\'s: MISP fetches it again');
    assert.equal((await get(`${feed('pj')}/${uuidOf(freshRed.id as string)}.json`, auth)).status, 404);
    r = await gql(cluster.nodes.pn.url, PUBLISH, { b: bundle({ ...fresh, modified: new Date(Date.now() + 1000).toISOString(), revoked: true }) }, token);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    await cluster.nodes.pj.listener.waitForBlock(r.data!.publishBundle.blockNumber);
    assert.ok(!(uuidOf(fresh.id as string) in (await json(`${feed('pj')}/manifest.json`, auth))), 'a revoked alert leaves the manifest');
    assert.equal((await get(`${feed('pj')}/${uuidOf(fresh.id as string)}.json`, auth)).status, 404);
    assert.equal((await get(`${feed('pj')}/%E0%A4%A.json`, auth)).status, 400, 'a file name that is not percent-encoded UTF-8');
  });

  test('what the feed hands out is an audited disclosure to the reader', async () => {
    await get(`${feed('pj')}/${uuidOf(SCENARIO_IDS.alert)}.json`, `Bearer popart_misp-pj_${KEY}`);
    const { entries } = await cluster.nodes.pj.audit.log.query({ action: 'disclosure', objectId: SCENARIO_IDS.alert }, 50);
    const mine = entries.filter((e) => e.details.channel === 'misp-feed' && e.details.resource === 'misp-feed:event' && e.recipients.includes('misp-pj'));
    assert.ok(mine.some((e) => e.objectIds.includes(SCENARIO_IDS.alert) && e.objectIds.includes(SCENARIO_IDS.indicator) && e.purpose === PURPOSE));
  });
});
