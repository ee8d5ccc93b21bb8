/**
 * The users of bench/read-scale, in a worker thread of their own so that their requests and JSON parsing do not run on
 * the nodes' thread: analysts asking the query mix (one, fifty once a second, or fifty back to back), and an operator
 * of mad receiving the alerts pn publishes (publish → delivery on mad's `alerts` subscription).
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ALERT_EXTENSION_ID, tlpMarkingRef } from '@popart/schemas';
import { threadCpuSeconds } from './bench-kit.js';
import { filterOf, IDENTITIES, QUERY_KINDS, random, type QueryKind } from './read-scale-data.js';

export interface Analyst { url: string; token: string; page4: string | null }

export type ClientTask =
  | { role: 'analysts'; mode: 'baseline'; analysts: Analyst[]; perKind: number; bundles: number; ids: string[] }
  | { role: 'analysts'; mode: 'open' | 'closed'; analysts: Analyst[]; seconds: number; bundles: number; ids: string[] }
  | { role: 'alerts'; pnUrl: string; pnToken: string; madUrl: string; madToken: string; everyMs: number; seconds: number };

export interface ClientResult {
  /** ms per request, by query kind (or 'alert' for deliveries). */
  samples: Record<string, number[]>;
  errors: string[];
  /** Requests answered (analysts) or alerts published (alerts). */
  count: number;
  seconds: number;
  /** Alerts published but never delivered within 10 s. */
  missed?: number;
  /** The CPU this client's thread used (the load generator's share of the bench process), null where unknown. */
  cpuSeconds: number | null;
}

const THREATS = `query($f: ThreatFilter, $a: String) { threats(filter: $f, first: 50, after: $a, purpose: "bench read-scale") {
  edges { node { id type name tlp severity category agency { key } } } pageInfo { hasNextPage endCursor } } }`;
const THREAT = 'query($id: ID!) { threat(id: $id, purpose: "bench read-scale") { id type name tlp stix } }';

async function post(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors[0]!.message);
  return body.data ?? {};
}

/** One request of a kind, as this analyst; its duration in ms. */
async function ask(a: Analyst, kind: QueryKind, rnd: () => number, bundles: number, ids: string[]): Promise<number> {
  const t0 = performance.now();
  if (kind === 'by id') await post(a.url, a.token, THREAT, { id: ids[Math.floor(rnd() * ids.length)] });
  else await post(a.url, a.token, THREATS, { f: filterOf(kind, rnd, bundles), a: kind === 'page 5' ? a.page4 : null });
  return performance.now() - t0;
}

async function analysts(task: Extract<ClientTask, { role: 'analysts' }>): Promise<Omit<ClientResult, 'cpuSeconds'>> {
  const samples: Record<string, number[]> = Object.fromEntries(QUERY_KINDS.map((k) => [k, []]));
  const errors: string[] = [];
  let count = 0;
  const t0 = performance.now();
  const one = async (a: Analyst, kind: QueryKind, rnd: () => number): Promise<void> => {
    try {
      samples[kind]!.push(await ask(a, kind, rnd, task.bundles, task.ids));
      count++;
    } catch (err) {
      errors.push(`${kind}: ${(err as Error).message}`);
    }
  };
  if (task.mode === 'baseline') {
    const rnd = random(1);
    for (const kind of QUERY_KINDS) for (let i = 0; i < task.perKind; i++) await one(task.analysts[i % task.analysts.length]!, kind, rnd);
  } else {
    const end = t0 + task.seconds * 1000;
    await Promise.all(task.analysts.map(async (a, i) => {
      const rnd = random(1000 + i);
      let k = i;
      if (task.mode === 'closed') {
        while (performance.now() < end) await one(a, QUERY_KINDS[k++ % QUERY_KINDS.length]!, rnd);
        return;
      }
      // Open loop: each analyst asks once a second on its own schedule, whether or not the last answer came.
      const inFlight: Promise<void>[] = [];
      for (let at = t0 + (i * 1000) / task.analysts.length; at < end; at += 1000) {
        await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
        inFlight.push(one(a, QUERY_KINDS[k++ % QUERY_KINDS.length]!, rnd));
      }
      await Promise.all(inFlight);
    }));
  }
  return { samples, errors, count, seconds: (performance.now() - t0) / 1000 };
}

function alertBundle(n: number): { id: string; bundle: Record<string, unknown> } {
  const now = new Date().toISOString();
  const id = `incident--${randomUUID()}`;
  return {
    id,
    bundle: {
      type: 'bundle', id: `bundle--${randomUUID()}`, objects: [{
        type: 'incident', spec_version: '2.1', id, created: now, modified: now, created_by_ref: IDENTITIES.pn,
        name: `Drone over Puerta del Sol (probe ${n})`, object_marking_refs: [tlpMarkingRef('green')],
        extensions: { [ALERT_EXTENSION_ID]: {
          extension_type: 'property-extension', category: 'drone', severity: 'critical', detection_confidence: 90,
          area: { shape: 'circle', latitude: 40.4168, longitude: -3.7038, radius_m: 200 }, sensor_kind: 'remote-id',
          venue: 'Puerta del Sol', expires: new Date(Date.now() + 3_600_000).toISOString(), guidance: 'Locate the pilot.',
        } },
      }],
    },
  };
}

async function alerts(task: Extract<ClientTask, { role: 'alerts' }>): Promise<Omit<ClientResult, 'cpuSeconds'>> {
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const errors: string[] = [];
  const client = createClient({ url: task.madUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${task.madToken}` }, retryAttempts: 0 });
  const stop = client.subscribe<{ alerts: { id: string } }>({ query: 'subscription { alerts { id } }' }, {
    next: (m) => {
      const id = m.data?.alerts.id;
      const t = id ? sent.get(id) : undefined;
      if (id && t !== undefined) {
        latencies.push(performance.now() - t);
        sent.delete(id);
      }
    },
    error: (err) => errors.push(`subscription: ${String((err as Error).message ?? err)}`),
    complete: () => undefined,
  });
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  let n = 0;
  const publishing: Promise<void>[] = [];
  while (performance.now() - t0 < task.seconds * 1000) {
    const { id, bundle } = alertBundle(n++);
    sent.set(id, performance.now());
    publishing.push(post(task.pnUrl, task.pnToken, 'mutation($b: JSON!) { publishBundle(bundle: $b) { status } }', { b: bundle })
      .then(() => undefined, (err: Error) => { errors.push(`publish: ${err.message}`); sent.delete(id); }));
    await new Promise((r) => setTimeout(r, task.everyMs));
  }
  await Promise.all(publishing);
  const deadline = performance.now() + 10_000;
  while (sent.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  stop();
  await client.dispose();
  return { samples: { alert: latencies }, errors, count: n, seconds: (performance.now() - t0) / 1000, missed: sent.size };
}

const task = workerData as ClientTask;
const cpu0 = threadCpuSeconds();
const result = task.role === 'alerts' ? await alerts(task) : await analysts(task);
const cpu1 = threadCpuSeconds();
parentPort!.postMessage({ ...result, cpuSeconds: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 } satisfies ClientResult);
