/**
 * bench/read-scale's objects stored straight into one read model (no ledger, no policy): the rows of `bundles` bundles
 * of bundleOf, one block each, as the listener would store them. For the benches that look at the read model alone
 * (read-scale --plans-only, read-model-memory). The statistics are refreshed after, as the node does while it grows.
 */
import { rowFromObject, type ThreatStore } from '@popart/node';
import { progress } from './bench-kit.js';
import { bundleOf } from './read-scale-data.js';

export async function storeBundles(store: ThreatStore, bundles: number): Promise<void> {
  const start = Date.now() - bundles * 1000;
  for (let n = 0; n < bundles; n++) {
    const b = bundleOf(n, new Date(start + n * 1000));
    const objects = b.bundle.objects as Parameters<typeof rowFromObject>[0][];
    const publisherMsp = `${b.publisher[0]!.toUpperCase()}${b.publisher.slice(1)}MSP`;
    await store.applyBlock(n + 1, objects.map((o) => rowFromObject(o, { publisherMsp, txId: `tx-${n}`, blockNumber: n + 1, signatureVerified: true })));
    progress('rows', n + 1, bundles);
  }
  await store.statistics.analyse();
}
