/**
 * A Remote ID receiver as an event source: a pcap/pcapng capture file, or a live UDP feed of raw frames
 * (udp://HOST:PORT, the format of detection/src/remoteid/feed-format.ts), through the RemoteIdReceiver with the
 * source's restricted zones. Each incursion's evidence is the drone's own frames heard so far (a pcapng excerpt of
 * the last frames from its transmitters), written when the incursion opens and when it ends.
 */
import { createSocket } from 'node:dgram';
import {
  loadZones, parseFeedUrl, parseZones, pcapBytes, readPcap, RemoteIdReceiver, scanFeedDatagram, scanPacket,
  type DetectionEvent, type Evidence, type ReceiverOptions, type ReceiverOutput, type RestrictedZone,
} from '@popart/detection';
import { ConfigError } from '../errors.js';
import type { DetectionSourceConfig } from './detection-config.js';
import { BoundedQueue, type EventSource, type SourceContext, type SourceEvent } from './event-source.js';
import { PacketRing, safeName, writeEvidence } from './evidence.js';

/** Feed datagrams kept as received in evidence captures (tcpdump.org LINKTYPE_USER0). */
const LINKTYPE_USER0 = 147;
const RING_PACKETS = 400;
const RING_BYTES = 2 << 20;
const EXCERPT_PACKETS = 60;

interface HeardPacket { linkType: number; timestampMs: number; data: Uint8Array; feed: boolean }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function receiverOptions(raw: unknown, field: string): Omit<ReceiverOptions, 'zones' | 'source'> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) throw new ConfigError(`${field}: must be an object { eventUpdateIntervalS, dropAfterS, feedPort }`);
  const out: Omit<ReceiverOptions, 'zones' | 'source'> = {};
  for (const [k, v] of Object.entries(raw)) {
    const bad = (why: string): ConfigError => new ConfigError(`${field}.${k}: ${why}`, [{ objectIndex: null, objectId: null, property: `${field}.${k}`, message: why }]);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(`must be a non-negative number, got ${JSON.stringify(v)}`);
    if (k === 'eventUpdateIntervalS') out.eventUpdateIntervalS = v;
    else if (k === 'dropAfterS') out.dropAfterS = v;
    else if (k === 'reportIntervalS') out.reportIntervalS = v;
    else if (k === 'feedPort') {
      if (!Number.isInteger(v) || v < 1 || v > 65535) throw bad('must be a UDP port 1..65535');
      out.feedPort = v;
    } else throw bad('is not a receiver option (eventUpdateIntervalS, dropAfterS, reportIntervalS, feedPort)');
  }
  return out;
}

/** The zones and receiver options of a Remote ID source; ConfigError naming the field otherwise. */
export async function remoteIdSettings(config: DetectionSourceConfig, field: string): Promise<{ zones: RestrictedZone[]; receiver: Omit<ReceiverOptions, 'zones' | 'source'> }> {
  const doc = config.config;
  try {
    if (typeof doc === 'string') return { zones: await loadZones(doc), receiver: {} };
    if (doc === undefined) throw new ConfigError(`${field}: a Remote ID source needs its restricted zones`);
    const { receiver, ...zonesDoc } = doc;
    return { zones: parseZones(zonesDoc), receiver: receiverOptions(receiver, `${field}.receiver`) };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const f = (err as { field?: unknown }).field;
    const path = typeof f === 'string' && !f.startsWith('--') ? `${field}.${f}` : field;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${path}: ${reason}`, [{ objectIndex: null, objectId: null, property: path, message: reason }]);
  }
}

export async function openRemoteIdSource(config: DetectionSourceConfig, ctx: SourceContext, field = 'config'): Promise<EventSource> {
  const { zones, receiver: receiverOpts } = await remoteIdSettings(config, field);
  const live = config.input.startsWith('udp://');
  const where = live ? parseFeedUrlOrConfigError(config.input) : null;
  const counters = { packets: 0, events: 0, dropped: 0, evidenceFailures: 0 };
  let receiver: RemoteIdReceiver | null = null;
  return {
    live,
    stats: () => ({ ...counters, ...(receiver ? { remoteIdPackets: receiver.stats.remoteIdPackets, rejectedPackets: receiver.stats.rejectedPackets } : {}) }),
    async *events(signal) {
      const rx = new RemoteIdReceiver({ ...receiverOpts, source: config.id, zones });
      receiver = rx;
      const ring = new PacketRing<HeardPacket>(RING_PACKETS, RING_BYTES);
      const transmittersOf = new Map<string, string[]>();
      const evidenceOf = new Map<string, Evidence[]>();

      const transmitters = (e: DetectionEvent): string[] => {
        if (!e.trackId) return [];
        const track = rx.tracks().find((t) => t.id === e.trackId);
        return track ? [...track.transmitters] : transmittersOf.get(e.trackId) ?? [];
      };
      const excerpt = async (e: DetectionEvent, tag: string): Promise<void> => {
        const macs = new Set(transmitters(e));
        const mine = ring.packets().filter((p) => {
          const scan = p.feed ? scanFeedDatagram(p.data) : scanPacket(p.linkType, p.data, receiverOpts.feedPort ? { feedPort: receiverOpts.feedPort } : {});
          return scan.payloads.some((x) => macs.has(x.transmitter));
        }).slice(-EXCERPT_PACKETS);
        if (mine.length === 0) return;
        const linkTypes = [...new Set(mine.map((p) => p.linkType))];
        const bytes = pcapBytes({ format: 'pcapng', linkTypes }, mine.map((p) => ({ timestampMs: p.timestampMs, data: p.data, interfaceId: linkTypes.indexOf(p.linkType) })));
        try {
          const file = await writeEvidence(ctx.evidenceDir, `${safeName(e.id)}-${tag}.pcapng`, bytes, 'capture', 'application/x-pcapng');
          evidenceOf.set(e.id, [...(evidenceOf.get(e.id) ?? []), file]);
        } catch (err) {
          counters.evidenceFailures++;
          ctx.log.warn('cannot write Remote ID evidence', { event: e.id, reason: (err as Error).message });
        }
      };

      async function* outputs(list: ReceiverOutput[]): AsyncGenerator<SourceEvent> {
        for (const o of list) {
          if (o.kind === 'drone') transmittersOf.set(o.drone.id, [...o.drone.transmitters]);
          if (o.kind !== 'event') continue;
          const e = o.event;
          const state = e.measurements.state;
          const ended = state === 'left' || state === 'lost';
          if (!evidenceOf.has(e.id)) await excerpt(e, 'start');
          else if (ended) await excerpt(e, 'end');
          const evidence = evidenceOf.get(e.id);
          if (evidence) e.evidence = evidence;
          if (ended) evidenceOf.delete(e.id);
          counters.events++;
          yield { event: e, ended, transmitters: transmitters(e) };
        }
      }

      if (!where) {
        for await (const rec of readPcap(config.input)) {
          if (signal.aborted) return;
          counters.packets++;
          ring.push({ linkType: rec.linkType, timestampMs: rec.timestampMs, data: rec.data, feed: false });
          yield* outputs(rx.handlePacket(rec.linkType, rec.data, rec.timestampMs));
        }
        yield* outputs(rx.finish());
        return;
      }

      // Live feed: datagrams are handled as they arrive; outputs wait in a bounded queue for the publisher.
      const queue = new BoundedQueue<ReceiverOutput[]>(1024);
      const socket = createSocket(where.host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(where.port, where.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      ctx.log.info('Remote ID feed listening', { source: config.id, address: `${where.host}:${socket.address().port}` });
      socket.on('error', (err) => queue.fail(err));
      socket.on('message', (msg) => {
        counters.packets++;
        const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.length).slice();
        const now = Date.now();
        ring.push({ linkType: LINKTYPE_USER0, timestampMs: now, data, feed: true });
        const out = rx.handleDatagram(data, now);
        if (out.length) queue.push(out);
      });
      try {
        for await (const list of queue.drain(signal)) yield* outputs(list);
      } finally {
        counters.dropped = queue.dropped;
        await new Promise<void>((resolve) => socket.close(() => resolve()));
      }
    },
  };
}

function parseFeedUrlOrConfigError(input: string): { host: string; port: number } {
  try {
    return parseFeedUrl(input);
  } catch (err) {
    throw new ConfigError(`input: ${(err as Error).message}`, [{ objectIndex: null, objectId: null, property: 'input', message: (err as Error).message }]);
  }
}
