/**
 * What refers to an object is never less restricted than the object, and reading it is a consultation:
 *  - a response to an alert (respondToAlert) and a sighting recorded with recordSighting inherit the marking and
 *    audience of what they refer to, a stricter TLP may be chosen, a less restricted one is refused naming `tlp`;
 *    the contract refuses a less restricted sighting published in a bundle;
 *  - sightings and responses read as nested fields under a GREEN object need a purpose when restricted ones are
 *    returned (PURPOSE_REQUIRED otherwise), and are written to the audit log as a consultation.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { tlpMarkingRef, type TlpLevel } from '@popart/schemas';
import type { AuditEntry } from '../src/modules/audit/index.js';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, tempDir } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';

type Key = 'pn' | 'pj' | 'mad' | 'crm';
type Json = Record<string, unknown>;
interface Err { message: string; extensions?: { code?: string; issues?: { property: string; message: string }[] } }

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }';
const RESPOND = `mutation($id: ID!, $s: ResponseStatus!, $n: String, $t: String) {
  respondToAlert(alertId: $id, status: $s, note: $n, tlp: $t) { id tlp blockNumber } }`;
const SIGHT = 'mutation($id: ID!, $t: String) { recordSighting(objectId: $id, tlp: $t) { status blockNumber ids } }';
const READ = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id tlp stix } }';

function sighting(of: string, by: string, tlp: TlpLevel): Json {
  const t = new Date().toISOString();
  return {
    type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: t, modified: t, created_by_ref: by,
    sighting_of_ref: of, count: 1, object_marking_refs: [tlpMarkingRef(tlp)],
  };
}

describe('responses and sightings are never less restricted than what they refer to, and reading them is audited', () => {
  let cluster: DemoCluster;
  const dir = tempDir('popart-referring-');
  const tokens: Record<string, string> = {};
  const url = (key: Key) => cluster.nodes[key].url;
  const redAlert = alert({ by: IDENTITIES.pn, tlp: 'red', name: 'RED drone alert over the Bernabéu' });
  const amberAlert = alert({ by: IDENTITIES.pn, tlp: 'amber', audience: [IDENTITIES.mad], name: 'AMBER alert for Madrid' });
  const greenAlert = alert({ by: IDENTITIES.pn, tlp: 'green', name: 'GREEN alert' });
  const greenIndicator = indicator(IDENTITIES.pn, 'GREEN anchor of restricted sightings', 'green');
  const strictSighting = sighting(greenIndicator.id as string, IDENTITIES.pn, 'amber+strict');
  const redSighting = sighting(greenIndicator.id as string, IDENTITIES.pn, 'red');
  let last = 0;

  const read = async (key: Key, user: string, id: string, purpose: string | null = 'referring test') =>
    gql<{ threat: { id: string; tlp: string | null; stix: Json } | null }>(url(key), READ, { id, p: purpose }, tokens[user]);
  const settle = async (block: number) => {
    last = Math.max(last, block);
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(last);
  };

  before(async () => {
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
    for (const [user, key] of [['pn-analyst', 'pn'], ['pn-operator', 'pn'], ['pj-analyst', 'pj'], ['mad-operator', 'mad'], ['crm-analyst', 'crm']] as const) {
      tokens[user] = await login(url(key), user);
    }
    const r = await gql<{ publishBundle: { blockNumber: number } }>(url('pn'), PUBLISH,
      { b: bundle(redAlert, amberAlert, greenAlert, greenIndicator, strictSighting, redSighting) }, tokens['pn-analyst']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    await settle(r.data!.publishBundle.blockNumber);
  });

  after(async () => {
    await cluster?.stop();
    dir.remove();
  });

  test('a response to a RED alert is RED: no other agency learns the alert id, the responder or the note', async () => {
    const r = await gql<{ respondToAlert: { id: string; tlp: string; blockNumber: number } }>(url('pn'), RESPOND,
      { id: redAlert.id, s: 'ON_SCENE', n: 'Unit 7 at the north stand' }, tokens['pn-operator']);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.respondToAlert.tlp, 'RED');
    await settle(r.data!.respondToAlert.blockNumber);
    const own = await read('pn', 'pn-analyst', r.data!.respondToAlert.id);
    assert.deepEqual((own.data!.threat!.stix.object_marking_refs as string[]), [tlpMarkingRef('red')]);
    for (const [key, user] of [['pj', 'pj-analyst'], ['crm', 'crm-analyst'], ['mad', 'mad-operator']] as const) {
      assert.equal((await read(key, user, r.data!.respondToAlert.id)).data!.threat, null, `${user} cannot read the response`);
      assert.equal(await cluster.nodes[key].store.get(r.data!.respondToAlert.id), undefined, `${key}'s node does not hold it`);
    }
  });

  test('a response to an AMBER alert is AMBER for the alert\'s audience and publisher; GREEN is refused naming tlp, RED may be chosen', async () => {
    const refused = await gql(url('mad'), RESPOND, { id: amberAlert.id, s: 'ACKNOWLEDGED', t: 'GREEN' }, tokens['mad-operator']);
    const err = refused.errors?.[0] as Err | undefined;
    assert.equal(err?.extensions?.code, 'INVALID_ARGUMENT');
    assert.equal(err?.extensions?.issues?.[0]?.property, 'tlp');
    assert.match(err?.message ?? '', /TLP:GREEN is less restricted than TLP:AMBER/);

    const ack = await gql<{ respondToAlert: { id: string; tlp: string; blockNumber: number } }>(url('mad'), RESPOND, { id: amberAlert.id, s: 'ACKNOWLEDGED' }, tokens['mad-operator']);
    assert.equal(ack.errors, undefined, JSON.stringify(ack.errors));
    assert.equal(ack.data!.respondToAlert.tlp, 'AMBER');
    const strict = await gql<{ respondToAlert: { id: string; tlp: string; blockNumber: number } }>(url('mad'), RESPOND, { id: amberAlert.id, s: 'RESOLVED', t: 'red' }, tokens['mad-operator']);
    assert.equal(strict.errors, undefined, JSON.stringify(strict.errors));
    assert.equal(strict.data!.respondToAlert.tlp, 'RED');
    await settle(Math.max(ack.data!.respondToAlert.blockNumber, strict.data!.respondToAlert.blockNumber));

    const atPn = await read('pn', 'pn-analyst', ack.data!.respondToAlert.id);
    assert.deepEqual(atPn.data!.threat!.stix.x_popart_audience_refs, [IDENTITIES.mad, IDENTITIES.pn]);
    assert.equal((await read('pn', 'pn-analyst', strict.data!.respondToAlert.id)).data!.threat, null, 'a RED response stays with mad');
    for (const [key, user] of [['pj', 'pj-analyst'], ['crm', 'crm-analyst']] as const) {
      assert.equal((await read(key, user, ack.data!.respondToAlert.id)).data!.threat, null, `${user} cannot read the AMBER response`);
    }
  });

  test('recordSighting inherits the marking (RED stays RED), refuses a less restricted tlp, and the contract refuses a GREEN sighting of a RED alert', async () => {
    const refused = await gql(url('pn'), SIGHT, { id: redAlert.id, t: 'GREEN' }, tokens['pn-analyst']);
    const err = refused.errors?.[0] as Err | undefined;
    assert.equal(err?.extensions?.code, 'INVALID_ARGUMENT');
    assert.equal(err?.extensions?.issues?.[0]?.property, 'tlp');

    const s = await gql<{ recordSighting: { blockNumber: number; ids: string[] } }>(url('pn'), SIGHT, { id: redAlert.id }, tokens['pn-analyst']);
    assert.equal(s.errors, undefined, JSON.stringify(s.errors));
    await settle(s.data!.recordSighting.blockNumber);
    const id = s.data!.recordSighting.ids[0]!;
    assert.equal((await read('pn', 'pn-analyst', id)).data!.threat!.tlp, 'RED');
    assert.equal((await read('pj', 'pj-analyst', id)).data!.threat, null);

    // By the bundle path the node's own check is bypassed: the contract refuses at endorsement.
    const leak = sighting(redAlert.id as string, IDENTITIES.pn, 'green');
    const b = await gql(url('pn'), PUBLISH, { b: bundle(leak) }, tokens['pn-analyst']);
    const berr = b.errors?.[0] as Err | undefined;
    assert.equal(berr?.extensions?.code, 'INVALID_BUNDLE', JSON.stringify(b.errors));
    assert.equal(berr?.extensions?.issues?.[0]?.property, 'object_marking_refs');
    assert.equal((await read('pn', 'pn-analyst', leak.id as string)).data!.threat, null, 'nothing was stored');
  });

  test('nested sightings and responses under a GREEN object: restricted ones need a purpose and are audited', async () => {
    const entries: AuditEntry[] = [];
    const stop = cluster.nodes.pn.audit.log.onAppended((e) => entries.push(...e));
    try {
      const nested = 'query($id: ID!, $p: String, $q: String) { threat(id: $id, purpose: $p) { id sightings(purpose: $q) { id } } }';
      const none = await gql<{ threat: unknown }>(url('pn'), nested, { id: greenIndicator.id }, tokens['pn-analyst']);
      assert.equal((none.errors?.[0] as Err | undefined)?.extensions?.code, 'PURPOSE_REQUIRED', JSON.stringify(none));
      assert.equal(none.data?.threat ?? null, null, 'nothing of the restricted sightings is returned');

      for (const vars of [{ p: 'checking the sightings of an indicator' }, { q: 'checking the sightings of an indicator' }]) {
        const ok = await gql<{ threat: { sightings: { id: string }[] } }>(url('pn'), nested, { id: greenIndicator.id, ...vars }, tokens['pn-analyst']);
        assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
        assert.deepEqual(ok.data!.threat.sightings.map((x) => x.id).sort(), [strictSighting.id, redSighting.id].sort());
      }
      await cluster.nodes.pn.audit.log.flush();
      const consulted = entries.filter((e) => e.action === 'consultation' && e.details.resource === 'threat.sightings');
      assert.equal(consulted.length, 2, 'each nested read is a consultation');
      for (const e of consulted) {
        assert.equal(e.actor, 'pn-analyst');
        assert.equal(e.purpose, 'checking the sightings of an indicator');
        assert.deepEqual([...e.objectIds].sort(), [strictSighting.id, redSighting.id].sort());
      }

      // Responses: a RED response to the GREEN alert.
      const r = await gql<{ respondToAlert: { blockNumber: number } }>(url('pn'), RESPOND, { id: greenAlert.id, s: 'RESOLVED', t: 'RED' }, tokens['pn-operator']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      await settle(r.data!.respondToAlert.blockNumber);
      const responses = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id responses { id tlp } } }';
      const noPurpose = await gql(url('pn'), responses, { id: greenAlert.id }, tokens['pn-analyst']);
      assert.equal((noPurpose.errors?.[0] as Err | undefined)?.extensions?.code, 'PURPOSE_REQUIRED');
      const withPurpose = await gql<{ threat: { responses: { id: string; tlp: string }[] } }>(url('pn'), responses, { id: greenAlert.id, p: 'follow-up of the alert' }, tokens['pn-analyst']);
      assert.equal(withPurpose.errors, undefined);
      assert.deepEqual(withPurpose.data!.threat.responses.map((x) => x.tlp), ['RED']);
      await cluster.nodes.pn.audit.log.flush();
      assert.ok(entries.some((e) => e.details.resource === 'threat.responses' && e.purpose === 'follow-up of the alert'
        && e.objectIds.includes(withPurpose.data!.threat.responses[0]!.id)), 'the nested responses are audited');
      // pj reads the GREEN alert and its responses without a purpose: the RED response is not among them.
      const atPj = await gql<{ threat: { responses: unknown[] } }>(url('pj'), responses, { id: greenAlert.id }, tokens['pj-analyst']);
      assert.equal(atPj.errors, undefined, JSON.stringify(atPj.errors));
      assert.deepEqual(atPj.data!.threat.responses, []);
    } finally {
      stop();
    }
  });
});
