/**
 * The listener against objects the read model cannot take: on PGlite and on a real PostgreSQL server, with
 * the real policy (wasm). The ledger here is a scripted implementation of the Ledger port that serves
 * committed blocks as given, so a test can put on it what a future contract bug could let through
 * (the contract of this version refuses these objects at endorsement; see schemas' content limits).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OBJECTS_EVENT, type ObjectAnnouncement } from '@popart/chaincode';
import type { StixObject } from '@popart/schemas';
import { databaseBackends, jsonText } from '../../../test/support.js';
import { LedgerUnavailable } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { AgencySubject } from '../../identity.js';
import { WasmPolicy } from '../../policy/wasm-policy.js';
import type { Database } from '../../read-model/database.js';
import { migrate } from '../../read-model/migrations.js';
import { QuarantineStore } from './quarantine.js';
import { ThreatStore } from './threat-store.js';
import type { Ledger, LedgerBlock } from '../../ledger/ledger.js';
import { LedgerListener } from './listener.js';

const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const PN_IDENTITY = 'identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a01';
const PJ: AgencySubject = { key: 'pj', mspId: 'PjMSP', identityId: 'identity--0c1e7e4e-8a61-4f55-b0a8-0d6c3b1f1a09', level: 'partner' };

function note(n: number, content: unknown): StixObject {
  return {
    type: 'note', spec_version: '2.1', id: `note--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z', created_by_ref: PN_IDENTITY,
    content, object_refs: [PN_IDENTITY], object_marking_refs: [GREEN],
  } as unknown as StixObject;
}

function announce(o: StixObject): ObjectAnnouncement {
  return { id: o.id, type: o.type, modified: String(o.modified), tlp: 'green', audience: [], area: null, bbox: null, severity: null, category: null, created_by_ref: PN_IDENTITY, revoked: false };
}

/** A Ledger whose committed blocks are scripted: each block one transaction publishing the given objects. */
class ScriptedLedger implements Ledger {
  readonly kind = 'embedded' as const;
  readonly objects = new Map<string, StixObject>();
  private readonly committed: LedgerBlock[] = [];
  private waiters: (() => void)[] = [];
  down = false;

  commit(...objects: StixObject[]): number {
    const number = this.committed.length;
    for (const o of objects) this.objects.set(o.id, o);
    const payload = { tx_id: `tx-${number}`, publisher_msp: 'PnMSP', objects: objects.map(announce) };
    this.committed.push({ number, events: [{ blockNumber: number, txIndex: 0, txId: `tx-${number}`, mspId: 'PnMSP', name: OBJECTS_EVENT, payload: Buffer.from(JSON.stringify(payload)), signatureVerified: true }] });
    this.waiters.splice(0).forEach((w) => w());
    return number;
  }

  async submit(): Promise<never> {
    throw new Error('not used');
  }

  async height(): Promise<number> {
    return this.committed.length;
  }

  async evaluate(fn: string, args: string[]): Promise<string> {
    if (this.down) throw new LedgerUnavailable('scripted ledger is down');
    const o = this.objects.get(args[0] ?? '');
    if (fn !== 'ReadObject' || !o) throw new Error(`no ${args[0]}`);
    // JSON.stringify of a deeply nested object overflows the stack: build the text by hand as a peer would send it.
    return `{"object":${jsonText(o)},"publisher_msp":"PnMSP","tx_id":"t","committed_at":"2026-11-01T00:00:00.000Z","hash":"h"}`;
  }

  blocks(fromBlock: number): AsyncIterable<LedgerBlock> {
    let next = fromBlock;
    let stopped = false;
    return {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          while (!stopped && next >= this.committed.length) await new Promise<void>((r) => this.waiters.push(r));
          if (stopped) return { done: true, value: undefined };
          return { done: false, value: this.committed[next++] as LedgerBlock };
        },
        return: async () => {
          stopped = true;
          this.waiters.splice(0).forEach((w) => w());
          return { done: true, value: undefined };
        },
      }),
    };
  }

  async close(): Promise<void> {}
}

function deep(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

for (const backend of databaseBackends('listener')) {
  describe(`listener with poison objects, read model on ${backend.name}`, () => {
    let policy: WasmPolicy;
    before(async () => {
      await backend.setup();
      policy = await WasmPolicy.load(undefined, { workers: 0 });
    });
    after(async () => {
      await policy?.close();
      backend.teardown();
    });

    async function setup(ledger: ScriptedLedger, reuse?: Database): Promise<{ db: Database; listener: LedgerListener; store: ThreatStore; quarantine: QuarantineStore; stop(closeDb?: boolean): Promise<void> }> {
      const db = reuse ?? (await backend.open());
      await migrate(db);
      const store = new ThreatStore(db);
      const quarantine = new QuarantineStore(db);
      const keys: Record<string, string> = { PnMSP: 'pn', PjMSP: 'pj' };
      const listener = new LedgerListener(ledger, store, quarantine, policy, PJ, createLogger('listener-test', 'silent'),
        async (msp) => keys[msp] ?? 'unknown', { retryMs: 20, stuckAfterMs: 300 });
      await listener.start();
      return {
        db, listener, store, quarantine,
        stop: async (closeDb = true) => {
          await listener.stop();
          if (closeDb) await db.close();
        },
      };
    }

    test('objects the read model refuses (NUL, unpaired surrogate, nesting that overflows the stack) are quarantined; the rest of the block and the next blocks are stored', async () => {
      const ledger = new ScriptedLedger();
      const { listener, store, stop } = await setup(ledger);
      try {
        const good1 = note(1, 'gate 3 clear');
        const nul = note(2, 'drone\u0000over gate 3');
        const surrogate = note(3, 'end\ud83d');
        const tooDeep = note(4, deep(200_000));
        const good2 = note(5, 'gate 4 clear');
        ledger.commit(good1, nul, surrogate, tooDeep, good2);
        const after = note(6, 'next block');
        const last = ledger.commit(after);
        await listener.waitForBlock(last, 5000);

        for (const o of [good1, good2, after]) assert.equal((await store.get(o.id))?.id, o.id, `${o.id} stored`);
        for (const o of [nul, surrogate, tooDeep]) assert.equal(await store.get(o.id), undefined, `${o.id} not stored`);
        const q = await listener.quarantined();
        assert.deepEqual(q.map((e) => e.objectId).sort(), [nul.id, surrogate.id, tooDeep.id].sort());
        for (const e of q) {
          assert.equal(e.blockNumber, 0);
          assert.equal(e.txId, 'tx-0');
          assert.equal(e.publisherMsp, 'PnMSP');
          assert.ok(e.reason.length > 0);
        }
        assert.match(q.find((e) => e.objectId === tooDeep.id)!.reason, /call stack|too deep/i);
        const status = await listener.status();
        assert.equal(status.quarantined, 3);
        assert.equal(status.quarantinedSinceStart, 3);
        assert.equal(status.lag, 0);
        assert.equal(status.stuck, false);
      } finally {
        await stop();
      }
    });

    test('a restart resumes after the quarantined block, and a retry after the fix stores the object', async () => {
      const ledger = new ScriptedLedger();
      let first = await setup(ledger);
      const bad = note(7, 'oops\u0000');
      ledger.commit(bad);
      const good = note(8, 'fine');
      const n = ledger.commit(good);
      await first.listener.waitForBlock(n, 5000);
      await first.stop(false);
      // Nothing is reapplied or lost on restart; the quarantine is in the read model.
      first = await setup(ledger, first.db);
      try {
        assert.equal(first.listener.height(), n);
        const still = await first.listener.retryQuarantined();
        assert.deepEqual(still.stored, []);
        assert.deepEqual(still.stillQuarantined.map((e) => e.objectId), [bad.id]);
        assert.equal(still.stillQuarantined[0]?.attempts, 2);
        // "The fix": the ledger now serves a version the read model can take (in real life: a fixed node).
        ledger.objects.set(bad.id, note(7, 'oops'));
        const r = await first.listener.retryQuarantined([bad.id]);
        assert.deepEqual(r.stored, [bad.id]);
        assert.deepEqual(r.stillQuarantined, []);
        assert.equal((await first.store.get(bad.id))?.stix.content, 'oops');
        assert.equal((await first.listener.status()).quarantined, 0);
      } finally {
        await first.stop();
      }
    });

    test('a ledger that fails for every object is not the objects\' fault: nothing is quarantined, the listener waits, reports stuck, and resumes', async () => {
      const ledger = new ScriptedLedger();
      const { listener, store, quarantine, stop } = await setup(ledger);
      try {
        ledger.down = true;
        const o = note(9, 'while the ledger is down');
        const n = ledger.commit(o);
        await new Promise((r) => setTimeout(r, 500));
        const s = await listener.status();
        assert.equal(s.stuck, true);
        assert.equal(s.lag, 1);
        assert.match(s.lastError ?? '', /scripted ledger is down/);
        assert.equal(await quarantine.count(), 0);
        ledger.down = false;
        await listener.waitForBlock(n, 5000);
        assert.equal((await store.get(o.id))?.id, o.id);
        const after = await listener.status();
        assert.equal(after.stuck, false);
        assert.equal(after.lastError, null);
      } finally {
        await stop();
      }
    });
  });
}
