import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { tlpMarkingRef, TLP1 } from '@popart/schemas';
import { InputError } from '../../errors.js';
import type { Viewer } from '../../identity.js';
import type { PublishResult } from '../publish/publish-service.js';
import { importBatch, type BatchDeps } from './import-batch.js';

type Json = Record<string, unknown>;
const viewer: Viewer = { username: 'import:t', displayName: 'Import t', role: 'analyst', agency: { key: 'pj', mspId: 'PjMSP', identityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a02', level: 'partner' } };
const T = '2026-01-02T03:04:05.000Z';
const producer = `identity--${randomUUID()}`;

function ind(extra: Json = {}): Json {
  return {
    type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: T, modified: T, created_by_ref: producer,
    pattern: "[ipv4-addr:value = '198.51.100.7']", pattern_type: 'stix', valid_from: T, ...extra,
  };
}

/** A publisher that records the bundles it is given and refuses, as the ledger would, those holding `refuse` ids. */
function fakes(o: { refuse?: Map<string, InputError>; stored?: Set<string>; fail?: Error } = {}): BatchDeps & { bundles: Json[][] } {
  const bundles: Json[][] = [];
  return {
    bundles,
    stored: async (id, modified) => o.stored?.has(`${id}@${modified}`) ?? false,
    publisher: {
      publish: async (_viewer: Viewer, input: unknown): Promise<PublishResult> => {
        const objects = (input as { objects: Json[] }).objects;
        bundles.push(objects);
        if (o.fail) throw o.fail;
        for (const x of objects) { const err = o.refuse?.get(x.id as string); if (err) throw err; }
        return { status: 'COMMITTED', bundleId: 'bundle--x', transactionId: 'tx', blockNumber: 1, outboxId: null,
          objects: objects.map((x) => ({ id: x.id as string, type: x.type as string, modified: T, status: 'created' as const })) };
      },
    },
  };
}

test('unmarked objects take the TLP of the report holding them (MISP event TLP), else the default; markings set stay', async () => {
  const held = ind();
  const loose = ind();
  const own = ind({ object_marking_refs: [tlpMarkingRef('red')] });
  const report = { type: 'report', spec_version: '2.1', id: `report--${randomUUID()}`, created: T, modified: T, name: 'MISP event', published: T,
    report_types: ['threat-report'], object_refs: [held.id, own.id], object_marking_refs: [TLP1.amber.id], created_by_ref: producer };
  const deps = fakes();
  const r = await importBatch(viewer, [report, held, loose, own], 'green', deps, {});
  assert.deepEqual([r.imported, r.skipped, r.refused], [4, 0, []]);
  const byId = new Map(deps.bundles[0]!.map((x) => [x.id, x.object_marking_refs]));
  assert.deepEqual(byId.get(held.id), [tlpMarkingRef('amber')]);
  assert.deepEqual(byId.get(loose.id), [tlpMarkingRef('green')]);
  assert.deepEqual(byId.get(own.id), [tlpMarkingRef('red')]);
  assert.deepEqual(byId.get(report.id), [TLP1.amber.id], 'the report keeps its TLP 1.0 marking, which is a TLP marking');
});

test('invalid objects and versions already stored never reach the publisher', async () => {
  const ok = ind();
  const seen = ind();
  const broken = ind({ pattern: '[not a pattern' });
  const deps = fakes({ stored: new Set([`${seen.id as string}@${T}`]) });
  const r = await importBatch(viewer, [ok, 'text', broken, seen, { ...ok }], 'clear', deps, {});
  assert.deepEqual(deps.bundles.map((b) => b.map((x) => x.id)), [[ok.id]]);
  assert.deepEqual([r.imported, r.skipped], [1, 1]);
  assert.deepEqual(r.refused.map((x) => [x.index, x.id]), [[1, null], [2, broken.id], [4, ok.id]]);
  assert.match(r.refused[1]!.reason, /pattern/);
  assert.match(r.refused[2]!.reason, /twice/);
});

test('an object the ledger refuses is refused alone; the others are published without it', async () => {
  const [a, b, c] = [ind(), ind(), ind()];
  const spoof = new InputError('SPOOFED_CREATOR', `${b.id as string}: created_by_ref is the registered identity of PnMSP`,
    { issues: [{ objectIndex: 1, objectId: b.id as string, property: 'created_by_ref', message: 'spoofed' }] });
  const deps = fakes({ refuse: new Map([[b.id as string, spoof]]) });
  const r = await importBatch(viewer, [a, b, c], 'green', deps, {});
  assert.deepEqual(deps.bundles.map((x) => x.length), [3, 2]);
  assert.deepEqual(r.refused.map((x) => [x.index, x.id]), [[1, b.id]]);
  assert.match(r.refused[0]!.reason, /^SPOOFED_CREATOR: /);
  assert.equal(r.imported, 2);
});

test('a refusal naming no object is narrowed down by publishing each object alone', async () => {
  const [a, b] = [ind(), ind()];
  const vague = new InputError('STALE_VERSION', 'a newer version is on the ledger');
  const deps = fakes({ refuse: new Map([[a.id as string, vague]]) });
  const r = await importBatch(viewer, [a, b], 'green', deps, {});
  assert.deepEqual(deps.bundles.map((x) => x.map((y) => y.id)), [[a.id, b.id], [a.id], [b.id]]);
  assert.deepEqual(r.refused.map((x) => x.id), [a.id]);
  assert.equal(r.imported, 1);
});

test('a failure that is not a refusal of the content stops the batch (the run is retried later)', async () => {
  await assert.rejects(importBatch(viewer, [ind()], 'green', fakes({ fail: new Error('read model down') }), {}), /read model down/);
});

test('reference data every node knows (a POP-ART peer\'s TAXII pages carry it) is skipped, never published again', async () => {
  const deps = fakes();
  const a = ind({ object_marking_refs: [tlpMarkingRef('green')] });
  const r = await importBatch(viewer, [TLP1.green, { ...TLP1.white }, a], 'green', deps, {});
  assert.equal(r.skipped, 2);
  assert.deepEqual(deps.bundles.flat().map((o) => o.id), [a.id]);
});
