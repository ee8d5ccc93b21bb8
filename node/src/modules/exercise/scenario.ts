/**
 * Exercise scenarios: a timed script of what the participating agencies' nodes receive (prepared alerts and other STIX
 * objects, published as a named user of an agency) and, optionally, what their operators do (responses), replayed by
 * `popart-node exercise run`. Each run gives every object a fresh id (the scenario's ids name objects within it), the
 * time of the run and the publishing agency's identity, and marks it as belonging to the run's exercise
 * (schemas/src/exercise.ts), so a scenario can be replayed any number of times and never yields a real object.
 */
import { readFile, readdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ALERT_EXTENSION_ID, markedForExercise } from '@popart/schemas';
import { z } from 'zod';
import { InputError } from '../../errors.js';

const STIX_ID = /^[a-z0-9-]+--[0-9a-f-]{36}$/;

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
    alert: z.string().regex(STIX_ID).describe('The scenario id of the alert'),
    status: z.enum(['acknowledged', 'on-scene', 'resolved']),
    note: z.string().optional(),
  }).strict(),
}).strict();

export const scenarioSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/).describe('Short name, used in the exercise id'),
  title: z.string(),
  description: z.string(),
  steps: z.array(z.union([publishStep, respondStep])).min(1),
}).strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = Scenario['steps'][number];

/** The folder of the scenarios that ship with the node (node/scenarios). */
export const SCENARIO_DIR = fileURLToPath(new URL('../../../../scenarios/', import.meta.url));

export async function listScenarios(dir = SCENARIO_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/** A scenario by name (one that ships) or by file path; a bad file is refused naming the field and why. */
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
    const issues = parsed.error.issues.map((i) => ({ objectIndex: null, objectId: null, property: i.path.join('.'), message: i.message }));
    throw new InputError('INVALID_ARGUMENT', `scenario ${nameOrPath}: ${issues.map((i) => `${i.property}: ${i.message}`).join('; ')}`, { issues });
  }
  const steps = [...parsed.data.steps].sort((a, b) => a.at - b.at);
  return { ...parsed.data, steps };
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
