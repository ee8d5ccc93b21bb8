/** Shared helpers for the audio tests: signals, frames, running detectors without ffmpeg, temp files. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMicrophoneConfig } from '../../src/audio/config.js';
import { SpeechTimeline } from '../../src/audio/detector.js';
import type { AudioFrame } from '../../src/audio/ingest.js';
import { AudioPipeline } from '../../src/audio/pipeline.js';
import type { DetectionEvent } from '../../src/events.js';
import { gaussian, lowPass, mulberry32, rms } from '../../audio-eval/synth.js';
import { SR } from '../../audio-eval/wav.js';

export { SR };

/** Cuts a signal into 512-sample frames (the last one zero-padded), as the ingest does. */
export function toFrames(signal: Float32Array, frameSamples = 512): AudioFrame[] {
  const frames: AudioFrame[] = [];
  for (let start = 0; start < signal.length; start += frameSamples) {
    const samples = new Float32Array(frameSamples);
    samples.set(signal.subarray(start, start + frameSamples));
    const pcm16 = Int16Array.from(samples, (v) => Math.round(v * 32767));
    frames.push({ samples, pcm16, startSample: start, mediaTimeS: start / SR });
  }
  return frames;
}

/** Runs the detectors of a raw microphone config over a signal in memory; returns the events. */
export async function detect(signal: Float32Array, rawConfig: unknown, speech?: SpeechTimeline): Promise<DetectionEvent[]> {
  const pipeline = await AudioPipeline.fromConfig(readMicrophoneConfig(rawConfig), { startTime: new Date('2026-11-24T12:00:00Z'), ...(speech ? { speech } : {}) });
  const events: DetectionEvent[] = [];
  try {
    for (const f of toFrames(signal)) events.push(...(await pipeline.push(f)));
    events.push(...(await pipeline.finish()));
  } finally {
    await pipeline.close();
  }
  return events;
}

/** Low-passed Gaussian noise (a pink-ish bed) at an RMS, seeded. */
export function noise(seconds: number, rmsLevel = 0.01, seed = 1): Float32Array {
  const rng = mulberry32(seed);
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = gaussian(rng);
  lowPass(x, 3000);
  const r = rms(x);
  for (let i = 0; i < x.length; i++) x[i]! *= rmsLevel / r;
  return x;
}

/** Adds `part` scaled to peak `peak` into `bed` at `atS`. */
export function place(bed: Float32Array, part: Float32Array, atS: number, peak = 0.5): Float32Array {
  let m = 0;
  for (const v of part) m = Math.max(m, Math.abs(v));
  const at = Math.round(atS * SR);
  for (let i = 0; i < part.length && at + i < bed.length; i++) bed[at + i]! += (part[i]! * peak) / (m || 1);
  return bed;
}

/** A sine with a frequency that follows `freqAt(t)` (phase-continuous). */
export function sweep(seconds: number, freqAt: (t: number) => number, amplitude = 0.3): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    phase += (2 * Math.PI * freqAt(i / SR)) / SR;
    x[i] = amplitude * Math.sin(phase);
  }
  return x;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Only this detector (no voice gating). */
export const only = (type: string, extra: Record<string, unknown> = {}): unknown => ({ microphone: { id: 'mic-test' }, detectors: [{ type, ...extra }] });
