/**
 * The demo scenario: during a match at the Santiago Bernabéu (a venue pn registers, with the agencies involved),
 * Policía Nacional picks up a drone over the stadium — an alert and an indicator for the drone's broadcast address,
 * and a second alert from its camera over the north stand; Madrid's municipal police sight the drone from the ground
 * and their Remote ID receiver at Concha Espina reports it too, with its serial and broadcast address. Each node
 * links the reports across agencies (same MAC address; drone alerts close in space and time) and the stadium's risk
 * picture rises from elevated to high. Seeding is idempotent: the objects have fixed ids and are only published once.
 */
import { ALERT_EXTENSION_ID, tlpMarkingRef, VENUE_EXTENSION_ID } from '@popart/schemas';
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
  venue: 'location--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b08',
  pnCamera: 'incident--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b09',
  madAlert: 'incident--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b0a',
  madIndicator: 'indicator--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b0b',
  madRelationship: 'relationship--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b0c',
};

/** The drone of the scenario: its Remote ID serial and broadcast address. */
export const DRONE = { serial: '1596F3C4B5A6', mac: '60:60:1f:a3:5c:21' };

export const BERNABEU = { latitude: 40.45306, longitude: -3.68835 };

/** A GREEN drone alert of the scenario at the Bernabéu (high severity). */
function droneAlert(o: { id: string; by: string; at: string; expires: string; sensor: string; latitude: number; longitude: number; name: string; description: string; guidance: string }): Record<string, unknown> {
  return {
    type: 'incident', spec_version: '2.1', id: o.id, created: o.at, modified: o.at, created_by_ref: o.by, name: o.name, description: o.description,
    object_marking_refs: [tlpMarkingRef('green')],
    extensions: {
      [ALERT_EXTENSION_ID]: {
        extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 80,
        area: { shape: 'circle', latitude: o.latitude, longitude: o.longitude, radius_m: 150 }, sensor_kind: o.sensor,
        venue: 'Estadio Santiago Bernabéu', event_name: 'Liga match, 21:00', expires: o.expires, guidance: o.guidance,
      },
    },
  };
}

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
        pattern: `[mac-addr:value = '${DRONE.mac}']`, pattern_type: 'stix', valid_from: t, valid_until: expires,
        object_marking_refs: green,
      },
      {
        type: 'relationship', spec_version: '2.1', id: SCENARIO_IDS.relationship, created: t, modified: t, created_by_ref: pnIdentity,
        relationship_type: 'related-to', source_ref: SCENARIO_IDS.indicator, target_ref: SCENARIO_IDS.alert,
        object_marking_refs: green,
      },
      droneAlert({
        id: SCENARIO_IDS.pnCamera, by: pnIdentity, at: t, expires, sensor: 'camera', latitude: 40.4537, longitude: -3.6884,
        name: 'Drone seen by camera over the north stand, Bernabéu',
        description: 'Camera N-3 tracks a small quadcopter hovering above the north stand roof; no markings visible.',
        guidance: 'Keep the north stand roof under observation; report any change of heading to the command post.',
      }),
      {
        type: 'location', spec_version: '2.1', id: SCENARIO_IDS.venue, created: t, modified: t, created_by_ref: pnIdentity,
        name: 'Estadio Santiago Bernabéu', latitude: BERNABEU.latitude, longitude: BERNABEU.longitude, precision: 400,
        object_marking_refs: green,
        extensions: {
          [VENUE_EXTENSION_ID]: {
            extension_type: 'property-extension', venue_kind: 'stadium',
            area: { shape: 'circle', latitude: BERNABEU.latitude, longitude: BERNABEU.longitude, radius_m: 400 },
            event_name: 'Liga match, 21:00', starts: new Date(now.getTime() - 30 * 60_000).toISOString(), ends: expires,
            agency_refs: [pnIdentity, madIdentity],
          },
        },
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
      { ...droneAlert({
        id: SCENARIO_IDS.madAlert, by: madIdentity, at: seen, expires, sensor: 'remote-id', latitude: 40.4524, longitude: -3.6906,
        name: `Drone ${DRONE.serial} near Concha Espina gate, Bernabéu`,
        description: `Drone ${DRONE.serial} (helicopter-or-multirotor, serial-number) at 55 m, from its Remote ID broadcast heard by the receiver at Concha Espina.`,
        guidance: 'Do not engage the drone. Patrol units near Concha Espina: look for the pilot (parked vehicles, rooftops) and report.',
      }), x_popart_remote_id: { uas_id: DRONE.serial, id_type: 'serial-number' } },
      {
        type: 'indicator', spec_version: '2.1', id: SCENARIO_IDS.madIndicator, created: seen, modified: seen, created_by_ref: madIdentity,
        name: `Remote ID broadcast of drone ${DRONE.serial}`, indicator_types: ['anomalous-activity'],
        pattern: `[mac-addr:value = '${DRONE.mac}']`, pattern_type: 'stix', valid_from: seen, valid_until: expires,
        external_references: [{ source_name: 'remote-id', external_id: DRONE.serial, description: 'UAS id (serial-number) from the ASTM F3411 Basic ID message' }],
        object_marking_refs: green,
      },
      {
        type: 'relationship', spec_version: '2.1', id: SCENARIO_IDS.madRelationship, created: seen, modified: seen, created_by_ref: madIdentity,
        relationship_type: 'related-to', source_ref: SCENARIO_IDS.madIndicator, target_ref: SCENARIO_IDS.madAlert, object_marking_refs: green,
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
