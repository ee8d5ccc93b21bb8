/** Runs the audio pipeline (real ffmpeg decode, every detector, voice reporting on) over an evaluation set. */
import { join } from 'node:path';
import { readMicrophoneConfig } from '../src/audio/config.js';
import { AudioIngest } from '../src/audio/ingest.js';
import { AudioPipeline, runAudio } from '../src/audio/pipeline.js';
import type { DetectionEvent } from '../src/events.js';
import type { EvalManifest } from './eval-set.js';
import type { ClipResult } from './score.js';

export const EVAL_CONFIG = {
  microphone: { id: 'eval-mic' },
  detectors: [{ type: 'voice', report: true }, { type: 'impulsive' }, { type: 'rotor' }, { type: 'siren' }],
};

export async function evaluate(dir: string, manifest: EvalManifest, opts: { config?: unknown; onClip?: (i: number, n: number) => void } = {}): Promise<{ results: ClipResult[]; audioS: number; wallS: number }> {
  const config = readMicrophoneConfig(opts.config ?? EVAL_CONFIG);
  const results: ClipResult[] = [];
  const t0 = performance.now();
  let audioS = 0;
  for (const [i, clip] of manifest.clips.entries()) {
    const pipeline = await AudioPipeline.fromConfig(config, { startTime: new Date(0) });
    const events: DetectionEvent[] = [];
    try {
      await runAudio(new AudioIngest({ input: join(dir, clip.file) }), pipeline, { onEvent: (e) => events.push(e) });
    } finally {
      await pipeline.close();
    }
    audioS += clip.durationS;
    results.push({ clip, events });
    opts.onClip?.(i + 1, manifest.clips.length);
  }
  return { results, audioS, wallS: (performance.now() - t0) / 1000 };
}
