/**
 * A scenario step that replays a recording through the node's detection pipeline: a Remote ID capture, an audio
 * recording or a video clip / image sequence, read by the same sensor sources, detectors, alert merging and STIX
 * conversion as a node's configured detection sources (node/src/modules/detection), so the alerts are those a live
 * sensor would have raised, then marked as exercise.
 *
 * The sensor is described like a node's detection source (config/detection-config.ts) without `enabled` and `restart`:
 * its recording (`input`) is a file relative to the scenario file, and its detector configuration is inline, a file
 * relative to the scenario, or the name of a configuration that ships in detection/examples (e.g. "camera"). Before a
 * run starts, every file must exist inside the folders a scenario may read (the scenario's own folder and the
 * detection package, whose fixtures and examples ship with the project) and every detector configuration must load.
 */
import { access, readdir, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { detectionSourceSchema, type DetectionSourceConfig } from '../../config/detection-config.js';
import { ConfigError } from '../../errors.js';
import { microphoneSettings } from '../detection/audio-source.js';
import { remoteIdSettings } from '../detection/remoteid-source.js';
import { cameraSettings } from '../detection/video-source.js';

/** The detection package's folder (its fixtures, evaluation images and example configurations ship with the project). */
export const DETECTION_DIR = resolve(dirname(createRequire(import.meta.url).resolve('@popart/detection')), '../..');
/** Where the sensor configurations a scenario may name live (`"config": "camera"` is detection/examples/camera.yaml). */
export const EXAMPLE_CONFIG_DIR = join(DETECTION_DIR, 'examples');

const SOURCE_FIELDS = Object.keys(detectionSourceSchema.innerType().shape).filter((k) => k !== 'enabled' && k !== 'restart');

export const sensorStep = z.object({
  at: z.number().min(0).describe('Seconds after the start (divided by --speed) at which the recording starts'),
  agency: z.string().describe('Agency key of the node whose sensor this is, e.g. pn'),
  user: z.string().describe('The user who publishes the alerts (an analyst, supervisor or operator of that agency)'),
  note: z.string().optional().describe('What happens, for the progress output'),
  sensor: z.record(z.string(), z.unknown()).describe(
    'A detection source as in the node configuration (id, kind, input, config, venue, position, tlp, audience, …): ' +
      'input is the recording, relative to the scenario file; config inline, a file relative to the scenario or the name of a shipped example',
  ),
}).strict().superRefine((step, ctx) => {
  for (const key of Object.keys(step.sensor)) {
    if (!SOURCE_FIELDS.includes(key)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sensor', key], message: `is not a sensor field (${SOURCE_FIELDS.join(', ')})` });
  }
  const parsed = detectionSourceSchema.safeParse(step.sensor);
  if (!parsed.success) for (const i of parsed.error.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sensor', ...i.path], message: i.message });
}).transform((step) => ({ ...step, sensor: detectionSourceSchema.parse(step.sensor) }));

export type SensorStep = z.infer<typeof sensorStep>;

/** A refusal naming the field: `steps.3.sensor.input`, and why. */
export interface StepIssue { property: string; message: string }

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

async function shippedConfigs(): Promise<string[]> {
  return (await readdir(EXAMPLE_CONFIG_DIR).catch(() => [])).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => f.replace(/\.(ya?ml|json)$/, '')).sort();
}

/**
 * The real path of a file a scenario names, if it is inside a folder the scenario may read; an image sequence
 * (`frames/%03d.jpg`) is checked by its folder. A message saying why otherwise.
 */
async function allowedFile(name: string, scenarioDir: string, allowed: readonly string[]): Promise<{ path: string } | { why: string }> {
  const path = isAbsolute(name) ? name : resolve(scenarioDir, name);
  const sequence = /%0?\d*d/.test(path);
  const checked = sequence ? dirname(path) : path;
  if (!(await exists(checked))) return { why: `${sequence ? 'the folder of the image sequence' : 'no such file'}: ${checked}` };
  const real = await realpath(checked);
  const inside = allowed.some((dir) => {
    const rel = relative(dir, real);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  });
  if (!inside) return { why: `${real} is outside the folders a scenario may read (${allowed.join(', ')})` };
  return { path: sequence ? join(real, path.slice(dirname(path).length + 1)) : real };
}

/**
 * Resolves the files of a sensor step (recording and configuration) against the scenario's folder and checks that its
 * detector configuration loads, so that a bad step is refused before the run starts. `index` is the step's place in
 * the file, for the field names. Returns the source configuration the replay runs, or the issues.
 */
export async function resolveSensorStep(step: SensorStep, index: number, scenarioDir: string): Promise<{ config: DetectionSourceConfig; issues: StepIssue[] }> {
  const field = `steps.${index}.sensor`;
  const allowed = await Promise.all([scenarioDir, DETECTION_DIR].map((d) => realpath(d).catch(() => d)));
  const issues: StepIssue[] = [];
  const s = step.sensor;
  const input = await allowedFile(s.input, scenarioDir, allowed);
  if ('why' in input) issues.push({ property: `${field}.input`, message: input.why });
  let config = s.config;
  if (typeof config === 'string') {
    if (/^[a-z0-9][a-z0-9-]*$/.test(config)) {
      const named = ['yaml', 'yml', 'json'].map((ext) => join(EXAMPLE_CONFIG_DIR, `${config as string}.${ext}`));
      const found = (await Promise.all(named.map(exists))).findIndex(Boolean);
      if (found < 0) issues.push({ property: `${field}.config`, message: `"${config}" is not a shipped sensor configuration (${(await shippedConfigs()).join(', ')}); give a file relative to the scenario or the document inline` });
      else config = named[found];
    } else {
      const file = await allowedFile(config, scenarioDir, allowed);
      if ('why' in file) issues.push({ property: `${field}.config`, message: file.why });
      else config = file.path;
    }
  }
  const resolved: DetectionSourceConfig = { ...s, input: 'path' in input ? input.path : s.input, ...(config === undefined ? {} : { config }) };
  if (issues.length === 0) {
    try {
      if (s.kind === 'remoteid') await remoteIdSettings(resolved, `${field}.config`);
      else if (s.kind === 'audio') await microphoneSettings(resolved, `${field}.config`);
      else cameraSettings(resolved, `${field}.config`, join(tmpdir(), 'popart-exercise-evidence'));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...(err.issues.length ? err.issues.map((i) => ({ property: i.property, message: i.message })) : [{ property: `${field}.config`, message: err.message }]));
    }
  }
  return { config: resolved, issues };
}
