/**
 * Operators' responses to alerts, across nodes: mad's operator acknowledges pn's alert on mad's
 * node; the response travels as a sighting over the ledger and pn's analyst reads it on pn's node.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tlpMarkingRef } from '@popart/schemas';
import { after, before, describe, test } from 'node:test';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, recordEmittedBundle, subscribe, tempDir, wsClient } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const RESPOND = `mutation($id: ID!, $s: ResponseStatus!, $n: String) {
  respondToAlert(alertId: $id, status: $s, note: $n) { id alertId status responder agency { key } at note transactionId blockNumber } }`;
const RESPONSES = 'query($id: ID!) { threat(id: $id, purpose: "response test") { responses { id status responder agency { key } at note } } }';

interface Err { message: string; extensions?: { code?: string; issues?: { property: string; message: string }[] } }
interface Response { id: string; status: string; responder: string; agency: { key: string } | null; at: string; note: string | null }

describe('responses to alerts', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-response-');
  const tokens: Record<string, string> = {};
  const url = (key: 'pn' | 'pj' | 'mad' | 'crm') => cluster.nodes[key].url;
  const greenAlert = alert({ by: IDENTITIES.pn, name: 'Drone over Plaza de Cibeles' });
  const ind = indicator(IDENTITIES.pn);

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-auditor', 'pn'], ['mad-operator', 'mad'], ['pj-analyst', 'pj']] as const) {
      tokens[user] = await login(url(key), user);
    }
    const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(greenAlert, ind) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined);
    await cluster.nodes.mad.listener.waitForBlock(r.data!.publishBundle.blockNumber);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  const responsesOn = async (key: 'pn' | 'pj' | 'mad', user: string): Promise<Response[]> => {
    const r = await gql<{ threat: { responses: Response[] } | null }>(url(key), RESPONSES, { id: greenAlert.id }, tokens[user]);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data!.threat!.responses;
  };

  test('mad-operator acknowledges and is on scene; pn sees both, with who, which agency and when', async () => {
    const ack = await gql<{ respondToAlert: Response & { transactionId: string; blockNumber: number } }>(url('mad'), RESPOND, { id: greenAlert.id, s: 'ACKNOWLEDGED' }, tokens['mad-operator']);
    assert.equal(ack.errors, undefined, JSON.stringify(ack.errors));
    const a = ack.data!.respondToAlert;
    assert.equal(a.status, 'ACKNOWLEDGED');
    assert.equal(a.responder, 'mad-operator');
    assert.equal(a.agency?.key, 'mad');
    assert.match(a.transactionId, /^[0-9a-f]{64}$/);
    const onScene = await gql<{ respondToAlert: Response & { blockNumber: number } }>(url('mad'), RESPOND, { id: greenAlert.id, s: 'ON_SCENE', n: 'Unit 12 at gate 3' }, tokens['mad-operator']);
    assert.equal(onScene.errors, undefined);
    await cluster.nodes.pn.listener.waitForBlock(onScene.data!.respondToAlert.blockNumber);

    const seen = await responsesOn('pn', 'pn-analyst');
    assert.deepEqual(seen.map((r) => [r.status, r.responder, r.agency?.key, r.note]), [
      ['ACKNOWLEDGED', 'mad-operator', 'mad', null],
      ['ON_SCENE', 'mad-operator', 'mad', 'Unit 12 at gate 3'],
    ]);
    assert.equal(seen[0]!.at, a.at);
    // The response is an ordinary STIX sighting of the alert on the ledger.
    const s = await gql<{ threat: { type: string; stix: Record<string, unknown>; agency: { key: string } } }>(url('pn'), 'query($id: ID!) { threat(id: $id) { type stix agency { key } } }', { id: a.id }, tokens['pn-analyst']);
    assert.equal(s.data!.threat.type, 'sighting');
    assert.equal(s.data!.threat.stix.sighting_of_ref, greenAlert.id);
    assert.equal(s.data!.threat.stix.x_popart_response_status, 'acknowledged');
    assert.deepEqual(s.data!.threat.stix.where_sighted_refs, [IDENTITIES.mad]);
    recordEmittedBundle('response-sighting', { type: 'bundle', id: 'bundle--4c2d9a4e-5f1b-4e8a-9d3c-7a6b5e4d3c2c', objects: [s.data!.threat.stix] });
    // Objects that are not alerts have no responses; the sighting itself is not an alert.
    const none = await gql<{ threat: { responses: unknown[] } }>(url('pn'), 'query($id: ID!) { threat(id: $id) { responses { id } } }', { id: a.id }, tokens['pn-analyst']);
    assert.deepEqual(none.data!.threat.responses, []);
  });

  test('only operators and supervisors respond; analysts and auditors are refused and nothing is published', async () => {
    const height = cluster.handle.current!.height();
    for (const [key, user] of [['pn', 'pn-analyst'], ['pn', 'pn-auditor']] as const) {
      const r = await gql(url(key), RESPOND, { id: greenAlert.id, s: 'ACKNOWLEDGED' }, tokens[user]);
      const e = r.errors?.[0] as Err;
      assert.equal(e.extensions?.code, 'FORBIDDEN', user);
      assert.match(e.message, /needs one of the roles operator, supervisor/);
    }
    const anon = await gql(url('mad'), RESPOND, { id: greenAlert.id, s: 'ACKNOWLEDGED' });
    assert.equal((anon.errors?.[0] as Err).extensions?.code, 'UNAUTHENTICATED');
    assert.equal(cluster.handle.current!.height(), height, 'no transaction');
  });

  test('an unknown alert, an object that is not an alert, a bad status or a long note are refused, naming the field', async () => {
    const unknown = await gql(url('mad'), RESPOND, { id: 'incident--00000000-0000-4000-8000-000000000000', s: 'RESOLVED' }, tokens['mad-operator']);
    const e1 = unknown.errors?.[0] as Err;
    assert.equal(e1.extensions?.code, 'NOT_FOUND');
    assert.equal(e1.extensions?.issues?.[0]?.property, 'alertId');

    const notAlert = await gql(url('mad'), RESPOND, { id: ind.id, s: 'RESOLVED' }, tokens['mad-operator']);
    const e2 = notAlert.errors?.[0] as Err;
    // mad's operator may see pn's indicator only if the policy says so; either way it is refused on alertId.
    assert.ok(e2.extensions?.code === 'INVALID_ARGUMENT' || e2.extensions?.code === 'NOT_FOUND', JSON.stringify(e2));
    assert.equal(e2.extensions?.issues?.[0]?.property, 'alertId');

    const badStatus = await gql(url('mad'), RESPOND, { id: greenAlert.id, s: 'DONE' }, tokens['mad-operator']);
    assert.match((badStatus.errors?.[0] as Err).message, /ResponseStatus/);

    const long = await gql(url('mad'), RESPOND, { id: greenAlert.id, s: 'RESOLVED', n: 'x'.repeat(501) }, tokens['mad-operator']);
    const e3 = long.errors?.[0] as Err;
    assert.equal(e3.extensions?.code, 'INVALID_ARGUMENT');
    assert.equal(e3.extensions?.issues?.[0]?.property, 'note');
    assert.equal((await responsesOn('pn', 'pn-analyst')).length, 2, 'nothing more was published');
  });

  test('the related subscription brings what refers to an object as it is committed, through the gate: pj never gets pn\'s AMBER+STRICT or RED sighting, and restricted objects need a purpose', async () => {
    const watched = alert({ by: IDENTITIES.pn, name: 'Drone near the fan zone stage' });
    const pub = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH, { b: bundle(watched) }, tokens['pn-analyst']);
    assert.equal(pub.errors, undefined, JSON.stringify(pub.errors));
    for (const key of ['pj', 'mad'] as const) await cluster.nodes[key].listener.waitForBlock(pub.data!.publishBundle.blockNumber);
    const related = (purpose?: string): string => `subscription { related(id: "${watched.id}"${purpose ? `, purpose: "${purpose}"` : ''}) { id stix } }`;
    type Event = { related: { id: string; stix: Record<string, unknown> } };
    // pn's auditor (in pn's read model everything is there, but auditors see no object content) subscribes first, so
    // that it is live by the time the others have warmed up.
    const auditor = subscribe<Event>(wsClient(url('pn'), tokens['pn-auditor']!), related('audit of the incident'));
    const subs = {
      pn: subscribe<Event>(wsClient(url('pn'), tokens['pn-analyst']!), related('following the incident at the stage')),
      pnWithoutPurpose: subscribe<Event>(wsClient(url('pn'), tokens['pn-analyst']!), related()),
      pj: subscribe<Event>(wsClient(url('pj'), tokens['pj-analyst']!), related('following the incident at the stage')),
    };
    const bad = subscribe<Event>(wsClient(url('pn'), tokens['pn-analyst']!), 'subscription { related(id: "not-an-id") { id } }');
    const respond = async (status: string): Promise<string> => {
      const r = await gql<{ respondToAlert: { id: string } }>(url('mad'), RESPOND, { id: watched.id, s: status }, tokens['mad-operator']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      return r.data!.respondToAlert.id;
    };
    try {
      // graphql-ws does not acknowledge a subscription: respond until each subscription has had a response.
      const warm = new Map<string, number>();
      for (let attempt = 0; attempt < 10 && warm.size < 3; attempt++) {
        await respond('ACKNOWLEDGED');
        for (const [name, sub] of Object.entries(subs)) {
          if (warm.has(name)) continue;
          const got = await sub.next(1500).catch(() => undefined);
          if (got) warm.set(name, 1);
        }
      }
      assert.equal(warm.size, 3, 'every subscription is live');
      await new Promise((r) => setTimeout(r, 500));
      for (const sub of Object.values(subs)) sub.events.length = 0;

      // pn's own AMBER+STRICT and RED sightings of the alert, then a GREEN response by mad's operator as the last event.
      const now = new Date().toISOString();
      const sighting = (tlp: 'amber+strict' | 'red'): Record<string, unknown> => ({
        type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: now, modified: now, created_by_ref: IDENTITIES.pn,
        sighting_of_ref: watched.id, first_seen: now, last_seen: now, count: 1, where_sighted_refs: [IDENTITIES.pn],
        object_marking_refs: [tlpMarkingRef(tlp)],
      });
      const strict = sighting('amber+strict');
      const red = sighting('red');
      const s = await gql(url('pn'), PUBLISH, { b: bundle(strict, red) }, tokens['pn-analyst']);
      assert.equal(s.errors, undefined, JSON.stringify(s.errors));
      const last = await respond('ON_SCENE');
      const until = async (sub: (typeof subs)['pn'], id: string): Promise<string[]> => {
        const ids: string[] = [];
        while (!ids.includes(id)) ids.push((await sub.next(10_000)).related.id);
        return ids;
      };
      assert.deepEqual(await until(subs.pn, last), [strict.id, red.id, last], 'pn\'s analyst, with a purpose: all three, in ledger order');
      assert.deepEqual(await until(subs.pnWithoutPurpose, last), [last], 'without a purpose: not the restricted sightings');
      assert.deepEqual(await until(subs.pj, last), [last], 'pj: never pn\'s AMBER+STRICT or RED sighting');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual([subs.pn.events, subs.pnWithoutPurpose.events, subs.pj.events].map((e) => e.length), [0, 0, 0], 'nothing after the last');
      assert.deepEqual(auditor.events.map((e) => e.related.id), [], 'the auditor gets no object content, on this path either');
      assert.deepEqual(auditor.errors, []);
      for (const sub of Object.values(subs)) assert.deepEqual(sub.errors, []);
      assert.match(JSON.stringify(bad.errors), /id: \\"not-an-id\\" is not a STIX identifier/);
    } finally {
      for (const sub of [...Object.values(subs), bad, auditor]) await sub.stop();
    }
  });

  test('agencies carry their territory from the policies: centre, bbox and GeoJSON', async () => {
    const r = await gql<{ me: { agency: { jurisdiction: { centre: number[]; bbox: number[]; geometry: { type: string } } } } }>(
      url('mad'), 'query { me { agency { jurisdiction { centre bbox geometry } } } }', {}, tokens['mad-operator']);
    assert.equal(r.errors, undefined);
    const j = r.data!.me.agency.jurisdiction;
    assert.equal(j.geometry.type, 'Polygon');
    assert.ok(j.centre[0]! > -3.9 && j.centre[0]! < -3.5 && j.centre[1]! > 40.3 && j.centre[1]! < 40.65, `Madrid: ${j.centre.join(',')}`);
    const pn = await gql<{ agencies: { key: string; jurisdiction: { centre: number[] } | null }[] }>(url('pn'), 'query { agencies { key jurisdiction { centre } } }', {}, tokens['pn-analyst']);
    const spain = pn.data!.agencies.find((a) => a.key === 'pn')!.jurisdiction!.centre;
    assert.ok(spain[0]! > -9.5 && spain[0]! < 3.5 && spain[1]! > 36 && spain[1]! < 44, `mainland Spain, not the Canaries: ${spain.join(',')}`);
    const portugal = pn.data!.agencies.find((a) => a.key === 'pj')!.jurisdiction!.centre;
    assert.ok(portugal[0]! > -9.6 && portugal[0]! < -6 && portugal[1]! > 36.8 && portugal[1]! < 42.2, `mainland Portugal, not the Azores: ${portugal.join(',')}`);
  });
});
