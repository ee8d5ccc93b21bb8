/**
 * Writers of pcap and pcapng files, for synthetic captures (tests, benchmarks) and for recording a live feed.
 * Both byte orders, so that readers are tested against each.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface PacketToWrite {
  /** Milliseconds since 1970 (fractions kept to the microsecond, or nanosecond with `nanoseconds`). */
  timestampMs: number;
  data: Uint8Array;
  /** pcapng only: the interface (index into `linkTypes`); default 0. */
  interfaceId?: number;
}

export interface PcapWriteOptions {
  format: 'pcap' | 'pcapng';
  /** pcap: one link type; pcapng: one interface per entry. */
  linkTypes: number[];
  bigEndian?: boolean;
  /** Nanosecond timestamps (pcap magic a1b23c4d; pcapng if_tsresol 9). */
  nanoseconds?: boolean;
  snaplen?: number;
}

/** Streams packets into a pcap or pcapng file. */
export class PcapWriter {
  private constructor(private readonly fh: FileHandle, private readonly o: PcapWriteOptions, private pending: Buffer[] = [], private pendingBytes = 0) {}

  static async create(path: string, options: PcapWriteOptions): Promise<PcapWriter> {
    if (options.linkTypes.length === 0 || (options.format === 'pcap' && options.linkTypes.length !== 1)) {
      throw new RangeError(`${options.format} needs ${options.format === 'pcap' ? 'exactly one' : 'at least one'} link type`);
    }
    const w = new PcapWriter(await open(path, 'w'), options);
    w.queue(fileHeader(options));
    return w;
  }

  async write(p: PacketToWrite): Promise<void> {
    this.queue(packetRecord(this.o, p));
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }

  private queue(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const b = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.write(b);
  }
}

/** The whole file in memory (small captures in tests). */
export function pcapBytes(options: PcapWriteOptions, packets: readonly PacketToWrite[]): Buffer {
  return Buffer.concat([fileHeader(options), ...packets.map((p) => packetRecord(options, p))]);
}

class Out {
  readonly b: Buffer;
  constructor(size: number, private readonly be: boolean) { this.b = Buffer.alloc(size); }
  u16(o: number, v: number): void { if (this.be) this.b.writeUInt16BE(v, o); else this.b.writeUInt16LE(v, o); }
  u32(o: number, v: number): void { if (this.be) this.b.writeUInt32BE(v >>> 0, o); else this.b.writeUInt32LE(v >>> 0, o); }
}

function fileHeader(o: PcapWriteOptions): Buffer {
  const be = o.bigEndian ?? false;
  if (o.format === 'pcap') {
    const h = new Out(24, be);
    h.u32(0, o.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
    h.u16(4, 2);
    h.u16(6, 4);
    h.u32(16, o.snaplen ?? 262144);
    h.u32(20, o.linkTypes[0] as number);
    return h.b;
  }
  const shb = new Out(28, be);
  shb.u32(0, 0x0a0d0d0a);
  shb.u32(4, 28);
  shb.u32(8, 0x1a2b3c4d);
  shb.u16(12, 1);
  shb.u16(14, 0);
  shb.b.fill(0xff, 16, 24); // section length unknown
  shb.u32(24, 28);
  const idbs = o.linkTypes.map((lt) => {
    const withRes = o.nanoseconds === true;
    const len = 20 + (withRes ? 8 + 4 : 0);
    const idb = new Out(len, be);
    idb.u32(0, 1);
    idb.u32(4, len);
    idb.u16(8, lt);
    idb.u32(12, o.snaplen ?? 262144);
    if (withRes) {
      idb.u16(16, 9);
      idb.u16(18, 1);
      idb.b[20] = 9;
      idb.u16(24, 0); // opt_endofopt
      idb.u16(26, 0);
    }
    idb.u32(len - 4, len);
    return idb.b;
  });
  return Buffer.concat([shb.b, ...idbs]);
}

function packetRecord(o: PcapWriteOptions, p: PacketToWrite): Buffer {
  const be = o.bigEndian ?? false;
  const perSecond = o.nanoseconds ? 1e9 : 1e6;
  let seconds = Math.floor(p.timestampMs / 1000);
  let frac = Math.round((p.timestampMs - seconds * 1000) * (perSecond / 1000));
  if (frac >= perSecond) {
    seconds += 1;
    frac -= perSecond;
  }
  if (o.format === 'pcap') {
    const r = new Out(16 + p.data.length, be);
    r.u32(0, seconds);
    r.u32(4, frac);
    r.u32(8, p.data.length);
    r.u32(12, p.data.length);
    r.b.set(p.data, 16);
    return r.b;
  }
  const padded = Math.ceil(p.data.length / 4) * 4;
  const len = 32 + padded;
  const r = new Out(len, be);
  const units = BigInt(seconds) * (o.nanoseconds ? 1_000_000_000n : 1_000_000n) + BigInt(frac);
  r.u32(0, 6);
  r.u32(4, len);
  r.u32(8, p.interfaceId ?? 0);
  r.u32(12, Number(units >> 32n));
  r.u32(16, Number(units & 0xffffffffn));
  r.u32(20, p.data.length);
  r.u32(24, p.data.length);
  r.b.set(p.data, 28);
  r.u32(len - 4, len);
  return r.b;
}
