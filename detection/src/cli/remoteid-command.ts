/**
 * `popart remoteid <pcap|pcapng|udp://HOST:PORT>`: decodes Remote ID broadcasts (ASTM F3411 / EN 4709-002) from a
 * capture file or a live UDP feed of raw frames, tracks the drones and their operators, and raises drone events for
 * restricted zones. Drones and events go to stdout (JSON lines, or readable lines on a terminal); progress and a
 * summary go to stderr.
 */
import { parseCommandLine, ProgressBar } from './command-line.js';
import { readPcap, PcapFormatError, type PcapReadSummary } from '../pcap/pcap-reader.js';
import { linkTypeName } from '../pcap/link-types.js';
import { FEED_KINDS, FEED_PORT } from '../remoteid/feed-format.js';
import { listenFeed, parseFeedUrl } from '../remoteid/feed.js';
import { RemoteIdError } from '../remoteid/errors.js';
import { RemoteIdReceiver, type ReceiverOptions, type ReceiverOutput, type ReceiverStats } from '../remoteid/receiver.js';
import type { DroneTrack } from '../remoteid/tracker.js';
import { loadZones, type RestrictedZone } from '../remoteid/zones.js';

function usage(): string {
  return [
    'usage: popart remoteid <capture.pcap|capture.pcapng|udp://127.0.0.1:PORT> [options]',
    '',
    'Decodes Remote ID (ASTM F3411-19/-20/-22a, ASD-STAN EN 4709-002): Basic ID, Location/Vector, Authentication,',
    'Self ID, System, Operator ID and Message Packs, sent over Bluetooth 4 legacy and Bluetooth 5 long-range',
    'advertising, Wi-Fi beacons and Wi-Fi NAN. Prints the drones (id, UA type, position, altitude, speed, heading)',
    'and their operators (id, position); with --zones, a drone event (category drone, sensorKind remote-id) for each',
    'incursion of a drone into a restricted zone, updated while it lasts under one event id.',
    '',
    'inputs:',
    '  a pcap or pcapng file with link type 802.11 + radiotap (127), 802.11 (105), BLE LL (251), BLE LL with',
    '  pseudo-header (256), nRF Sniffer (272), Bluetooth HCI H4 (187, 201) or Ethernet/IP with feed datagrams on',
    `  UDP port --feed-port (1, 0, 101, 113, 228, 229)`,
    '  udp://HOST:PORT  a live feed: one raw frame per datagram behind a kind byte:',
    `    0x${FEED_KINDS.wifi.toString(16).padStart(2, '0')} 802.11 frame (no FCS)   0x${FEED_KINDS.radiotap.toString(16).padStart(2, '0')} radiotap + 802.11`,
    `    0x${FEED_KINDS.bleLinkLayer.toString(16).padStart(2, '0')} BLE link-layer packet from the access address (CRC optional)`,
    `    0x${FEED_KINDS.bleLegacyAdvertising.toString(16).padStart(2, '0')} / 0x${FEED_KINDS.bleExtendedAdvertising.toString(16).padStart(2, '0')} BLE legacy / extended advertising: 6-byte address (as on air), then AD data`,
    '',
    'options:',
    '  --zones <file>           restricted zones, YAML or JSON: { zones: [{ name, polygon | circle | geometry, severity }] }',
    '                           or a GeoJSON FeatureCollection (Polygon/MultiPolygon, or Point with properties.radius_m)',
    '  --json                   JSON lines on stdout (the default when stdout is not a terminal)',
    '  --text                   readable lines on stdout (the default on a terminal)',
    '  --frames                 also print every decoded frame with its messages',
    '  --source <id>            receiver id put in events (default remote-id)',
    '  --report-interval <s>    seconds between two reports of the same drone (default 1; 0 = every frame)',
    '  --event-interval <s>     seconds between two updates of the same incursion event (default 5)',
    '  --drop-after <s>         forget a drone not heard for this long; its incursion ends as lost (default 60)',
    `  --feed-port <port>       UDP port of feed datagrams inside Ethernet/IP captures (default ${FEED_PORT})`,
    '  --duration <s>           live feed: stop after this many seconds (default: until Ctrl-C)',
    '  --no-progress            no progress bar',
    '  -h, --help               this help',
    '',
    'stdout JSON lines: {"kind":"drone","drone":{...}} (final:true at the end), {"kind":"event","event":DetectionEvent},',
    '{"kind":"frame",...} with --frames. The summary (packets, Remote ID frames, messages by type, rejections by',
    'reason with examples) goes to stderr.',
    '',
    'exit status: 0 done, 1 the input could not be read, 2 bad usage or configuration.',
  ].join('\n');
}

const num = (v: number | undefined, digits: number): string => (v === undefined ? '?' : v.toFixed(digits));

function droneLine(d: DroneTrack): string {
  const pos = d.latitude !== undefined ? `${num(d.latitude, 6)},${num(d.longitude, 6)}` : 'position unknown';
  const op = d.operator;
  const opText = `operator ${op.id ?? '?'}${op.latitude !== undefined ? ` at ${num(op.latitude, 6)},${num(op.longitude, 6)}` : ''}`;
  return `${d.id} ${d.uaType ?? ''} ${d.status ?? ''} ${pos} alt ${num(d.geodeticAltitudeM, 1)} m height ${num(d.heightM, 1)} m ` +
    `speed ${num(d.speedMps, 2)} m/s heading ${num(d.headingDeg, 0)}° | ${opText} | ${d.transports.join(',')} | last ${d.lastSeen}`;
}

function summary(s: ReceiverStats, linkTypes: Set<number>, drones: DroneTrack[], read?: PcapReadSummary): string {
  const counts = (o: Record<string, number | undefined>): string =>
    Object.entries(o).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const lines = [
    `popart remoteid: ${s.packets} packets${linkTypes.size ? ` (${[...linkTypes].map(linkTypeName).join(', ')})` : ''}: ` +
      `${s.remoteIdPackets} with Remote ID, ${s.rejectedPackets} rejected, ${s.otherPackets} other`,
    `  payloads: ${counts(s.payloads)}`,
    `  messages: ${counts(s.messages)}${s.emptyPacks ? ` (${s.emptyPacks} empty packs)` : ''}`,
    `  rejections: ${counts(s.rejections)}`,
    ...s.samples.slice(0, 5).map((r) => `    packet ${r.packet}: ${r.reason}: ${r.detail}`),
  ];
  if (read && read.truncatedTailBytes) lines.push(`  capture cut short: ${read.truncatedTailBytes} bytes at the end are not a whole record`);
  lines.push(`  drones: ${drones.length}${s.events ? `, events: ${s.events}` : ''}`);
  for (const d of drones) lines.push(`    ${droneLine(d)}`);
  return lines.join('\n') + '\n';
}

interface Printer {
  print(o: ReceiverOutput): void;
}

function makePrinter(json: boolean): Printer {
  return {
    print(o) {
      if (json) {
        process.stdout.write(JSON.stringify(o) + '\n');
        return;
      }
      if (o.kind === 'drone') process.stdout.write(`${o.final ? 'DRONE' : 'drone'} ${droneLine(o.drone)}\n`);
      else if (o.kind === 'event') process.stdout.write(`EVENT ${o.event.id} ${o.event.severity} [${o.event.measurements.state}] ${o.event.summary}\n`);
      else process.stdout.write(`frame ${o.packet} ${o.transport} ${o.transmitter} #${o.counter}: ${o.messages.map((m) => m.type).join(' ')}\n`);
    },
  };
}

function positiveNumber(name: string, v: string | undefined, allowZero: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new RemoteIdError(`--${name}`, `"${v}" is not a ${allowZero ? 'non-negative' : 'positive'} number`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine('remoteid', argv, {
    zones: { type: 'string' },
    json: { type: 'boolean' },
    text: { type: 'boolean' },
    frames: { type: 'boolean' },
    source: { type: 'string' },
    'report-interval': { type: 'string' },
    'event-interval': { type: 'string' },
    'drop-after': { type: 'string' },
    'feed-port': { type: 'string' },
    duration: { type: 'string' },
    'no-progress': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, usage());
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(`popart remoteid: expected one input (a capture file or udp://HOST:PORT), got ${positionals.length}\n\n${usage()}\n`);
    return 2;
  }
  const input = positionals[0] as string;
  const options: ReceiverOptions = { source: values.source ?? 'remote-id', emitFrames: values.frames === true };
  let zones: RestrictedZone[] = [];
  let duration: number | undefined;
  try {
    const report = positiveNumber('report-interval', values['report-interval'], true);
    if (report !== undefined) options.reportIntervalS = report;
    const ev = positiveNumber('event-interval', values['event-interval'], true);
    if (ev !== undefined) options.eventUpdateIntervalS = ev;
    const drop = positiveNumber('drop-after', values['drop-after'], false);
    if (drop !== undefined) options.dropAfterS = drop;
    const port = positiveNumber('feed-port', values['feed-port'], false);
    if (port !== undefined) {
      if (!Number.isInteger(port) || port > 65535) throw new RemoteIdError('--feed-port', `"${values['feed-port']}" is not a port 1..65535`);
      options.feedPort = port;
    }
    duration = positiveNumber('duration', values.duration, false);
    if (values.zones !== undefined) zones = await loadZones(values.zones);
    options.zones = zones;
  } catch (err) {
    process.stderr.write(`popart remoteid: ${(err as Error).message}\n`);
    return 2;
  }
  const json = values.json === true || (values.text !== true && !process.stdout.isTTY);
  const printer = makePrinter(json);
  const receiver = new RemoteIdReceiver(options);
  if (zones.length) process.stderr.write(`popart remoteid: ${zones.length} restricted zone(s): ${zones.map((z) => z.name).join(', ')}\n`);

  if (input.startsWith('udp://')) {
    let where;
    try {
      where = parseFeedUrl(input);
    } catch (err) {
      process.stderr.write(`popart remoteid: ${(err as Error).message}\n`);
      return 2;
    }
    return runLive(receiver, where, printer, duration);
  }
  return runFile(receiver, input, printer, values['no-progress'] !== true && process.stderr.isTTY === true);
}

async function runFile(receiver: RemoteIdReceiver, path: string, printer: Printer, progress: boolean): Promise<number> {
  const read: PcapReadSummary = { format: 'unknown', records: 0, truncatedTailBytes: 0, skippedBlocks: 0 };
  const linkTypes = new Set<number>();
  const bar = new ProgressBar(progress, { tty: true });
  let status = 0;
  try {
    for await (const rec of readPcap(path, { onProgress: (r, t) => bar.update(t > 0 ? r / t : 1, `${receiver.stats.packets} packets`) }, read)) {
      linkTypes.add(rec.linkType);
      for (const o of receiver.handlePacket(rec.linkType, rec.data, rec.timestampMs)) printer.print(o);
    }
  } catch (err) {
    bar.done();
    const reason = err instanceof PcapFormatError ? err.message : `cannot read ${path}: ${(err as Error).message}`;
    process.stderr.write(`popart remoteid: ${reason}\n`);
    status = 1;
  }
  bar.done();
  for (const o of receiver.finish()) printer.print(o);
  process.stderr.write(summary(receiver.stats, linkTypes, receiver.tracks(), read));
  return status;
}

async function runLive(receiver: RemoteIdReceiver, where: { host: string; port: number }, printer: Printer, durationS: number | undefined): Promise<number> {
  let listener;
  try {
    listener = await listenFeed(receiver, where, (o) => printer.print(o));
  } catch (err) {
    process.stderr.write(`popart remoteid: ${(err as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`popart remoteid: listening on udp://${listener.address.address}:${listener.address.port} (Ctrl-C to stop)\n`);
  const ticker = setInterval(() => {
    const s = receiver.stats;
    process.stderr.write(`popart remoteid: ${s.packets} datagrams, ${s.remoteIdPackets} Remote ID, ${s.rejectedPackets} rejected, ${receiver.tracks().length} drones\n`);
  }, 10_000);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (durationS !== undefined) setTimeout(stop, durationS * 1000).unref();
  });
  clearInterval(ticker);
  await listener.close();
  for (const o of receiver.finish()) printer.print(o);
  process.stderr.write(summary(receiver.stats, new Set(), receiver.tracks()));
  return 0;
}
