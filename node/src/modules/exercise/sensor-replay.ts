/**
 * Replays a sensor step's recording through the node's detection runner (detection-runner.ts: the sensor source of
 * its kind, the filters, the alert merging, the STIX conversion), as the agency's node would run a configured source,
 * except for three things an exercise needs:
 *
 * - time: the recording's clock is moved to the run's. An event `t` seconds into the recording (from the capture's
 *   first packet, or the start of the audio or video) is published `t / speed` seconds after the step starts, and its
 *   times say so: at `--speed 10` a 60 s capture is replayed in 6 s and its alerts are stamped accordingly.
 * - the mark: every object of every bundle is marked as the run's exercise before it leaves (schemas/src/exercise.ts),
 *   and the events' ids are the run's, so each run publishes its own alerts.
 * - the road: bundles are published through the agency's GraphQL API as the step's user (publishBundle: checked,
 *   signed, committed, audited, like every publication), not by a node's own runner.
 *
 * Evidence (pcapng and WAV excerpts, snapshots) is written to a temporary folder removed after the replay: the
 * recording itself is the exercise's evidence.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readPcap, type Evidence } from '@popart/detection';
import { ALERT_EXTENSION_ID, markedForExercise } from '@popart/schemas';
import type { DetectionSourceConfig, DetectionSourceKind } from '../../config/detection-config.js';
import type { AgencySubject } from '../../identity.js';
import { createLogger } from '../../log.js';
import { DetectionRunner, SOURCE_FACTORIES, type SourceFactory, type SourceStatus } from '../detection/detection-runner.js';
import { sleep, type EventSource } from '../detection/event-source.js';
import type { PublishResult } from '../publish/publish-service.js';
import type { NodeApi } from './node-api.js';

export interface SensorReplayOptions {
  api: NodeApi;
  agency: string;
  user: string;
  sensor: DetectionSourceConfig;
  exercise: string;
  speed: number;
  /** When the step starts (ms since 1970): the recording's start is mapped to it. */
  startMs: number;
  /** Called with each alert id the first time the sensor publishes it. */
  onAlert: (alertId: string) => void;
  /** Errors and warnings of the detection runner. */
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * The recording's time origin, its media time 0: the capture's first packet (Remote ID); when the source was opened
 * (audio: the pipeline's start time); null for video, whose ingest starts its clock when it is read (then taken).
 */
async function originMs(kind: DetectionSourceKind, input: string, openedMs: number): Promise<number | null> {
  if (kind === 'video') return null;
  if (kind === 'audio') return openedMs;
  for await (const rec of readPcap(input)) return rec.timestampMs;
  return openedMs;
}

/**
 * A source whose events are re-timed to the run's clock and held back until their time has come. Their ids, and the
 * names of their evidence files, are prefixed with the exercise: the STIX ids of a detection derive from them
 * (to-stix.ts), and two runs of a recording must not publish versions of the same objects.
 */
function paced(source: EventSource, knownOrigin: number | null, o: Pick<SensorReplayOptions, 'speed' | 'startMs' | 'exercise'>): EventSource {
  let origin = knownOrigin ?? Date.now();
  const at = (iso: string): string => new Date(o.startMs + (Date.parse(iso) - origin) / o.speed).toISOString();
  const renamed = new Map<string, string>();
  const own = async (e: Evidence): Promise<Evidence> => {
    let uri = renamed.get(e.uri);
    if (!uri) {
      uri = join(dirname(e.uri), `${o.exercise}-${basename(e.uri)}`);
      await rename(e.uri, uri);
      renamed.set(e.uri, uri);
    }
    return { ...e, uri };
  };
  return {
    live: false,
    stats: () => source.stats(),
    ...(source.close ? { close: () => source.close!() } : {}),
    async *events(signal) {
      if (knownOrigin === null) origin = Date.now();
      for await (const item of source.events(signal)) {
        const e = item.event;
        const event = {
          ...e, id: `${o.exercise}/${e.id}`, startedAt: at(e.startedAt), observedAt: at(e.observedAt),
          ...(e.evidence ? { evidence: await Promise.all(e.evidence.map(own)) } : {}),
        };
        await sleep(Date.parse(event.observedAt) - Date.now(), signal);
        if (signal.aborted) return;
        yield { ...item, event };
      }
    },
  };
}

/** The detection sources' factories, each source paced to the run's clock. */
function pacedFactories(o: Pick<SensorReplayOptions, 'speed' | 'startMs' | 'exercise'>): Record<DetectionSourceKind, SourceFactory> {
  const wrap = (kind: DetectionSourceKind): SourceFactory => async (config, ctx, field) => {
    const openedMs = Date.now();
    const source = await SOURCE_FACTORIES[kind](config, ctx, field);
    return paced(source, await originMs(kind, config.input, openedMs), o);
  };
  return { remoteid: wrap('remoteid'), audio: wrap('audio'), video: wrap('video') };
}

const PUBLISH = 'mutation($b: JSON!) { publishBundle(bundle: $b) { status bundleId transactionId blockNumber outboxId } }';

/** Replays the recording; resolves with the source's final status once it is read to its end (or the signal aborts). */
export async function replaySensor(o: SensorReplayOptions): Promise<SourceStatus> {
  const me = await o.api.call<{ me: { agency: { key: string; mspId: string; identityId: string; level: string } } }>(o.agency, o.user, '{ me { agency { key mspId identityId level } } }');
  const agency = { ...me.me.agency, level: me.me.agency.level.toLowerCase() } as AgencySubject;
  let identities: Map<string, string> | null = null;
  const identityOf = async (key: string): Promise<string | undefined> => {
    identities ??= new Map((await o.api.call<{ agencies: { key: string; identityId: string }[] }>(o.agency, o.user, '{ agencies { key identityId } }'))
      .agencies.map((a) => [a.key, a.identityId]));
    return identities.get(key);
  };
  const alerts = new Set<string>();
  const publisher = {
    publish: async (_viewer: unknown, input: unknown): Promise<PublishResult> => {
      const bundle = input as { id: string; objects: Record<string, unknown>[] };
      const objects = bundle.objects.map((obj) => markedForExercise(obj, o.exercise));
      const r = await o.api.call<{ publishBundle: PublishResult }>(o.agency, o.user, PUBLISH, { b: { ...bundle, objects } });
      for (const obj of objects) {
        const id = String(obj.id);
        if ((obj.extensions as Record<string, unknown> | undefined)?.[ALERT_EXTENSION_ID] && !alerts.has(id)) {
          alerts.add(id);
          o.onAlert(id);
        }
      }
      return { ...r.publishBundle, objects: [] };
    },
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'popart-exercise-sensor-'));
  const runner = new DetectionRunner({
    sources: [{ ...o.sensor, restart: { initialDelayS: 0.1, maxDelayS: 0.1, maxAttempts: 1 } }],
    dataDir, agency, publisher, identityOf, factories: pacedFactories(o),
    log: createLogger(`exercise ${o.sensor.id}`, 'warn', o.log),
  });
  const stop = (): void => void runner.stop();
  o.signal.addEventListener('abort', stop, { once: true });
  try {
    await runner.start();
    await runner.finished();
    const [status] = runner.status();
    if (status!.state === 'failed') throw new Error(`sensor ${o.sensor.id}: ${status!.lastError ?? 'failed'}`);
    return status!;
  } finally {
    o.signal.removeEventListener('abort', stop);
    await rm(dataDir, { recursive: true, force: true });
  }
}
