/**
 * The demo scenario: during a match at the Santiago Bernabéu, Policía Nacional's Remote ID receiver
 * picks up a drone over the stadium and publishes an alert and an indicator for the drone's
 * broadcast address; Madrid's municipal police sight the drone from the ground. Seeding is
 * idempotent: the objects have fixed ids and are only published once.
 */
import { ALERT_EXTENSION_ID, tlpMarkingRef } from '@popart/schemas';
import type { Viewer } from '../identity.js';
import type { DemoCluster } from './demo-cluster.js';

export const SCENARIO_IDS = {
  alert: 'incident--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b01',
  indicator: 'indicator--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b02',
  relationship: 'relationship--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b03',
  sighting: 'sighting--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b04',
  location: 'location--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b05',
  bundlePn: 'bundle--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b06',
  bundleMad: 'bundle--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b07',
};

export const BERNABEU = { latitude: 40.45306, longitude: -3.68835 };

export function scenarioBundles(now: Date, pnIdentity: string, madIdentity: string): { pn: Record<string, unknown>; mad: Record<string, unknown> } {
  const t = now.toISOString();
  const expires = new Date(now.getTime() + 3 * 3_600_000).toISOString();
  const green = [tlpMarkingRef('green')];
  const pn = {
    type: 'bundle',
    id: SCENARIO_IDS.bundlePn,
    objects: [
      {
        type: 'incident', spec_version: '2.1', id: SCENARIO_IDS.alert, created: t, modified: t, created_by_ref: pnIdentity,
        name: 'Drone over Estadio Santiago Bernabéu',
        description: 'Unregistered quadcopter hovering at about 60 m above the north stand during the match; Remote ID broadcast received, operator position not yet confirmed.',
        object_marking_refs: green,
        extensions: {
          [ALERT_EXTENSION_ID]: {
            extension_type: 'property-extension',
            category: 'drone',
            severity: 'high',
            detection_confidence: 87,
            area: { shape: 'circle', latitude: BERNABEU.latitude, longitude: BERNABEU.longitude, radius_m: 400 },
            sensor_kind: 'remote-id',
            venue: 'Estadio Santiago Bernabéu',
            event_name: 'Liga match, 21:00',
            expires,
            guidance: 'Do not engage the drone. Report its position and heading to the command post; look for the pilot within 500 m (parked vehicles, rooftops). Keep stairways north clear.',
          },
        },
      },
      {
        type: 'indicator', spec_version: '2.1', id: SCENARIO_IDS.indicator, created: t, modified: t, created_by_ref: pnIdentity,
        name: 'Remote ID broadcast of the drone over the Bernabéu',
        indicator_types: ['anomalous-activity'],
        pattern: "[mac-addr:value = '60:60:1f:a3:5c:21']", pattern_type: 'stix', valid_from: t, valid_until: expires,
        object_marking_refs: green,
      },
      {
        type: 'relationship', spec_version: '2.1', id: SCENARIO_IDS.relationship, created: t, modified: t, created_by_ref: pnIdentity,
        relationship_type: 'related-to', source_ref: SCENARIO_IDS.indicator, target_ref: SCENARIO_IDS.alert,
        object_marking_refs: green,
      },
    ],
  };
  const seen = new Date(now.getTime() + 4 * 60_000).toISOString();
  const mad = {
    type: 'bundle',
    id: SCENARIO_IDS.bundleMad,
    objects: [
      {
        type: 'location', spec_version: '2.1', id: SCENARIO_IDS.location, created: seen, modified: seen, created_by_ref: madIdentity,
        name: 'Paseo de la Castellana / Calle de Concha Espina', latitude: 40.4524, longitude: -3.6906, object_marking_refs: green,
      },
      {
        type: 'sighting', spec_version: '2.1', id: SCENARIO_IDS.sighting, created: seen, modified: seen, created_by_ref: madIdentity,
        sighting_of_ref: SCENARIO_IDS.indicator, first_seen: seen, last_seen: seen, count: 1,
        where_sighted_refs: [madIdentity, SCENARIO_IDS.location],
        description: 'Patrol unit 12 sees the drone drifting south-west over Concha Espina gate.',
        object_marking_refs: green,
      },
    ],
  };
  return { pn, mad };
}

/** Publishes the scenario unless it is already on the ledger. Returns what was done. */
export async function seedScenario(cluster: DemoCluster, now = new Date()): Promise<string> {
  const pn = cluster.nodes.pn;
  const mad = cluster.nodes.mad;
  if (await pn.store.get(SCENARIO_IDS.alert)) return 'already seeded';
  const asUser = (node: typeof pn, username: string, role: Viewer['role']): Viewer => ({ username, displayName: username, role, agency: node.agency });
  const bundles = scenarioBundles(now, pn.agency.identityId, mad.agency.identityId);
  const a = await pn.services.publisher.publish(asUser(pn, 'pn-analyst', 'analyst'), bundles.pn);
  const b = await mad.services.publisher.publish(asUser(mad, 'mad-operator', 'operator'), bundles.mad);
  await cluster.nodes.pj.listener.waitForBlock(Math.max(a.blockNumber ?? 0, b.blockNumber ?? 0));
  return `drone alert by pn (tx ${a.transactionId?.slice(0, 12)}…, block ${a.blockNumber}), sighting by mad (block ${b.blockNumber})`;
}

type DemoKey = 'pn' | 'pj' | 'mad' | 'crm';

async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(`${url}: ${body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ')}`);
  return body.data as T;
}

async function signIn(url: string, username: string, password: string): Promise<string> {
  const r = await graphql<{ login: { token: string } }>(url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password });
  return r.login.token;
}

const THREAT_ID = 'query($id: ID!) { threat(id: $id) { id } }';
const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status transactionId blockNumber } }';

async function seen(url: string, token: string, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await graphql<{ threat: { id: string } | null }>(url, THREAT_ID, { id }, token);
    if (r.threat) return;
    if (Date.now() > deadline) throw new Error(`${id} did not reach ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The same scenario, published through the agencies' GraphQL APIs (the demo's nodes in their own processes):
 * pn-analyst publishes the alert, mad-operator the sighting once pn's indicator is committed (the contract checks the
 * sighting against it); returns once pj's node shows the sighting. Idempotent like seedScenario.
 */
export async function seedScenarioOverGraphql(
  urls: Record<DemoKey, string>, identities: Record<DemoKey, string>, opts: { password?: string; now?: Date; timeoutMs?: number } = {},
): Promise<string> {
  const password = opts.password ?? 'demo';
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const pnToken = await signIn(urls.pn, 'pn-analyst', password);
  const present = await graphql<{ threat: { id: string } | null }>(urls.pn, THREAT_ID, { id: SCENARIO_IDS.alert }, pnToken);
  if (present.threat) return 'already seeded';
  const bundles = scenarioBundles(opts.now ?? new Date(), identities.pn, identities.mad);
  const a = (await graphql<{ publishBundle: { status: string; transactionId: string | null; blockNumber: number | null } }>(urls.pn, PUBLISH, { b: bundles.pn }, pnToken)).publishBundle;
  // QUEUED: in pn's outbox until the ledger takes it; pn's read model shows it once committed
  if (a.status !== 'COMMITTED') await seen(urls.pn, pnToken, SCENARIO_IDS.indicator, timeoutMs);
  const madToken = await signIn(urls.mad, 'mad-operator', password);
  const b = (await graphql<{ publishBundle: { status: string; blockNumber: number | null } }>(urls.mad, PUBLISH, { b: bundles.mad }, madToken)).publishBundle;
  await seen(urls.pj, await signIn(urls.pj, 'pj-analyst', password), SCENARIO_IDS.sighting, timeoutMs);
  return `drone alert by pn (${a.status}, tx ${a.transactionId?.slice(0, 12)}…, block ${a.blockNumber}), sighting by mad (${b.status}, block ${b.blockNumber}), seen by pj`;
}
