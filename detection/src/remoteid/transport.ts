/** What the transport layers (Bluetooth, Wi-Fi) hand to the message decoder. */
import type { Rejection } from './rejection.js';

/**
 * How the payload came: Bluetooth 4 legacy advertising (one message per advertisement), Bluetooth 5 extended /
 * long-range advertising (a Message Pack), a Wi-Fi beacon vendor element, or a Wi-Fi NAN service discovery frame.
 */
export type Transport = 'bt-legacy' | 'bt-extended' | 'wifi-beacon' | 'wifi-nan';
export const TRANSPORTS: readonly Transport[] = ['bt-legacy', 'bt-extended', 'wifi-beacon', 'wifi-nan'];

/** One Remote ID payload found in a frame: the bytes after the message counter. */
export interface RawPayload {
  transport: Transport;
  /** MAC address of the sender, `aa:bb:cc:dd:ee:ff`. */
  transmitter: string;
  /** The message counter byte sent before the payload. */
  counter: number;
  payload: Uint8Array;
}

/** What one frame held: Remote ID payloads, and rejections of the parts that could not be read. */
export interface FrameScan {
  payloads: RawPayload[];
  rejections: Rejection[];
}

export const EMPTY_SCAN: FrameScan = Object.freeze({ payloads: [], rejections: [] }) as FrameScan;

/** `aa:bb:cc:dd:ee:ff` from 6 bytes; `reversed` for Bluetooth addresses, which go least significant byte first. */
export function macString(b: Uint8Array, offset: number, reversed: boolean): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[offset + (reversed ? 5 - i : i)] as number).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** 6 bytes from `aa:bb:cc:dd:ee:ff`, reversed for Bluetooth. */
export function macBytes(mac: string, reversed: boolean): Uint8Array {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`not a MAC address: ${mac}`);
  const b = Uint8Array.from(parts.map((p) => parseInt(p, 16)));
  return reversed ? b.reverse() : b;
}
