/**
 * The live Remote ID feed: a UDP socket (127.0.0.1 by default) receiving one raw frame per datagram in the format
 * of feed-format.ts, handed to a RemoteIdReceiver as it arrives.
 */
import { createSocket, type Socket } from 'node:dgram';
import { RemoteIdError } from './errors.js';
import type { ReceiverOutput, RemoteIdReceiver } from './receiver.js';

export interface FeedListener {
  /** The bound address and port (port 0 asks the system for a free one). */
  address: { address: string; port: number };
  close(): Promise<void>;
}

/** Parses `udp://HOST:PORT`. */
export function parseFeedUrl(url: string): { host: string; port: number } {
  const m = /^udp:\/\/(\[[0-9a-fA-F:]+\]|[^:/]+):(\d{1,5})\/?$/.exec(url);
  if (!m) throw new RemoteIdError('source', `${url} is not udp://HOST:PORT`);
  const port = Number(m[2]);
  if (port > 65535) throw new RemoteIdError('source', `port ${port} is past 65535`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

export interface FeedListenOptions {
  /** Each datagram (a copy the caller may keep), its arrival time and what the receiver reported for it. */
  onDatagram?(data: Uint8Array, at: number, outputs: ReceiverOutput[]): void;
  /** A socket error once it listens. */
  onError?(err: Error): void;
}

/**
 * Binds the feed socket and passes each datagram, with its arrival time, to the receiver; `onOutput` gets what the
 * receiver reports.
 */
export function listenFeed(
  receiver: RemoteIdReceiver,
  where: { host?: string; port: number },
  onOutput: (o: ReceiverOutput) => void,
  options: FeedListenOptions = {},
): Promise<FeedListener> {
  const host = where.host ?? '127.0.0.1';
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new RemoteIdError('source', `cannot listen on udp://${host}:${where.port}: ${err.message}`, { cause: err }));
    socket.once('error', onError);
    socket.on('message', (msg) => {
      const at = Date.now();
      const view = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      const data = options.onDatagram ? view.slice() : view;
      const outputs = receiver.handleDatagram(data, at);
      for (const o of outputs) onOutput(o);
      options.onDatagram?.(data, at, outputs);
    });
    socket.bind(where.port, host, () => {
      socket.off('error', onError);
      if (options.onError) socket.on('error', options.onError);
      const a = socket.address();
      resolve({
        address: { address: a.address, port: a.port },
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
