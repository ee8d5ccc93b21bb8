/**
 * bench/misp-feed — a MISP instance pulling a node's MISP feed: GET manifest.json, then event files, then hashes.csv,
 * over HTTP with Basic auth through the node's whole path (authentication, the feed's event index, the egress gate as
 * the reader, the audit record of each response). pn's read model holds `--alerts` GREEN drone alerts, each with its
 * Remote ID indicator and the relationship between them (3 objects per alert), stored as the listener stores them.
 *
 * The baseline, in the same run, is the reader's first request (nothing cached for them: every event judged and built,
 * which is what every request cost before the index): the manifest again, one event file, and the manifest after new
 * alerts arrive through the ledger are measured against it.
 *   node bench/dist/misp-feed.js [--alerts 5000] [--events 200] [--new 10]
 */
import '@popart/node/quiet-contract-logs';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo } from '@popart/node/demo';
import { rowFromObject } from '@popart/node/dev';
import { ALERT_EXTENSION_ID, tlpMarkingRef, type StixObject } from '@popart/schemas';
import { benchArgs, percentile, reportHeader } from './bench-kit.js';
import { demoIdentityId } from './demo-ids.js';

const { number } = benchArgs('Usage: npm run bench:misp-feed -- [--alerts N] [--events N] [--new N]\n' +
    '  fills pn\'s read model with N alerts (each with an indicator and a relationship), then times the MISP feed as\n' +
    '  pn-analyst: the first manifest.json, the next one, --events event files, hashes.csv, and the manifest after --new\n' +
    '  alerts published through the ledger; prints each and the ratio to the first request\n', {
  alerts: { type: 'string', default: '5000' },
  events: { type: 'string', default: '200' },
  new: { type: 'string', default: '10' },
});
const ALERTS = number('alerts');
const EVENTS = number('events');
const NEW = number('new');
const PN = demoIdentityId('pn');
const AUTH = { authorization: `Basic ${Buffer.from('pn-analyst:demo').toString('base64')}`, 'x-popart-purpose': 'bench' };

function alertObjects(i: number, t: string): StixObject[] {
  const green = [tlpMarkingRef('green')];
  const alert = {
    type: 'incident', spec_version: '2.1', id: `incident--${randomUUID()}`, created: t, modified: t, created_by_ref: PN, name: `Drone ${i} over the fan zone`,
    object_marking_refs: green,
    extensions: {
      [ALERT_EXTENSION_ID]: {
        extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 80, sensor_kind: 'remote-id',
        area: { shape: 'circle', latitude: 40.4168 + (i % 100) / 1000, longitude: -3.7038, radius_m: 300 }, venue: 'Puerta del Sol fan zone',
        expires: new Date(Date.parse(t) + 3_600_000).toISOString(), guidance: 'Keep the crowd away from the landing point.',
      },
    },
  };
  const mac = `60:60:1f:${(i >> 16 & 255).toString(16).padStart(2, '0')}:${(i >> 8 & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
  const indicator = {
    type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: t, modified: t, created_by_ref: PN, name: `Remote ID of drone ${i}`,
    indicator_types: ['anomalous-activity'], pattern_type: 'stix', pattern: `[mac-addr:value = '${mac}']`, valid_from: t, object_marking_refs: green,
  };
  const relationship = {
    type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: t, modified: t, created_by_ref: PN,
    relationship_type: 'related-to', source_ref: indicator.id, target_ref: alert.id, object_marking_refs: green,
  };
  return [alert, indicator, relationship] as unknown as StixObject[];
}

async function get(url: string): Promise<{ ms: number; text: string }> {
  const t = performance.now();
  const res = await fetch(url, { headers: AUTH });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text.slice(0, 300)}`);
  return { ms: performance.now() - t, text };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'popart-bench-misp-feed-'));
  const cluster = await startDemo({ dataDir: dir, passphrase: 'bench-passphrase', randomPorts: true, logLevel: 'silent', fsync: false });
  try {
    const node = cluster.nodes.pn;
    const t = new Date(Date.now() - 3_600_000).toISOString();
    const commit = { publisherMsp: 'PnMSP', txId: 'bench', blockNumber: 0, signatureVerified: true };
    for (let i = 0; i < ALERTS; i += 500) {
      const objects = Array.from({ length: Math.min(500, ALERTS - i) }, (_, k) => alertObjects(i + k, t)).flat();
      await node.store.storeRows(objects.map((o) => rowFromObject(o, commit)));
    }
    const feed = `${node.url.replace(/\/graphql$/, '')}/misp-feed`;
    const first = await get(`${feed}/manifest.json`);
    const uuids = Object.keys(JSON.parse(first.text) as Record<string, unknown>);
    if (uuids.length < ALERTS) throw new Error(`${uuids.length} events in the manifest, ${ALERTS} expected`);
    const again = await get(`${feed}/manifest.json`);
    const events: number[] = [];
    for (let i = 0; i < EVENTS; i++) events.push((await get(`${feed}/${uuids[Math.floor(Math.random() * uuids.length)]}.json`)).ms);
    events.sort((a, b) => a - b);
    const hashes = await get(`${feed}/hashes.csv`);
    const hashesAgain = await get(`${feed}/hashes.csv`);
    const login = await fetch(node.url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { login(username: "pn-analyst", password: "demo") { token } }' }),
    }).then((x) => x.json()) as { data: { login: { token: string } } };
    const token = login.data.login.token;
    const fresh = Array.from({ length: NEW }, (_, i) => alertObjects(ALERTS + i, new Date().toISOString())).flat();
    const r = await fetch(node.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation($b: JSON!) { publishBundle(bundle: $b) { blockNumber } }', variables: { b: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: fresh } } }),
    }).then((x) => x.json()) as { data?: { publishBundle: { blockNumber: number } }; errors?: unknown };
    if (!r.data) throw new Error(`publish: ${JSON.stringify(r.errors)}`);
    await node.listener.waitForBlock(r.data.publishBundle.blockNumber);
    const after = await get(`${feed}/manifest.json`);
    if (Object.keys(JSON.parse(after.text) as Record<string, unknown>).length !== uuids.length + NEW) throw new Error('the new alerts are not in the manifest');
    const ratio = (ms: number): string => `${(first.ms / ms).toFixed(1)}x`;
    process.stdout.write([
      reportHeader('misp-feed', `${ALERTS} alerts, ${3 * ALERTS} objects in pn's read model; Basic auth, pn-analyst`),
      `first manifest.json (nothing cached)      ${first.ms.toFixed(0).padStart(7)} ms  (baseline)`,
      `manifest.json again                       ${again.ms.toFixed(0).padStart(7)} ms  ${ratio(again.ms)} faster`,
      `event file, ${EVENTS} random                  p50 ${percentile(events, 50).toFixed(1)} ms  p99 ${percentile(events, 99).toFixed(1)} ms  ${ratio(percentile(events, 50))} faster (p50)`,
      `hashes.csv, first / again                 ${hashes.ms.toFixed(0)} ms / ${hashesAgain.ms.toFixed(0)} ms`,
      `manifest.json after ${NEW} new alerts (ledger) ${after.ms.toFixed(0).padStart(7)} ms  ${ratio(after.ms)} faster`,
      '',
    ].join('\n'));
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
