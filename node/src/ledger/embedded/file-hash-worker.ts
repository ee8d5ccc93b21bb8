/**
 * Hashes one file (SHA-256, hex) off the thread that opens the ledger: the world-state store's data file against its
 * seal is read while the main thread checks the block log (world-state.ts `openChecking`). Posts the digest, or
 * `{ error }` when the file cannot be read.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fileSha256 } from './file-hash.js';

const { path } = workerData as { path: string };
try {
  parentPort?.postMessage({ sha256: await fileSha256(path) });
} catch (err) {
  parentPort?.postMessage({ error: (err as Error).message });
}
