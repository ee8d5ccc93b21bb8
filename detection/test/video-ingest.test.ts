import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { IngestError } from '../src/video-ingest/ingest-error.js';
import { detectSourceKind, redactUrl } from '../src/video-ingest/source-kind.js';
import { VideoSource, type VideoFrame } from '../src/video-ingest/video-source.js';
import { FFMPEG, freeTcpPort, run, take, tempDir } from './vision-helpers.js';

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** ffmpeg serving a live test pattern (started by the test, killed by its pid). */
function serve(t: { after(fn: () => Promise<void> | void): void }, output: string[], seconds = 30): ChildProcess {
  const child = spawn(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=10:duration=${seconds}`, '-c:v', 'mpeg2video', '-g', '5', '-f', 'mpegts', ...output], { stdio: 'ignore' });
  t.after(() => stop(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  process.kill(child.pid, 'SIGKILL');
  await closed;
}

/** Reads frames until `count` arrived (or the source ended). */
test('input kinds: files, numbered and globbed image sequences, live URLs; credentials hidden in logs', () => {
  assert.equal(detectSourceKind('clip.mp4'), 'file');
  assert.equal(detectSourceKind('frames/%04d.png'), 'image-sequence');
  assert.equal(detectSourceKind('frames/*.jpg'), 'image-sequence');
  assert.equal(detectSourceKind('rtsp://cam/stream'), 'live');
  assert.equal(detectSourceKind('udp://127.0.0.1:5000'), 'live');
  assert.equal(detectSourceKind('http://127.0.0.1:8080/live'), 'live');
  assert.equal(detectSourceKind('https://example.org/recording.mp4'), 'file');
  assert.equal(redactUrl('rtsp://admin:secret@10.0.0.5/stream'), 'rtsp://***@10.0.0.5/stream');
});

test('a video file is decoded to raw RGB frames at the configured rate and size, none dropped', async (t) => {
  const dir = await tempDir(t);
  const clip = join(dir, 'clip.mp4');
  await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=2', '-c:v', 'mpeg4', clip]);
  const source = new VideoSource({ input: clip, fps: 5, width: 64, height: 48, queueFrames: 2, startTime: new Date('2026-01-01T00:00:00Z') });
  const frames: VideoFrame[] = [];
  for await (const f of source) {
    frames.push(f);
    await sleep(5); // a slow consumer: ffmpeg is paused, nothing is lost
  }
  assert.equal(frames.length, 10);
  assert.equal(frames[0]!.data.length, 64 * 48 * 3);
  assert.deepEqual(frames.map((f) => f.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(frames[3]!.timeS, 0.6);
  assert.equal(frames[3]!.capturedAt.toISOString(), '2026-01-01T00:00:00.600Z');
  assert.equal(source.stats.durationS, 2);
  assert.equal(source.stats.framesDropped, 0);
  assert.notDeepEqual(frames[0]!.data, frames[9]!.data, 'the pattern moves');
});

test('image sequences: printf-style and glob patterns', async (t) => {
  const dir = await tempDir(t);
  await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '6', join(dir, 'img%03d.png')]);
  for (const pattern of [join(dir, 'img%03d.png'), join(dir, '*.png')]) {
    const frames: VideoFrame[] = [];
    for await (const f of new VideoSource({ input: pattern, fps: 10, width: 32, height: 24 })) frames.push(f);
    assert.equal(frames.length, 6, pattern);
  }
});

test('missing, unreadable and unreachable inputs are clear errors', async (t) => {
  const dir = await tempDir(t);
  const missing = new VideoSource({ input: join(dir, 'nope.mp4'), fps: 5, width: 32, height: 24 });
  await assert.rejects(take(missing[Symbol.asyncIterator](), 1), (e: unknown) => e instanceof IngestError && e.code === 'INPUT_NOT_FOUND' && /nope\.mp4/.test(e.message));
  const junk = join(dir, 'junk.mp4');
  await writeFile(junk, 'this is not a video');
  await assert.rejects(take(new VideoSource({ input: junk, fps: 5, width: 32, height: 24 })[Symbol.asyncIterator](), 1),
    (e: unknown) => e instanceof IngestError && e.code === 'INPUT_UNREADABLE' && /Invalid data/.test(e.message));
  await assert.rejects(take(new VideoSource({ input: join(dir, 'frames/%04d.png'), fps: 5, width: 32, height: 24 })[Symbol.asyncIterator](), 1),
    (e: unknown) => e instanceof IngestError && e.code === 'INPUT_NOT_FOUND' && /folder not found/.test(e.message));
  // Nothing listens on this port: refused, retried with backoff, then given up.
  const port = await freeTcpPort();
  const logs: string[] = [];
  const http = new VideoSource({ input: `http://127.0.0.1:${port}/live`, fps: 5, width: 32, height: 24, reconnect: { initialDelayMs: 50, maxAttempts: 2 }, log: (m) => logs.push(m) });
  await assert.rejects(take(http[Symbol.asyncIterator](), 1), (e: unknown) => e instanceof IngestError && e.code === 'SOURCE_UNREACHABLE' && /after 2 attempt/.test(e.message) && /refused/i.test(e.message));
  assert.equal(http.stats.reconnects, 2);
  assert.match(logs.join('\n'), /reconnecting in 0\.1 s/, 'the delay doubled');
  // A UDP port nobody sends to: the stall watchdog gives up.
  const silent = new VideoSource({ input: `udp://127.0.0.1:${await freeUdpPort()}`, fps: 5, width: 32, height: 24, stallTimeoutMs: 400, reconnect: { initialDelayMs: 50, maxAttempts: 1 } });
  await assert.rejects(take(silent[Symbol.asyncIterator](), 1), (e: unknown) => e instanceof IngestError && e.code === 'SOURCE_UNREACHABLE' && /no data/.test(e.message));
});

test('live UDP MPEG-TS from ffmpeg on 127.0.0.1: frames flow, and resume after the sender restarts', async (t) => {
  const port = await freeUdpPort();
  const url = `udp://127.0.0.1:${port}`;
  const source = new VideoSource({ input: url, fps: 10, width: 80, height: 60, stallTimeoutMs: 800, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
  t.after(() => source.close());
  const it = source[Symbol.asyncIterator]();
  source.open();
  await sleep(300); // let the receiver bind before the sender starts
  let sender = serve(t, [`${url}?pkt_size=1316`]);
  const before = await take(it, 5);
  assert.equal(before.length, 5);
  assert.equal(before[0]!.data.length, 80 * 60 * 3);
  await stop(sender);
  await sleep(1200); // longer than the stall timeout: the receiver is restarted while the sender is away
  sender = serve(t, [`${url}?pkt_size=1316`]);
  const after = await take(it, 5);
  assert.equal(after.length, 5);
  assert.ok(after[0]!.index > before[4]!.index, 'frame numbers continue');
  assert.ok(source.stats.reconnects >= 1, 'the stalled receiver was restarted');
  await stop(sender);
});

test('live HTTP from ffmpeg -listen: the stream ends, the server comes back, frames resume', async (t) => {
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}/live.ts`;
  const logs: string[] = [];
  let server = serve(t, ['-listen', '1', `http://127.0.0.1:${port}/live.ts`], 3);
  await sleep(300);
  const source = new VideoSource({ input: url, kind: 'live', fps: 10, width: 80, height: 60, reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, log: (m) => logs.push(m) });
  t.after(() => source.close());
  const it = source[Symbol.asyncIterator]();
  assert.equal((await take(it, 5)).length, 5);
  if (server.exitCode === null && server.signalCode === null) await new Promise((resolve) => server.once('close', resolve)); // the 3 s stream ends
  server = serve(t, ['-listen', '1', `http://127.0.0.1:${port}/live.ts`], 30);
  // Frames still queued from the first stream come first; read until the source has reconnected.
  for (let i = 0; i < 100 && source.stats.reconnects < 1; i++) await take(it, 1);
  const resumed = await take(it, 5);
  assert.equal(resumed.length, 5);
  assert.ok(source.stats.reconnects >= 1);
  assert.match(logs.join('\n'), /reconnecting/);
  await source.close();
  await stop(server);
});

test('a live source with a slow consumer drops the oldest frames and counts them; the queue stays bounded', async (t) => {
  const port = await freeUdpPort();
  const url = `udp://127.0.0.1:${port}`;
  const source = new VideoSource({ input: url, fps: 10, width: 80, height: 60, queueFrames: 2, stallTimeoutMs: 2000 });
  t.after(() => source.close());
  const it = source[Symbol.asyncIterator]();
  source.open();
  await sleep(300);
  serve(t, [`${url}?pkt_size=1316`]);
  const got = await take(it, 1);
  assert.equal(got.length, 1);
  await sleep(1500); // ~15 frames arrive while we do not read
  const next = await take(it, 1);
  const { framesDecoded, framesDelivered, framesDropped } = source.stats;
  assert.ok(framesDropped >= 5, `dropped ${framesDropped}`);
  assert.ok(framesDecoded - framesDelivered - framesDropped <= 2, 'at most queueFrames waiting');
  assert.ok(next[0]!.index - got[0]!.index > 5, 'the next frame delivered is a recent one');
});
