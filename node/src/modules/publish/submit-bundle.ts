/**
 * Submitting a checked, canonical bundle to the ledger as this agency: what PublishService and the outbox worker both
 * call (the outbox retries a queued bundle with it), so neither needs the other.
 */
import { isPrivateObject, PRIVATE_BUNDLE_FIELD, type PrivateStoreReceipt } from '@popart/chaincode';
import { canonicalJson, type Bundle, type StixObject } from '@popart/schemas';
import type { Ledger } from '../../ledger/ledger.js';

export interface PublishedObject { id: string; type: string; modified: string; status: 'created' | 'updated' | 'unchanged' | 'queued' }

export type SubmitBundle = (bundleJson: string) => Promise<{ txId: string; blockNumber: number; objects: PublishedObject[] }>;

/**
 * The organisations (MSP ids) that keep a private object's content: this agency, and for TLP:AMBER the agencies of
 * its audience. Private objects are stored in one transaction per set of keepers, endorsed by those only, so no
 * other organisation's peer ever receives the content (not even as transient data). Absent: one transaction.
 */
export type KeepersOf = (object: StixObject) => Promise<string[]>;

/** Private objects grouped by the organisations that keep them (see KeepersOf). */
async function byKeepers(objects: readonly StixObject[], keepersOf: KeepersOf | undefined): Promise<{ keepers: string[] | null; objects: StixObject[] }[]> {
  if (!keepersOf) return [{ keepers: null, objects: [...objects] }];
  const groups = new Map<string, { keepers: string[]; objects: StixObject[] }>();
  for (const o of objects) {
    const keepers = [...new Set(await keepersOf(o))].sort();
    const key = keepers.join(',');
    const group = groups.get(key) ?? { keepers, objects: [] };
    group.objects.push(o);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The ledger's submit function for a canonical bundle, used by the API (PublishService) and by the outbox worker. A
 * bundle holding private data (TLP:RED, AMBER+STRICT, AMBER) goes in two transactions (chaincode/README.md, "Private data"): the private
 * objects as transient data to StorePrivateObjects, endorsed only by the organisations that keep them, then
 * the public objects and the private objects' entries (stub, hash, announcement) to PublishBundleWithPrivate.
 * Nothing is announced or visible to anyone before the second commits; both are idempotent, so the outbox
 * retries the whole bundle after a failure of either and every object is announced once.
 */
export function bundleSubmitter(ledger: Ledger, keepersOf?: KeepersOf): SubmitBundle {
  return async (bundleJson) => {
    const bundle = JSON.parse(bundleJson) as Bundle;
    const restricted = bundle.objects.filter(isPrivateObject);
    if (restricted.length === 0) {
      const r = await ledger.submit('PublishBundle', [bundleJson]);
      const receipt = JSON.parse(r.result) as { objects?: PublishedObject[] };
      return { txId: r.txId, blockNumber: r.blockNumber, objects: receipt.objects ?? [] };
    }
    const open = bundle.objects.filter((o) => !isPrivateObject(o));
    const receipt: Pick<PrivateStoreReceipt, 'entries' | 'objects'> = { entries: [], objects: [] };
    let stored = { txId: '', blockNumber: 0 };
    for (const group of await byKeepers(restricted, keepersOf)) {
      const r = await ledger.submit('StorePrivateObjects', [], {
        transient: { [PRIVATE_BUNDLE_FIELD]: canonicalJson({ ...bundle, objects: group.objects }) },
        ...(group.keepers ? { endorsingOrganizations: group.keepers } : {}),
      });
      stored = r;
      const part = JSON.parse(r.result) as PrivateStoreReceipt;
      receipt.entries.push(...part.entries);
      receipt.objects.push(...part.objects);
    }
    // Announced in bundle order (the groups may have interleaved them): a bundle's public objects, then its private ones.
    const position = new Map(restricted.map((o, i) => [o.id, i]));
    receipt.entries.sort((a, b) => (position.get(a.stub.id) ?? 0) - (position.get(b.stub.id) ?? 0));
    if (receipt.entries.length === 0 && open.length === 0) {
      // Every private object is already announced with this content (a retry after a lost answer).
      return { txId: stored.txId, blockNumber: stored.blockNumber, objects: receipt.objects as PublishedObject[] };
    }
    const r = await ledger.submit('PublishBundleWithPrivate', [open.length ? canonicalJson({ ...bundle, objects: open }) : '', canonicalJson(receipt.entries)]);
    const published = (JSON.parse(r.result) as { objects?: PublishedObject[] }).objects ?? [];
    const byId = new Map(published.map((o) => [o.id, o]));
    for (const o of receipt.objects as PublishedObject[]) if (!byId.has(o.id)) byId.set(o.id, o);
    return { txId: r.txId, blockNumber: r.blockNumber, objects: bundle.objects.map((o) => byId.get(o.id)).filter((o): o is PublishedObject => o !== undefined) };
  };
}
