/** 16-bit mono WAV writing, and decoding any file to 16 kHz mono floats with ffmpeg (for mixing). */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { ffmpegPath } from '../src/audio/ffmpeg.js';
import { toInt16, wavBytes } from '../src/audio/wav.js';

export const SR = 16_000;

/** A WAV file of float samples in [-1, 1] at the evaluation set's rate. */
export function floatWavBytes(samples: Float32Array, sampleRate = SR): Buffer {
  return wavBytes(toInt16(samples), sampleRate);
}

export async function writeWav(path: string, samples: Float32Array): Promise<void> {
  await writeFile(path, floatWavBytes(samples));
}

/** Decodes any audio file ffmpeg reads to 16 kHz mono floats. */
export function decodeFile(path: string): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-ac', '1', '-ar', String(SR), '-f', 'f32le', 'pipe:1']);
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not decode ${path}: ${err.trim()}`));
      const buf = Buffer.concat(chunks);
      const out = new Float32Array(buf.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
      resolve(out);
    });
  });
}
