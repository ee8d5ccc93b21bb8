import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalysedFrame, AudioDetector, AudioFinding } from '../../src/audio/detector.js';
import { AudioPipeline, runAudio } from '../../src/audio/pipeline.js';
import { toFrames } from './audio-helpers.js';

/** A fake detector: reports one finding at the frame whose media time first reaches `atS`, async or not. */
class FakeDetector implements AudioDetector {
  seen: number[] = [];
  closed = false;
  constructor(
    readonly type: string,
    private readonly atS: number,
    private readonly async = false,
    private readonly pendingAtEnd = false,
  ) {}
  process(frame: AnalysedFrame): AudioFinding[] | Promise<AudioFinding[]> {
    this.seen.push(frame.mediaTimeS);
    const out: AudioFinding[] =
      frame.mediaTimeS >= this.atS && this.seen.filter((t) => t >= this.atS).length === 1
        ? [{ key: `k-${this.atS}`, category: 'gunshot', severity: 'high', confidence: 0.9, startS: this.atS, summary: 'fake', measurements: { x: 1 } }]
        : [];
    return this.async ? Promise.resolve(out) : out;
  }
  flush(): AudioFinding[] {
    return this.pendingAtEnd ? [{ key: 'end', category: 'drone', severity: 'medium', confidence: 0.5, startS: 0.5, summary: 'at end', measurements: {} }] : [];
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

test('findings become DetectionEvents with the microphone id, area, times and a stable id', async () => {
  const a = new FakeDetector('fake-a', 0.5);
  const b = new FakeDetector('fake-b', 1.0, true, true);
  const area = { shape: 'circle' as const, latitude: 40.45, longitude: -3.69, radius_m: 120 };
  const pipeline = new AudioPipeline([a, b], { source: 'mic-7', area, startTime: new Date('2026-11-24T10:00:00Z') });
  const events: string[] = [];
  const full: unknown[] = [];
  await runAudio(toFrames(new Float32Array(16000 * 2)), pipeline, {
    onEvent: (e) => {
      events.push(`${e.id} ${e.category} ${e.mediaTimeS}`);
      full.push(e);
    },
  });
  await pipeline.close();
  assert.deepEqual(events, ['mic-7/fake-a/k-0.5 gunshot 0.5', 'mic-7/fake-b/k-1 gunshot 1', 'mic-7/fake-b/end drone 0.5']);
  assert.deepEqual(full[0], {
    id: 'mic-7/fake-a/k-0.5',
    source: 'mic-7',
    sensorKind: 'microphone',
    category: 'gunshot',
    severity: 'high',
    confidence: 0.9,
    startedAt: '2026-11-24T10:00:00.500Z',
    observedAt: '2026-11-24T10:00:00.544Z',
    summary: 'fake',
    measurements: { detector: 'fake-a', x: 1 },
    mediaTimeS: 0.5,
    area,
  });
  assert.equal(a.seen.length, 63, 'every frame reached every detector');
  assert.deepEqual(pipeline.stats, { frames: 63, events: 3, byCategory: { gunshot: 2, drone: 1 } });
  assert.ok(a.closed && b.closed);
});

test('the shared spectrum is computed only when asked, once per frame', async () => {
  let calls = 0;
  const asking: AudioDetector = {
    type: 'asking',
    process: (f) => {
      const p1 = f.spectrum();
      const p2 = f.spectrum();
      assert.equal(p1, p2);
      calls++;
      return [];
    },
    flush: () => [],
  };
  const pipeline = new AudioPipeline([asking], { source: 'm' });
  for (const f of toFrames(new Float32Array(4096))) await pipeline.push(f);
  assert.equal(calls, 8);
});
