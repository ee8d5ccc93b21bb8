/**
 * Why a frame or message was not used. Decoders never throw on bad input: they return rejections, which the
 * receiver counts by reason and reports.
 */
export const REJECT_REASONS = [
  /** Fewer bytes than the layout needs (cut short by the capture or the air). */
  'truncated',
  /** A length field disagrees with the bytes present or with the layout. */
  'bad-length',
  /** The link-layer checksum (BLE CRC-24, or the sniffer's CRC flag) failed. */
  'bad-crc',
  /** A message type code the standards do not define. */
  'unknown-message-type',
  /** A field holds a value outside its range (latitude > 90°, direction code > 179, page > last page, …). */
  'out-of-range',
  /** A Message Pack whose message size is not 25, holds more than 9 messages or nests a pack. */
  'bad-pack',
  /** A capture header (radiotap, sniffer header, IP/UDP) or feed datagram that cannot be parsed. */
  'bad-framing',
  /** A pcap link type this reader does not know. */
  'unsupported-link-type',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  /** For people: what was wrong and where, e.g. "location.latitude: 93.1 is outside ±90". */
  detail: string;
}

export const reject = (reason: RejectReason, detail: string): Rejection => ({ reason, detail });
