/**
 * The `detection` section of a node's configuration: the sensors the node runs continuously and whose alerts it
 * publishes as its agency. Every field is described; node/src/config/config.ts includes this schema.
 */
import { z } from 'zod';
import { checkUniqueIds } from './unique-ids.js';
import { ALERT_CATEGORIES, MAX_GUIDANCE_CHARS, TLP_ORDER, type TlpLevel } from '@popart/schemas';

export const DETECTION_SOURCE_KINDS = ['remoteid', 'audio', 'video'] as const;
export type DetectionSourceKind = (typeof DETECTION_SOURCE_KINDS)[number];

const severity = z.enum(['low', 'medium', 'high', 'critical']);

export const detectionSourceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_", ":" or "-"')
    .describe('Sensor id (receiver, microphone, camera): the `source` of its events, in logs and in the alerts'),
  kind: z.enum(DETECTION_SOURCE_KINDS).describe('remoteid: Remote ID receiver; audio: microphone; video: camera'),
  enabled: z.boolean().default(true).describe('A disabled source is listed but not run'),
  input: z.string().min(1).describe(
    'What the source reads. remoteid: a pcap/pcapng capture file or udp://HOST:PORT (live feed of raw frames); ' +
      'audio and video: a file, an image sequence (video) or a stream URL (rtsp://, http://, udp://…)',
  ),
  config: z.union([z.string().min(1), z.record(z.unknown())]).optional().describe(
    'Detector configuration, a file path (YAML or JSON, relative to the working directory) or the same document inline. ' +
      'remoteid: restricted zones ({ zones: [...] } or a GeoJSON FeatureCollection, plus optional receiver: ' +
      '{ eventUpdateIntervalS, dropAfterS, feedPort }); audio: the microphone config (popart audio --help); ' +
      'video: the camera config (detection/examples/camera.yaml). Remote ID needs zones; audio defaults to every detector',
  ),
  venue: z.string().min(1).max(500).describe('The public space the sensor watches, as shown in its alerts (e.g. "Estadio Santiago Bernabéu")'),
  eventName: z.string().min(1).max(500).optional().describe('The gathering, if any (e.g. "Liga match, 21:00")'),
  tlp: z.enum(TLP_ORDER as unknown as [TlpLevel, ...TlpLevel[]]).default('green').describe(
    'TLP 2.0 marking of the published objects. green (default): every agency of the network, local and regional ones ' +
      'for their territory; amber: the agencies named in `audience` (and partners by agreement); amber+strict / red: this agency only',
  ),
  audience: z.array(z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be an agency key such as "mad"')).default([])
    .describe('Agency keys the alerts are addressed to (the alert\'s audience_refs); required with tlp amber'),
  position: z.object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    radius_m: z.number().positive().max(100_000).default(100),
  }).optional().describe('Where the sensor is (WGS 84) and the radius it covers: the area of events that carry none (a microphone without direction)'),
  minSeverity: severity.default('low').describe('Events below this severity are not published'),
  categories: z.array(z.enum(ALERT_CATEGORIES)).min(1).optional().describe('Publish only events of these categories (default: all)'),
  republishIntervalS: z.number().positive().max(86_400).default(60).describe(
    'An open event whose severity, confidence and area have not changed materially is re-published (a new version of the same alert) at most this often, in event time',
  ),
  alertTtlS: z.number().positive().max(7 * 86_400).optional().describe('Seconds an alert stays valid after its last observation (default by category: drone 30 min, gunshot 1 h, …)'),
  endedTtlS: z.number().positive().max(86_400).default(600).describe('Seconds an ended alert stays valid after its last observation'),
  guidance: z.record(z.enum(ALERT_CATEGORIES), z.string().min(1).max(MAX_GUIDANCE_CHARS)).optional()
    .describe('Guidance for operators replacing the built-in text of some categories'),
  restart: z.object({
    initialDelayS: z.number().positive().default(1).describe('Wait before the first restart of a failed source'),
    maxDelayS: z.number().positive().default(60).describe('Longest wait between restarts (the wait doubles after each failure)'),
    maxAttempts: z.number().int().min(0).default(0).describe('Restarts in a row before giving up (0 = never give up)'),
  }).default({}).describe(
    'Restart with backoff when the source fails; a file that was read to its end is not read again. A live camera or ' +
      'microphone input is reconnected by its ingest with these settings (they replace a camera configuration\'s ' +
      '`source.reconnect`); once the ingest gives it up the source is failed, not restarted again (one retry level)',
  ),
}).superRefine((s, ctx) => {
  if (s.tlp === 'amber' && s.audience.length === 0) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['audience'], message: 'tlp "amber" needs the agencies the alerts are for (agency keys); without them no other agency could see them' });
  }
  if (s.restart.maxDelayS < s.restart.initialDelayS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['restart', 'maxDelayS'], message: 'must not be less than initialDelayS' });
  }
  if (s.kind === 'remoteid' && s.config === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['config'], message: 'a Remote ID source needs its restricted zones (a file path or { zones: [...] })' });
  }
  if (s.kind === 'video' && s.config === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['config'], message: 'a video source needs its camera configuration (a file path or the document inline)' });
  }
});

export const detectionConfigSchema = z.object({
  sources: z.array(detectionSourceSchema).default([]).describe('Sensors this node runs and publishes alerts from'),
}).superRefine((d, ctx) => {
  checkUniqueIds(d.sources, ctx, (id, first) => `"${id}" is already the id of sources[${first}]`, ['sources']);
}).describe('Detection sources run by the node (Remote ID receivers, microphones, cameras); their alerts are published as this agency');

export type DetectionConfig = z.infer<typeof detectionConfigSchema>;
export type DetectionSourceConfig = z.infer<typeof detectionSourceSchema>;
