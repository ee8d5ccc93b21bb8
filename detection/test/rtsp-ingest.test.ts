/**
 * Live RTSP from ffmpeg on 127.0.0.1. The bundled ffmpeg cannot serve RTSP to a client that plays (its `-rtsp_flags
 * listen` belongs to the RTSP demuxer: the listening side receives a stream that is published to it), so the source
 * listens (`rtspListen`) and an ffmpeg publisher pushes a lavfi clip to rtsp://127.0.0.1:<port>/live over TCP, as a
 * camera or encoder configured to push does.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { VideoSource, type VideoFrame } from '../src/ingest/video-source.js';
import { validateCameraConfig } from '../src/vision/config/camera-config.js';
import { FFMPEG } from './vision-helpers.js';

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  process.kill(child.pid, 'SIGKILL');
  await closed;
}

/**
 * An ffmpeg publishing a moving test pattern to `url` in real time (killed by its pid after the test). The source's
 * ffmpeg may not be listening yet: a publisher refused at once is started again, for up to 5 s.
 */
async function publish(t: { after(fn: () => Promise<void>): void }, url: string, seconds = 30): Promise<ChildProcess> {
  for (let attempt = 0; ; attempt++) {
    const child = spawn(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=10:duration=${seconds}`,
      '-c:v', 'mpeg4', '-g', '5', '-f', 'rtsp', '-rtsp_transport', 'tcp', url], { stdio: 'ignore' });
    t.after(() => stop(child));
    const refused = await Promise.race([
      new Promise<boolean>((resolve) => child.once('close', () => resolve(true))),
      sleep(700).then(() => false),
    ]);
    if (!refused) return child;
    if (attempt >= 7) throw new Error(`the publisher could not connect to ${url}`);
    await sleep(100);
  }
}

async function take(it: AsyncIterator<VideoFrame>, count: number): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  while (out.length < count) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

test('RTSP push from ffmpeg on 127.0.0.1: frames flow; the publisher goes away and comes back, the source listens again', async (t) => {
  const url = `rtsp://127.0.0.1:${await freeTcpPort()}/live`;
  const logs: string[] = [];
  const source = new VideoSource({ input: url, rtspListen: true, fps: 10, width: 80, height: 60, reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, log: (m) => logs.push(m) });
  t.after(() => source.close());
  assert.equal(source.kind, 'live');
  const it = source[Symbol.asyncIterator]();
  source.open();
  let publisher = await publish(t, url);
  const before = await take(it, 10);
  assert.equal(before.length, 10);
  assert.equal(before[0]!.data.length, 80 * 60 * 3);
  assert.notDeepEqual(before[0]!.data, before[9]!.data, 'the pattern moves');
  assert.equal(source.stats.reconnects, 0);

  await stop(publisher); // the camera goes away: the listening ffmpeg ends, the source listens again with backoff
  for (let i = 0; i < 50 && source.stats.reconnects < 1; i++) await sleep(100);
  assert.equal(source.stats.reconnects, 1, 'listening again after the publisher left');
  assert.match(logs.join('\n'), /rtsp:\/\/127\.0\.0\.1:\d+\/live ended \(.*\); reconnecting in 0\.1 s/);

  publisher = await publish(t, url);
  // Frames still queued from the first connection come first; read until frames of the second one arrive.
  const after: VideoFrame[] = [];
  const firstAfter = source.stats.framesDecoded;
  while (after.length < 5) {
    const [f] = await take(it, 1);
    assert.ok(f, 'the source did not end');
    if (f.index >= firstAfter) after.push(f);
  }
  assert.ok(after[0]!.index > before[9]!.index, 'frame numbers continue across the reconnect');
  assert.equal(source.stats.reconnects, 1);
  await source.close();
  await stop(publisher);
});

test('rtspListen needs an rtsp:// URL; the camera config reads source.rtspListen', () => {
  assert.throws(() => new VideoSource({ input: 'udp://127.0.0.1:5000', rtspListen: true, fps: 5, width: 32, height: 24 }),
    /rtspListen needs an rtsp:\/\/ URL to listen on, got udp:\/\/127\.0\.0\.1:5000/);
  const base = { camera: { id: 'cam' }, source: { fps: 5, width: 64, height: 48 } };
  assert.equal(validateCameraConfig(base).source.rtspListen, false);
  assert.equal(validateCameraConfig({ ...base, source: { ...base.source, rtspListen: true } }).source.rtspListen, true);
  assert.throws(() => validateCameraConfig({ ...base, source: { ...base.source, rtspListen: 'yes' } }), /source\.rtspListen/);
});
