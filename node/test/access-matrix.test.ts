/**
 * The access matrix of the four-agency demo, end to end: pn (and pj and crm) publish alerts and
 * indicators over every TLP marking, audience and kind of area; for every demo user the test states,
 * in an explicit table written from the rules in policies/README.md (not computed by the policy), what
 * the user sees and how it is redacted, and checks exactly that through every egress path: the
 * `threats` query, `threat(id)`, `exportBundle`, the `alerts` subscription, the CAP feed (`/cap/alerts.atom`), TAXII 2.1 (`/taxii2/`), the MISP feed (`/misp-feed/`) and `explain`. Each matrix object's
 * publisher also publishes a sighting of one anchor with the object's marking: the `related(anchor)` subscription
 * and the nested field `threat(anchor){ sightings }` must deliver exactly the sightings the same user may read by id
 * (restricted ones only with a purpose); every matrix object carries one drone serial, so `threat { correlations }` and the
 * `correlations` subscription must link exactly the objects the user may see; pn's RED and AMBER+STRICT responses to its GREEN alert reach no other agency
 * through `threat(alert){ responses }` or by id.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { alertViewIds, POPART_IDENTITY_ID, TLP_EXTENSION_ID } from '@popart/schemas';
import { startDemo, type DemoCluster } from '../src/demo/demo-cluster.js';
import { gql, login, recordEmittedBundle, subscribe, tempDir, wsClient } from './support.js';
import { alert, bundle, IDENTITIES, indicator } from './stix-fixtures.js';
import { webhookReceiver, type WebhookReceiver } from './cap-support.js';
import { feedChecks } from './access-matrix-feeds.js';
import { situationChecks } from './access-matrix-situation.js';

import { AGENCY_KEYS, type AgencyKey, build, codeOf, expectedFor, expectedRedacted, type Json, type Published, PUBLISHERS, PURPOSE, sightingOf, sleep, TABLE, type Username, USERS } from './access-matrix-table.js';

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber ids } }';
const THREATS = 'query($f: ThreatFilter, $p: String) { threats(filter: $f, first: 200, purpose: $p) { edges { node { id stix } } pageInfo { hasNextPage } } }';
const THREAT = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id stix } }';
const EXPORT = 'query($f: ThreatFilter, $p: String) { exportBundle(filter: $f, purpose: $p) }';
const EXPLAIN = 'query($id: ID!) { explain(id: $id) { id known visible rule reasons redacted tlp publisher } }';
const ALERTS = 'subscription { alerts { id stix } }';
const CORRELATION_EVENTS = `subscription { correlations(purpose: "${PURPOSE}") { threat { id } correlation { valueKind value other { id } } } }`;
type CorrelationEvent = { correlations: { threat: { id: string }; correlation: { valueKind: string; value: string | null; other: { id: string } } } };
const RELATED = (anchor: string): string => `subscription { related(id: "${anchor}", purpose: "${PURPOSE}") { id stix } }`;

for (const policy of ['wasm', 'opa-server'] as const) describe(`access matrix of the demo (policies on ${policy}): every user, every egress path, exactly the objects the rules allow`, () => {
  const tag = `matrix${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const dir = tempDir('popart-matrix-');
  let cluster: DemoCluster;
  const tokens = {} as Record<Username, string>;
  const published: Published[] = [];
  const byId = new Map<string, Published>();
  /** Alerts each user's subscription delivered after the warm-up, up to and including the sentinel. */
  const delivered = {} as Record<Username, { id: string; stix: Json }[]>;
  const subscriptionErrors = {} as Record<Username, unknown[]>;
  /** The anchor every sighting is of, the sightings in ledger order, and what each user's related(anchor) delivered. */
  const anchor = indicator(IDENTITIES.pn, 'Anchor of the access-matrix sightings', 'clear');
  const sightings: { key: string; object: Json }[] = [];
  const relatedDelivered = {} as Record<Username, { id: string; stix: Json }[]>;
  const relatedErrors = {} as Record<Username, unknown[]>;
  /** Every object id each user received by any path. */
  const received = {} as Record<Username, Set<string>>;
  const urlOf = (user: Username): string => cluster.nodes[USERS.find((u) => u.username === user)!.agency].url;
  const visibleTo = (user: Username): Published[] => published.filter((p) => codeOf(p.spec, user) !== '.');
  const byKey = (key: string): Published | undefined => published.find((p) => p.spec.key === key);
  /** The sightings of the anchor each user got through the nested field threat(anchor){ sightings }. */
  const nestedDelivered = {} as Record<Username, string[]>;
  /** The pairs of object ids each user's correlations subscription delivered. */
  const correlationsDelivered = {} as Record<Username, [string, string][]>;
  /** Each agency's webhook receiver. */
  const hooks: Partial<Record<AgencyKey, WebhookReceiver>> = {};

  before(async () => {
    // One webhook per agency, as an analyst of it with a purpose, for every alert and object it may see.
    for (const k of AGENCY_KEYS) hooks[k] = await webhookReceiver();
    const webhooks = Object.fromEntries(AGENCY_KEYS.map((k) => [k, [{
      id: `${k}-matrix`, url: hooks[k]!.url, role: 'analyst', purpose: PURPOSE, events: ['alerts', 'objects'], formats: ['cap', 'stix'],
    }]]));
    cluster = await startDemo({ dataDir: dir.path, passphrase: 'test-passphrase', randomPorts: true, logLevel: 'silent', fsync: false, policy, webhooks });
    for (const u of USERS) {
      tokens[u.username] = await login(cluster.nodes[u.agency].url, u.username);
      received[u.username] = new Set();
    }
    const a = await gql(cluster.nodes.pn.url, PUBLISH, { b: bundle(anchor) }, tokens['pn-analyst']);
    assert.equal(a.errors, undefined, JSON.stringify(a.errors));
    const subs = Object.fromEntries(USERS.map((u) => [u.username, subscribe<{ alerts: { id: string; stix: Json } }>(wsClient(urlOf(u.username), tokens[u.username]), ALERTS)])) as
      Record<Username, ReturnType<typeof subscribe<{ alerts: { id: string; stix: Json } }>>>;
    const relatedSubs = Object.fromEntries(USERS.map((u) => [u.username, subscribe<{ related: { id: string; stix: Json } }>(wsClient(urlOf(u.username), tokens[u.username]), RELATED(anchor.id as string))])) as
      Record<Username, ReturnType<typeof subscribe<{ related: { id: string; stix: Json } }>>>;
    const correlationSubs = Object.fromEntries(USERS.map((u) => [u.username, subscribe<CorrelationEvent>(wsClient(urlOf(u.username), tokens[u.username]), CORRELATION_EVENTS)])) as
      Record<Username, ReturnType<typeof subscribe<CorrelationEvent>>>;
    try {
      // graphql-ws does not acknowledge a subscription: publish warm-up CLEAR alerts in Madrid city
      // (every user but the auditor receives them) until each subscription has had one.
      // Each warm-up also carries a CLEAR sighting of the anchor, for the related subscriptions.
      const warmups = new Set<string>();
      const live = new Set<Username>(['pn-auditor']);
      const relatedLive = new Set<Username>(['pn-auditor']);
      for (let attempt = 0; live.size < USERS.length || relatedLive.size < USERS.length; attempt += 1) {
        assert.ok(attempt < 20, `subscriptions not live after 20 warm-ups: ${USERS.filter((u) => !live.has(u.username) || !relatedLive.has(u.username)).map((u) => `${u.username} ${JSON.stringify([subs[u.username].errors, relatedSubs[u.username].errors])}`).join(', ')}`);
        const warmup = alert({ by: IDENTITIES.pn, tlp: 'clear', name: `warm-up ${randomUUID()}` });
        const warmupRel = sightingOf(anchor.id as string, IDENTITIES.pn, 'clear');
        warmups.add(warmup.id as string);
        warmups.add(warmupRel.id as string);
        const w = await gql(cluster.nodes.pn.url, PUBLISH, { b: bundle(warmup, warmupRel) }, tokens['pn-analyst']);
        assert.equal(w.errors, undefined, JSON.stringify(w.errors));
        const deadline = Date.now() + 1000;
        while (Date.now() < deadline && (live.size < USERS.length || relatedLive.size < USERS.length)) {
          for (const u of USERS) {
            if (subs[u.username].events.some((e) => warmups.has(e.alerts.id))) live.add(u.username);
            if (relatedSubs[u.username].events.some((e) => warmups.has(e.related.id))) relatedLive.add(u.username);
          }
          await sleep(20);
        }
      }
      // Let the last warm-ups drain, then start from empty queues.
      await sleep(500);
      for (const u of USERS) {
        subs[u.username].events.length = 0;
        relatedSubs[u.username].events.length = 0;
      }

      // The matrix: one bundle per publisher, in table order; then the sentinel alone.
      for (const spec of TABLE) {
        const p = build(spec, tag);
        published.push(p);
        byId.set(p.object.id as string, p);
      }
      // The ledger announces a bundle's public objects first, then its private ones (TLP:AMBER, AMBER+STRICT and RED
      // content is stored in private collections and announced by a second transaction), each in bundle order: the
      // bundles are published in that order, so that ledger order is bundle order. (A stable sort.)
      const isPrivate = (p: Published): boolean => p.spec.tlp === 'amber' || p.spec.tlp === 'amber+strict' || p.spec.tlp === 'red';
      published.sort((a, b) => Number(isPrivate(a)) - Number(isPrivate(b)));
      let lastBlock = 0;
      for (const by of ['pn', 'pj', 'crm'] as const) {
        const objects = published.filter((p) => p.spec.by === by && p.spec.key !== 'sentinel').map((p) => p.object);
        const b = bundle(...objects);
        recordEmittedBundle(`access-matrix-${policy}-published-${by}`, b);
        const user = PUBLISHERS[by];
        const r = await gql<{ publishBundle: { status: string; blockNumber: number; ids: string[] } }>(cluster.nodes[by].url, PUBLISH, { b }, tokens[user]);
        assert.equal(r.errors, undefined, `${by} publishes its part of the matrix: ${JSON.stringify(r.errors)}`);
        assert.equal(r.data!.publishBundle.status, 'COMMITTED');
        assert.deepEqual(r.data!.publishBundle.ids, objects.map((o) => o.id));
        lastBlock = Math.max(lastBlock, r.data!.publishBundle.blockNumber);
      }
      // One sighting of the anchor per matrix object, by its publisher, with its marking: one bundle per publisher.
      for (const by of ['pn', 'pj', 'crm'] as const) {
        const rels = published.filter((p) => p.spec.by === by && p.spec.key !== 'sentinel')
          .map((p) => ({ key: p.spec.key, object: sightingOf(anchor.id as string, IDENTITIES[by], p.spec.tlp) }));
        sightings.push(...rels);
        const r = await gql<{ publishBundle: { status: string; blockNumber: number } }>(cluster.nodes[by].url, PUBLISH, { b: bundle(...rels.map((x) => x.object)) }, tokens[PUBLISHERS[by]]);
        assert.equal(r.errors, undefined, `${by} publishes its sightings of the anchor: ${JSON.stringify(r.errors)}`);
        lastBlock = Math.max(lastBlock, r.data!.publishBundle.blockNumber);
      }
      const sentinel = published.find((p) => p.spec.key === 'sentinel')!;
      // The sentinel comes with the last sighting (CLEAR: every user but the auditor may read it).
      const sentinelRel = { key: 'sentinel', object: sightingOf(anchor.id as string, IDENTITIES.pn, 'clear') };
      sightings.push(sentinelRel);
      const s = await gql<{ publishBundle: { status: string; blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b: bundle(sentinel.object, sentinelRel.object) }, tokens['pn-analyst']);
      assert.equal(s.errors, undefined, JSON.stringify(s.errors));
      assert.equal(s.data!.publishBundle.status, 'COMMITTED');
      assert.ok(s.data!.publishBundle.blockNumber > lastBlock, 'the sentinel is committed after the matrix');
      for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(s.data!.publishBundle.blockNumber);

      // Wait until every subscription that may get the sentinel has it (the auditor never gets it),
      // then a little longer, so that anything the auditor's subscription would deliver has come.
      const deadline = Date.now() + 15_000;
      const waiting = () => USERS.filter((u) => codeOf(sentinel.spec, u.username) !== '.' &&
        (!subs[u.username].events.some((e) => e.alerts.id === sentinel.object.id) || !relatedSubs[u.username].events.some((e) => e.related.id === sentinelRel.object.id)));
      while (waiting().length > 0 && Date.now() < deadline) await sleep(20);
      await sleep(500);
      for (const u of USERS) {
        delivered[u.username] = subs[u.username].events.map((e) => e.alerts).filter((a) => !warmups.has(a.id));
        subscriptionErrors[u.username] = [...subs[u.username].errors];
        for (const a of delivered[u.username]) received[u.username].add(a.id);
        relatedDelivered[u.username] = relatedSubs[u.username].events.map((e) => e.related).filter((r) => !warmups.has(r.id));
        relatedErrors[u.username] = [...relatedSubs[u.username].errors];
        assert.deepEqual(correlationSubs[u.username].errors, [], `${u.username}'s correlations subscription`);
        correlationsDelivered[u.username] = correlationSubs[u.username].events.map((e) => [e.correlations.threat.id, e.correlations.correlation.other.id]);
      }
    } finally {
      for (const u of USERS) {
        await subs[u.username].stop();
        await relatedSubs[u.username].stop();
        await correlationSubs[u.username].stop();
      }
    }
  });

  after(async () => {
    await cluster?.stop();
    for (const h of Object.values(hooks)) await h.close();
    dir.remove();
  });

  test('the table is well formed: one code per user, each user sees something and misses something', () => {
    assert.equal(new Set(TABLE.map((s) => s.key)).size, TABLE.length);
    for (const s of TABLE) {
      assert.match(s.see, /^[FRC.]{6}$/, s.key);
      assert.equal(codeOf(s, PUBLISHERS[s.by]), 'F', `${s.key}: its publisher's analyst sees it unredacted`);
    }
    for (const u of USERS) {
      const codes = TABLE.map((s) => codeOf(s, u.username));
      if (u.username === 'pn-auditor') assert.ok(codes.every((c) => c === '.'));
      else assert.ok(codes.includes('.') && codes.some((c) => c !== '.'), u.username);
    }
    assert.ok(TABLE.some((s) => s.see.includes('R')) && TABLE.some((s) => s.see.includes('C')));
  });

  for (const { username: user } of USERS) {
    test(`${user}: the threats query returns exactly the expected objects, redacted as expected`, async () => {
      const r = await gql<{ threats: { edges: { node: { id: string; stix: Json } }[]; pageInfo: { hasNextPage: boolean } } }>(
        urlOf(user), THREATS, { f: { text: tag }, p: PURPOSE }, tokens[user]);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const nodes = r.data!.threats.edges.map((e) => e.node);
      assert.equal(r.data!.threats.pageInfo.hasNextPage, false);
      for (const n of nodes) received[user].add(n.id);
      const ids = nodes.map((n) => n.id);
      assert.equal(new Set(ids).size, ids.length, 'no object twice');
      const keys = (list: string[]) => list.map((id) => byId.get(id)?.spec.key ?? `unexpected ${id}`).sort();
      assert.deepEqual(keys(ids), visibleTo(user).map((p) => p.spec.key).sort(), `${user}: visible set through threats`);
      for (const n of nodes) {
        const p = byId.get(n.id)!;
        assert.deepEqual(n.stix, expectedFor(p, user), `${user}: ${p.spec.key} through threats (code ${codeOf(p.spec, user)})`);
      }
    });

    test(`${user}: threat(id) returns each visible object as expected and null for every other`, async () => {
      for (const p of published) {
        const r = await gql<{ threat: { id: string; stix: Json } | null }>(urlOf(user), THREAT, { id: p.object.id, p: PURPOSE }, tokens[user]);
        assert.equal(r.errors, undefined, `${user}, ${p.spec.key}: ${JSON.stringify(r.errors)}`);
        const expected = expectedFor(p, user);
        if (r.data!.threat) received[user].add(r.data!.threat.id);
        if (expected === null) assert.equal(r.data!.threat, null, `${user} cannot read ${p.spec.key} by id`);
        else assert.deepEqual(r.data!.threat, { id: p.object.id, stix: expected }, `${user}: ${p.spec.key} by id (code ${codeOf(p.spec, user)})`);
      }
    });

    test(`${user}: exportBundle holds exactly the expected objects, redacted as expected`, async () => {
      const r = await gql<{ exportBundle: { type: string; objects: Json[] } }>(urlOf(user), EXPORT, { f: { text: tag }, p: PURPOSE }, tokens[user]);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const exported = r.data!.exportBundle;
      assert.equal(exported.type, 'bundle');
      // Besides the matrix objects: each visible alert's standard view (report, location, note) and what the objects
      // refer to that the user may see (agency identities, marking and extension definitions): docs/stix-exports.md.
      const views = new Map(published.flatMap((p) => Object.values(alertViewIds(p.object.id as string)).map((id) => [id, p] as const)));
      const context = (o: Json) => ['marking-definition', 'extension-definition', 'identity'].includes(o.type as string) || views.has(o.id as string);
      const objects = exported.objects.filter((o) => !context(o));
      for (const o of objects) received[user].add(o.id as string);
      const viewed = [...new Set(exported.objects.flatMap((o) => (views.has(o.id as string) ? [views.get(o.id as string)!.spec.key] : [])))].sort();
      assert.deepEqual(viewed, visibleTo(user).filter((p) => p.spec.kind === 'alert').map((p) => p.spec.key).sort(), `${user}: a view of each visible alert, of no other`);
      const agencies = new Set([...Object.values(IDENTITIES), POPART_IDENTITY_ID]);
      for (const o of exported.objects.filter((x) => x.type === 'identity')) assert.ok(agencies.has(o.id as string), `${user}: ${String(o.id)} is an agency's (CLEAR) identity`);
      const keys = objects.map((o) => byId.get(o.id as string)?.spec.key ?? `unexpected ${String(o.id)}`).sort();
      assert.deepEqual(keys, visibleTo(user).map((p) => p.spec.key).sort(), `${user}: visible set through exportBundle`);
      for (const o of objects) {
        const p = byId.get(o.id as string)!;
        assert.deepEqual(o, expectedFor(p, user), `${user}: ${p.spec.key} in the export (code ${codeOf(p.spec, user)})`);
      }
      // The definitions the objects (and the views and identities) reference come with them, and nothing else.
      const defs = exported.objects.filter((o) => o.type === 'marking-definition' || o.type === 'extension-definition').map((o) => o.id as string);
      const referencing = exported.objects.filter((o) => o.type !== 'marking-definition');
      const referenced = new Set(referencing.flatMap((o) => [...((o.object_marking_refs as string[] | undefined) ?? []), ...Object.keys((o.extensions as Json | undefined) ?? {})]));
      assert.deepEqual([...defs].sort(), [...referenced].filter((id) => id !== TLP_EXTENSION_ID).sort(), `${user}: the export carries exactly the definitions its objects reference`);
      recordEmittedBundle(`access-matrix-${policy}-export-${user}`, exported);
    });

    test(`${user}: the alerts subscription delivered exactly the expected alerts, redacted as expected`, () => {
      assert.deepEqual(subscriptionErrors[user], [], `${user}: no subscription errors`);
      const got = delivered[user];
      // Operators are sent only the visible alerts the routing policy routes to them: those in their
      // agency's territory (pn: Spain, so not the Lisbon ones; mad: Madrid city, as for visibility).
      const outsideTerritory: Partial<Record<Username, string[]>> = { 'pn-operator': ['lisbon'] };
      const expected = visibleTo(user).filter((p) => p.spec.kind === 'alert' && !(outsideTerritory[user] ?? []).includes(String(p.spec.area)));
      // Ledger order: pn's bundle, pj's, crm's, then the sentinel; within a bundle, the bundle's order.
      const order = ['pn', 'pj', 'crm'];
      const rank = (p: Published) => (p.spec.key === 'sentinel' ? 3 : order.indexOf(p.spec.by)) * 1000 + published.indexOf(p);
      expected.sort((a, b) => rank(a) - rank(b));
      assert.deepEqual(got.map((a) => byId.get(a.id)?.spec.key ?? `unexpected ${a.id}`), expected.map((p) => p.spec.key), `${user}: alerts delivered, in ledger order`);
      for (const a of got) {
        const p = byId.get(a.id)!;
        assert.deepEqual(a.stix, expectedFor(p, user), `${user}: ${p.spec.key} as delivered (code ${codeOf(p.spec, user)})`);
      }
    });

    test(`${user}: the related subscription delivered exactly the sightings of the anchor the user may read by id, as read, in ledger order`, async () => {
      assert.deepEqual(relatedErrors[user], [], `${user}: no subscription errors`);
      const readable: { id: string; stix: Json }[] = [];
      for (const rel of sightings) {
        const r = await gql<{ threat: { id: string; stix: Json } | null }>(urlOf(user), THREAT, { id: rel.object.id, p: PURPOSE }, tokens[user]);
        assert.equal(r.errors, undefined, `${user}, sighting for ${rel.key}: ${JSON.stringify(r.errors)}`);
        if (r.data!.threat) readable.push(r.data!.threat);
      }
      const keyOf = (id: string): string => sightings.find((x) => x.object.id === id)?.key ?? `unexpected ${id}`;
      assert.deepEqual(relatedDelivered[user].map((r) => keyOf(r.id)), readable.map((r) => keyOf(r.id)), `${user}: sightings delivered`);
      assert.deepEqual(relatedDelivered[user], readable, `${user}: delivered as read by id`);
      if (user === 'pn-auditor') assert.equal(readable.length, 0);
      else assert.ok(readable.length > 0 && readable.length < sightings.length, `${user}: ${readable.length} of ${sightings.length} (the check is not vacuous)`);
    });

    test(`${user}: explain says visible or not as the table does, never revealing a hidden object's content`, async () => {
      for (const p of published) {
        const r = await gql<{ explain: { id: string; known: boolean; visible: boolean; rule: string; reasons: string[]; redacted: string[]; tlp: string | null; publisher: string | null } }>(
          urlOf(user), EXPLAIN, { id: p.object.id }, tokens[user]);
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        const ex = r.data!.explain;
        const code = codeOf(p.spec, user);
        assert.equal(ex.known, true, `${user}, ${p.spec.key}: the object reached the node (stored or withheld)`);
        assert.equal(ex.visible, code !== '.', `${user}, ${p.spec.key}: visible = ${code !== '.'} (rule ${ex.rule}: ${ex.reasons.join('; ')})`);
        assert.equal(ex.tlp, p.spec.tlp, `${user}, ${p.spec.key}: tlp`);
        assert.equal(ex.publisher, p.spec.by, `${user}, ${p.spec.key}: publisher`);
        assert.ok(ex.reasons.length > 0);
        if (code === '.') {
          assert.deepEqual(ex.redacted, []);
          const text = JSON.stringify(ex);
          for (const secret of [p.name, p.codeword, `Venue of ${p.spec.key}`, tag]) {
            assert.ok(!text.includes(secret), `${user}: the explanation of hidden ${p.spec.key} does not contain "${secret}"`);
          }
          // The auditor's agency holds the object: the role refuses (otherwise the release rule does).
          if (user === 'pn-auditor' && codeOf(p.spec, 'pn-analyst') !== '.') assert.equal(ex.rule, 'visibility.auditor', p.spec.key);
        } else {
          assert.deepEqual(ex.redacted, expectedRedacted(p, user), `${user}, ${p.spec.key}: what explain says was redacted`);
        }
      }
    });
  }

  test('nested fields under a GREEN parent: threat(anchor){ sightings } gives each user exactly the sightings they read by id, and none without a purpose when restricted', async () => {
    const NESTED = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id sightings { id stix } } }';
    for (const { username: user } of USERS) {
      const readable: string[] = [];
      for (const rel of sightings) {
        const r = await gql<{ threat: { id: string } | null }>(urlOf(user), THREAT, { id: rel.object.id, p: PURPOSE }, tokens[user]);
        if (r.data!.threat) readable.push(rel.object.id as string);
      }
      const r = await gql<{ threat: { id: string; sightings: { id: string; stix: Json }[] } | null }>(urlOf(user), NESTED, { id: anchor.id, p: PURPOSE }, tokens[user]);
      assert.equal(r.errors, undefined, `${user}: ${JSON.stringify(r.errors)}`);
      const nested = r.data!.threat?.sightings.map((x) => x.id) ?? [];
      nestedDelivered[user] = nested;
      assert.deepEqual(nested.filter((id) => sightings.some((x) => x.object.id === id)).sort(), readable.sort(), `${user}: nested sightings = sightings readable by id`);
      // Without a purpose: refused when anything restricted would come back, otherwise only unrestricted sightings.
      const bare = await gql<{ threat: { sightings: { id: string; stix: Json }[] } | null }>(urlOf(user), NESTED, { id: anchor.id }, tokens[user]);
      const restricted = sightings.filter((x) => readable.includes(x.object.id as string) && !['clear', 'green'].includes(String(byKey(x.key)?.spec.tlp ?? 'clear')));
      if (restricted.length > 0) assert.equal((bare.errors?.[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code, 'PURPOSE_REQUIRED', user);
      else assert.equal(bare.errors, undefined, `${user}: ${JSON.stringify(bare.errors)}`);
    }
  });

  test('responses: a RED and an AMBER+STRICT response of pn to its GREEN alert never reach pj, mad or crm (nested responses, by id, related)', async () => {
    const green = published.find((p) => p.spec.key === 'pn-green-sol')!;
    const ids: string[] = [];
    let block = 0;
    for (const tlp of ['RED', 'AMBER+STRICT']) {
      const r = await gql<{ respondToAlert: { id: string; tlp: string; blockNumber: number } }>(urlOf('pn-operator'),
        'mutation($id: ID!, $t: String) { respondToAlert(alertId: $id, status: ON_SCENE, note: "matrix response", tlp: $t) { id tlp blockNumber } }', { id: green.object.id, t: tlp }, tokens['pn-operator']);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal(r.data!.respondToAlert.tlp, tlp);
      ids.push(r.data!.respondToAlert.id);
      block = Math.max(block, r.data!.respondToAlert.blockNumber);
    }
    for (const key of ['pn', 'pj', 'mad', 'crm'] as const) await cluster.nodes[key].listener.waitForBlock(block);
    const RESPONSES = 'query($id: ID!, $p: String) { threat(id: $id, purpose: $p) { id responses { id } } }';
    for (const { username: user, agency } of USERS) {
      const r = await gql<{ threat: { responses: { id: string }[] } | null }>(urlOf(user), RESPONSES, { id: green.object.id, p: PURPOSE }, tokens[user]);
      assert.equal(r.errors, undefined, `${user}: ${JSON.stringify(r.errors)}`);
      const got = r.data!.threat?.responses.map((x) => x.id) ?? [];
      const own = agency === 'pn' && user !== 'pn-auditor';
      assert.deepEqual(got.filter((id) => ids.includes(id)).sort(), own ? [...ids].sort() : [], `${user}: restricted responses through the nested field`);
      for (const id of ids) {
        const byId = await gql<{ threat: { id: string } | null }>(urlOf(user), THREAT, { id, p: PURPOSE }, tokens[user]);
        assert.equal(byId.data!.threat !== null, own, `${user}: response ${id} by id`);
      }
      if (agency !== 'pn') for (const id of ids) assert.equal(await cluster.nodes[agency].store.get(id), undefined, `${agency}'s node does not hold the response`);
    }
  });

  // The CAP feed, TAXII, the MISP feed and the webhooks (access-matrix-feeds.ts).
  feedChecks({ policy, published, byId, received, visibleTo, urlOf, token: (user) => tokens[user], hooks });

  // threat { correlations }, the correlations subscription and a venue's risk picture (access-matrix-situation.ts).

  situationChecks({
    tag, byId, received, correlationsDelivered, visibleTo, urlOf,
    token: (user) => tokens[user],
    publish: async (b) => (await gql<{ publishBundle: { blockNumber: number } }>(cluster.nodes.pn.url, PUBLISH, { b }, tokens['pn-analyst'])),
    waitForBlock: async (n) => { for (const key of AGENCY_KEYS) await cluster.nodes[key].listener.waitForBlock(n); },
  });

  test('no RED or AMBER+STRICT object of pn reached a user of pj, mad or crm by any path, nor their nodes', async () => {
    const secret = published.filter((p) => p.spec.by === 'pn' && (p.spec.tlp === 'red' || p.spec.tlp === 'amber+strict'));
    assert.ok(secret.length >= 8, `${secret.length} restricted objects of pn`);
    for (const user of ['pj-analyst', 'mad-operator', 'crm-analyst'] as const) {
      assert.ok(received[user].size > 0, `${user} received something by some path (the check is not vacuous)`);
      for (const p of secret) assert.ok(!received[user].has(p.object.id as string), `${user} never received ${p.spec.key}`);
      const secretRels = sightings.filter((r) => secret.some((p) => p.spec.key === r.key)).map((r) => r.object.id as string);
      assert.equal(secretRels.length, secret.length);
      assert.ok(relatedDelivered[user].length > 0, `${user} received sightings of the anchor (the check is not vacuous)`);
      for (const id of secretRels) assert.ok(!relatedDelivered[user].some((r) => r.id === id), `${user} never received pn's restricted sighting (${id})`);
      assert.ok((nestedDelivered[user] ?? []).length > 0, `${user} received nested sightings of the anchor (the check is not vacuous)`);
      for (const id of secretRels) assert.ok(!nestedDelivered[user]!.includes(id), `${user} never received pn's restricted sighting (${id}) as a nested field`);
    }
    for (const key of ['pj', 'mad', 'crm'] as const) {
      for (const p of secret) assert.equal(await cluster.nodes[key].store.get(p.object.id as string), undefined, `${key}'s read model does not hold ${p.spec.key}`);
    }
    for (const u of USERS) {
      const expected = new Set(visibleTo(u.username).map((p) => p.object.id as string));
      const extra = [...received[u.username]].filter((id) => !expected.has(id));
      assert.deepEqual(extra.map((id) => byId.get(id)?.spec.key ?? id), [], `${u.username} received nothing beyond the table by any path`);
    }
  });
});
