import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
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

const agency = { key: 'pn', mspId: 'PnMSP', identityId: IDENTITIES.pn, level: 'national' as const };
const receivers: WebhookReceiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

/** A dispatcher over fakes: the gate lets everything through, CAP messages are written as the node writes them. */
function dispatcher(hooks: unknown[]) {
  let emit: (rows: ThreatRow[]) => void = () => undefined;
  const disclosures: { recipient: string; ids: string[]; details: Record<string, unknown> }[] = [];
  const secret = randomBytes(32);
  const gate = { releaseAlerts: async (_v: unknown, rows: ThreatRow[]) => rows, releaseAll: async (_v: unknown, rows: ThreatRow[]) => rows } as unknown as EgressGate;
  const cap = {
    messageOf: async (row: ThreatRow) => capMessage(row.stix, { sender: IDENTITIES.pn, senderName: 'Policía Nacional', exercise: false, language: 'es', versions: [] }),
    disclosed: async (_v: unknown, rows: ThreatRow[], _p: unknown, _r: unknown, recipient: string, details: Record<string, unknown>) => {
      disclosures.push({ recipient, ids: rows.map((r) => r.id), details });
    },
  } as unknown as CapAlerts;
  const d = new WebhookDispatcher(hooks.map((h) => webhookSchema.parse(h)), {
    onRows: (fn) => {
      emit = fn;
      return () => undefined;
    },
    gate, cap, keys: { secret: async () => secret }, agency, log: createLogger('webhooks-test', 'silent'),
  });
  return { d, emit: (rows: ThreatRow[]) => emit(rows), disclosures, secret };
}

function row(tlp: 'green' | 'amber' = 'green'): ThreatRow {
  return rowFromObject(alert({ by: IDENTITIES.pn, tlp, ...(tlp === 'amber' ? { audience: [IDENTITIES.mad] } : {}) }) as unknown as StixObject,
    { publisherMsp: 'PnMSP', txId: 'tx', blockNumber: 1, signatureVerified: true });
}

test('a hanging receiver holds up no other; stop ends its delivery at once and audits it as failed', async () => {
  const fast = await webhookReceiver();
  const hanging = await webhookReceiver(() => null);
  receivers.push(fast, hanging);
  const { d, emit, disclosures, secret } = dispatcher([
    { id: 'hanging', url: hanging.url, purpose: 'test', timeoutMs: 60_000, maxAttempts: 1 },
    { id: 'fast', url: fast.url, purpose: 'test' },
  ]);
  await d.start();
  const rows = [row(), row('amber')];
  emit([rows[0]!]);
  emit([rows[1]!]);
  await until('the fast receiver has both alerts', async () => fast.got.length === 2);
  assert.equal(hanging.got.length, 1, 'the hanging receiver still holds its first delivery');
  for (const g of fast.got) {
    assert.equal(verifyDelivery([secret], g.headers['x-popart-signature'] as string, g.body), null);
    recordCapMessage('unit-webhook', g.body);
  }
  assert.deepEqual(fast.got.map((g) => capText(g.body, 'incidents')), rows.map((r) => r.id), 'in ledger order');
  const started = Date.now();
  await d.stop();
  assert.ok(Date.now() - started < 10_000, 'stop does not wait for the hanging receiver\'s deadline');
  const failed = disclosures.find((x) => x.recipient === hanging.url);
  assert.equal(failed?.details.outcome, 'failed');
  assert.equal(disclosures.filter((x) => x.recipient === fast.url && x.details.outcome === 'delivered').length, 2);
});

test('without a purpose a webhook gets no restricted alert; a full queue drops rows instead of growing', async () => {
  const open = await webhookReceiver();
  const slow = await webhookReceiver(() => null);
  receivers.push(open, slow);
  const { d, emit } = dispatcher([
    { id: 'open', url: open.url },
    { id: 'slow', url: slow.url, purpose: 'test', maxQueued: 2, timeoutMs: 60_000, maxAttempts: 1 },
  ]);
  await d.start();
  const green = row();
  const amber = row('amber');
  emit([amber, green]);
  for (let i = 0; i < 5; i++) emit([row()]);
  await until('the open receiver has the green alert', async () => open.got.some((g) => g.body.includes(green.id)));
  assert.ok(!open.got.some((g) => g.body.includes(amber.id)), 'the AMBER alert is not sent without a purpose');
  await until('the slow receiver has its first delivery', async () => slow.got.length === 1);
  // one block in delivery, two queued, three dropped
  assert.equal(d.counters('slow')?.dropped, 3);
  await d.stop();
});
