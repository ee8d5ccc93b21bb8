/**
 * A Remote ID receiver as an event source: @popart/detection's Remote ID source (a capture file or a live udp:// feed
 * through the receiver, pcapng excerpts as each incursion's evidence) with the zones and receiver options from the
 * node's configuration.
 */
import {
  loadZones, openRemoteIdSource as openReceiverSource, parseZones, type ReceiverOptions, type RestrictedZone,
} from '@popart/detection';
import { ConfigError } from '../../errors.js';
import type { DetectionSourceConfig } from '../../config/detection-config.js';
import type { EventSource, SourceContext } from './event-source.js';

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
  const settings = await remoteIdSettings(config, field);
  try {
    return openReceiverSource(settings, config.input, { id: config.id, evidenceDir: ctx.evidenceDir, log: ctx.log });
  } catch (err) {
    throw new ConfigError(`input: ${(err as Error).message}`, [{ objectIndex: null, objectId: null, property: 'input', message: (err as Error).message }]);
  }
}
