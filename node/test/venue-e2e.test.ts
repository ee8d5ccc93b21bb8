/**
 * The demo's stadium end to end: pn registers the Bernabéu and reports the drone (its receiver and its camera); the
 * risk picture at pn is elevated; mad's Remote ID receiver reports the same drone: pn's analyst sees the reports linked,
 * with why, and the level rises to high, corroborated by mad. A RED gunshot alert of pn raises pn's picture (with a
 * purpose) but never pj's, and never shows there; a situation report carries only what may be shared.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { DRONE, SCENARIO_IDS, scenarioBundles } from '../src/demo/scenario.js';
import { gql, login, tempDir, until } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const PURPOSE = 'venue e2e: the stadium\'s risk picture';
const VENUE = `query($id: ID!, $p: String) { venue(id: $id, purpose: $p) { id name kind active riskLevel score reasons restrictedLeftOut
  agencies { key } contributing { threat { id } counted points reasons guidance } timeline { kind text } } }`;
const VENUES = 'query($p: String) { venues(purpose: $p) { id name riskLevel } }';
const CORRELATIONS = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { correlations { kind valueKind value why crossAgency other { id } } } }';
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const REPORT = 'mutation($id: ID!) { situationReport(venueId: $id) { level objectCount report published { status blockNumber } } }';

type Json = Record<string, unknown>;
interface Venue { id: string; name: string; kind: string; active: boolean; riskLevel: string; score: number; reasons: string[]; restrictedLeftOut: number;
  agencies: { key: string }[]; contributing: { threat: { id: string }; counted: boolean; points: number; reasons: string[]; guidance: string | null }[]; timeline: { kind: string; text: string }[] }

const dir = tempDir('popart-venue-');
let cluster: DemoCluster;
const tokens = { pn: '', pj: '', mad: '' };
let bundles: { pn: Json; mad: Json };
const red = { ...alert({ by: IDENTITIES.pn, tlp: 'red', category: 'gunshot', severity: 'critical', name: `Shots near gate 57 ${randomUUID()}` }) };

async function venueAt(who: 'pn' | 'pj', purpose: string | null = PURPOSE): Promise<Venue> {
  const r = await gql<{ venue: Venue | null }>(cluster.nodes[who].url, VENUE, { id: SCENARIO_IDS.venue, p: purpose }, tokens[who]);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.ok(r.data?.venue, `${who} sees the venue`);
  return r.data.venue;
}

before(async () => {
  cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
  tokens.pn = await login(cluster.nodes.pn.url, 'pn-analyst');
  tokens.pj = await login(cluster.nodes.pj.url, 'pj-analyst');
  tokens.mad = await login(cluster.nodes.mad.url, 'mad-operator');
  bundles = scenarioBundles(new Date(), cluster.nodes.pn.agency.identityId, cluster.nodes.mad.agency.identityId);
  // The RED alert lies at the stadium: the fixture's area moved there.
  const ext = Object.values(red.extensions as Record<string, Json>)[0] as Json;
  ext.area = { shape: 'circle', latitude: 40.4531, longitude: -3.6883, radius_m: 100 };
});

after(async () => {
  await cluster.stop();
  dir.remove();
});

test('pn reports the drone at its registered stadium: the venue is active, its picture elevated, the reports listed with their guidance', async () => {
  const r = await gql(cluster.nodes.pn.url, PUBLISH, { b: bundles.pn }, tokens.pn);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const v = await venueAt('pn');
  assert.deepEqual([v.name, v.kind, v.active, v.riskLevel, v.score], ['Estadio Santiago Bernabéu', 'stadium', true, 'elevated', 4]);
  assert.deepEqual(v.agencies.map((a) => a.key).sort(), ['mad', 'pn']);
  assert.deepEqual(v.contributing.map((c) => c.threat.id).sort(), [SCENARIO_IDS.alert, SCENARIO_IDS.pnCamera].sort());
  assert.ok(v.contributing.every((c) => c.guidance && c.counted));
  assert.match(v.reasons[0] ?? '', /^elevated: score 4 \(2 or more\) from 1 incident/);
  const venues = await gql<{ venues: { id: string }[] }>(cluster.nodes.pn.url, VENUES, { p: PURPOSE }, tokens.pn);
  assert.ok(venues.data?.venues.some((x) => x.id === SCENARIO_IDS.venue));
});

test('mad\'s Remote ID receiver reports the same drone: pn sees the reports linked with why, and the level rises to high, corroborated by mad', async () => {
  const r = await gql(cluster.nodes.mad.url, PUBLISH, { b: bundles.mad }, tokens.mad);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const links = await until('the link at pn', async () => {
    const c = await gql<{ threat: { correlations: { kind: string; valueKind: string; value: string | null; why: string; crossAgency: boolean; other: { id: string } }[] } }>(
      cluster.nodes.pn.url, CORRELATIONS, { id: SCENARIO_IDS.pnCamera, p: PURPOSE }, tokens.pn);
    const l = c.data?.threat.correlations ?? [];
    return l.some((x) => x.other.id === SCENARIO_IDS.madAlert) ? l : null;
  });
  const link = links.find((x) => x.other.id === SCENARIO_IDS.madAlert)!;
  assert.deepEqual([link.kind, link.valueKind, link.crossAgency], ['proximity', 'drone', true]);
  assert.match(link.why, /^two drone alerts \d+ m apart, /);
  const mac = await gql<{ threat: { correlations: { valueKind: string; value: string; other: { id: string } }[] } }>(cluster.nodes.pn.url, CORRELATIONS, { id: SCENARIO_IDS.indicator, p: PURPOSE }, tokens.pn);
  assert.ok(mac.data?.threat.correlations.some((c) => c.other.id === SCENARIO_IDS.madIndicator && c.valueKind === 'mac-addr' && c.value === DRONE.mac));
  const v = await venueAt('pn');
  assert.deepEqual([v.riskLevel, v.score], ['high', 6]);
  const lead = v.contributing[0]!;
  assert.equal(lead.points, 6);
  // One incident of three linked alerts: it counts once, at its strongest, corroborated by the other agency.
  const by = lead.threat.id === SCENARIO_IDS.madAlert ? 'pn' : 'mad';
  assert.ok(lead.reasons.includes(`corroborated by ${by}: × 1.5`), JSON.stringify(lead));
  assert.ok(lead.reasons.includes('incident points 6 (3 linked alerts)'), JSON.stringify(lead));
  assert.deepEqual(v.contributing.slice(1).map((c) => [c.points, c.reasons.some((x) => x.startsWith('same incident as'))]), [[0, true], [0, true]]);
  assert.ok(v.timeline.some((e) => e.kind === 'correlation') && v.timeline.some((e) => e.kind === 'sighting' || e.kind === 'alert'));
});

test('a RED alert of pn at the stadium: pn\'s picture with a purpose is critical; without one it is left out and counted; pj never sees it', async () => {
  const r = await gql<{ publishBundle: { blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(red) }, tokens.pn);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  await cluster.nodes.pj.listener.waitForBlock(r.data!.publishBundle.blockNumber);
  const withPurpose = await venueAt('pn');
  assert.equal(withPurpose.riskLevel, 'critical');
  assert.ok(withPurpose.contributing.some((c) => c.threat.id === red.id));
  const without = await venueAt('pn', null);
  assert.deepEqual([without.riskLevel, without.restrictedLeftOut > 0], ['high', true]);
  assert.ok(!without.contributing.some((c) => c.threat.id === red.id));
  const pj = await venueAt('pj');
  assert.deepEqual([pj.riskLevel, pj.score, pj.restrictedLeftOut], ['high', 6, 0]);
  assert.ok(!pj.contributing.some((c) => c.threat.id === red.id));
  assert.ok(!JSON.stringify(pj).includes(red.id as string) && !JSON.stringify(pj).includes('gunshot'));
});

test('a situation report holds only what may be shared: TLP:GREEN, the level without the RED alert, readable by pj', async () => {
  const r = await gql<{ situationReport: { level: string; objectCount: number; report: Json; published: { status: string; blockNumber: number } } }>(
    cluster.nodes.pn.url, REPORT, { id: SCENARIO_IDS.venue }, tokens.pn);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const s = r.data!.situationReport;
  assert.equal(s.level, 'high');
  assert.equal(s.published.status, 'COMMITTED');
  const refs = s.report.object_refs as string[];
  assert.ok(refs.includes(SCENARIO_IDS.venue) && refs.includes(SCENARIO_IDS.madAlert));
  assert.ok(!refs.includes(red.id as string));
  assert.ok(!String(s.report.description).includes('gunshot'));
  await cluster.nodes.pj.listener.waitForBlock(s.published.blockNumber);
  const atPj = await gql<{ threat: { id: string } | null }>(cluster.nodes.pj.url, 'query($id: ID!) { threat(id: $id) { id } }', { id: s.report.id }, tokens.pj);
  assert.equal(atPj.data?.threat?.id, s.report.id);
  const refused = await gql(cluster.nodes.mad.url, REPORT, { id: SCENARIO_IDS.venue }, tokens.mad);
  assert.equal((refused.errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code, 'FORBIDDEN', 'operators do not write reports');
});
