/**
 * Hashes one file (SHA-256, hex) off the thread that opens the ledger: the world-state store's data file against its
 * seal is read while the main thread checks the block log (world-state.ts `openChecking`). Posts the digest, or
 * `{ error }` when the file cannot be read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { path } = workerData as { path: string };
try {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  parentPort?.postMessage({ sha256: hash.digest('hex') });
} catch (err) {
  parentPort?.postMessage({ error: (err as Error).message });
}
