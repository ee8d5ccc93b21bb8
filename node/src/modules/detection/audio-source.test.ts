import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventToStix } from '@popart/detection';
import { synth, writeWav } from '@popart/detection/audio-eval';
import { validateBundle } from '@popart/schemas';
import { recordEmittedBundle, tempDir } from '../../../test/support.js';
import { createLogger } from '../../log.js';
import { openAudioSource } from './audio-source.js';
import { detectionSourceSchema } from '../../config/detection-config.js';
import type { SourceEvent } from './event-source.js';
import { evidenceLocator } from './evidence.js';

const SR = 16_000;

test('a microphone source on a recording: gunshot and rotor events with a WAV excerpt each, turned into valid alerts at the sensor position', async () => {
  const dir = tempDir('popart-audio-source-');
  try {
    // 8 s of faint noise, a gunshot at 1 s and a drone rotor from 3.5 s (the detection workspace's synthesis).
    const rng = synth.mulberry32(7);
    const scene = Float32Array.from({ length: 8 * SR }, () => synth.gaussian(rng) * 0.005);
    const put = (x: Float32Array, atS: number, gain: number): void => x.forEach((v, i) => { scene[Math.round(atS * SR) + i]! += v * gain; });
    put(synth.gunshot(synth.mulberry32(1)), 1, 0.7);
    put(synth.rotor(synth.mulberry32(2), 4, 220), 3.5, 0.3);
    const file = join(dir.path, 'gate-3.wav');
    await writeWav(file, scene);
    const config = detectionSourceSchema.parse({
      id: 'mic-gate-3', kind: 'audio', input: file, venue: 'Estadio Santiago Bernabéu',
      config: { detectors: [{ type: 'impulsive' }, { type: 'rotor' }] },
      position: { latitude: 40.4531, longitude: -3.6883, radius_m: 120 },
    });
    const source = await openAudioSource(config, { evidenceDir: join(dir.path, 'evidence', 'mic-gate-3'), log: createLogger('t', 'silent') });
    assert.equal(source.live, false);
    const got: SourceEvent[] = [];
    for await (const item of source.events(new AbortController().signal)) got.push(item);
    assert.deepEqual(got.map((g) => g.event.category), ['gunshot', 'drone']);
    for (const { event } of got) {
      assert.equal(event.source, 'mic-gate-3');
      assert.deepEqual(event.area, { shape: 'circle', latitude: 40.4531, longitude: -3.6883, radius_m: 120 }, 'the source position as the microphone\'s area');
      const [wav] = event.evidence ?? [];
      assert.ok(wav, `${event.category} has its excerpt`);
      assert.equal(wav.mediaType, 'audio/wav');
      const bytes = readFileSync(wav.uri);
      assert.equal(bytes.toString('ascii', 0, 4), 'RIFF');
      const seconds = (bytes.length - 44) / 2 / SR;
      assert.ok(seconds > 0.5 && seconds <= 10, `${event.category} excerpt of ${seconds} s`);
      const r = eventToStix(event, { agencyIdentityId: 'identity--5a0c3f0e-7d4b-4c39-9d7e-2f0e8c1b6a01', venue: config.venue, evidenceRef: (e) => evidenceLocator(dir.path, e) });
      assert.ok(validateBundle(r.bundle).ok);
      const shared = r.bundle.objects.find((o) => o.type === 'file')!;
      assert.equal(shared.x_popart_evidence_locator, `evidence/mic-gate-3/${wav.uri.split('/').pop()}`);
      recordEmittedBundle(`detection-audio-${event.category}`, r.bundle);
    }
    assert.equal(source.stats().events, 2);
  } finally {
    dir.remove();
  }
});
