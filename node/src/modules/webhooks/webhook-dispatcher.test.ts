import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import type { AuditRecord } from '../audit/index.js';
import { openDatabase, type Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import type { StixObject } from '@popart/schemas';
import { webhookSchema } from '../../config/cap-config.js';
import { createLogger } from '../../log.js';
import { capText, recordCapMessage, webhookReceiver, type WebhookReceiver } from '../../../test/cap-support.js';
import { alert, IDENTITIES } from '../../../test/stix-fixtures.js';
import { until } from '../../../test/support.js';
import type { CapAlerts } from '../cap/cap-alerts.js';
import { capMessage } from '../cap/cap-message.js';
import type { EgressGate } from '../threat/egress.js';
import { rowFromObject, type ThreatRow } from '../threat/threat-row.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { verifyDelivery } from './webhook-signature.js';
import { WebhookStore } from './webhook-store.js';

const agency = { key: 'pn', mspId: 'PnMSP', identityId: IDENTITIES.pn, level: 'national' as const };
const receivers: WebhookReceiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

/** A fresh read-model database (PGlite in memory) with the node's tables. */
async function database(): Promise<Database> {
  const db = await openDatabase({ kind: 'pglite', dir: null });
  await migrate(db);
  return db;
}

/**
 * A dispatcher over a real database and audit records kept in memory; the gate lets everything through and CAP
 * messages are written as the node writes them.
 */
function dispatcher(hooks: unknown[], db: Database, secret = randomBytes(32)) {
  let emit: (rows: ThreatRow[]) => void = () => undefined;
  const audited: AuditRecord[] = [];
  const gate = { revision: 'test', releaseAlerts: async (_v: unknown, rows: ThreatRow[]) => rows, releaseAll: async (_v: unknown, rows: ThreatRow[]) => rows } as unknown as EgressGate;
  const cap = {
    messageOf: async (row: ThreatRow) => capMessage(row.stix, { sender: IDENTITIES.pn, senderName: 'Policía Nacional', exercise: false, language: 'es', versions: [] }),
  } as unknown as CapAlerts;
  const d = new WebhookDispatcher(hooks.map((h) => webhookSchema.parse(h)), {
    onRows: (fn) => {
      emit = fn;
      return () => undefined;
    },
    gate, cap, closure: async () => ({ rows: [], reference: [] }), keys: { secret: async () => secret }, store: new WebhookStore(db), audit: { record: async (r: AuditRecord) => void audited.push(r) },
    agency, log: createLogger('webhooks-test', 'silent'),
  });
  const outcome = (url: string) => audited.filter((a) => a.recipients?.includes(url)).map((a) => a.details?.outcome);
  return { d, emit: (rows: ThreatRow[]) => emit(rows), audited, outcome, secret };
}

function row(tlp: 'green' | 'amber' = 'green'): ThreatRow {
  return rowFromObject(alert({ by: IDENTITIES.pn, tlp, ...(tlp === 'amber' ? { audience: [IDENTITIES.mad] } : {}) }) as unknown as StixObject,
    { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });
}

test('a hanging receiver holds up no other; stop ends its delivery at once and keeps it for after a restart', async () => {
  const fast = await webhookReceiver();
  const hanging = await webhookReceiver(() => null);
  receivers.push(fast, hanging);
  const db = await database();
  const { d, emit, outcome, secret } = dispatcher([
    { id: 'hanging', url: hanging.url, purpose: 'test', timeoutMs: 60_000, maxAttempts: 1 },
    { id: 'fast', url: fast.url, purpose: 'test' },
  ], db);
  await d.start();
  const rows = [row(), row('amber')];
  emit([rows[0]!]);
  emit([rows[1]!]);
  await until('the fast receiver has both alerts', async () => fast.got.length === 2);
  // Received is not yet answered: its answer is read and the delivery audited a moment later (stopping before that
  // would keep the second delivery for after a restart, as for any delivery interrupted before its answer).
  await until('both fast deliveries are audited', async () => outcome(fast.url).length === 2);
  assert.equal(hanging.got.length, 1, 'the hanging receiver still holds its first delivery');
  for (const g of fast.got) {
    assert.equal(verifyDelivery([secret], g.headers['x-popart-signature'] as string, g.body), null);
    recordCapMessage('unit-webhook', g.body);
  }
  assert.deepEqual(fast.got.map((g) => capText(g.body, 'incidents')), rows.map((r) => r.id), 'in ledger order');
  const started = Date.now();
  await d.stop();
  assert.ok(Date.now() - started < 10_000, 'stop does not wait for the hanging receiver\'s deadline');
  assert.deepEqual(outcome(fast.url), ['delivered', 'delivered'], 'each delivery audited');
  assert.deepEqual(outcome(hanging.url), [], 'the interrupted delivery is not over: not audited yet');
  const store = new WebhookStore(db);
  assert.equal(await store.waiting('hanging'), 2, 'both deliveries of the hanging receiver are kept');
  assert.equal(await store.waiting('fast'), 0);

  // After a restart (the receiver answers now) the kept deliveries go out in order, under their delivery ids.
  const back = await webhookReceiver();
  receivers.push(back);
  const again = dispatcher([{ id: 'hanging', url: back.url, purpose: 'test', timeoutMs: 60_000, maxAttempts: 2 }], db, secret);
  await again.d.start();
  await until('the kept deliveries arrive after the restart', async () => back.got.length === 2);
  assert.deepEqual(back.got.map((g) => capText(g.body, 'incidents')), rows.map((r) => r.id));
  assert.equal(back.got[0]!.headers['x-popart-delivery'], hanging.got[0]!.headers['x-popart-delivery'], 'the same delivery id: a receiver can drop duplicates');
  await again.d.idle();
  assert.deepEqual(again.outcome(back.url), ['delivered', 'delivered']);
  assert.equal(await store.waiting('hanging'), 0);
  await again.d.stop();
  await db.close();
});

test('without a purpose a webhook gets no restricted alert; a full queue drops rows instead of growing', async () => {
  const open = await webhookReceiver();
  const slow = await webhookReceiver(() => null);
  receivers.push(open, slow);
  const db = await database();
  const { d, emit } = dispatcher([
    { id: 'open', url: open.url },
    { id: 'slow', url: slow.url, purpose: 'test', maxQueued: 2, timeoutMs: 60_000, maxAttempts: 1 },
  ], db);
  await d.start();
  const green = row();
  const amber = row('amber');
  emit([amber, green]);
  for (let i = 0; i < 5; i++) emit([row()]);
  await until('the open receiver has the green alert', async () => open.got.some((g) => g.body.includes(green.id)));
  assert.ok(!open.got.some((g) => g.body.includes(amber.id)), 'the AMBER alert is not sent without a purpose');
  await until('the slow receiver has its first delivery', async () => slow.got.length === 1);
  await until('the slow receiver\'s deliveries are all written or dropped', async () => d.counters('slow')?.queued === 0 && (d.counters('slow')?.dropped ?? 0) > 0);
  // seven CAP messages for the slow receiver: one in delivery and one more stored (maxQueued 2), the others dropped
  assert.equal(await new WebhookStore(db).waiting('slow'), 2);
  assert.equal(d.counters('slow')?.dropped, 5);
  await d.stop();
  await db.close();
});

test('a delivery the receiver keeps refusing is given up after maxAttempts, audited as failed, and removed', async () => {
  const refusing = await webhookReceiver(() => 503);
  receivers.push(refusing);
  const db = await database();
  const { d, emit, outcome } = dispatcher([{ id: 'refusing', url: refusing.url, purpose: 'test', maxAttempts: 3, retryDelayMs: 10, formats: ['stix'] }], db);
  await d.start();
  emit([row()]);
  await until('given up', async () => d.counters('refusing')?.failed === 1);
  assert.equal(refusing.got.length, 3);
  assert.equal(new Set(refusing.got.map((g) => g.headers['x-popart-delivery'])).size, 1, 'one delivery, attempted three times');
  await d.idle();
  assert.deepEqual(outcome(refusing.url), ['failed']);
  assert.equal(await new WebhookStore(db).waiting('refusing'), 0);
  await d.stop();
  await db.close();
});
