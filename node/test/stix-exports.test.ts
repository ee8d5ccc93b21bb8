/**
 * Exports that other tools import whole (issue 16), end to end on the four-agency demo:
 *  - pj's export of pn's GREEN drone alert carries pn's identity (registered TLP:CLEAR), the TLP 2.0 marking
 *    definitions and their TLP 1.0 equivalents, the alert extension definition and its creator, and resolves every
 *    reference to an object pj may see; nothing RED or AMBER+STRICT of pn is in it, not even as a referenced object;
 *  - each alert comes with its standard view (report, location, note) whose ids are the same in every export;
 *  - the real tools accept it: the OASIS validator in strict mode, the OASIS `stix2` library, and MISP's `misp-stix`,
 *    whose event holds the alert's severity, place, guidance, TLP tag and creator organisation (stix-tools.py);
 *  - the extension's JSON Schema is served at the path its definition names, and every exported alert passes it;
 *  - an OpenCTI-like consumer (taxii2-client) that reads pj's TAXII collections page by page resolves every reference
 *    from the pages alone, except to what pj may not see, and the same tools accept what it read;
 *  - a bundle carrying pn's registered identity in another version is refused, naming the property; the identity
 *    stays as registered.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  AGENCY_EXTENSION_ID, ALERT_EXTENSION_ID, ALERT_EXTENSION_SCHEMA_PATH, alertViewIds, POPART_IDENTITY_ID, TLP1, TLP_EXTENSION_ID, tlpMarkingRef, type TlpLevel,
} from '@popart/schemas';
import { secretHash } from '../src/auth/api-keys.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, recordEmittedBundle, tempDir } from './support.js';
import { refsOf } from './taxii-support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

type Json = Record<string, unknown>;
interface Err { message: string; extensions?: { code?: string; issues?: { objectId: string | null; property: string; message: string }[] } }

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const EXPORT = 'query($f: ThreatFilter, $p: String) { exportBundle(filter: $f, purpose: $p) }';
const PURPOSE = 'stix-exports test: partner tools import the export';
const TOOLS_SCRIPT = fileURLToPath(new URL('../../test/stix-tools.py', import.meta.url));
const CONSUMER_SCRIPT = fileURLToPath(new URL('../../test/taxii-consumer.py', import.meta.url));
/** pj's partner API key for the OpenCTI-like TAXII consumer (Basic: key id and secret, as README's OpenCTI settings). */
const OPENCTI_KEY = randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');

const now = () => new Date().toISOString();
const marked = (tlp: TlpLevel) => ({ object_marking_refs: [tlpMarkingRef(tlp)] });

describe('STIX exports carry what they reference, and partner tools import them whole', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-stix-exports-');
  const tokens: Record<string, string> = {};
  const url = (key: 'pn' | 'pj' | 'mad' | 'crm') => cluster.nodes[key].url;

  // pn's drone alert over the Bernabéu, GREEN, with its Remote ID indicator, a sighting of it and the relationship.
  const drone = alert({ by: IDENTITIES.pn, tlp: 'green', name: 'Drone over the Bernabéu north stand', severity: 'critical' });
  const droneExt = (drone.extensions as Record<string, Json>)[ALERT_EXTENSION_ID]!;
  Object.assign(droneExt, {
    area: { shape: 'circle', latitude: 40.45306, longitude: -3.68835, radius_m: 400 },
    venue: 'Estadio Santiago Bernabéu', event_name: 'Real Madrid – Benfica',
    guidance: 'Clear the north stand approach; do not try to capture the drone; report the pilot position.',
  });
  const mac = { ...indicator(IDENTITIES.pn, 'Remote ID transmitter of the drone', 'green'), description: 'Bluetooth address the drone broadcast its Remote ID from.' } as unknown as Json & { id: string };
  const related = {
    type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: now(), modified: now(),
    created_by_ref: IDENTITIES.pn, relationship_type: 'related-to', source_ref: mac.id, target_ref: drone.id, ...marked('green'),
  };
  // RED and AMBER+STRICT objects of pn, and GREEN objects of pn that point at them.
  const redAlert = alert({ by: IDENTITIES.pn, tlp: 'red', name: 'RED informant tip: second drone team', severity: 'high' });
  const strictIndicator = { ...indicator(IDENTITIES.pn, 'AMBER+STRICT informant handset MAC', 'amber+strict'), description: 'Handset of the informant.' } as unknown as Json & { id: string };
  const redPlace = {
    type: 'location', spec_version: '2.1', id: `location--${randomUUID()}`, created: now(), modified: now(), created_by_ref: IDENTITIES.pn,
    name: 'RED informant safe house', latitude: 40.41, longitude: -3.7, ...marked('red'),
  };
  const sighting = {
    type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: now(), modified: now(), created_by_ref: IDENTITIES.pn,
    sighting_of_ref: mac.id, count: 2, where_sighted_refs: [IDENTITIES.pn, redPlace.id], ...marked('green'),
  };
  const pointing = {
    type: 'report', spec_version: '2.1', id: `report--${randomUUID()}`, created: now(), modified: now(), created_by_ref: IDENTITIES.pn,
    name: 'GREEN summary that names restricted objects', published: now(), object_refs: [drone.id, redAlert.id, strictIndicator.id], ...marked('green'),
  };
  const strictLink = { ...related, id: `relationship--${randomUUID()}`, source_ref: strictIndicator.id, target_ref: drone.id };
  const restricted = [redAlert.id, strictIndicator.id, redPlace.id] as string[];

  const exports: Record<string, { objects: Json[] }> = {};
  /** The alert extension's JSON Schema as pj's node serves it. */
  let servedSchema = '';
  const exportAs = async (key: 'pn' | 'pj' | 'mad' | 'crm', user: string, name: string) => {
    const r = await gql<{ exportBundle: { type: string; objects: Json[] } }>(url(key), EXPORT, { f: { agencies: ['pn'] }, p: PURPOSE }, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    recordEmittedBundle(`stix-exports-${name}`, r.data!.exportBundle);
    return r.data!.exportBundle;
  };

  before(async () => {
    cluster = await startDemo({
      dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false,
      apiKeys: { pj: [{ id: 'opencti-pj', name: 'OpenCTI of the Polícia Judiciária', role: 'analyst', purpose: PURPOSE, secretHash: secretHash(OPENCTI_KEY) }] },
    });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pj-analyst', 'pj'], ['crm-analyst', 'crm']] as const) tokens[user] = await login(url(key), user);
    const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH,
      { b: bundle(drone, mac, related, redAlert, strictIndicator, redPlace, sighting, pointing, strictLink) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(r.data!.publishBundle.blockNumber);
    exports.pj = await exportAs('pj', 'pj-analyst', 'pj');
    exports.pn = await exportAs('pn', 'pn-analyst', 'pn');
    exports.crm = await exportAs('crm', 'crm-analyst', 'crm');
    const schemaRes = await fetch(new URL(ALERT_EXTENSION_SCHEMA_PATH, url('pj')));
    assert.equal(schemaRes.status, 200);
    servedSchema = await schemaRes.text();
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('pj\'s export of pn\'s GREEN drone alert carries pn\'s identity, the markings in TLP 2.0 and 1.0, the extension definition and its creator', () => {
    const byId = new Map(exports.pj!.objects.map((o) => [o.id as string, o]));
    assert.ok(byId.has(drone.id as string), 'the alert');
    const pn = byId.get(IDENTITIES.pn);
    assert.equal(pn?.name, 'Policía Nacional', 'pn\'s registered identity');
    assert.deepEqual(pn?.object_marking_refs, [tlpMarkingRef('clear')], 'registered TLP:CLEAR');
    assert.deepEqual(pn?.sectors, ['government-national'], 'as registered, with its sectors');
    assert.equal(pn?.x_popart_authority_level, 'national');
    for (const id of [tlpMarkingRef('green'), tlpMarkingRef('clear'), TLP1.green.id, ALERT_EXTENSION_ID, AGENCY_EXTENSION_ID, POPART_IDENTITY_ID]) {
      assert.ok(byId.has(id), `${id} is in the export`);
    }
    // Every reference resolves, except to objects pj may not see; each object once.
    assert.equal(byId.size, exports.pj!.objects.length, 'no object twice');
    const dangling = [...new Set(exports.pj!.objects.flatMap((o) => [...refsOf(o)]))].filter((id) => !byId.has(id)).sort();
    // The TLP 2.0 extension definition is known to tools by its id (published with TLP 2.0, not carried by producers).
    assert.deepEqual(dangling, [...restricted, TLP_EXTENSION_ID].sort(), 'only the restricted objects pj may not see stay unresolved');
  });

  test('nothing RED or AMBER+STRICT of pn reaches pj or crm, not even as a referenced object', () => {
    for (const key of ['pj', 'crm'] as const) {
      const text = JSON.stringify(exports[key]);
      for (const id of restricted) assert.ok(!exports[key]!.objects.some((o) => o.id === id), `${key}: ${id} not exported`);
      assert.doesNotMatch(text, /informant|safe house|second drone team/i, `${key}: no content of the restricted objects`);
    }
    // pn's own export holds them, referenced or not: the closure is per viewer.
    for (const id of restricted) assert.ok(exports.pn!.objects.some((o) => o.id === id), `pn exports its own ${id}`);
  });

  test('each alert comes with a report, a location and a note, with the same ids in every export', () => {
    const ids = alertViewIds(drone.id as string);
    const find = (key: string, id: string) => exports[key]!.objects.find((o) => o.id === id);
    const report = find('pj', ids.report)!;
    assert.ok(report, 'the report');
    assert.deepEqual((report.object_refs as string[]).slice(0, 3), [drone.id, ids.location, ids.note]);
    assert.deepEqual((report.object_refs as string[]).slice(3).sort(), [related.id, strictLink.id, mac.id, sighting.id].sort(), 'what the export holds about the alert');
    assert.equal(report.created_by_ref, IDENTITIES.pn);
    assert.deepEqual(report.object_marking_refs, [tlpMarkingRef('green'), TLP1.green.id]);
    assert.match(String(report.name), /^CRITICAL drone alert at Estadio Santiago Bernabéu/);
    assert.deepEqual(find('pj', ids.location), find('pn', ids.location), 'the same location in pn\'s and pj\'s exports');
    const location = find('pj', ids.location)!;
    assert.deepEqual([location.latitude, location.longitude, location.precision], [40.45306, -3.68835, 400]);
    assert.match(String(find('pj', ids.note)!.content), /north stand approach/);
    assert.ok(!exports.pj!.objects.some((o) => o.id === alertViewIds(redAlert.id as string).report), 'no view of an alert pj may not see');
    assert.ok(exports.pn!.objects.some((o) => o.id === alertViewIds(redAlert.id as string).report), 'pn gets the view of its RED alert');
  });

  test('the OASIS validator passes every export in strict mode', () => {
    const validator = process.env.POPART_STIX2_VALIDATOR;
    assert.ok(validator, 'POPART_STIX2_VALIDATOR is not set: eval "$(bash scripts/tools.sh)" first');
    const files = Object.entries(exports).map(([key, b]) => {
      const file = join(dir.path, `export-${key}.json`);
      writeFileSync(file, JSON.stringify(b));
      return file;
    });
    const r = spawnSync(validator, ['--version', '2.1', '--strict', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, /\[X\]|\[!\]/, r.stdout);
  });

  test('stix2 parses the exports and misp-stix makes pn\'s alert a MISP event with its severity, place, guidance, TLP and creator', async () => {
    const python = process.env.POPART_STIX_TOOLS_PYTHON;
    assert.ok(python, 'POPART_STIX_TOOLS_PYTHON is not set: eval "$(bash scripts/tools.sh)" first');
    const schemaFile = join(dir.path, 'alert-schema.json');
    writeFileSync(schemaFile, servedSchema);
    for (const key of ['pj', 'pn', 'crm']) {
      const file = join(dir.path, `tools-${key}.json`);
      writeFileSync(file, JSON.stringify(exports[key]));
      const r: { status: number | null; stdout: string; stderr: string } = spawnSync(python, [TOOLS_SCRIPT, '--schema', schemaFile, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${key}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as {
        stix2: { objects: number }; schema: { alerts: number; errors: string[] };
        events: { info: string; tags: string[]; producer: string | null; texts: string[]; notes: string[]; geolocations: { latitude: string; longitude: string }[] }[];
      };
      assert.equal(out.stix2.objects, exports[key]!.objects.length, `${key}: stix2 parsed every object`);
      assert.deepEqual(out.schema.errors, [], `${key}: every alert passes the served JSON Schema`);
      assert.ok(out.schema.alerts >= 1);
      if (key !== 'pj') continue;
      const event = out.events.find((e) => e.info.includes('Drone over the Bernabéu north stand'));
      assert.ok(event, `a MISP event for the drone alert among ${JSON.stringify(out.events.map((e) => e.info))}`);
      assert.ok(event.tags.includes('tlp:green'), `TLP tag in ${JSON.stringify(event.tags)}`);
      assert.ok(event.tags.includes('popart:severity="critical"'), `severity tag in ${JSON.stringify(event.tags)}`);
      assert.equal(event.producer, 'Policía Nacional', 'the creator organisation (misp-stix\'s producer tag)');
      assert.ok(event.geolocations.some((g) => Number(g.latitude) === 40.45306 && Number(g.longitude) === -3.68835), `place in ${JSON.stringify(event.geolocations)}`);
      assert.ok(event.texts.some((t) => t.includes('do not try to capture the drone')), 'the guidance (in the event report)');
      assert.ok(event.notes.some((t) => t.includes('do not try to capture the drone') && t.includes('Valid from')), `the guidance and time window as a note on the event: ${JSON.stringify(event.notes)}`);
      assert.ok(event.texts.some((t) => t.includes('Estadio Santiago Bernabéu')), 'the venue');
    }
  });

  test('an OpenCTI-like consumer reading pj\'s TAXII collections page by page resolves every reference from them alone; the tools accept what it read', async () => {
    const python = process.env.POPART_TAXII2_CLIENT_PYTHON;
    assert.ok(python, 'POPART_TAXII2_CLIENT_PYTHON is not set: eval "$(bash scripts/tools.sh)" first');
    const discovery = url('pj').replace(/\/graphql$/, '/taxii2/');
    // Asynchronously: the node under test answers in this process.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(python, [CONSUMER_SCRIPT, discovery, 'opencti-pj', OPENCTI_KEY, '4', 'alerts', 'indicators', 'all'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 },
        (err, out, errText) => (err ? reject(new Error(`${err.message}\n${errText}`)) : resolve(out)));
    });
    const read = JSON.parse(stdout) as { collections: Record<string, { pages: string[][] }>; objects: Json[]; unresolved: Record<string, string[]> };
    const alerts = read.collections.alerts!.pages.flat();
    const ids = alertViewIds(drone.id as string);
    for (const id of [drone.id as string, IDENTITIES.pn, tlpMarkingRef('green'), tlpMarkingRef('clear'), TLP1.green.id, ALERT_EXTENSION_ID, AGENCY_EXTENSION_ID, POPART_IDENTITY_ID, ids.report, ids.location, ids.note]) {
      assert.ok(alerts.includes(id), `${id} comes with the alerts collection's pages`);
    }
    assert.ok(read.collections.indicators!.pages.flat().includes(IDENTITIES.pn), 'the indicators\' creator comes with the indicators collection');
    assert.ok(read.collections.all!.pages.length > 1, 'paged');
    // Each page resolved against itself and the pages before; only references to what pj may not see stay unresolved.
    const dangling = [...new Set(Object.values(read.unresolved).flat())].sort();
    assert.deepEqual(dangling, [...restricted, TLP_EXTENSION_ID].sort(), `unresolved: ${JSON.stringify(read.unresolved)}`);
    assert.ok(!JSON.stringify(read.objects).match(/informant|safe house|second drone team/i), 'nothing of the restricted objects');
    const b = { type: 'bundle', id: `bundle--${randomUUID()}`, objects: read.objects };
    recordEmittedBundle('stix-exports-taxii-consumer', b);
    const file = join(dir.path, 'taxii-consumer.json');
    writeFileSync(file, JSON.stringify(b));
    const validator = spawnSync(process.env.POPART_STIX2_VALIDATOR ?? 'stix2_validator', ['--version', '2.1', '--strict', file], { encoding: 'utf8' });
    assert.equal(validator.status, 0, `${validator.stdout}\n${validator.stderr}`);
    const schemaFile = join(dir.path, 'alert-schema.json');
    writeFileSync(schemaFile, servedSchema);
    const tools = spawnSync(process.env.POPART_STIX_TOOLS_PYTHON ?? 'python3', [TOOLS_SCRIPT, '--schema', schemaFile, file], { encoding: 'utf8' });
    assert.equal(tools.status, 0, tools.stderr);
    const out = JSON.parse(tools.stdout) as { stix2: { objects: number }; events: { info: string; tags: string[]; producer: string | null; geolocations: { latitude: string }[] }[] };
    assert.equal(out.stix2.objects, read.objects.length, 'stix2 parsed every object');
    const event = out.events.find((e) => e.info.includes('Drone over the Bernabéu north stand'));
    assert.ok(event, `misp-stix made the drone alert an event: ${JSON.stringify(out.events.map((e) => e.info))}`);
    assert.ok(event.tags.includes('tlp:green') && event.tags.includes('popart:severity="critical"'), JSON.stringify(event.tags));
    assert.equal(event.producer, 'Policía Nacional');
    assert.ok(event.geolocations.some((g) => Number(g.latitude) === 40.45306));
  });

  test('the extension definition\'s schema is served at its path, and only there', async () => {
    const res = await fetch(new URL(ALERT_EXTENSION_SCHEMA_PATH, url('mad')));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/schema\+json/);
    const schema = (await res.json()) as Json;
    assert.equal(schema.$id, 'https://popart.example/schemas/public-space-alert-1.0.0.json');
    assert.deepEqual((schema.required as string[]).sort(), ['area', 'category', 'detection_confidence', 'expires', 'extension_type', 'guidance', 'sensor_kind', 'severity', 'venue']);
    const missing = await fetch(new URL('/schemas/other.json', url('mad')));
    assert.equal(missing.status, 404);
    assert.match(JSON.stringify(await missing.json()), /public-space-alert-1\.0\.0\.json/);
    const post = await fetch(new URL(ALERT_EXTENSION_SCHEMA_PATH, url('mad')), { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
  });

  test('a bundle carrying pn\'s registered identity in another version is refused, naming the property; the identity stays as registered', async () => {
    const registered = exports.pn!.objects.find((o) => o.id === IDENTITIES.pn)!;
    const { sectors: _dropped, ...thinner }: Json = { ...registered, modified: now() };
    const extra = { ...indicator(IDENTITIES.pn, 'published with the thinner identity', 'green'), description: 'A second transmitter.' } as unknown as Json & { id: string };
    const r = await gql(url('pn'), PUBLISH, { b: bundle(thinner, extra) }, tokens['pn-analyst']);
    const err = r.errors?.[0] as Err | undefined;
    assert.equal(err?.extensions?.code, 'REGISTERED_IDENTITY', JSON.stringify(r.errors));
    assert.equal(err?.extensions?.issues?.[0]?.objectId, IDENTITIES.pn);
    assert.equal(err?.extensions?.issues?.[0]?.property, 'sectors');
    // As registered, it is accepted (an export passed on) and nothing changes.
    const same = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(registered, extra) }, tokens['pn-analyst']);
    assert.equal(same.errors, undefined, JSON.stringify(same.errors));
    await cluster.nodes.pj.listener.waitForBlock(same.data!.publishBundle.blockNumber);
    const again = await exportAs('pj', 'pj-analyst', 'pj-after-identity');
    assert.deepEqual(again.objects.find((o) => o.id === IDENTITIES.pn), registered, 'pn\'s identity as registered, sectors and x_popart_* kept');
    assert.ok(again.objects.some((o) => o.id === extra.id), 'the indicator of the accepted bundle');
    assert.ok(!again.objects.some((o) => o.id === (thinner as Json).id && !(o as Json).sectors));
  });
});
