/**
 * The live feed's datagram format: each UDP datagram carries one raw frame behind a one-byte kind.
 *
 * | kind | bytes after the kind byte |
 * |---|---|
 * | 0x01 | an IEEE 802.11 frame from its frame control field, without FCS |
 * | 0x02 | a radiotap header and an 802.11 frame (with FCS if the radiotap Flags say so) |
 * | 0x03 | a BLE link-layer packet from the access address (1M/2M layout: no coding indicator), CRC-24 optional |
 * | 0x04 | BLE legacy advertising: the advertiser address (6 bytes, least significant first, as on air), then the advertising data |
 * | 0x05 | BLE extended advertising: the advertiser address (6 bytes), then the advertising data |
 *
 * A sniffer gateway (monitor-mode Wi-Fi, a BLE sniffer, or a phone's scan callback giving address + data) forwards
 * what it hears to the receiver's address; the default port is 34110 (F3411).
 */
import { macBytes } from './transport.js';

export const FEED_KINDS = {
  wifi: 0x01,
  radiotap: 0x02,
  bleLinkLayer: 0x03,
  bleLegacyAdvertising: 0x04,
  bleExtendedAdvertising: 0x05,
} as const;
export type FeedKind = keyof typeof FEED_KINDS;

/** Default UDP port of the live feed (and of feed datagrams recognised inside Ethernet/IP captures). */
export const FEED_PORT = 34110;
/** Largest datagram accepted. */
export const FEED_MAX_DATAGRAM = 4096;

/** One feed datagram: the kind byte, then the frame (advertising kinds: the address, then the data). */
export function encodeFeedDatagram(kind: FeedKind, frame: Uint8Array, advertiser?: string): Uint8Array {
  const code = FEED_KINDS[kind];
  const isAdv = kind === 'bleLegacyAdvertising' || kind === 'bleExtendedAdvertising';
  if (isAdv && advertiser === undefined) throw new RangeError(`feed kind ${kind} needs the advertiser address`);
  const head = isAdv ? 7 : 1;
  const b = new Uint8Array(head + frame.length);
  b[0] = code;
  if (isAdv && advertiser !== undefined) b.set(macBytes(advertiser, true), 1);
  b.set(frame, head);
  return b;
}
