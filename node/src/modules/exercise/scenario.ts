/**
 * Exercise scenarios: a timed script of what the participating agencies' nodes receive (prepared alerts and other STIX
 * objects, published as a named user of an agency; recordings replayed through the detection pipeline, sensor-step.ts)
 * and, optionally, what their operators do (responses), replayed by
 * `popart-node exercise run`. Each run gives every object a fresh id (the scenario's ids name objects within it), the
 * time of the run and the publishing agency's identity, and marks it as belonging to the run's exercise
 * (schemas/src/exercise.ts), so a scenario can be replayed any number of times and never yields a real object.
 */
import { readFile, readdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALERT_EXTENSION_ID, markedForExercise } from '@popart/schemas';
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { resolveSensorStep, sensorStep, type StepIssue } from './sensor-step.js';

const STIX_ID = /^[a-z0-9-]+--[0-9a-f-]{36}$/;
const ALERT_REF = /^(?:[a-z0-9-]+--[0-9a-f-]{36}|sensor:[A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/;

const publishStep = z.object({
  at: z.number().min(0).describe('Seconds after the start (divided by --speed)'),
  agency: z.string().describe('Agency key of the node, e.g. pn'),
  user: z.string().describe('The user who publishes (an analyst, supervisor or operator of that agency)'),
  note: z.string().optional().describe('What happens, for the progress output'),
  publish: z.array(z.record(z.string(), z.unknown())).min(1).describe('STIX objects; their ids are local to the scenario'),
}).strict();

const respondStep = z.object({
  at: z.number().min(0),
  agency: z.string(),
  user: z.string().describe('An operator or supervisor of that agency'),
  note: z.string().optional(),
  respond: z.object({
    alert: z.string().regex(ALERT_REF, 'must be the scenario id of a published alert, or "sensor:ID" (the first alert of that sensor step)')
      .describe('The scenario id of the alert, or sensor:ID for the first alert the sensor step of that id raised'),
    status: z.enum(['acknowledged', 'on-scene', 'resolved']),
    note: z.string().optional(),
  }).strict(),
}).strict();

const STEP_KINDS = ['publish', 'respond', 'sensor'] as const;
const STEP_SCHEMAS = { publish: publishStep, respond: respondStep, sensor: sensorStep } as const;

export const scenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/).describe('Short name, used in the exercise id'),
  title: z.string(),
  description: z.string(),
  steps: z.array(z.unknown().transform((raw, ctx) => {
    // The step's kind is the key it has; its own schema then names the faulty field (a union would only say "invalid").
    const kind = raw && typeof raw === 'object' ? STEP_KINDS.find((k) => k in raw) : undefined;
    if (!kind) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `a step has one of ${STEP_KINDS.join(', ')}` });
      return z.NEVER;
    }
    const parsed = STEP_SCHEMAS[kind].safeParse(raw);
    if (!parsed.success) {
      for (const i of parsed.error.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, path: i.path, message: i.message });
      return z.NEVER;
    }
    return parsed.data as z.infer<typeof publishStep> | z.infer<typeof respondStep> | z.infer<typeof sensorStep>;
  })).min(1),
}).strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = Scenario['steps'][number];

/** The folder of the scenarios that ship with the node (node/scenarios). */
export const SCENARIO_DIR = fileURLToPath(new URL('../../../../scenarios/', import.meta.url));

export async function listScenarios(dir = SCENARIO_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

const refusal = (nameOrPath: string, issues: StepIssue[]): InputError => new InputError('INVALID_ARGUMENT',
  `scenario ${nameOrPath}: ${issues.map((i) => `${i.property}: ${i.message}`).join('; ')}`,
  { issues: issues.map((i) => ({ objectIndex: null, objectId: null, ...i })) });

/**
 * A scenario by name (one that ships) or by file path; a bad file is refused naming the field and why. A sensor step's
 * files are resolved against the scenario's folder and checked (inside the folders a scenario may read, present, its
 * detector configuration loading) before anything runs; a response to `sensor:ID` needs a sensor step of that id.
 */
export async function loadScenario(nameOrPath: string, dir = SCENARIO_DIR): Promise<Scenario> {
  const path = nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? nameOrPath : `${dir}${nameOrPath}.json`;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InputError('INVALID_ARGUMENT', `scenario ${nameOrPath}: ${(err as Error).message} (shipped: ${(await listScenarios(dir)).join(', ')})`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issues: StepIssue[] = parsed.error.issues.map((i) => ({ property: i.path.join('.'), message: i.message }));
    // The well-formed sensor steps' files are checked too, so that one refusal names every fault of the file.
    const rawSteps = (raw as { steps?: unknown } | null)?.steps;
    for (const [i, step] of (Array.isArray(rawSteps) ? rawSteps : []).entries()) {
      const sensor = sensorStep.safeParse(step);
      if (sensor.success) issues.push(...(await resolveSensorStep(sensor.data, i, dirname(resolve(path)))).issues);
    }
    throw refusal(nameOrPath, issues);
  }
  const issues: StepIssue[] = [];
  const steps = await Promise.all(parsed.data.steps.map(async (step, i) => {
    if (!('sensor' in step)) return step;
    const resolved = await resolveSensorStep(step, i, dirname(resolve(path)));
    issues.push(...resolved.issues);
    return { ...step, sensor: resolved.config };
  }));
  const sensors = new Map(steps.flatMap((s) => ('sensor' in s ? [[s.sensor.id, s.at] as const] : [])));
  for (const [i, step] of steps.entries()) {
    if (!('respond' in step) || !step.respond.alert.startsWith('sensor:')) continue;
    const at = sensors.get(step.respond.alert.slice('sensor:'.length));
    if (at === undefined || at > step.at) issues.push({ property: `steps.${i}.respond.alert`, message: `no sensor step of id "${step.respond.alert.slice(7)}" starts at or before this step` });
  }
  if (issues.length) throw refusal(nameOrPath, issues);
  return { ...parsed.data, steps: steps.sort((a, b) => a.at - b.at) };
}

/** A new exercise id for a run of the scenario: its name and the start time, e.g. stadium-drone-20261206T120300. */
export function exerciseIdFor(scenario: Scenario, now = new Date()): string {
  return `${scenario.name}-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
}

const TIME_PROPERTIES = ['created', 'modified', 'valid_from', 'first_seen', 'last_seen', 'first_observed', 'last_observed'];

/**
 * The objects of a step as this run publishes them: scenario ids replaced by the run's (the same id gives the same new
 * id across steps), times set to now, the alert's expiry `expires_in_s` (default 2 h) from now, created_by_ref the
 * publishing agency's identity, and the exercise mark.
 */
export function materialise(objects: readonly Record<string, unknown>[], run: { exercise: string; ids: Map<string, string>; identity: string; now: Date }): Record<string, unknown>[] {
  const at = run.now.toISOString();
  const idOf = (id: string): string => {
    if (!STIX_ID.test(id) || id.startsWith('marking-definition--') || id.startsWith('extension-definition--') || id.startsWith('identity--')) return id;
    let fresh = run.ids.get(id);
    if (!fresh) {
      fresh = `${id.slice(0, id.indexOf('--'))}--${randomUUID()}`;
      run.ids.set(id, fresh);
    }
    return fresh;
  };
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return idOf(value);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  return objects.map((original) => {
    const obj = rewrite(original) as Record<string, unknown>;
    for (const p of TIME_PROPERTIES) if (p in obj) obj[p] = at;
    if (typeof obj.created_by_ref === 'string') obj.created_by_ref = run.identity;
    const ext = (obj.extensions as Record<string, Record<string, unknown>> | undefined)?.[ALERT_EXTENSION_ID];
    if (ext) {
      const ttl = typeof ext.expires_in_s === 'number' ? ext.expires_in_s : 7200;
      delete ext.expires_in_s;
      ext.expires = new Date(run.now.getTime() + ttl * 1000).toISOString();
    }
    return markedForExercise(obj, run.exercise);
  });
}
