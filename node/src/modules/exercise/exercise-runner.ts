/**
 * Replays a scenario into the participating agencies' nodes through their GraphQL APIs, as the users it names: the
 * same road a detection system or an analyst takes, so what the nodes receive is what they would receive in an event,
 * marked as exercise. A sensor step's recording runs through the detection pipeline beside the other steps
 * (sensor-replay.ts); a response may name its first alert. Also gathers an exercise's report from several nodes (each
 * node knows its own users' deliveries).
 */
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExerciseAlertReport, ExerciseEvent } from './exercise-service.js';
import { NodeApi, type NodeClient } from './node-api.js';
import { materialise, type Scenario } from './scenario.js';
import { replaySensor } from './sensor-replay.js';

export type { NodeClient } from './node-api.js';

export interface RunOptions extends NodeClient {
  scenario: Scenario;
  exercise: string;
  /** Scenario seconds per real second (10: ten times faster). */
  speed: number;
  log: (line: string) => void;
}

export interface RunResult {
  exercise: string;
  /** Scenario id → the id this run gave it (`sensor:ID` → the first alert that sensor raised). */
  ids: Map<string, string>;
  /** Sensor step id → the alerts its recording raised, in order. */
  sensorAlerts: Map<string, string[]>;
  steps: number;
}

/** The first alert of a sensor step, for the responses that name it (`sensor:ID`). */
class FirstAlert {
  readonly promise: Promise<string>;
  resolve!: (id: string) => void;
  reject!: (err: Error) => void;
  constructor() {
    this.promise = new Promise((res, rej) => Object.assign(this, { resolve: res, reject: rej }));
    this.promise.catch(() => undefined);
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Runs the scenario's steps at their times (divided by `speed`), printing each as it goes. */
export async function runExercise(o: RunOptions): Promise<RunResult> {
  if (!(o.speed > 0)) throw new Error(`--speed: must be a number above 0, got ${o.speed}`);
  const api = new NodeApi(o);
  const ids = new Map<string, string>();
  const identities = new Map<string, string>();
  const sensorAlerts = new Map<string, string[]>();
  const firstAlerts = new Map<string, FirstAlert>();
  const replays: Promise<void>[] = [];
  const stopReplays = new AbortController();
  let failure: unknown = null;
  const start = Date.now();
  const total = o.scenario.steps.length;
  o.log(`exercise ${o.exercise}: "${o.scenario.title}", ${total} steps over ${o.scenario.steps.at(-1)!.at} s of scenario time at ×${o.speed}`);
  try {
    for (const [i, step] of o.scenario.steps.entries()) {
      const due = start + (step.at * 1000) / o.speed;
      if (due > Date.now()) await sleep(due - Date.now());
      if (failure) throw failure;
      const head = `[${i + 1}/${total}] +${step.at} s (${seconds(Date.now() - start)}) ${step.user}@${step.agency}`;
      if ('publish' in step) {
        let identity = identities.get(step.agency);
        if (!identity) {
          identity = (await api.call<{ me: { agency: { identityId: string } } }>(step.agency, step.user, '{ me { agency { identityId } } }')).me.agency.identityId;
          identities.set(step.agency, identity);
        }
        const objects = materialise(step.publish, { exercise: o.exercise, ids, identity, now: new Date() });
        const r = await api.call<{ publishBundle: { status: string; blockNumber: number | null } }>(step.agency, step.user,
          'mutation($b: JSON!) { publishBundle(bundle: $b) { status blockNumber } }', { b: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects } });
        o.log(`${head} published ${objects.length} object(s) ${r.publishBundle.status}${r.publishBundle.blockNumber !== null ? ` in block ${r.publishBundle.blockNumber}` : ''}${step.note ? `: ${step.note}` : ''}`);
      } else if ('sensor' in step) {
        const s = step.sensor;
        const first = new FirstAlert();
        const raised: string[] = [];
        firstAlerts.set(s.id, first);
        sensorAlerts.set(s.id, raised);
        o.log(`${head} sensor ${s.id} (${s.kind}) replays ${basename(s.input)}${step.note ? `: ${step.note}` : ''}`);
        const replay = replaySensor({
          api, agency: step.agency, user: step.user, sensor: s, exercise: o.exercise, speed: o.speed, startMs: Date.now(),
          signal: stopReplays.signal, log: o.log,
          onAlert: (id) => {
            if (raised.push(id) === 1) ids.set(`sensor:${s.id}`, id);
            first.resolve(id);
            o.log(`  sensor ${s.id} (${seconds(Date.now() - start)}): alert ${id}`);
          },
        });
        replays.push(replay.then((status) => {
          first.reject(new Error(`sensor ${s.id} raised no alert from ${basename(s.input)}`));
          o.log(`  sensor ${s.id} (${seconds(Date.now() - start)}): ${basename(s.input)} replayed, ${status.events} event(s), ${status.published} alert version(s) published, ${status.filtered} filtered, ${status.refused} refused`);
        }, (err: unknown) => {
          first.reject(err instanceof Error ? err : new Error(String(err)));
          failure ??= err;
        }));
      } else {
        const ref = step.respond.alert;
        const alertId = ref.startsWith('sensor:') ? await firstAlerts.get(ref.slice('sensor:'.length))?.promise : ids.get(ref);
        if (!alertId) throw new Error(`step ${i + 1}: responds to ${ref}, which no earlier step published`);
        await waitVisible(api, step.agency, step.user, alertId, o.exercise);
        await api.call(step.agency, step.user, 'mutation($id: ID!, $s: ResponseStatus!, $n: String, $e: ID) { respondToAlert(alertId: $id, status: $s, note: $n, exercise: $e) { id } }',
          { id: alertId, s: step.respond.status.replace('-', '_').toUpperCase(), n: step.respond.note ?? null, e: o.exercise });
        o.log(`${head} ${step.respond.status}${step.note ? `: ${step.note}` : ''}`);
      }
    }
    await Promise.all(replays);
    if (failure) throw failure;
  } finally {
    stopReplays.abort();
    await Promise.all(replays);
  }
  o.log(`exercise ${o.exercise}: ${total} steps done in ${seconds(Date.now() - start)}; report: popart-node exercise report ${o.exercise}`);
  return { exercise: o.exercise, ids, sensorAlerts, steps: total };
}

/** Waits (up to 20 s) until the alert has reached the responder's node. */
async function waitVisible(api: NodeApi, agency: string, user: string, id: string, exercise: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const d = await api.call<{ threat: { id: string } | null }>(agency, user, 'query($id: ID!, $e: ID) { threat(id: $id, exercise: $e, purpose: "exercise") { id } }', { id, e: exercise });
    if (d.threat) return;
    await sleep(200);
  }
  throw new Error(`${id} did not reach ${agency}'s node for ${user} within 20 s`);
}

/** One alert's timeline gathered from several nodes (each event once). */
export type MergedAlert = Omit<ExerciseAlertReport, 'events'> & { events: ExerciseEvent[] };

/** The report of the exercise from each node (as a supervisor or auditor of it), merged per alert. */
export async function gatherReport(client: NodeClient, exercise: string, reporters: Record<string, string>): Promise<MergedAlert[]> {
  const api = new NodeApi(client);
  const alerts = new Map<string, MergedAlert>();
  for (const [agency, user] of Object.entries(reporters)) {
    const d = await api.call<{ exerciseReport: { alerts: ExerciseAlertReport[] } }>(agency, user,
      'query($e: ID!) { exerciseReport(exercise: $e) { alerts { alertId category severity publisher publishedAt events { at kind who agency afterSeconds } } } }', { e: exercise });
    for (const a of d.exerciseReport.alerts) {
      const merged = alerts.get(a.alertId) ?? { ...a, events: [] };
      const seen = new Set(merged.events.map((e) => `${e.kind}\0${e.who}\0${e.agency}\0${e.at}`));
      for (const e of a.events) if (!seen.has(`${e.kind}\0${e.who}\0${e.agency}\0${e.at}`)) merged.events.push(e);
      merged.events.sort((x, y) => x.at.localeCompare(y.at) || x.kind.localeCompare(y.kind));
      alerts.set(a.alertId, merged);
    }
  }
  return [...alerts.values()].sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
}

/** The report as text: per alert, each step with who, agency and the time since publication. */
export function reportText(exercise: string, alerts: readonly MergedAlert[]): string {
  const lines = [`Exercise ${exercise}: ${alerts.length} alert(s)`];
  for (const a of alerts) {
    lines.push('', `${a.alertId} (${a.category ?? 'no category'}, ${a.severity ?? '-'}) published by ${a.publisher} at ${a.publishedAt}`);
    for (const e of a.events) lines.push(`  +${e.afterSeconds.toFixed(1).padStart(7)} s  ${e.kind.padEnd(12)} ${e.who} (${e.agency})`);
    const first = (kind: string) => a.events.find((e) => e.kind === kind);
    const summary = ['received', 'acknowledged', 'on-scene', 'resolved'].map((k) => `${k} ${first(k) ? `after ${first(k)!.afterSeconds.toFixed(1)} s` : 'never'}`);
    lines.push(`  first ${summary.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Removes the exercise from one agency's read model (as a supervisor of it); the number of objects removed. */
export async function removeExercise(client: NodeClient, agency: string, user: string, exercise: string): Promise<number> {
  const d = await new NodeApi(client).call<{ removeExercise: { removed: number } }>(agency, user,
    'mutation($e: ID!) { removeExercise(exercise: $e) { removed } }', { e: exercise });
  return d.removeExercise.removed;
}
