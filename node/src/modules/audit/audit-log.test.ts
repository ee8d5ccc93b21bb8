/**
 * The audit log on PGlite and on a real PostgreSQL server: appends, queries, and verification that
 * catches rows edited, deleted, inserted, reordered or truncated with raw SQL, and a chain rewritten
 * and re-hashed after it was anchored. Anchors go through the real contract (chaincode TestLedger).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ThreatExchangeContract, type AuditAnchor, type AuditAnchorInput } from '@popart/chaincode';
import { AGENCIES, registerAgencies, TestLedger } from '@popart/chaincode/testing';
import { canonicalJson } from '@popart/schemas';
import { databaseBackends } from '../../../test/support.js';
import { LedgerUnavailable, NodeError } from '../../errors.js';
import { mapLedgerError } from '../../ledger/map-error.js';
import type { Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { entryHash, GENESIS_HASH, type AuditRecord } from './audit-entry.js';
import { AuditAnchorer, type AnchorLedger } from './audit-anchorer.js';
import { AuditLog } from './audit-log.js';

/** AnchorLedger on the real contract, with an off switch. */
class FakeAnchorLedger implements AnchorLedger {
  readonly ledger = new TestLedger(new ThreatExchangeContract());
  available = true;
  submits = 0;
  private ready: Promise<void>;
  constructor(readonly mspId = AGENCIES.pn.mspId) {
    this.ready = registerAgencies(this.ledger, [AGENCIES.pn, AGENCIES.pj]);
  }
  async anchors(): Promise<AuditAnchor[]> {
    await this.ready;
    if (!this.available) throw new LedgerUnavailable('ledger down (test)');
    return this.ledger.evaluate<AuditAnchor[]>(this.mspId, 'ListAuditAnchors', [this.mspId]);
  }
  async anchor(input: AuditAnchorInput): Promise<AuditAnchor> {
    await this.ready;
    if (!this.available) throw new LedgerUnavailable('ledger down (test)');
    this.submits++;
    const r = await this.ledger.submit(this.mspId, 'AnchorAuditLog', [canonicalJson(input)], new Date());
    if (r.error) throw mapLedgerError(r.error);
    return JSON.parse(r.result ?? '') as AuditAnchor;
  }
}

const analyst = { username: 'pn-analyst', agency: 'pn', role: 'analyst' };
const auditor = { username: 'pn-auditor', agency: 'pn', role: 'auditor' };
const ID = (n: number) => `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function consult(n: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return { actor: analyst, action: 'consultation', objectIds: [ID(n)], purpose: 'investigation', recipients: ['pn-analyst'],
    decisionId: `decision-${n}`, policyRevision: 'rev-1', details: { query: 'threats', n }, ...extra };
}

const backends = databaseBackends('audit');

for (const backend of backends) {
  describe(`audit log on ${backend.name}`, () => {
    before(async () => backend.setup());
    after(() => backend.teardown());

    async function fresh(n = 0, anchors?: FakeAnchorLedger): Promise<{ db: Database; log: AuditLog }> {
      const db = await backend.open();
      await migrate(db);
      await migrate(db);
      const log = new AuditLog(db, anchors ? { anchors } : {});
      for (let i = 1; i <= n; i++) await log.record(consult(i));
      return { db, log };
    }

    async function expectBad(log: AuditLog, seq: number | null, problem: RegExp): Promise<void> {
      const v = await log.verify();
      assert.equal(v.ok, false, 'verification fails');
      assert.equal(v.firstBadSeq, seq, v.problem ?? '');
      assert.match(v.problem ?? '', problem);
    }

    test('entries are chained from the genesis hash; what is stored is what was recorded', async () => {
      const { db, log } = await fresh();
      assert.deepEqual(await log.head(), { seq: 0, hash: GENESIS_HASH });
      const at = new Date('2026-11-24T10:00:00.123Z');
      const e1 = await log.record(consult(1, { at, details: { nested: { b: 1, a: [1.5, 'x', null] } } }));
      const e2 = await log.record({ actor: auditor, action: 'disclosure', recipients: ['pj', 'crm'] });
      assert.equal(e1.seq, 1);
      assert.equal(e1.prevHash, GENESIS_HASH);
      assert.equal(e1.at, '2026-11-24T10:00:00.123Z');
      assert.equal(e1.hash, entryHash(e1));
      assert.equal(e2.seq, 2);
      assert.equal(e2.prevHash, e1.hash);
      assert.deepEqual([e2.objectIds, e2.purpose, e2.decisionId, e2.policyRevision, e2.details], [[], null, null, null, {}]);
      assert.deepEqual(await log.head(), { seq: 2, hash: e2.hash });
      const page = await log.query({}, 10);
      assert.deepEqual(page.entries, [e2, e1], 'read back exactly, newest first');
      const v = await log.verify();
      assert.deepEqual(v, { ok: true, entries: 2, firstBadSeq: null, problem: null, anchorsChecked: 0, head: { seq: 2, hash: e2.hash }, lastAnchoredSeq: null });
      // a new AuditLog on the same database continues the chain
      const e3 = await new AuditLog(db).record(consult(3));
      assert.deepEqual([e3.seq, e3.prevHash], [3, e2.hash]);
      await db.close();
    });

    test('concurrent records stay one linear chain; recordAll is consecutive; a refused record is not written', async () => {
      const { db, log } = await fresh();
      const results = await Promise.all([
        ...Array.from({ length: 60 }, (_, i) => log.record(consult(i))),
        log.recordAll([consult(100), consult(101), consult(102)]),
        log.record({ actor: analyst, action: 'publish' as never }).catch((e: unknown) => e),
      ]);
      const refused = results.at(-1) as NodeError;
      assert.equal(refused.code, 'INVALID_ARGUMENT');
      assert.match(refused.message, /action/);
      const group = results.at(-2) as { seq: number }[];
      assert.deepEqual(group.map((e) => e.seq), [group[0]!.seq, group[0]!.seq + 1, group[0]!.seq + 2]);
      const seqs = (results.slice(0, 60) as { seq: number }[]).map((e) => e.seq).concat(group.map((e) => e.seq)).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 63 }, (_, i) => i + 1));
      const v = await log.verify();
      assert.equal(v.ok, true, v.problem ?? '');
      assert.equal(v.entries, 63);
      await assert.rejects(log.record({ actor: { username: '', agency: 'pn', role: 'x' }, action: 'erasure' }), /actor.username/);
      await assert.rejects(log.record(consult(1, { details: { bad: Number.NaN } })), /details/);
      assert.equal((await log.head()).seq, 63);
      await db.close();
    });

    test('another writer on the same table: the chain is reloaded, not forked', async () => {
      const { db, log } = await fresh(2);
      const other = new AuditLog(db);
      await other.record(consult(3));
      const e = await log.record(consult(4)); // log's cached head is stale (seq 2)
      assert.equal(e.seq, 4);
      assert.equal((await log.verify()).ok, true);
      await db.close();
    });

    test('query filters by time, actor, agency, action and object, with cursors', async () => {
      const { db, log } = await fresh();
      for (let i = 1; i <= 7; i++) await log.record(consult(i, { at: new Date(Date.UTC(2026, 10, i)) }));
      await log.record({ actor: auditor, action: 'disclosure', objectIds: [ID(3)], recipients: ['pj'], at: new Date(Date.UTC(2026, 10, 8)) });
      await log.record({ actor: { username: 'pj-analyst', agency: 'pj', role: 'analyst' }, action: 'collection', objectIds: [ID(9)], at: new Date(Date.UTC(2026, 10, 9)) });
      const seqs = (p: { entries: { seq: number }[] }) => p.entries.map((e) => e.seq);
      const p1 = await log.query({}, 4);
      assert.deepEqual(seqs(p1), [9, 8, 7, 6]);
      assert.equal(p1.hasNext, true);
      const p2 = await log.query({}, 4, p1.endCursor);
      assert.deepEqual(seqs(p2), [5, 4, 3, 2]);
      const p3 = await log.query({}, 4, p2.endCursor);
      assert.deepEqual([seqs(p3), p3.hasNext], [[1], false]);
      assert.deepEqual(seqs(await log.query({ objectId: ID(3) }, 10)), [8, 3]);
      assert.deepEqual(seqs(await log.query({ action: 'disclosure' }, 10)), [8]);
      assert.deepEqual(seqs(await log.query({ actor: 'pn-auditor' }, 10)), [8]);
      assert.deepEqual(seqs(await log.query({ agency: 'pj' }, 10)), [9]);
      assert.deepEqual(seqs(await log.query({ from: new Date(Date.UTC(2026, 10, 3)), to: new Date(Date.UTC(2026, 10, 4)) }, 10)), [4, 3]);
      await assert.rejects(log.query({}, 0), (e: NodeError) => e.code === 'INVALID_ARGUMENT' && e.issues[0]?.property === 'first');
      await assert.rejects(log.query({}, 5, 'garbage'), (e: NodeError) => e.code === 'INVALID_ARGUMENT' && e.issues[0]?.property === 'after');
      await db.close();
    });

    test('verify: an edited row is found (content no longer matches its hash)', async () => {
      const { db, log } = await fresh(5);
      await db.query(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3`);
      await expectBad(log, 3, /entry 3 was altered/);
      await db.close();
    });

    test('verify: an edited jsonb value and an edited time are found', async () => {
      const { db, log } = await fresh(5);
      await db.query(`UPDATE audit_log SET object_ids = '["indicator--other"]'::jsonb WHERE seq = 2`);
      await expectBad(log, 2, /entry 2 was altered/);
      await db.query(`UPDATE audit_log SET object_ids = $1::jsonb WHERE seq = 2`, [JSON.stringify([ID(2)])]);
      assert.equal((await log.verify()).ok, true, 'restored');
      await db.query(`UPDATE audit_log SET at = at + interval '1 millisecond' WHERE seq = 4`);
      await expectBad(log, 4, /entry 4 was altered/);
      await db.close();
    });

    test('verify: a deleted row is found', async () => {
      const { db, log } = await fresh(5);
      await db.query('DELETE FROM audit_log WHERE seq = 2');
      await expectBad(log, 2, /entry 2 is missing/);
      await db.close();
    });

    test('verify: a row inserted with a correct hash, and the rest renumbered, is found', async () => {
      const { db, log } = await fresh(4);
      // shift 3 and 4 up, insert a forged entry 3 whose own hash is right
      await db.query('UPDATE audit_log SET seq = seq + 10 WHERE seq >= 3');
      await db.query('UPDATE audit_log SET seq = seq - 9 WHERE seq >= 13');
      const two = (await log.query({}, 1, Buffer.from('audit:3').toString('base64url'))).entries[0]!;
      const forged = { seq: 3, at: new Date().toISOString(), actor: 'ghost', actorAgency: 'pn', actorRole: 'analyst', action: 'consultation' as const,
        objectIds: [], purpose: null, recipients: [], decisionId: null, policyRevision: null, details: {}, prevHash: two.hash };
      const hash = entryHash(forged);
      await db.query(`INSERT INTO audit_log (seq, at, actor, actor_agency, actor_role, action, object_ids, purpose, recipients, decision_id, policy_revision, details, prev_hash, hash)
        VALUES (3, $1::timestamptz, 'ghost', 'pn', 'analyst', 'consultation', '[]', NULL, '[]', NULL, NULL, '{}', $2, $3)`, [forged.at, two.hash, hash]);
      await expectBad(log, 4, /entry 4 does not follow entry 3/);
      await db.close();
    });

    test('verify: two rows swapped are found', async () => {
      const { db, log } = await fresh(5);
      await db.query('UPDATE audit_log SET seq = seq + 1000 WHERE seq IN (2, 3)');
      await db.query('UPDATE audit_log SET seq = CASE seq WHEN 1002 THEN 3 WHEN 1003 THEN 2 END WHERE seq > 1000');
      await expectBad(log, 2, /entry 2 does not follow entry 1/);
      await db.close();
    });

    test('verify: a chain rewritten and fully re-hashed after it was anchored is found by the ledger anchors', async () => {
      const anchors = new FakeAnchorLedger();
      const { db, log } = await fresh(0, anchors);
      const anchorer = new AuditAnchorer(log, anchors, { mspId: anchors.mspId, agencyKey: 'pn', everyEntries: 3, intervalMs: 60_000 });
      for (let i = 1; i <= 7; i++) await log.record(consult(i));
      await anchorer.anchorNow();
      const v = await log.verify();
      assert.equal(v.ok, true, v.problem ?? '');
      assert.equal(v.anchorsChecked, 1);
      assert.equal(v.lastAnchoredSeq, 7);

      // The attacker edits entry 2 and recomputes every hash after it: the local chain is consistent again.
      const rows = (await db.query<{ seq: number | string }>('SELECT seq FROM audit_log ORDER BY seq')).rows.map((r) => Number(r.seq));
      await db.query(`UPDATE audit_log SET actor = 'nobody' WHERE seq = 2`);
      let prev = GENESIS_HASH;
      for (const seq of rows) {
        const e = (await log.query({}, 1, Buffer.from(`audit:${seq + 1}`).toString('base64url'))).entries[0]!;
        const hash = entryHash({ ...e, prevHash: prev });
        await db.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [seq, prev, hash]);
        prev = hash;
      }
      assert.equal((await new AuditLog(db).verify()).ok, true, 'without anchors the rewrite is invisible');
      await expectBad(log, 1, /entries 1\.\.7 differ from what was anchored on the ledger/);

      await db.close();
    });

    test('verify: entries deleted at the end after they were anchored are found', async () => {
      const anchors = new FakeAnchorLedger();
      const { db, log } = await fresh(5, anchors);
      const anchorer = new AuditAnchorer(log, anchors, { mspId: anchors.mspId, agencyKey: 'pn', intervalMs: 60_000 });
      await anchorer.anchorNow();
      await db.query('DELETE FROM audit_log WHERE seq >= 4');
      await expectBad(log, 4, /entries 4\.\.5 were anchored on the ledger .* missing from the local log/);
      await db.close();
    });

    test('anchorer: every N entries, after a cross-agency disclosure, and retried when the ledger is back', async () => {
      const anchors = new FakeAnchorLedger();
      const { db, log } = await fresh(0, anchors);
      const anchorer = new AuditAnchorer(log, anchors, { mspId: anchors.mspId, agencyKey: 'pn', everyEntries: 5, intervalMs: 60_000, retryMs: 0 });
      anchorer.start();
      await anchorer.settled();
      assert.equal(anchorer.lastAnchoredSeq(), 0, 'read the (empty) anchors at start');
      for (let i = 1; i <= 4; i++) await log.record(consult(i));
      await anchorer.settled();
      assert.deepEqual(await anchors.anchors(), [], 'below the threshold nothing is anchored');
      await log.record(consult(5));
      await anchorer.settled();
      assert.deepEqual((await anchors.anchors()).map((a) => [a.from_seq, a.to_seq]), [[1, 5]]);
      await log.record({ actor: analyst, action: 'disclosure', recipients: ['pn'] });
      await anchorer.settled();
      assert.equal((await anchors.anchors()).length, 1, 'a disclosure within the agency waits');
      await log.record({ actor: analyst, action: 'disclosure', objectIds: [ID(1)], recipients: ['pj'] });
      await anchorer.settled();
      assert.deepEqual((await anchors.anchors()).map((a) => [a.from_seq, a.to_seq]), [[1, 5], [6, 7]]);

      anchors.available = false;
      await log.record({ actor: analyst, action: 'disclosure', objectIds: [ID(2)], recipients: ['crm'] });
      await anchorer.settled();
      await assert.rejects(anchorer.anchorNow(), LedgerUnavailable);
      const down = await log.verify();
      assert.equal(down.ok, false);
      assert.match(down.problem ?? '', /anchors could not be read/);
      anchors.available = true;
      const anchored = await anchorer.anchorNow();
      assert.deepEqual([anchored?.from_seq, anchored?.to_seq], [8, 8]);
      assert.equal(await anchorer.anchorNow(), null, 'nothing left to anchor');
      // concurrent triggers are folded: one in flight plus one follow-up
      await log.record(consult(9));
      const before = anchors.submits;
      await Promise.all([anchorer.anchorNow(), anchorer.anchorNow(), anchorer.anchorNow()]);
      assert.equal(anchors.submits - before, 1);
      await anchorer.stop();
      const v = await log.verify();
      assert.equal(v.ok, true, v.problem ?? '');
      assert.equal(v.anchorsChecked, 4);
      await db.close();
    });

    test('anchorer: after a refused anchor it re-reads the ledger instead of repeating', async () => {
      const anchors = new FakeAnchorLedger();
      const { db, log } = await fresh(3, anchors);
      const first = new AuditAnchorer(log, anchors, { mspId: anchors.mspId, agencyKey: 'pn', intervalMs: 60_000 });
      const second = new AuditAnchorer(log, anchors, { mspId: anchors.mspId, agencyKey: 'pn', intervalMs: 60_000 });
      await first.anchorNow();
      await second.anchorNow(); // reads the ledger first: nothing to do
      await log.record(consult(4));
      await first.anchorNow();
      await log.record(consult(5));
      // second still believes 3 is the last anchored entry: the ledger refuses 4..5 as an overlap
      await assert.rejects(second.anchorNow(), (e: NodeError) => e.code === 'INVALID_ARGUMENT' && /overlaps/.test(e.message));
      const again = await second.anchorNow();
      assert.deepEqual([again?.from_seq, again?.to_seq], [5, 5]);
      const list = await anchors.anchors();
      assert.deepEqual(list.map((a) => [a.from_seq, a.to_seq]), [[1, 3], [4, 4], [5, 5]]);
      assert.equal((await log.verify()).ok, true);
      await db.close();
    });
  });
}
