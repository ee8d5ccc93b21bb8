/**
 * The recordings the shipped scenarios replay (node/scenarios/recordings), made here so that they can be checked and
 * made again: the project has no real recording of a drone over a Madrid stadium or of a gunshot (the real Remote ID
 * captures in ../shared/fixtures fly over Oregon and are not part of the project; the audio evaluation's CC0 recordings
 * are impacts, none a gunshot), so both are synthesised with the project's own generators, as the detection tests do:
 *
 * - bernabeu-drone.pcap: Remote ID Wi-Fi beacons (radiotap, one Message Pack a second) of the demo's drone (serial
 *   1596F3C4B5A6, MAC 60:60:1f:a3:5c:21) flying from Calle de Concha Espina over the north stand, made by
 *   detection's flight simulator (detection/src/remoteid/simulate.ts);
 * - sol-gunshot.wav: 4 s at 16 kHz of a street's low rumble with one gunshot (N-wave, tail and reflection) at 1.5 s,
 *   made by the audio evaluation's synthesiser (detection/audio-eval/synth.ts, gunshot()).
 *
 * `node node/dist/src/modules/exercise/recordings.js node/scenarios/recordings` writes them; the same bytes each time.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LINKTYPE, pcapBytes, simulateFlight, wavBytes } from '@popart/detection';
import { SR, synth } from '@popart/detection/audio-eval';

/** The capture: the demo's drone crossing into the stadium's airspace, heard for 60 s. */
export function droneCapture(): Buffer {
  const packets = simulateFlight({
    serial: '1596F3C4B5A6', mac: '60:60:1f:a3:5c:21', from: [40.4565, -3.6880], to: [40.4538, -3.6884], heightM: 60, speedMps: 5,
    operator: [40.4509, -3.6912], operatorId: 'ESP-OP-000DEMO1', selfId: 'Exercise drone', startMs: Date.UTC(2026, 11, 6, 20, 30),
    periodS: 1, transports: ['wifi-beacon'],
  });
  return pcapBytes({ format: 'pcap', linkTypes: [LINKTYPE.IEEE802_11_RADIOTAP] }, packets.map((p) => ({ timestampMs: p.timestampMs, data: p.data })));
}

/** The sound: low street rumble, one gunshot at 1.5 s. */
export function gunshotRecording(): Buffer {
  const rng = synth.mulberry32(20261206);
  const out = new Float32Array(4 * SR);
  for (let i = 0; i < out.length; i++) out[i] = synth.gaussian(rng) * 0.02;
  synth.lowPass(out, 800);
  const shot = synth.gunshot(rng);
  const at = Math.round(1.5 * SR);
  for (let i = 0; i < shot.length && at + i < out.length; i++) out[at + i]! += 0.8 * shot[i]!;
  const pcm = new Int16Array(out.length);
  for (let i = 0; i < out.length; i++) pcm[i] = Math.round(Math.max(-1, Math.min(1, out[i]!)) * 32767);
  return wavBytes(pcm, SR);
}

export async function writeRecordings(dir: string): Promise<void> {
  await writeFile(join(dir, 'bernabeu-drone.pcap'), droneCapture());
  await writeFile(join(dir, 'sol-gunshot.wav'), gunshotRecording());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node recordings.js <folder>');
  await writeRecordings(dir);
}
