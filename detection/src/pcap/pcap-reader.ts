/**
 * Streaming reader of pcap (libpcap, microsecond and nanosecond, either byte order) and pcapng files (several
 * sections of either byte order, several interfaces with their own link type and timestamp resolution; EPB, SPB and
 * the obsolete PB). It reads the file in chunks and holds at most one record beyond the current chunk.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DetectionError } from '../errors.js';

export interface PcapRecord {
  /** Index of the packet in the file, from 0. */
  index: number;
  linkType: number;
  /** Capture time, milliseconds since 1970 (NaN when the format gives none, as in pcapng SPB). */
  timestampMs: number;
  /** Captured bytes (may be fewer than on the wire: see originalLength). */
  data: Uint8Array;
  originalLength: number;
  /** pcapng interface id (0 for pcap). */
  interfaceId: number;
}

export class PcapFormatError extends DetectionError<'PCAP_INVALID'> {
  override name = 'PcapFormatError';
  /** Byte offset in the file where the problem was found. */
  readonly offset: number;
  constructor(offset: number, reason: string) {
    super('PCAP_INVALID', `pcap: at byte ${offset}: ${reason}`);
    this.offset = offset;
  }
}

/** Largest record accepted; larger lengths mean a corrupt file. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export interface PcapReadOptions {
  /** Called with bytes read so far and the file size, for progress bars. */
  onProgress?: (readBytes: number, totalBytes: number) => void;
  /** Chunk size of the underlying stream (default 256 KiB). */
  highWaterMark?: number;
}

/** Summary the reader fills in as it goes. */
export interface PcapReadSummary {
  format: 'pcap' | 'pcapng' | 'unknown';
  records: number;
  /** Bytes left at the end that do not make a whole record (a capture cut short). */
  truncatedTailBytes: number;
  /** Blocks of other types skipped (pcapng statistics, name resolution, …). */
  skippedBlocks: number;
}

class ChunkBuffer {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  get available(): number { return this.buf.length - this.pos; }
  get offset(): number { return this.base + this.pos; }
  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = chunk;
      this.pos = 0;
    } else {
      const rest = this.buf.subarray(this.pos);
      this.base += this.pos;
      this.buf = Buffer.concat([rest, chunk]);
      this.pos = 0;
    }
  }
  peek(n: number): Buffer { return this.buf.subarray(this.pos, this.pos + n); }
  take(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

interface Iface { linkType: number; unitsPerSecond: number }

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/**
 * Reads the records of a pcap or pcapng file in order. Throws PcapFormatError on a file that is neither, or whose
 * structure is corrupt (impossible lengths); a record cut short at the end is counted in `summary`, not thrown.
 */
export async function* readPcap(path: string, options: PcapReadOptions = {}, summary?: PcapReadSummary): AsyncGenerator<PcapRecord> {
  const total = (await stat(path)).size;
  const s: PcapReadSummary = summary ?? { format: 'unknown', records: 0, truncatedTailBytes: 0, skippedBlocks: 0 };
  const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? 256 * 1024 });
  const cb = new ChunkBuffer();
  let readBytes = 0;
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const fill = async (n: number): Promise<boolean> => {
    while (cb.available < n) {
      const next = await chunks.next();
      if (next.done) return false;
      cb.push(next.value);
      readBytes += next.value.length;
      options.onProgress?.(readBytes, total);
    }
    return true;
  };
  try {
    if (!(await fill(4))) throw new PcapFormatError(0, `file of ${cb.available} bytes has no pcap or pcapng header`);
    const head = cb.peek(4);
    const le = head.readUInt32LE(0);
    const be = head.readUInt32BE(0);
    if (le === PCAPNG_SHB) {
      s.format = 'pcapng';
      yield* readPcapng(cb, fill, s);
    } else if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS || be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
      s.format = 'pcap';
      yield* readClassic(cb, fill, s);
    } else {
      throw new PcapFormatError(0, `unknown magic number 0x${be.toString(16).padStart(8, '0')}: not a pcap or pcapng file`);
    }
  } finally {
    stream.destroy();
  }
}

type Fill = (n: number) => Promise<boolean>;

async function* readClassic(cb: ChunkBuffer, fill: Fill, s: PcapReadSummary): AsyncGenerator<PcapRecord> {
  if (!(await fill(24))) throw new PcapFormatError(0, `pcap header cut short (${cb.available} of 24 bytes)`);
  const h = cb.take(24);
  const littleEndian = h.readUInt32LE(0) === PCAP_MAGIC_US || h.readUInt32LE(0) === PCAP_MAGIC_NS;
  const magic = littleEndian ? h.readUInt32LE(0) : h.readUInt32BE(0);
  const u32 = (b: Buffer, o: number): number => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const fracPerSecond = magic === PCAP_MAGIC_NS ? 1e9 : 1e6;
  const linkType = u32(h, 20) & 0x0fffffff;
  for (let index = 0; ; index++) {
    if (!(await fill(16))) {
      s.truncatedTailBytes += cb.available;
      return;
    }
    const offset = cb.offset;
    const r = cb.peek(16);
    const incl = u32(r, 8);
    if (incl > MAX_RECORD_BYTES) throw new PcapFormatError(offset, `record ${index} claims ${incl} captured bytes`);
    if (!(await fill(16 + incl))) {
      s.truncatedTailBytes += cb.available;
      return;
    }
    const rec = cb.take(16 + incl);
    s.records++;
    yield {
      index, linkType, interfaceId: 0, originalLength: u32(rec, 12),
      timestampMs: u32(rec, 0) * 1000 + u32(rec, 4) / (fracPerSecond / 1000),
      data: new Uint8Array(rec.buffer, rec.byteOffset + 16, incl),
    };
  }
}

function tsResolution(b: Buffer, o: number, end: number, littleEndian: boolean): number {
  // if_tsresol (option 9): 10^-v, or 2^-v with the high bit set; default microseconds.
  let p = o;
  while (p + 4 <= end) {
    const code = littleEndian ? b.readUInt16LE(p) : b.readUInt16BE(p);
    const len = littleEndian ? b.readUInt16LE(p + 2) : b.readUInt16BE(p + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1 && p + 5 <= end) {
      const v = b[p + 4] as number;
      return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    p += 4 + Math.ceil(len / 4) * 4;
  }
  return 1e6;
}

/** A 64-bit timestamp in `units` per second as ms; exact to the nanosecond past 2^53 units. */
function toMs(high: number, low: number, units: number): number {
  const ts = high * 4294967296 + low;
  if (ts < Number.MAX_SAFE_INTEGER || !Number.isInteger(units)) return (ts / units) * 1000;
  const big = (BigInt(high) << 32n) | BigInt(low);
  const u = BigInt(units);
  return Number(big / u) * 1000 + (Number(big % u) * 1000) / units;
}

async function* readPcapng(cb: ChunkBuffer, fill: Fill, s: PcapReadSummary): AsyncGenerator<PcapRecord> {
  let littleEndian = true;
  let ifaces: Iface[] = [];
  let index = 0;
  for (;;) {
    if (!(await fill(12))) {
      s.truncatedTailBytes += cb.available;
      return;
    }
    const offset = cb.offset;
    const head = cb.peek(12);
    const type = head.readUInt32LE(0);
    if (type === PCAPNG_SHB) {
      const bom = head.readUInt32LE(8);
      if (bom === BYTE_ORDER_MAGIC) littleEndian = true;
      else if (head.readUInt32BE(8) === BYTE_ORDER_MAGIC) littleEndian = false;
      else throw new PcapFormatError(offset + 8, 'section header byte-order magic is neither 0x1a2b3c4d nor its swap');
      ifaces = [];
    }
    const u32 = (b: Buffer, o: number): number => (littleEndian ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u16 = (b: Buffer, o: number): number => (littleEndian ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const blockType = u32(head, 0);
    const length = u32(head, 4);
    if (length < 12 || length % 4 !== 0 || length > MAX_RECORD_BYTES) {
      throw new PcapFormatError(offset, `block of type 0x${blockType.toString(16)} has length ${length} (must be a multiple of 4, 12..${MAX_RECORD_BYTES})`);
    }
    if (!(await fill(length))) {
      s.truncatedTailBytes += cb.available;
      return;
    }
    const b = cb.take(length);
    if (u32(b, length - 4) !== length) throw new PcapFormatError(offset, `block trailing length ${u32(b, length - 4)} differs from ${length}`);
    const bodyEnd = length - 4;
    if (blockType === 0x00000001) {
      if (length < 20) throw new PcapFormatError(offset, 'interface description block too short');
      ifaces.push({ linkType: u16(b, 8), unitsPerSecond: tsResolution(b, 16, bodyEnd, littleEndian) });
    } else if (blockType === 0x00000006 || blockType === 0x00000002) {
      const enhanced = blockType === 6;
      if (length < 32) throw new PcapFormatError(offset, 'packet block too short');
      const ifaceId = enhanced ? u32(b, 8) : u16(b, 8);
      const iface = ifaces[ifaceId];
      if (!iface) throw new PcapFormatError(offset, `packet names interface ${ifaceId}, only ${ifaces.length} described`);
      const caplen = u32(b, 20);
      if (28 + caplen > bodyEnd) throw new PcapFormatError(offset, `packet of ${caplen} captured bytes overruns its ${length}-byte block`);
      s.records++;
      yield {
        index: index++, linkType: iface.linkType, interfaceId: ifaceId, originalLength: u32(b, 24),
        timestampMs: toMs(u32(b, 12), u32(b, 16), iface.unitsPerSecond), data: new Uint8Array(b.buffer, b.byteOffset + 28, caplen),
      };
    } else if (blockType === 0x00000003) {
      const iface = ifaces[0];
      if (!iface) throw new PcapFormatError(offset, 'simple packet block before any interface description');
      const orig = u32(b, 8);
      const caplen = Math.min(orig, bodyEnd - 12);
      s.records++;
      yield { index: index++, linkType: iface.linkType, interfaceId: 0, originalLength: orig, timestampMs: NaN, data: new Uint8Array(b.buffer, b.byteOffset + 12, caplen) };
    } else if (blockType !== PCAPNG_SHB) {
      s.skippedBlocks++;
    }
  }
}
