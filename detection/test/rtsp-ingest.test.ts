/**
 * Live RTSP on 127.0.0.1. The bundled ffmpeg cannot serve RTSP to a client that plays (its `-rtsp_flags listen`
 * belongs to the RTSP demuxer: the listening side receives a stream that is published to it). So:
 *  - push: the source listens (`rtspListen`) and an ffmpeg publisher pushes a lavfi clip to rtsp://127.0.0.1:<port>/live
 *    over TCP, as a camera or encoder configured to push does;
 *  - pull (the usual camera case): a minimal RTSP server written here (OPTIONS, DESCRIBE, SETUP over TCP interleaved,
 *    PLAY, TEARDOWN) relays the RTP packets of an ffmpeg encoding the lavfi clip as MPEG-TS over RTP; the source's
 *    ffmpeg is the RTSP client.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { VideoSource, type VideoFrame } from '../src/video-ingest/video-source.js';
import { validateCameraConfig } from '../src/vision/config/camera-config.js';
import { FFMPEG, freeTcpPort, take } from './vision-helpers.js';

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

/**
 * `count` frames decoded after this call: frames still queued from the previous connection come first and are
 * skipped, so what comes back is from the session after the reconnect.
 */
async function framesOfTheNextSession(it: AsyncIterator<VideoFrame>, source: VideoSource, count: number): Promise<VideoFrame[]> {
  const after: VideoFrame[] = [];
  const firstAfter = source.stats.framesDecoded;
  while (after.length < count) {
    const [f] = await take(it, 1);
    assert.ok(f, 'the source did not end');
    if (f.index >= firstAfter) after.push(f);
  }
  return after;
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
  const after = await framesOfTheNextSession(it, source, 5);
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

const SDP = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=popart test', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=video 0 RTP/AVP 33', 'a=rtpmap:33 MP2T/90000', 'a=control:track0', ''].join('\r\n');

/** A minimal RTSP server on 127.0.0.1:`port` relaying an ffmpeg's MPEG-TS over RTP to each playing client (TCP interleaved). */
class RtspRelay {
  private tcp: Server | undefined;
  private udp: UdpSocket | undefined;
  private encoder: ChildProcess | undefined;
  private readonly clients = new Set<Socket>();
  readonly playing = new Set<Socket>();
  requests: string[] = [];

  constructor(private readonly port: number) {}

  async start(): Promise<void> {
    const udp = createSocket('udp4');
    this.udp = udp;
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
    udp.on('message', (packet) => {
      const header = Buffer.from([0x24, 0, 0, 0]);
      header.writeUInt16BE(packet.length, 2);
      for (const c of this.playing) c.write(Buffer.concat([header, packet]));
    });
    this.encoder = spawn(FFMPEG, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=60',
      '-c:v', 'mpeg2video', '-g', '5', '-f', 'rtp_mpegts', `rtp://127.0.0.1:${udp.address().port}?pkt_size=1316`], { stdio: 'ignore' });
    const tcp = createServer((socket) => this.serve(socket));
    this.tcp = tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  /** The server goes away: connections cut, the encoder killed by its pid. */
  async stop(): Promise<void> {
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    this.playing.clear();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
    this.tcp = undefined;
    if (this.encoder) await stop(this.encoder);
    this.encoder = undefined;
    this.udp?.close();
    this.udp = undefined;
  }

  private serve(socket: Socket): void {
    this.clients.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.clients.delete(socket);
      this.playing.delete(socket);
    });
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (buffer[0] === 0x24) { // the client's interleaved RTCP: skipped
          if (buffer.length < 4 || buffer.length < 4 + buffer.readUInt16BE(2)) return;
          buffer = buffer.subarray(4 + buffer.readUInt16BE(2));
          continue;
        }
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        this.answer(socket, buffer.subarray(0, end).toString('latin1'));
        buffer = buffer.subarray(end + 4);
      }
    });
  }

  private answer(socket: Socket, request: string): void {
    const [line = '', ...headerLines] = request.split('\r\n');
    const [method = '', uri = ''] = line.split(' ');
    this.requests.push(method);
    const header = (name: string): string => headerLines.find((h) => h.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim() ?? '';
    const reply = (status: string, headers: string[], body = ''): void => {
      const all = [`RTSP/1.0 ${status}`, `CSeq: ${header('CSeq')}`, ...headers, ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []), '', ''];
      socket.write(all.join('\r\n') + body);
    };
    switch (method) {
      case 'OPTIONS': return reply('200 OK', ['Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER']);
      case 'DESCRIBE': return reply('200 OK', [`Content-Base: ${uri}/`, 'Content-Type: application/sdp'], SDP);
      case 'SETUP':
        if (!/RTP\/AVP\/TCP/.test(header('Transport'))) return reply('461 Unsupported Transport', []);
        return reply('200 OK', ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1', 'Session: 4242;timeout=60']);
      case 'PLAY':
        this.playing.add(socket);
        return reply('200 OK', ['Session: 4242']);
      case 'GET_PARAMETER': return reply('200 OK', ['Session: 4242']);
      case 'TEARDOWN':
        this.playing.delete(socket);
        return reply('200 OK', ['Session: 4242']);
      default: return reply('405 Method Not Allowed', []);
    }
  }
}

test('RTSP pull over TCP from a server on 127.0.0.1: frames flow; the server goes away and comes back, the source reconnects with backoff', async (t) => {
  const port = await freeTcpPort();
  const url = `rtsp://127.0.0.1:${port}/live`;
  let server = new RtspRelay(port);
  t.after(() => server.stop());
  await server.start();
  const logs: string[] = [];
  const source = new VideoSource({ input: url, fps: 10, width: 80, height: 60, stallTimeoutMs: 2000, reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, log: (m) => logs.push(m) });
  t.after(() => source.close());
  const it = source[Symbol.asyncIterator]();
  const before = await take(it, 10);
  assert.equal(before.length, 10);
  assert.equal(before[0]!.data.length, 80 * 60 * 3);
  assert.notDeepEqual(before[0]!.data, before[9]!.data, 'the pattern moves');
  assert.deepEqual(server.requests.slice(0, 4), ['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY'], 'a real RTSP session, TCP interleaved');

  await server.stop(); // the camera goes away: refused while it is down, retried with a growing delay
  for (let i = 0; i < 100 && !/reconnecting in 0\.4 s/.test(logs.join('\n')); i++) await sleep(50);
  assert.ok(source.stats.reconnects >= 2, `retried while the server was down (${source.stats.reconnects})`);
  assert.match(logs.join('\n'), /reconnecting in 0\.2 s/, 'the delay doubled');
  assert.match(logs.join('\n'), /reconnecting in 0\.4 s/, 'up to maxDelay');

  server = new RtspRelay(port);
  await server.start();
  const after = await framesOfTheNextSession(it, source, 5);
  assert.ok(after[0]!.index > before[9]!.index, 'frame numbers continue across the reconnect');
  assert.equal(server.playing.size, 1, 'playing again from the new server');
  await source.close();
});
