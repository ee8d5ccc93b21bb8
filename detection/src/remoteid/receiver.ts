/**
 * The Remote ID receiver: captured packets or feed datagrams in; drone tracks, restricted-zone events and
 * statistics out. Nothing it is given can make it throw: unreadable input is counted by reason.
 */
import type { DetectionEvent } from '../events.js';
import { decodePayload } from './decode-message.js';
import { IncursionMonitor } from './incursions.js';
import { scanFeedDatagram, scanPacket } from './link-layer.js';
import type { MessageTypeName, RemoteIdMessage } from './messages.js';
import type { RejectReason } from './rejection.js';
import { DroneTracker, type DroneTrack } from './tracker.js';
import type { FrameScan, Transport } from './transport.js';
import type { RestrictedZone } from './zones.js';

export interface ReceiverOptions {
  /** Receiver id for events (default `remote-id`). */
  source?: string;
  zones?: readonly RestrictedZone[];
  /** Seconds between two reports of the same drone (default 1; 0 reports every frame). */
  reportIntervalS?: number;
  /** Seconds between two updates of the same zone incursion (default 5). */
  eventUpdateIntervalS?: number;
  /** A drone not heard for this long is dropped and its incursions end as lost (default 60). */
  dropAfterS?: number;
  /** UDP port of feed datagrams inside Ethernet/IP captures. */
  feedPort?: number;
  /** Keep the decoded messages of each frame in the `frame` outputs (verbose). */
  emitFrames?: boolean;
}

/** What the receiver reports, in order (drones as snapshots: later frames do not change them). */
export type ReceiverOutput =
  | { kind: 'drone'; drone: DroneTrack; final?: boolean }
  | { kind: 'event'; event: DetectionEvent }
  | { kind: 'frame'; packet: number; transport: Transport; transmitter: string; counter: number; messages: RemoteIdMessage[] };

export interface RejectionSample {
  packet: number;
  reason: RejectReason;
  detail: string;
}

export interface ReceiverStats {
  /** Packets (or datagrams) given to the receiver. */
  packets: number;
  /** Packets with at least one readable Remote ID payload. */
  remoteIdPackets: number;
  /** Packets with at least one rejection (the frame, or one message in it). */
  rejectedPackets: number;
  /** Packets that were not Remote ID at all. */
  otherPackets: number;
  payloads: Record<Transport, number>;
  messages: Record<MessageTypeName, number>;
  /** Message Packs that carried no message. */
  emptyPacks: number;
  rejections: Partial<Record<RejectReason, number>>;
  /** The first rejections, for people to look at. */
  samples: RejectionSample[];
  /** Drones tracked at the end of input (set by finish()). */
  drones: number;
  events: number;
}

const MAX_SAMPLES = 20;

export class RemoteIdReceiver {
  readonly stats: ReceiverStats = {
    packets: 0, remoteIdPackets: 0, rejectedPackets: 0, otherPackets: 0,
    payloads: { 'bt-legacy': 0, 'bt-extended': 0, 'wifi-beacon': 0, 'wifi-nan': 0 },
    messages: { 'basic-id': 0, location: 0, auth: 0, 'self-id': 0, system: 0, 'operator-id': 0, 'message-pack': 0 },
    emptyPacks: 0, rejections: {}, samples: [], drones: 0, events: 0,
  };
  private readonly tracker = new DroneTracker();
  private readonly incursions: IncursionMonitor | undefined;
  private readonly lastReport = new Map<number, number>();
  private readonly reportMs: number;
  private readonly dropMs: number;
  private firstTimeMs: number | undefined;
  private lastTimeMs = NaN;
  private lastSweepMs = -Infinity;

  constructor(private readonly o: ReceiverOptions = {}) {
    this.reportMs = (o.reportIntervalS ?? 1) * 1000;
    this.dropMs = (o.dropAfterS ?? 60) * 1000;
    if (o.zones && o.zones.length > 0) {
      const io: ConstructorParameters<typeof IncursionMonitor>[1] = { source: o.source ?? 'remote-id', lostAfterS: o.dropAfterS ?? 60 };
      if (o.eventUpdateIntervalS !== undefined) io.updateIntervalS = o.eventUpdateIntervalS;
      this.incursions = new IncursionMonitor(o.zones, io);
    }
  }

  /** A packet from a capture: its pcap link type, bytes and time (ms since 1970). */
  handlePacket(linkType: number, data: Uint8Array, timeMs: number): ReceiverOutput[] {
    const scanOptions = this.o.feedPort !== undefined ? { feedPort: this.o.feedPort } : {};
    return this.handleScan(scanPacket(linkType, data, scanOptions), timeMs);
  }

  /** A datagram of the live feed (see feed-format.ts). */
  handleDatagram(datagram: Uint8Array, timeMs: number): ReceiverOutput[] {
    let scan: FrameScan;
    try {
      scan = scanFeedDatagram(datagram);
    } catch (err) {
      scan = { payloads: [], rejections: [{ reason: 'bad-framing', detail: err instanceof Error ? err.message : String(err) }] };
    }
    return this.handleScan(scan, timeMs);
  }

  /** End of input: the last state of every drone, and the incursions still open. */
  finish(): ReceiverOutput[] {
    const out: ReceiverOutput[] = [];
    if (this.incursions) {
      for (const e of this.incursions.sweep(this.lastTimeMs, (uid) => this.tracker.track(uid), this.mediaTime(this.lastTimeMs), true)) {
        this.stats.events++;
        out.push({ kind: 'event', event: e });
      }
    }
    const drones = this.tracker.tracks();
    this.stats.drones = drones.length;
    for (const drone of drones) out.push({ kind: 'drone', drone: structuredClone(drone), final: true });
    return out;
  }

  tracks(): DroneTrack[] {
    return this.tracker.tracks();
  }

  private mediaTime(timeMs: number): number | undefined {
    return this.firstTimeMs !== undefined && Number.isFinite(timeMs) ? (timeMs - this.firstTimeMs) / 1000 : undefined;
  }

  private handleScan(scan: FrameScan, timeMs: number): ReceiverOutput[] {
    const s = this.stats;
    const packet = s.packets++;
    if (Number.isFinite(timeMs)) {
      this.firstTimeMs ??= timeMs;
      this.lastTimeMs = timeMs;
    }
    const out: ReceiverOutput[] = [];
    let rejected = scan.rejections.length > 0;
    for (const r of scan.rejections) this.count(packet, r.reason, r.detail);
    let readable = false;
    for (const p of scan.payloads) {
      const decoded = decodePayload(p.payload);
      for (const r of decoded.rejections) this.count(packet, r.reason, r.detail);
      if (decoded.rejections.length > 0) rejected = true;
      if (decoded.messages.length === 0 && !(decoded.packed && decoded.rejections.length === 0)) continue;
      readable = true;
      s.payloads[p.transport]++;
      if (decoded.packed) s.messages['message-pack']++;
      if (decoded.packed && decoded.messages.length === 0) {
        s.emptyPacks++;
        continue;
      }
      for (const m of decoded.messages) s.messages[m.type]++;
      if (this.o.emitFrames) {
        out.push({ kind: 'frame', packet, transport: p.transport, transmitter: p.transmitter, counter: p.counter, messages: decoded.messages });
      }
      const u = this.tracker.update(p.transmitter, p.transport, decoded.messages, timeMs);
      const last = this.lastReport.get(u.uid);
      if (last === undefined || !Number.isFinite(timeMs) || timeMs - last >= this.reportMs) {
        this.lastReport.set(u.uid, timeMs);
        out.push({ kind: 'drone', drone: structuredClone(u.track) });
      }
      if (this.incursions && u.moved) {
        for (const e of this.incursions.observe(u.track, u.uid, timeMs, this.mediaTime(timeMs))) {
          s.events++;
          out.push({ kind: 'event', event: e });
        }
      }
    }
    if (readable) s.remoteIdPackets++;
    if (rejected) s.rejectedPackets++;
    if (!readable && !rejected) s.otherPackets++;
    if (Number.isFinite(timeMs) && timeMs - this.lastSweepMs >= 1000) {
      this.lastSweepMs = timeMs;
      if (this.incursions) {
        for (const e of this.incursions.sweep(timeMs, (uid) => this.tracker.track(uid), this.mediaTime(timeMs))) {
          s.events++;
          out.push({ kind: 'event', event: e });
        }
      }
      this.tracker.expire(timeMs - this.dropMs);
      for (const [uid, last] of this.lastReport) if (timeMs - last > this.dropMs) this.lastReport.delete(uid);
    }
    return out;
  }

  private count(packet: number, reason: RejectReason, detail: string): void {
    this.stats.rejections[reason] = (this.stats.rejections[reason] ?? 0) + 1;
    if (this.stats.samples.length < MAX_SAMPLES) this.stats.samples.push({ packet, reason, detail });
  }
}
