/**
 * The feed of one reader lists the newest events only (MAX_FEED_EVENTS in the node): what it builds and keeps for a
 * reader is bounded whatever the read model holds, and an older event is still served by its uuid.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERT_EXTENSION_ID, tlpMarkingRef, type StixObject } from '@popart/schemas';
import type { AuditLog } from '../audit/index.js';
import type { AgencyDirectory } from '../agency/agency-directory.js';
import type { EgressGate } from '../threat/egress.js';
import { rowFromObject, type ThreatRow } from '../threat/threat-row.js';
import type { ThreatStore } from '../threat/threat-store.js';
import type { HttpPrincipal } from '../../server/http-auth.js';
import { uuidOf } from './misp-event.js';
import { MispFeed } from './misp-feed.js';
import { MispFeedIndex } from './misp-feed-index.js';

const PN = 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01';
const alert = (n: number, modified: string, extra: Record<string, unknown> = {}): ThreatRow => rowFromObject({
  type: 'incident', spec_version: '2.1', id: `incident--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, created: '2026-11-01T00:00:00.000Z', modified,
  created_by_ref: PN, object_marking_refs: [tlpMarkingRef('green')], name: `alert ${n}`, ...extra,
  extensions: { [ALERT_EXTENSION_ID]: { extension_type: 'property-extension', category: 'drone', severity: 'high', detection_confidence: 80, sensor_kind: 'remote-id',
    area: { shape: 'circle', latitude: 40.4, longitude: -3.7, radius_m: 300 }, venue: 'Sol', expires: '2026-11-30T01:00:00.000Z', guidance: 'Keep away.' } },
} as StixObject, { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });

test('a manifest lists the newest events up to the limit, newest first; new ones push old ones out; an older event file is still served', async () => {
  const minute = (m: number): string => new Date(Date.UTC(2026, 10, 1, 0, m)).toISOString();
  const rows = new Map(Array.from({ length: 12 }, (_, i) => alert(i + 1, minute(i + 1))).map((r) => [r.id, r]));
  const store = {
    outlines: async () => [...rows.values()].sort((a, b) => b.modified.localeCompare(a.modified)),
    getMany: async (ids: readonly string[]) => ids.flatMap((i) => rows.get(i) ?? []),
  } as unknown as ThreatStore;
  const built: string[] = [];
  // The gate lets the reader see every alert but number 11; it counts what is judged.
  const gate = {
    revision: 'r1',
    releaseAll: async (_viewer: unknown, judged: readonly ThreatRow[]) => {
      built.push(...judged.map((r) => r.id));
      return judged.filter((r) => r.name !== 'alert 11');
    },
  } as unknown as EgressGate;
  const directory = { byIdentityId: () => undefined, byMspId: async () => ({ name: 'Policía Nacional', identityId: PN }) } as unknown as AgencyDirectory;
  const index = new MispFeedIndex(store);
  const feed = new MispFeed(store, gate, directory, {} as AuditLog, index, async () => ({ rows: [] }) as never, Date.now, 4);
  const reader = { viewer: { username: 'pj-analyst', role: 'analyst', agency: { key: 'pj' } }, method: 'bearer' } as unknown as HttpPrincipal;
  const names = async (): Promise<string[]> => (await feed.events(reader)).map((e) => e.event.info);

  assert.deepEqual(await names(), ['alert 12', 'alert 10', 'alert 9'], 'the 4 newest, one of them not visible to the reader');
  assert.equal(built.length, 4, 'only the newest 4 were judged and built, not all 12');
  built.length = 0;
  const newer = alert(13, minute(20));
  rows.set(newer.id, newer);
  index.apply([newer]);
  assert.deepEqual(await names(), ['alert 13', 'alert 12', 'alert 10'], 'a new event comes in first; the oldest of the four leaves');
  assert.deepEqual(built, [newer.id], 'only the new event was built; the others were kept');
  const old = await feed.event(reader, uuidOf(rows.get(`incident--00000000-0000-4000-8000-${'1'.padStart(12, '0')}`)!.id));
  assert.equal(old?.event.info, 'alert 1', 'an event older than the manifest\'s is still served by its uuid');
});
