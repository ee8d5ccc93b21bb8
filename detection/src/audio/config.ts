/**
 * A microphone's configuration (YAML or JSON): its id, where it is, and its detectors — a list in which
 * each entry is discriminated by `type` and read by that detector's own config reader.
 *
 *   microphone:
 *     id: mic-north-stand
 *     position: { latitude: 40.4531, longitude: -3.6883, radius_m: 150 }
 *   detectors:
 *     - type: impulsive
 *     - type: rotor
 *       minDurationS: 3
 *     - type: siren
 *     - type: voice
 *       report: true
 *
 * Without `detectors`, all of them run with their defaults (voice gating only, not reporting).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { CircleArea } from '@popart/schemas';
import { ConfigReader, isPlainObject, join } from './config-reader.js';
import { AudioConfigError } from './errors.js';
import { AUDIO_DETECTOR_TYPES, audioPlugin, type AudioDetectorType } from './registry.js';

export interface AudioDetectorEntry {
  type: AudioDetectorType;
  config: unknown;
}

export interface MicrophoneConfig {
  id: string;
  /** Where the microphone is; events carry this circle as their area. */
  area: CircleArea | undefined;
  detectors: AudioDetectorEntry[];
}

export const MICROPHONE_FIELDS: Record<string, string> = {
  'microphone.id': 'sensor id put in every event (default "microphone")',
  'microphone.position.latitude': 'WGS 84 degrees',
  'microphone.position.longitude': 'WGS 84 degrees',
  'microphone.position.radius_m': 'radius of the area the microphone hears, metres (default 200)',
  detectors: `list of { type: ${AUDIO_DETECTOR_TYPES.join(' | ')}, enabled?: boolean, …its fields }; default: all`,
};

/** Validates a parsed configuration object; throws AudioConfigError naming every bad field. */
export function readMicrophoneConfig(raw: unknown, source?: string): MicrophoneConfig {
  const r = new ConfigReader(source);
  const root = r.object(raw, '', ['microphone', 'detectors']);
  const mic = r.object(root.microphone, 'microphone', ['id', 'position']);
  const id = r.string(mic, 'id', 'microphone', 'microphone', /^[A-Za-z0-9._:-]{1,128}$/);
  let area: CircleArea | undefined;
  if (mic.position !== undefined) {
    const pos = r.object(mic.position, 'microphone.position', ['latitude', 'longitude', 'radius_m']);
    const latitude = r.number(pos, 'latitude', 'microphone.position', NaN, { min: -90, max: 90 });
    const longitude = r.number(pos, 'longitude', 'microphone.position', NaN, { min: -180, max: 180 });
    const radius = r.number(pos, 'radius_m', 'microphone.position', 200, { min: 1, max: 100_000 });
    if (pos.latitude === undefined) r.issue('microphone.position.latitude', 'is required when a position is given');
    if (pos.longitude === undefined) r.issue('microphone.position.longitude', 'is required when a position is given');
    if (Number.isFinite(latitude) && Number.isFinite(longitude)) area = { shape: 'circle', latitude, longitude, radius_m: radius };
  }
  const detectors: AudioDetectorEntry[] = [];
  if (root.detectors === undefined) {
    for (const type of AUDIO_DETECTOR_TYPES) detectors.push({ type, config: audioPlugin(type)!.readConfig({}, `detectors.${type}`, r) });
  } else if (!Array.isArray(root.detectors)) {
    r.issue('detectors', 'must be a list of { type: … } entries');
  } else {
    const seen = new Set<string>();
    root.detectors.forEach((entry: unknown, i: number) => {
      const path = join('detectors', i);
      if (!isPlainObject(entry)) {
        r.issue(path, 'must be an object with a type');
        return;
      }
      const type = entry.type;
      const plugin = typeof type === 'string' ? audioPlugin(type) : undefined;
      if (!plugin) {
        r.issue(join(path, 'type'), `must be one of ${AUDIO_DETECTOR_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
        return;
      }
      if (seen.has(plugin.type)) r.issue(join(path, 'type'), `"${plugin.type}" is listed twice`);
      seen.add(plugin.type);
      const own = r.object(entry, path, ['type', 'enabled', ...Object.keys(plugin.fields)]);
      const enabled = r.boolean(own, 'enabled', path, true);
      const rest = Object.fromEntries(Object.entries(own).filter(([k]) => k !== 'type' && k !== 'enabled'));
      const config = plugin.readConfig(rest, path, r);
      if (enabled) detectors.push({ type: plugin.type as AudioDetectorType, config });
    });
  }
  r.done();
  // The voice detector runs first so that the others see this frame's speech probability.
  detectors.sort((a, b) => AUDIO_DETECTOR_TYPES.indexOf(a.type) - AUDIO_DETECTOR_TYPES.indexOf(b.type));
  return { id, area, detectors };
}

/** Reads a YAML or JSON file and validates it. */
export async function loadMicrophoneConfig(path: string): Promise<MicrophoneConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AudioConfigError([{ path: '(file)', message: `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}` }]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new AudioConfigError([{ path: '(file)', message: `not valid YAML: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}` }], path);
  }
  return readMicrophoneConfig(raw ?? {}, path);
}

/** The default configuration: every detector with its defaults. */
export function defaultMicrophoneConfig(id = 'microphone'): MicrophoneConfig {
  return { ...readMicrophoneConfig({}), id };
}
