import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudioIngestError } from '../../src/audio/errors.js';
import { ffmpegPath } from '../../src/audio/ffmpeg.js';
import { AudioIngest, type AudioFrame } from '../../src/audio/ingest.js';
import { writeWav } from '../../audio-eval/wav.js';
import { tempDir } from './audio-helpers.js';

const tmp = tempDir('popart-ingest-');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

/** Makes a media file with the project's ffmpeg from a lavfi source. */
function ffmpegMake(out: string, args: string[]): string {
  const path = join(tmp.dir, out);
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args, path]);
  assert.equal(r.status, 0, r.stderr.toString());
  return path;
}

async function collect(ingest: AudioIngest, each?: (f: AudioFrame) => Promise<void>): Promise<AudioFrame[]> {
  const frames: AudioFrame[] = [];
  for await (const f of ingest) {
    frames.push(f);
    if (each) await each(f);
  }
  return frames;
}

test('a 16 kHz WAV comes out sample for sample, in 512-sample frames, with its duration', async () => {
  const n = 16000 + 300;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ((i % 200) - 100) * 300;
    x[i] = v / (v < 0 ? 32768 : 32767); // exactly what the WAV writer turns back into v
  }
  const file = join(tmp.dir, 'ramp.wav');
  await writeWav(file, x);
  let duration: number | undefined;
  const ingest = new AudioIngest({ input: file, onDuration: (d) => (duration = d) });
  const frames = await collect(ingest);
  assert.equal(frames.length, Math.ceil(n / 512));
  assert.ok(duration !== undefined && Math.abs(duration - n / 16000) < 0.01, `duration ${duration}`);
  for (const [k, f] of frames.entries()) {
    assert.equal(f.startSample, k * 512);
    assert.equal(f.mediaTimeS, (k * 512) / 16000);
    assert.equal(f.samples.length, 512);
  }
  const pcm = frames.flatMap((f) => [...f.pcm16]);
  for (let i = 0; i < n; i += 97) assert.equal(pcm[i], ((i % 200) - 100) * 300, `sample ${i}`);
  assert.equal(frames[3]!.samples[10], frames[3]!.pcm16[10]! / 32768);
  assert.deepEqual(pcm.slice(n), new Array(frames.length * 512 - n).fill(0), 'the last frame is zero-padded');
  assert.equal(ingest.stats.dropped, 0);
  assert.equal(ingest.stats.frames, frames.length);
});

test('any container ffmpeg reads: 44.1 kHz stereo Ogg and the audio track of an MP4 video', async () => {
  const ogg = ffmpegMake('tone.ogg', ['-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100:duration=2', '-ac', '2', '-c:a', 'libvorbis']);
  const frames = await collect(new AudioIngest({ input: ogg }));
  const seconds = (frames.length * 512) / 16000;
  assert.ok(Math.abs(seconds - 2) < 0.1, `${seconds} s`);
  // 1 kHz at 16 kHz: 2000 zero crossings a second.
  const mid = frames[20]!.samples;
  let crossings = 0;
  for (let i = 1; i < mid.length; i++) if (mid[i - 1]! < 0 !== mid[i]! < 0) crossings++;
  assert.ok(Math.abs(crossings - 64) <= 2, `crossings ${crossings}`);

  const mp4 = ffmpegMake('clip.mp4', ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1.5', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=1.5', '-c:v', 'libx264', '-c:a', 'aac', '-shortest']);
  const fromVideo = await collect(new AudioIngest({ input: mp4 }));
  assert.ok(fromVideo.length >= 44 && fromVideo.length <= 50, `${fromVideo.length} frames`);
});

test('bad inputs are clear errors, not crashes', async () => {
  const reject = async (input: string, code: string, message: RegExp, env?: NodeJS.ProcessEnv): Promise<void> => {
    await assert.rejects(collect(new AudioIngest({ input, ...(env ? { env } : {}) })), (err: unknown) => {
      assert.ok(err instanceof AudioIngestError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    });
  };
  await reject(join(tmp.dir, 'missing.wav'), 'INPUT_NOT_FOUND', /missing\.wav" does not exist/);
  const folder = join(tmp.dir, 'a-folder');
  mkdirSync(folder);
  await reject(folder, 'INPUT_UNREADABLE', /is a directory/);
  const garbage = join(tmp.dir, 'garbage.wav');
  writeFileSync(garbage, Buffer.from('this is not audio, just text pretending to be a wav file'));
  await reject(garbage, 'INPUT_UNREADABLE', /ffmpeg cannot read ".*garbage\.wav": .*Invalid data found/);
  const silentVideo = ffmpegMake('video-only.mp4', ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-c:v', 'libx264']);
  await reject(silentVideo, 'NO_AUDIO', /has no audio stream/);
  await reject(garbage, 'FFMPEG_MISSING', /FFMPEG_PATH points to "\/nonexistent\/ffmpeg"/, { ...process.env, FFMPEG_PATH: '/nonexistent/ffmpeg' });
});

test('a slow consumer of a live source: frames are dropped and counted, the queue stays bounded', async () => {
  const file = ffmpegMake('long.wav', ['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=16000:duration=20']);
  const ingest = new AudioIngest({ input: file, overflow: 'drop', queueFrames: 8 });
  let received = 0;
  for await (const f of ingest) {
    received++;
    void f;
    await sleep(3);
  }
  const total = Math.ceil((20 * 16000) / 512);
  assert.ok(ingest.stats.dropped > 0, 'some frames dropped');
  assert.equal(received + ingest.stats.dropped, total, 'every frame either delivered or counted as dropped');
  assert.ok(ingest.stats.maxQueued <= 8, `max queued ${ingest.stats.maxQueued}`);
  assert.equal(ingest.stats.samples, total * 512, 'media time counts dropped frames');
});

test('a slow consumer of a file: ffmpeg waits, nothing is dropped, the queue stays bounded', async () => {
  const file = ffmpegMake('medium.wav', ['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=16000:duration=4']);
  const ingest = new AudioIngest({ input: file, queueFrames: 4 });
  let received = 0;
  for await (const f of ingest) {
    assert.equal(f.startSample, received * 512, 'no gap');
    received++;
    if (received % 10 === 0) await sleep(5);
  }
  assert.equal(received, 125);
  assert.equal(ingest.stats.dropped, 0);
  assert.ok(ingest.stats.maxQueued <= 4, `max queued ${ingest.stats.maxQueued}`);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** ffmpeg serving an MPEG-TS audio stream on 127.0.0.1 (one client, then it exits). */
function serve(port: number, seconds: number, freq: number): ChildProcess {
  const child = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=16000:duration=${seconds}`, '-c:a', 'mp2', '-f', 'mpegts', `tcp://127.0.0.1:${port}?listen=1`], { stdio: 'ignore' });
  children.push(child);
  return child;
}

test('a live stream served by ffmpeg on 127.0.0.1 is read, and read again after the server restarts', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const first = serve(port, 1.5, 440);
  const reconnects: string[] = [];
  const ingest = new AudioIngest({
    input: `tcp://127.0.0.1:${port}`,
    reconnect: { initialDelayMs: 100, maxDelayMs: 400 },
    onReconnect: ({ reason }) => reconnects.push(reason),
  });
  assert.equal(ingest.live, true);
  let second: ChildProcess | undefined;
  // The server comes back as soon as the first one is gone (not when a frame happens to be read after its exit:
  // on a loaded machine the last frames can all arrive before the exit is seen, and then no frame ever would).
  first.once('exit', () => { second = serve(port, 1.5, 880); });
  let frames = 0;
  const guard = setTimeout(() => ingest.close(), 20_000); // ends the loop even if no frame ever comes
  for await (const f of ingest) {
    frames++;
    if (second && ingest.stats.reconnects >= 1 && f.mediaTimeS > 2.2) break;
  }
  clearTimeout(guard);
  if (!second) second = serve(port, 0.1, 880);
  ingest.close();
  assert.ok(ingest.stats.reconnects >= 1, `reconnects ${ingest.stats.reconnects}: ${reconnects.join(' | ')}`);
  assert.ok(frames * 512 > 2.2 * 16000, `${frames} frames over both sessions`);
  second.kill('SIGKILL');
});

test('a live source that never answers gives up after maxAttempts reconnections (as video does) with the reason', { timeout: 30_000 }, async () => {
  const port = await freePort();
  const ingest = new AudioIngest({ input: `tcp://127.0.0.1:${port}`, reconnect: { initialDelayMs: 20, maxAttempts: 3 } });
  await assert.rejects(collect(ingest), (err: unknown) => {
    assert.ok(err instanceof AudioIngestError);
    assert.equal(err.code, 'SOURCE_FAILED');
    // the first attempt and its 3 reconnections
    assert.match(err.message, /gave no audio in 4 attempts in a row: .*(refused|Connection)/i);
    return true;
  });
  assert.equal(ingest.stats.reconnects, 3);
});
