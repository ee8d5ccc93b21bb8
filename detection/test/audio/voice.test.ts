import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../audio-eval/tools.js';
import { decodeFile } from '../../audio-eval/wav.js';
import { gunshot, mulberry32 } from '../../audio-eval/synth.js';
import { SpeechTimeline } from '../../src/audio/detector.js';
import { AudioError } from '../../src/audio/errors.js';
import { detect, noise, only, place, sweep, tempDir } from './audio-helpers.js';

async function speech(text: string): Promise<Float32Array> {
  const { dir, cleanup } = tempDir('popart-voice-');
  try {
    const file = join(dir, 'speech.wav');
    await run('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', file, text]);
    return await decodeFile(file);
  } finally {
    cleanup();
  }
}

test('Silero VAD reports speech (espeak-ng) as other/voice, and not noise or a tone', async () => {
  const words = await speech('Please move away from the north gate and follow the stewards.');
  const signal = noise(words.length / 16000 + 2, 0.003);
  place(signal, words, 1, 0.5);
  const events = await detect(signal, only('voice', { report: true }));
  assert.ok(events.length >= 1, 'speech found');
  assert.ok(events.every((e) => e.category === 'other' && e.measurements.sound === 'voice'));
  const first = events[0]!;
  assert.ok(Math.abs(first.mediaTimeS! - 1) < 0.4, `speech starts at ${first.mediaTimeS}`);
  assert.ok((first.measurements.mean_speech_probability as number) > 0.5);

  assert.deepEqual(await detect(noise(4, 0.02), only('voice', { report: true })), [], 'noise');
  assert.deepEqual(await detect(sweep(4, () => 440), only('voice', { report: true })), [], 'tone');
});

test('without report, the voice detector only feeds the speech timeline the impulsive detector reads', async () => {
  const words = await speech('We are going to the station after the concert tonight.');
  const signal = noise(words.length / 16000 + 2, 0.003);
  place(signal, words, 1, 0.5);
  const speechLine = new SpeechTimeline();
  assert.deepEqual(await detect(signal, only('voice'), speechLine), []);
  assert.equal(speechLine.available, true);
  assert.ok(speechLine.fraction(1.2, 2.5) > 0.5, 'speech marked where the words are');
  assert.equal(speechLine.fraction(0, 0.8), 0, 'no speech before');
});

test('a clear gunshot during speech is still reported (clear-cut features)', async () => {
  const words = await speech('Has anyone seen a small child in a red jacket near the stand?');
  const signal = noise(words.length / 16000 + 2, 0.003);
  place(signal, words, 0.5, 0.3);
  place(signal, gunshot(mulberry32(9)), 1.5, 0.9);
  const events = await detect(signal, { detectors: [{ type: 'voice' }, { type: 'impulsive' }] });
  assert.deepEqual(events.map((e) => e.category), ['gunshot']);
});

test('a missing or broken Silero model is a clear MODEL_FAILED error', async () => {
  await assert.rejects(detect(noise(1), only('voice', { model: '/nonexistent/silero.onnx' })), (err: unknown) => {
    assert.ok(err instanceof AudioError);
    assert.equal(err.code, 'MODEL_FAILED');
    assert.match(err.message, /\/nonexistent\/silero\.onnx" does not exist/);
    return true;
  });
  const { dir, cleanup } = tempDir('popart-model-');
  try {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, Buffer.from('not an onnx model at all'));
    await assert.rejects(detect(noise(1), only('voice', { model: bad })), (err: unknown) => {
      assert.ok(err instanceof AudioError && err.code === 'MODEL_FAILED');
      assert.match(err.message, /cannot load Silero VAD model/);
      return true;
    });
  } finally {
    cleanup();
  }
});
