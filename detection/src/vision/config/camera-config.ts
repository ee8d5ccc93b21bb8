/**
 * The camera configuration (YAML): where frames come from, which detector, the tracker, the ground calibration and
 * position, the zones and the rules. Loaded once and validated: every problem is reported with its field path and line.
 * Relative paths (model, evidence folder) are resolved against the configuration file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { parseDetectorsConfig, type DetectorConfig } from '../detectors/registry.js';
import { CameraGeometry, type Calibration } from '../geometry/camera-geometry.js';
import type { GeoOrigin } from '../geometry/geo.js';
import { selfIntersects, type Point } from '../geometry/polygon.js';
import { parseRulesConfig, type RulesConfig } from '../rules/registry.js';
import type { Zone } from '../rules/rule.js';
import { DEFAULT_TRACKER, type TrackerConfig } from '../tracking/tracker.js';
import { CameraConfigError, type ConfigPath } from './config-error.js';
import { describe, Fields, isRecord, type Raw } from './fields.js';
import type { SourceKind } from '../../video-ingest/source-kind.js';

export interface SourceConfig {
  /** File, image pattern or URL; the command line's input overrides it. */
  input?: string;
  kind?: SourceKind;
  fps: number;
  width: number;
  height: number;
  queueFrames: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number; maxAttempts: number };
  stallTimeoutMs: number;
  rtspTransport: 'tcp' | 'udp';
  /** RTSP push: listen on the rtsp:// URL's port for a camera or encoder that publishes to it (ANNOUNCE/RECORD). */
  rtspListen: boolean;
}

export interface EventsConfig {
  /** An open event is re-emitted (same id) at most this often, seconds, unless its severity changes. */
  updateIntervalS: number;
  /** An event ends when its condition has not been seen for this long, seconds. */
  closeAfterS: number;
}

export interface EvidenceConfig {
  enabled: boolean;
  /** Folder on the node where snapshots are written. */
  dir: string;
  /** ffmpeg JPEG quality, 2 (best) … 31. */
  quality: number;
  /** Outline the boxes that triggered the event. */
  drawBoxes: boolean;
}

export interface CameraConfig {
  camera: { id: string; name?: string; position?: GeoOrigin; viewRadiusM: number };
  source: SourceConfig;
  /** The detectors run on every frame, their detections combined (the `detector` section: one mapping or a list). */
  detectors: DetectorConfig[];
  /** The first of `detectors`. */
  detector: DetectorConfig;
  tracker: TrackerConfig;
  calibration?: Calibration;
  zones: Zone[];
  rules: RulesConfig;
  events: EventsConfig;
  evidence: EvidenceConfig;
  /** Where the file was read from (for messages), when it was. */
  file?: string;
}

const TOP_LEVEL = ['camera', 'source', 'detector', 'tracker', 'calibration', 'zones', 'rules', 'events', 'evidence'] as const;

function parseCamera(raw: Raw, f: Fields): CameraConfig['camera'] {
  const c = f.object(raw.camera, ['camera'], ['id', 'name', 'position', 'viewRadiusM'], true);
  const id = f.requiredString(c, 'id', ['camera']);
  if (id && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) f.issue(['camera', 'id'], `must be letters, digits, ".", "_" or "-" (at most 64), got "${id}"`);
  const camera: CameraConfig['camera'] = { id, viewRadiusM: f.number(c, 'viewRadiusM', ['camera'], 300, { above: 0, max: 100_000 }) };
  const name = f.string(c, 'name', ['camera'], undefined);
  if (name) camera.name = name;
  if (c?.position !== undefined) {
    const p = f.object(c.position, ['camera', 'position'], ['type', 'coordinates'], true);
    if (p) {
      if (p.type !== 'Point') f.issue(['camera', 'position', 'type'], `must be "Point" (a GeoJSON Point), got ${describe(p.type)}`);
      const coords = p.coordinates;
      if (!Array.isArray(coords) || (coords.length !== 2 && coords.length !== 3) || !coords.every((n) => typeof n === 'number' && Number.isFinite(n))) {
        f.issue(['camera', 'position', 'coordinates'], `must be [longitude, latitude] in WGS 84 degrees, got ${JSON.stringify(coords) ?? 'nothing'}`);
      } else {
        const [lon, lat] = coords as [number, number];
        if (Math.abs(lon) > 180 || Math.abs(lat) > 90) f.issue(['camera', 'position', 'coordinates'], `[${lon}, ${lat}] is not a WGS 84 [longitude, latitude]`);
        else camera.position = { longitude: lon, latitude: lat };
      }
    }
  }
  return camera;
}

function parseSource(raw: Raw, f: Fields, baseDir: string): SourceConfig {
  const path = ['source'];
  const s = f.object(raw.source, path, ['input', 'kind', 'fps', 'width', 'height', 'queueFrames', 'reconnect', 'stallTimeoutS', 'rtspTransport', 'rtspListen']);
  const r = f.object(s?.reconnect, [...path, 'reconnect'], ['initialDelayS', 'maxDelayS', 'maxAttempts']);
  const rp = [...path, 'reconnect'];
  const source: SourceConfig = {
    fps: f.number(s, 'fps', path, 5, { above: 0, max: 120 }),
    width: f.number(s, 'width', path, 640, { min: 16, max: 7680, integer: true }),
    height: f.number(s, 'height', path, 360, { min: 16, max: 4320, integer: true }),
    queueFrames: f.number(s, 'queueFrames', path, 4, { min: 1, max: 256, integer: true }),
    reconnect: {
      initialDelayMs: 1000 * f.number(r, 'initialDelayS', rp, 0.5, { above: 0, max: 3600 }),
      maxDelayMs: 1000 * f.number(r, 'maxDelayS', rp, 30, { above: 0, max: 86_400 }),
      maxAttempts: f.number(r, 'maxAttempts', rp, 0, { min: 0, max: 1_000_000, integer: true }),
    },
    stallTimeoutMs: 1000 * f.number(s, 'stallTimeoutS', path, 10, { above: 0, max: 3600 }),
    rtspTransport: f.oneOf(s, 'rtspTransport', path, ['tcp', 'udp'] as const, 'tcp'),
    rtspListen: f.boolean(s, 'rtspListen', path, false),
  };
  const input = f.string(s, 'input', path, undefined);
  if (input) source.input = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) || isAbsolute(input) ? input : resolve(baseDir, input);
  if (s?.kind !== undefined) source.kind = f.oneOf(s, 'kind', path, ['file', 'image-sequence', 'live'] as const, 'file');
  return source;
}

function parseTracker(raw: Raw, f: Fields): TrackerConfig {
  const path = ['tracker'];
  const t = f.object(raw.tracker, path, Object.keys(DEFAULT_TRACKER));
  const d = DEFAULT_TRACKER;
  const unit = { min: 0, max: 1 };
  const tracker: TrackerConfig = {
    highScore: f.number(t, 'highScore', path, d.highScore, unit),
    lowScore: f.number(t, 'lowScore', path, d.lowScore, unit),
    newTrackScore: f.number(t, 'newTrackScore', path, d.newTrackScore, unit),
    matchIou: f.number(t, 'matchIou', path, d.matchIou, unit),
    lowMatchIou: f.number(t, 'lowMatchIou', path, d.lowMatchIou, unit),
    minHits: f.number(t, 'minHits', path, d.minHits, { min: 1, max: 100, integer: true }),
    maxLostS: f.number(t, 'maxLostS', path, d.maxLostS, { min: 0, max: 600 }),
    classAware: f.boolean(t, 'classAware', path, d.classAware),
    historyS: f.number(t, 'historyS', path, d.historyS, { min: 1, max: 600 }),
  };
  if (tracker.lowScore > tracker.highScore) f.issue([...path, 'lowScore'], `must not exceed tracker.highScore (${tracker.highScore})`);
  return tracker;
}

function parseCalibration(raw: Raw, f: Fields): Calibration | undefined {
  const path = ['calibration'];
  const c = f.object(raw.calibration, path, ['homography', 'metresPerPixel']);
  if (!c) return undefined;
  if (c.homography !== undefined && c.metresPerPixel !== undefined) {
    f.issue(path, 'give either homography or metresPerPixel, not both');
    return undefined;
  }
  if (c.metresPerPixel !== undefined) {
    const m = f.number(c, 'metresPerPixel', path, undefined, { above: 0, max: 1000 });
    return m === undefined ? undefined : { kind: 'scale', metresPerPixel: m };
  }
  const hp = [...path, 'homography'];
  const h = f.object(c.homography, hp, ['image', 'ground', 'groundMetres'], true);
  if (!h) {
    if (c.homography === undefined) f.issue(path, 'must give homography (4 image points and 4 ground points) or metresPerPixel');
    return undefined;
  }
  const image = f.pairs(h, 'image', hp, '[x, y] in pixels', 4, 4);
  if (h.image === undefined) f.issue([...hp, 'image'], 'is required: 4 image points [x, y] in pixels');
  if ((h.ground === undefined) === (h.groundMetres === undefined)) {
    f.issue(hp, 'give exactly one of ground (4 points [longitude, latitude], WGS 84) or groundMetres (4 points [east, north] metres from camera.position)');
    return undefined;
  }
  const units = h.ground !== undefined ? 'wgs84' : 'metres';
  const key = units === 'wgs84' ? 'ground' : 'groundMetres';
  const ground = f.pairs(h, key, hp, units === 'wgs84' ? '[longitude, latitude]' : '[east, north] in metres', 4, 4);
  if (ground && units === 'wgs84') {
    ground.forEach(([lon, lat], i) => {
      if (Math.abs(lon) > 180 || Math.abs(lat) > 90) f.issue([...hp, 'ground', i], `[${lon}, ${lat}] is not a WGS 84 [longitude, latitude]`);
    });
  }
  return image && ground ? { kind: 'homography', image, ground, groundUnits: units } : undefined;
}

function parseZones(raw: Raw, f: Fields, source: SourceConfig, geometry: CameraGeometry | undefined): Zone[] {
  const list = f.list(raw, 'zones', []);
  if (!list) return [];
  const zones: Zone[] = [];
  const names = new Set<string>();
  list.forEach((item, i) => {
    const p = ['zones', i];
    const z = f.object(item, p, ['name', 'polygon', 'sky'], true);
    if (!z) return;
    const name = f.requiredString(z, 'name', p);
    if (name && names.has(name)) f.issue([...p, 'name'], `zone "${name}" is defined twice`);
    names.add(name);
    const polygon = f.pairs(z, 'polygon', p, '[x, y] in pixels', 3);
    if (z.polygon === undefined) f.issue([...p, 'polygon'], 'is required: at least 3 points [x, y] in pixels');
    const sky = f.boolean(z, 'sky', p, false);
    if (!polygon) return;
    const outside = polygon.findIndex(([x, y]) => x < 0 || y < 0 || x > source.width || y > source.height);
    if (outside >= 0) f.issue([...p, 'polygon', outside], `point [${polygon[outside]!.join(', ')}] is outside the ${source.width}x${source.height} frame (source.width × source.height)`);
    if (selfIntersects(polygon)) f.issue([...p, 'polygon'], 'edges cross each other: list the points in order around the zone');
    const zone: Zone = { name, polygon: polygon as Point[], sky };
    if (!sky && geometry?.calibrated) {
      const area = geometry.areaM2(polygon);
      if (area === undefined) f.issue([...p, 'polygon'], 'part of this ground zone lies above the horizon of the calibration (mark it sky: true, or redraw it on the ground)');
      else zone.areaM2 = area;
    }
    zones.push(zone);
  });
  return zones;
}

export interface ParseOptions {
  /** Folder against which relative paths resolve (default: the file's folder, else the working directory). */
  baseDir?: string;
  /** For messages. */
  file?: string;
  /** Line lookup for a field path (set by parseCameraYaml). */
  locate?: (path: ConfigPath) => number | undefined;
}

/** Validates a parsed configuration object. Throws CameraConfigError listing every problem. */
export function validateCameraConfig(value: unknown, options: ParseOptions = {}): CameraConfig {
  const f = new Fields(options.locate);
  const baseDir = options.baseDir ?? (options.file ? dirname(resolve(options.file)) : process.cwd());
  if (!isRecord(value)) {
    f.issue([], `must be a YAML mapping with ${TOP_LEVEL.join(', ')}, got ${describe(value)}`);
    f.check(options.file);
  }
  const raw = f.object(value, [], TOP_LEVEL) ?? {};
  const camera = parseCamera(raw, f);
  const source = parseSource(raw, f, baseDir);
  const detectors = parseDetectorsConfig(raw.detector, ['detector'], f, { baseDir });
  const tracker = parseTracker(raw, f);
  const calibration = parseCalibration(raw, f);
  let geometry: CameraGeometry | undefined;
  try {
    const options = { width: source.width, height: source.height, viewRadiusM: camera.viewRadiusM };
    geometry = new CameraGeometry({ ...options, ...(calibration ? { calibration } : {}), ...(camera.position ? { position: camera.position } : {}) });
  } catch (e) {
    f.issue(['calibration', 'homography', 'image'], e instanceof Error ? e.message : String(e));
  }
  const zones = parseZones(raw, f, source, geometry);
  detectors.forEach((d, i) => {
    if (d.tiles?.auto && !calibration) f.issue(Array.isArray(raw.detector) ? ['detector', i, 'tiles', 'auto'] : ['detector', 'tiles', 'auto'], 'needs a calibration (the grid follows the person size it predicts): give calibration, or tiles.grid');
  });
  const rules = parseRulesConfig(raw.rules, ['rules'], f, {
    zones: new Map(zones.map((z) => [z.name, z])), calibrated: !!calibration, pose: detectors.some((d) => d.kind === 'movenet'),
  });
  const e = f.object(raw.events, ['events'], ['updateIntervalS', 'closeAfterS']);
  const events: EventsConfig = {
    updateIntervalS: f.number(e, 'updateIntervalS', ['events'], 10, { min: 0, max: 86_400 }),
    closeAfterS: f.number(e, 'closeAfterS', ['events'], 3, { above: 0, max: 86_400 }),
  };
  const ev = f.object(raw.evidence, ['evidence'], ['enabled', 'dir', 'quality', 'drawBoxes']);
  const dir = f.string(ev, 'dir', ['evidence'], 'evidence');
  const evidence: EvidenceConfig = {
    enabled: f.boolean(ev, 'enabled', ['evidence'], true),
    dir: isAbsolute(dir) ? dir : resolve(baseDir, dir),
    quality: f.number(ev, 'quality', ['evidence'], 4, { min: 2, max: 31, integer: true }),
    drawBoxes: f.boolean(ev, 'drawBoxes', ['evidence'], true),
  };
  f.check(options.file);
  const config: CameraConfig = { camera, source, detectors, detector: detectors[0]!, tracker, zones, rules, events, evidence };
  if (calibration) config.calibration = calibration;
  if (options.file) config.file = options.file;
  return config;
}

/** Parses and validates YAML text; YAML syntax errors are reported with their line. */
export function parseCameraYaml(text: string, options: ParseOptions = {}): CameraConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new CameraConfigError(doc.errors.map((e) => ({
      path: '(YAML syntax)',
      message: e.message.split('\n')[0] ?? e.message,
      ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}),
    })), options.file);
  }
  const locate = (path: ConfigPath): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
      const offset = node && (isMap(node) || isSeq(node) || 'range' in node) ? node.range?.[0] : undefined;
      if (offset !== undefined) return lineCounter.linePos(offset).line;
    }
    return undefined;
  };
  return validateCameraConfig(doc.toJS(), { ...options, locate });
}

/** Reads, parses and validates a camera YAML file. */
export function loadCameraConfig(file: string): CameraConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CameraConfigError([{ path: '(file)', message: code === 'ENOENT' ? 'configuration file not found' : `cannot read (${code ?? String(cause)})` }], file);
  }
  return parseCameraYaml(text, { file, baseDir: dirname(resolve(file)) });
}

/** The camera geometry a configuration describes. */
export function cameraGeometry(config: CameraConfig): CameraGeometry {
  return new CameraGeometry({
    width: config.source.width,
    height: config.source.height,
    viewRadiusM: config.camera.viewRadiusM,
    ...(config.calibration ? { calibration: config.calibration } : {}),
    ...(config.camera.position ? { position: config.camera.position } : {}),
  });
}
