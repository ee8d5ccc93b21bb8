/**
 * The vision pipeline of one camera: frames → detector → tracker → rules → merged events, with an evidence snapshot
 * written for each new event. Knows nothing of where frames come from (a VideoSource, or a test's own frames) nor
 * of STIX, the ledger or users.
 */
import type { DetectionEvent } from '../events.js';
import { cameraGeometry, type CameraConfig } from './config/camera-config.js';
import { EventEpisodes, type EmittedEvent, type EventStatus } from './episodes.js';
import { writeSnapshot } from './evidence.js';
import type { CameraGeometry } from './geometry/camera-geometry.js';
import { createRules } from './rules/registry.js';
import { inZone, type Rule, type RuleFrame, type Zone } from './rules/rule.js';
import { MultiObjectTracker, type Track } from './tracking/tracker.js';
import { boxFoot, type Frame, type ObjectDetector } from './types.js';

/** A frame with its place in the stream (what VideoSource yields). */
export interface PipelineFrame extends Frame {
  index: number;
  timeS: number;
  capturedAt: Date;
}

/** A tracked object as printed: image box, and ground/WGS 84 position when the camera is calibrated. */
export interface TrackedObject {
  id: string;
  label: string;
  score: number;
  state: 'tracked' | 'lost';
  /** [x1, y1, x2, y2] pixels. */
  box: [number, number, number, number];
  /** Centre velocity, pixels per second. */
  velocityPxS: [number, number];
  /** Foot point on the ground, metres east/north (calibrated cameras, ground objects). */
  groundM?: [number, number];
  /** Foot point, [longitude, latitude] (georeferenced cameras, ground objects). */
  position?: [number, number];
}

export type PipelineOutput =
  | { type: 'tracks'; source: string; frame: number; mediaTimeS: number; capturedAt: string; objects: TrackedObject[] }
  | { type: 'event'; status: EventStatus; event: DetectionEvent };

export interface PipelineOptions {
  config: CameraConfig;
  detector: ObjectDetector;
  /** Write evidence snapshots (default: config.evidence.enabled). */
  evidence?: boolean;
  log?: (message: string) => void;
}

export interface PipelineStats {
  frames: number;
  detections: number;
  eventsOpened: number;
  /** Milliseconds spent in each stage. */
  detectMs: number;
  trackMs: number;
  rulesMs: number;
  evidenceMs: number;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

export class VisionPipeline {
  readonly stats: PipelineStats = { frames: 0, detections: 0, eventsOpened: 0, detectMs: 0, trackMs: 0, rulesMs: 0, evidenceMs: 0 };
  readonly geometry: CameraGeometry;
  private readonly tracker: MultiObjectTracker;
  private readonly rules: Rule[];
  private readonly zones: ReadonlyMap<string, Zone>;
  private readonly skyZones: Zone[];
  private readonly episodes: EventEpisodes;
  private readonly writeEvidence: boolean;

  constructor(private readonly options: PipelineOptions) {
    const { config } = options;
    this.geometry = cameraGeometry(config);
    this.tracker = new MultiObjectTracker(config.tracker);
    this.rules = createRules(config.rules);
    this.zones = new Map(config.zones.map((z) => [z.name, z]));
    this.skyZones = config.zones.filter((z) => z.sky);
    this.episodes = new EventEpisodes(config.camera.id, config.events);
    this.writeEvidence = options.evidence ?? config.evidence.enabled;
  }

  get source(): string {
    return this.options.config.camera.id;
  }

  /** Runs one frame through every stage. */
  async processFrame(frame: PipelineFrame): Promise<PipelineOutput[]> {
    const { width, height } = this.options.config.source;
    if (frame.width !== width || frame.height !== height) {
      throw new RangeError(`frame is ${frame.width}x${frame.height}, the camera config expects ${width}x${height} (source.width × source.height)`);
    }
    this.stats.frames++;
    let t = performance.now();
    const detections = await this.options.detector.detect(frame);
    this.stats.detections += detections.length;
    let t2 = performance.now();
    this.stats.detectMs += t2 - t;
    t = t2;
    const tracks = this.tracker.update(detections, frame.timeS, frame.index);
    t2 = performance.now();
    this.stats.trackMs += t2 - t;
    t = t2;
    const ruleFrame: RuleFrame = { index: frame.index, timeS: frame.timeS, capturedAt: frame.capturedAt };
    const context = { frame: ruleFrame, tracks, geometry: this.geometry, zones: this.zones, image: frame };
    const findings = this.rules.flatMap((rule) => rule.evaluate(context));
    const emitted = this.episodes.process(findings, ruleFrame);
    t2 = performance.now();
    this.stats.rulesMs += t2 - t;
    const out: PipelineOutput[] = [];
    if (tracks.length) {
      out.push({
        type: 'tracks', source: this.source, frame: frame.index, mediaTimeS: Number(frame.timeS.toFixed(3)),
        capturedAt: frame.capturedAt.toISOString(), objects: tracks.map((tr) => this.describe(tr)),
      });
    }
    for (const e of emitted) {
      if (e.status === 'new') {
        this.stats.eventsOpened++;
        await this.snapshot(e, frame);
      }
      out.push({ type: 'event', status: e.status, event: e.event });
    }
    return out;
  }

  /** Ends every open event (call at the end of the input). */
  finish(): PipelineOutput[] {
    return this.episodes.closeAll().map((e) => ({ type: 'event', status: e.status, event: e.event }));
  }

  /** Runs every frame of a source, then ends open events. */
  async *run(frames: AsyncIterable<PipelineFrame>): AsyncGenerator<PipelineOutput> {
    for await (const frame of frames) yield* await this.processFrame(frame);
    yield* this.finish();
  }

  private async snapshot(e: EmittedEvent, frame: PipelineFrame): Promise<void> {
    if (!this.writeEvidence) return;
    const t = performance.now();
    const { evidence } = this.options.config;
    try {
      const file = await writeSnapshot(evidence.dir, this.source, e.event.id, frame.index, frame, evidence.drawBoxes ? e.finding?.boxes : undefined, evidence.quality);
      e.event.evidence = [file];
      this.episodes.attachEvidence(e.event.id, [file]);
    } catch (err) {
      // An event without its snapshot is still worth sending: report the failure, keep going.
      this.options.log?.(`evidence snapshot for event ${e.event.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.stats.evidenceMs += performance.now() - t;
  }

  private describe(t: Track): TrackedObject {
    const o: TrackedObject = {
      id: t.id,
      label: t.label,
      score: Number(t.score.toFixed(3)),
      state: t.matched ? 'tracked' : 'lost',
      box: [r1(t.box.x1), r1(t.box.y1), r1(t.box.x2), r1(t.box.y2)],
      velocityPxS: [r1(t.velocity[0]), r1(t.velocity[1])],
    };
    const foot = boxFoot(t.box);
    if (this.geometry.calibrated && !this.skyZones.some((z) => inZone(foot, z))) {
      const g = this.geometry.toGround(foot);
      if (g) {
        o.groundM = [Number(g[0].toFixed(2)), Number(g[1].toFixed(2))];
        const ll = this.geometry.toLonLat(g);
        if (ll) o.position = [Number(ll[0].toFixed(7)), Number(ll[1].toFixed(7))];
      }
    }
    return o;
  }
}
