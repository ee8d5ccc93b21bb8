/**
 * Evidence kept on the node: the raw input around an event (the drone's own Remote ID frames as a pcapng excerpt,
 * a WAV excerpt of the sound), written by @popart/detection's sensor sources under <dataDir>/evidence/<source>/ with its SHA-256. Only the hash and a
 * locator relative to <dataDir> leave the node (see detection/src/stix/to-stix.ts); camera snapshots are written
 * by the vision pipeline into the same folder.
 */
import { basename, isAbsolute, relative, sep } from 'node:path';
import type { Evidence } from '@popart/detection';

export { PacketRing, PcmRing, safeName, writeEvidence } from '@popart/detection';

/** The locator shared for an evidence file: its path relative to the node's data folder (else its file name). */
export function evidenceLocator(dataDir: string, evidence: Evidence): string {
  if (!isAbsolute(evidence.uri)) return basename(evidence.uri);
  const rel = relative(dataDir, evidence.uri);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : basename(evidence.uri);
}
