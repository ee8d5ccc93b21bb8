/**
 * Correlation across two agencies, end to end on the embedded demo: objects of pn and mad that share a drone's Remote
 * ID serial are linked at both nodes when both users may see both objects, and at neither otherwise; the `correlated`
 * filter and the `correlations` subscription follow the same rule. pn's RED object is never revealed to mad by a link.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { tlpMarkingRef, type TlpLevel } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, subscribe, tempDir, until, wsClient } from './support.js';
import { alert, bundle, IDENTITIES } from './stix-fixtures.js';

const PURPOSE = 'correlation e2e: checking links across agencies';
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const CORRELATIONS = `query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id correlations { kind valueKind value why crossAgency other { id } } } }`;
const CORRELATED = 'query($p: String) { threats(filter: { types: ["indicator"], correlated: true }, first: 200, purpose: $p) { edges { node { id } } } }';
const SUBSCRIBE = `subscription { correlations(purpose: "${PURPOSE}") { threat { id } correlation { valueKind value other { id } } } }`;

type Json = Record<string, unknown>;
interface Link { kind: string; valueKind: string; value: string | null; why: string; crossAgency: boolean; other: { id: string } }
type Event = { correlations: { threat: { id: string }; correlation: { valueKind: string; value: string | null; other: { id: string } } } };

const serial = (): string => randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();

function droneAlert(tlp: TlpLevel, uasId: string): Json {
  return { ...alert({ by: IDENTITIES.pn, name: `Drone ${uasId}`, tlp }), x_popart_remote_id: { uas_id: uasId, id_type: 'serial-number' } };
}

function receiverIndicator(tlp: TlpLevel, uasId: string): Json {
  const t = new Date().toISOString();
  const mac = Array.from({ length: 6 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0')).join(':');
  return {
    type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, created_by_ref: IDENTITIES.mad,
    name: `Remote ID broadcast of drone ${uasId}`, indicator_types: ['anomalous-activity'], pattern: `[mac-addr:value = '${mac}']`,
    pattern_type: 'stix', valid_from: t, object_marking_refs: [tlpMarkingRef(tlp)],
    external_references: [{ source_name: 'remote-id', external_id: uasId }],
  };
}

const dir = tempDir('popart-correlation-');
let cluster: DemoCluster;
const tokens: Record<'pn' | 'mad', string> = { pn: '', mad: '' };
const s1 = serial();
const s2 = serial();
const s3 = serial();
const pnGreen = droneAlert('green', s1);
const madGreen = receiverIndicator('green', s1);
const pnRed = droneAlert('red', s2);
const madGreen2 = receiverIndicator('green', s2);
const pnRed3 = droneAlert('red', s3);
const madRed3 = receiverIndicator('red', s3);
let subs: Record<'pn' | 'mad', ReturnType<typeof subscribe<Event>>>;

const linksAt = async (who: 'pn' | 'mad', id: unknown): Promise<Link[] | null> => {
  const r = await gql<{ threat: { correlations: Link[] } | null }>(cluster.nodes[who].url, CORRELATIONS, { id, p: PURPOSE }, tokens[who]);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data?.threat?.correlations ?? null;
};

before(async () => {
  cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
  tokens.pn = await login(cluster.nodes.pn.url, 'pn-analyst');
  tokens.mad = await login(cluster.nodes.mad.url, 'mad-operator');
  subs = { pn: subscribe<Event>(wsClient(cluster.nodes.pn.url, tokens.pn), SUBSCRIBE), mad: subscribe<Event>(wsClient(cluster.nodes.mad.url, tokens.mad), SUBSCRIBE) };
  await new Promise((r) => setTimeout(r, 300));
  const a = await gql(cluster.nodes.pn.url, PUBLISH, { b: bundle(pnGreen, pnRed, pnRed3) }, tokens.pn);
  assert.equal(a.errors, undefined, JSON.stringify(a.errors));
  await until('pn\'s GREEN alert at mad', async () => (await linksAt('mad', pnGreen.id)) !== null);
  const b = await gql(cluster.nodes.mad.url, PUBLISH, { b: bundle(madGreen, madGreen2, madRed3) }, tokens.mad);
  assert.equal(b.errors, undefined, JSON.stringify(b.errors));
  await until('mad\'s indicators at pn', async () => (await linksAt('pn', madGreen2.id)) !== null);
});

after(async () => {
  await subs.pn.stop();
  await subs.mad.stop();
  await cluster.stop();
  dir.remove();
});

test('both may see both objects: the link appears at pn and at mad, saying which serial, across agencies', async () => {
  for (const [who, subject, other] of [['pn', pnGreen, madGreen], ['mad', madGreen, pnGreen]] as const) {
    const links = (await linksAt(who, subject.id)) ?? [];
    const link = links.find((l) => l.other.id === other.id);
    assert.ok(link, `${who}: ${JSON.stringify(links)}`);
    assert.deepEqual([link.kind, link.valueKind, link.value, link.crossAgency], ['observable', 'remote-id', s1, true]);
    assert.match(link.why, new RegExp(`remote-id ${s1}`));
  }
});

test('pn\'s RED object: pn sees its link to mad\'s GREEN indicator, mad sees neither the link nor the object', async () => {
  assert.ok((await linksAt('pn', pnRed.id))?.some((l) => l.other.id === madGreen2.id));
  assert.deepEqual(await linksAt('mad', madGreen2.id), []);
  assert.equal(await linksAt('mad', pnRed.id), null);
  for (const l of (await linksAt('mad', pnGreen.id)) ?? []) assert.ok(![pnRed.id, pnRed3.id].includes(l.other.id), `leak at mad: ${JSON.stringify(l)}`);
});

test('two RED objects of different agencies: the link is shown at neither', async () => {
  assert.ok(!(await linksAt('pn', pnRed3.id))?.some((l) => l.other.id === madRed3.id));
  assert.ok(!(await linksAt('mad', madRed3.id))?.some((l) => l.other.id === pnRed3.id));
});

test('the correlated filter lists only objects linked to something the user may see', async () => {
  const r = await gql<{ threats: { edges: { node: { id: string } }[] } }>(cluster.nodes.mad.url, CORRELATED, { p: PURPOSE }, tokens.mad);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const ids = new Set(r.data?.threats.edges.map((e) => e.node.id));
  assert.ok(ids.has(madGreen.id as string));
  assert.ok(!ids.has(madGreen2.id as string), 'linked only to pn\'s RED alert');
  assert.ok(!ids.has(madRed3.id as string));
});

test('the correlations subscription delivers the link at both, and nothing about pn\'s RED objects at mad', async () => {
  const pair = (e: Event): Set<string> => new Set([e.correlations.threat.id, e.correlations.correlation.other.id]);
  const has = (events: Event[], x: unknown, y: unknown): boolean => events.some((e) => pair(e).has(x as string) && pair(e).has(y as string));
  await until('the pn subscription', async () => has(subs.pn.events, pnGreen.id, madGreen.id) && has(subs.pn.events, pnRed.id, madGreen2.id));
  await until('the mad subscription', async () => has(subs.mad.events, pnGreen.id, madGreen.id));
  for (const e of subs.mad.events) for (const id of pair(e)) assert.ok(![pnRed.id, pnRed3.id].includes(id), `leak at mad: ${JSON.stringify(e)}`);
  assert.deepEqual([subs.pn.errors, subs.mad.errors], [[], []]);
});
