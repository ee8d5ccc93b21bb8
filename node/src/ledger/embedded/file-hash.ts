/**
 * The SHA-256 (hex) of a file, read 4 MB at a time. A module of its own, without lmdb: the hashing worker
 * (file-hash-worker.ts) imports it without loading the store into its thread.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
