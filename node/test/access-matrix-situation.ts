/**
 * The access matrix's checks of the shared situation picture (issue #18), registered inside the matrix's describe block
 * of each policy runtime: every matrix object carries one drone serial, so `threat { correlations }` must link each
 * object a user sees to exactly the other matrix objects the user sees; the `correlations` subscription must tell each
 * user only of links between objects they may see; a CLEAR venue at Puerta del Sol must list, in each user's risk
 * picture, exactly the matrix alerts there that the user may see. What each user gets is added to `received`, which the
 * matrix's last test checks for pn's RED and AMBER+STRICT objects.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { tlpMarkingRef, VENUE_EXTENSION_ID } from '@popart/schemas';
import { gql, type GqlResult } from './support.js';
import { bundle, IDENTITIES } from './stix-fixtures.js';
import { AREAS, codeOf, type Json, matrixSerial, type Published, PURPOSE, type Username, USERS } from './access-matrix-table.js';

const CORRELATIONS = 'query($f: ThreatFilter, $p: String) { threats(filter: $f, first: 200, purpose: $p) { edges { node { id correlations { valueKind value other { id } } } } } }';
const VENUE = 'query($id: ID!, $p: String) { venue(id: $id, purpose: $p) { id riskLevel contributing { threat { id } } timeline { threatId } } }';

export interface SituationContext {
  tag: string;
  byId: Map<string, Published>;
  received: Record<Username, Set<string>>;
  /** The pairs of object ids each user's correlations subscription delivered (filled in the matrix's before()). */
  correlationsDelivered: Record<Username, [string, string][]>;
  visibleTo(user: Username): Published[];
  urlOf(user: Username): string;
  token(user: Username): string;
  publish(b: Json): Promise<GqlResult<{ publishBundle: { blockNumber: number } }>>;
  waitForBlock(n: number): Promise<void>;
}

export function situationChecks(m: SituationContext): void {
  const { tag, byId, received, correlationsDelivered, visibleTo, urlOf } = m;
  for (const { username: user } of USERS) {
    test(`${user}: threat { correlations } links each visible matrix object to exactly the other matrix objects the user may see (one drone serial), never to a hidden one`, async () => {
      const r = await gql<{ threats: { edges: { node: { id: string; correlations: { valueKind: string; value: string | null; other: { id: string } }[] } }[] } }>(
        urlOf(user), CORRELATIONS, { f: { text: tag }, p: PURPOSE }, m.token(user));
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const visible = new Set(visibleTo(user).map((p) => p.object.id as string));
      const nodes = r.data!.threats.edges.map((e) => e.node);
      assert.equal(nodes.length, visible.size);
      for (const n of nodes) {
        const others = n.correlations.map((c) => c.other.id).filter((id) => byId.has(id));
        for (const id of others) received[user].add(id);
        const bySerial = n.correlations.filter((c) => c.valueKind === 'remote-id' && c.value === matrixSerial(tag)).map((c) => byId.get(c.other.id)?.spec.key ?? c.other.id);
        const expected = [...visible].filter((id) => id !== n.id).map((id) => byId.get(id)!.spec.key);
        assert.deepEqual(bySerial.sort(), expected.sort(), `${user}: the links of ${byId.get(n.id)?.spec.key}`);
        for (const id of others) assert.ok(visible.has(id), `${user}: ${byId.get(n.id)?.spec.key} is linked to ${byId.get(id)?.spec.key}, which the user may not see`);
      }
    });

    test(`${user}: the correlations subscription delivered only links between matrix objects the user may see`, () => {
      const visible = new Set(visibleTo(user).map((p) => p.object.id as string));
      const pairs = correlationsDelivered[user]!.filter(([a, b]) => byId.has(a) || byId.has(b));
      if (visible.size >= 2) assert.ok(pairs.length > 0, `${user} received links between matrix objects (the check is not vacuous)`);
      for (const pair of pairs) {
        for (const id of pair) {
          if (!byId.has(id)) continue;
          received[user].add(id);
          assert.ok(visible.has(id), `${user} was told of a link to ${byId.get(id)?.spec.key}`);
        }
      }
    });
  }

  /** A CLEAR venue at Puerta del Sol (the matrix's `sol` area), published once by pn. */
  let venue: Promise<string> | null = null;
  const solVenue = (): Promise<string> => (venue ??= (async () => {
    const t = new Date().toISOString();
    const sol = AREAS.sol.area as { latitude: number; longitude: number };
    const v = { type: 'location', spec_version: '2.1', id: `location--${randomUUID()}`, created: t, modified: t, created_by_ref: IDENTITIES.pn,
      name: `${tag} Puerta del Sol`, latitude: sol.latitude, longitude: sol.longitude, precision: 300, object_marking_refs: [tlpMarkingRef('clear')],
      extensions: { [VENUE_EXTENSION_ID]: { extension_type: 'property-extension', venue_kind: 'public-square', area: structuredClone(AREAS.sol.area) } } };
    const r = await m.publish(bundle(v));
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    await m.waitForBlock(r.data!.publishBundle.blockNumber);
    return v.id;
  })());

  for (const { username: user } of USERS) {
    test(`${user}: a venue's risk picture lists exactly the matrix alerts at the venue the user may see, never another`, async () => {
      const id = await solVenue();
      const r = await gql<{ venue: { id: string; contributing: { threat: { id: string } }[]; timeline: { threatId: string | null }[] } | null }>(
        urlOf(user), VENUE, { id, p: PURPOSE }, m.token(user));
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      // Operators see alerts and indicators only, auditors no content (policies/README.md): the venue is not theirs.
      if (/-(auditor|operator)$/.test(user)) return assert.equal(r.data!.venue, null, `${user} does not see the venue`);
      assert.ok(r.data!.venue, `${user} sees the CLEAR venue`);
      const listed = r.data!.venue.contributing.map((c) => c.threat.id).filter((x) => byId.has(x));
      for (const x of listed) received[user].add(x);
      const expected = visibleTo(user).filter((p) => p.spec.kind === 'alert' && (p.spec.area ?? 'sol') === 'sol').map((p) => p.spec.key).sort();
      assert.deepEqual(listed.map((x) => byId.get(x)!.spec.key).sort(), expected);
      for (const e of r.data!.venue.timeline) if (e.threatId && byId.has(e.threatId)) assert.ok(codeOf(byId.get(e.threatId)!.spec, user) !== '.', `timeline of ${user}`);
    });
  }
}
