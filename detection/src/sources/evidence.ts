/**
 * Evidence kept where the sensor is read: the raw input around an event (the drone's own Remote ID frames as a pcapng
 * excerpt, a WAV excerpt of the sound), written with its SHA-256. Only the hash and a locator leave the node (see
 * ../stix/to-stix.ts); camera snapshots are written by the vision pipeline (../vision/evidence.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Evidence } from '../events.js';

/** Writes a file atomically (temporary name, then rename), readable by the node's user only. */
export async function writeEvidence(dir: string, name: string, bytes: Uint8Array, kind: Evidence['kind'], mediaType: string): Promise<Evidence> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes, { mode: 0o600 });
  await rename(tmp, path);
  return { kind, uri: path, sha256: createHash('sha256').update(bytes).digest('hex'), mediaType };
}

/** A file-name-safe form of an event id. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

/** The last seconds of 16-bit PCM, kept in chunks, to cut excerpts from. */
export class PcmRing {
  private chunks: { start: number; pcm: Int16Array }[] = [];
  private held = 0;

  constructor(private readonly maxSamples: number) {}

  push(startSample: number, pcm: Int16Array): void {
    this.chunks.push({ start: startSample, pcm: Int16Array.from(pcm) });
    this.held += pcm.length;
    while (this.chunks.length > 1 && this.held - (this.chunks[0] as { pcm: Int16Array }).pcm.length >= this.maxSamples) {
      this.held -= (this.chunks.shift() as { pcm: Int16Array }).pcm.length;
    }
  }

  /** Samples from `fromSample` (clamped to what is held) to the end, at most `maxSamples`. */
  excerpt(fromSample: number, maxSamples = this.maxSamples): Int16Array {
    const parts: Int16Array[] = [];
    for (const c of this.chunks) {
      const end = c.start + c.pcm.length;
      if (end <= fromSample) continue;
      parts.push(c.pcm.subarray(Math.max(0, fromSample - c.start)));
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Int16Array(Math.min(total, maxSamples));
    let skip = total - out.length;
    let at = 0;
    for (const p of parts) {
      const from = Math.min(skip, p.length);
      skip -= from;
      out.set(p.subarray(from), at);
      at += p.length - from;
    }
    return out;
  }
}

/** The last packets of a capture or feed, to cut excerpts from. */
export class PacketRing<T extends { data: Uint8Array }> {
  private items: T[] = [];
  private bytes = 0;

  constructor(private readonly maxPackets: number, private readonly maxBytes: number) {}

  push(p: T): void {
    this.items.push(p);
    this.bytes += p.data.length;
    while (this.items.length > this.maxPackets || (this.items.length > 1 && this.bytes > this.maxBytes)) {
      this.bytes -= (this.items.shift() as T).data.length;
    }
  }

  packets(): readonly T[] {
    return this.items;
  }
}
