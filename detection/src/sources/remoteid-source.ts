/**
 * A Remote ID receiver as a sensor source: a pcap/pcapng capture file, or a live UDP feed of raw frames
 * (udp://HOST:PORT, the format of ../remoteid/feed-format.ts), through the RemoteIdReceiver with the source's
 * restricted zones. Each incursion's evidence is the drone's own frames heard so far (a pcapng excerpt of the last
 * frames from its transmitters), written when the incursion opens and when it ends.
 */
import type { DetectionEvent, Evidence } from '../events.js';
import { pcapBytes } from '../pcap/pcap-writer.js';
import { readPcap } from '../pcap/pcap-reader.js';
import { listenFeed, parseFeedUrl } from '../remoteid/feed.js';
import { RemoteIdReceiver, type ReceiverOptions, type ReceiverOutput } from '../remoteid/receiver.js';
import { scanFeedDatagram, scanPacket } from '../remoteid/link-layer.js';
import type { RestrictedZone } from '../remoteid/zones.js';
import { PacketRing, safeName, writeEvidence } from './evidence.js';
import { BoundedQueue, type SensorEvent, type SensorSource, type SourceContext } from './sensor-source.js';

/** Feed datagrams kept as received in evidence captures (tcpdump.org LINKTYPE_USER0). */
const LINKTYPE_USER0 = 147;
const RING_PACKETS = 400;
const RING_BYTES = 2 << 20;
const EXCERPT_PACKETS = 60;

interface HeardPacket { linkType: number; timestampMs: number; data: Uint8Array; feed: boolean }

export interface RemoteIdSourceOptions {
  zones: RestrictedZone[];
  receiver?: Omit<ReceiverOptions, 'zones' | 'source'>;
}

/** A capture file, or a live feed for a `udp://` input (a RemoteIdError when its address is not one). */
export function openRemoteIdSource(options: RemoteIdSourceOptions, input: string, ctx: SourceContext): SensorSource {
  const { zones } = options;
  const receiverOpts = options.receiver ?? {};
  const live = input.startsWith('udp://');
  const where = live ? parseFeedUrl(input) : null;
  const counters = { packets: 0, events: 0, dropped: 0, evidenceFailures: 0 };
  let receiver: RemoteIdReceiver | null = null;
  return {
    live,
    stats: () => ({ ...counters, ...(receiver ? { remoteIdPackets: receiver.stats.remoteIdPackets, rejectedPackets: receiver.stats.rejectedPackets } : {}) }),
    async *events(signal) {
      const rx = new RemoteIdReceiver({ ...receiverOpts, source: ctx.id, zones });
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

      async function* outputs(list: ReceiverOutput[]): AsyncGenerator<SensorEvent> {
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
        for await (const rec of readPcap(input)) {
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
      const feed = await listenFeed(rx, where, () => undefined, {
        onDatagram: (data, at, outputs) => {
          counters.packets++;
          ring.push({ linkType: LINKTYPE_USER0, timestampMs: at, data, feed: true });
          if (outputs.length) queue.push(outputs);
        },
        onError: (err) => queue.fail(err),
      });
      ctx.log.info('Remote ID feed listening', { source: ctx.id, address: `${where.host}:${feed.address.port}` });
      try {
        for await (const list of queue.drain(signal)) yield* outputs(list);
      } finally {
        counters.dropped = queue.dropped;
        await feed.close();
      }
    },
  };
}
