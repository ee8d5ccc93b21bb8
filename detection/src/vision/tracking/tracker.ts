/**
 * Multi-object tracking, ByteTrack style: each track predicts its box with a constant-velocity Kalman filter; each frame
 * high-score detections are matched to tracks by IoU (Hungarian assignment), then low-score detections are matched
 * to the tracks still unmatched (so a partly occluded object keeps its track without low scores starting new ones);
 * tentative tracks are confirmed after `minHits` matches, a track unmatched for `maxLostS` seconds ends.
 * Track ids are stable for the life of a track: `t1`, `t2`, … in order of confirmation.
 */
import { boxCentre, iou, type Box, type Detection, type Keypoint } from '../types.js';
import { assign } from './hungarian.js';
import { ConstantVelocity } from './kalman.js';

export interface TrackerConfig {
  /** Detections at or above this score are matched first and may start tracks. */
  highScore: number;
  /** Detections between lowScore and highScore only continue existing tracks. */
  lowScore: number;
  /** A new track needs a detection at least this sure. */
  newTrackScore: number;
  /** Minimum IoU between a predicted box and a high-score detection to match. */
  matchIou: number;
  /** Minimum IoU for the second (low-score) association. */
  lowMatchIou: number;
  /** Matches before a track is confirmed (and gets an id). */
  minHits: number;
  /** Seconds a confirmed track survives without a match. */
  maxLostS: number;
  /** Match only boxes of the same class. */
  classAware: boolean;
  /** Seconds of history kept per track (rules look back this far). */
  historyS: number;
}

export const DEFAULT_TRACKER: Readonly<TrackerConfig> = Object.freeze({
  highScore: 0.5,
  lowScore: 0.15,
  newTrackScore: 0.55,
  matchIou: 0.2,
  lowMatchIou: 0.4,
  minHits: 2,
  maxLostS: 2,
  classAware: true,
  historyS: 10,
});

export interface TrackPoint {
  timeS: number;
  frameIndex: number;
  /** The filtered box at that time. */
  box: Box;
}

export type TrackState = 'tentative' | 'confirmed' | 'lost';

/** What rules and outputs see of a track. */
export interface Track {
  /** `t1`, `t2`, …; empty while tentative. */
  id: string;
  classId: number;
  label: string;
  state: TrackState;
  /** Filtered box now. */
  box: Box;
  /** Score of the last matched detection, and the mean over the track's matches. */
  score: number;
  meanScore: number;
  /** Centre velocity, pixels per second. */
  velocity: [number, number];
  firstSeenS: number;
  lastSeenS: number;
  hits: number;
  /** Matched this frame. */
  matched: boolean;
  /** Recent positions, oldest first (bounded by `historyS`). */
  history: TrackPoint[];
  /** Keypoints of the last matched detection (pose detectors). */
  keypoints?: Keypoint[] | undefined;
}

class TrackState_ implements Track {
  id = '';
  state: TrackState = 'tentative';
  score: number;
  meanScore: number;
  hits = 1;
  matched = true;
  firstSeenS: number;
  lastSeenS: number;
  history: TrackPoint[] = [];
  keypoints: Keypoint[] | undefined;
  private readonly cx: ConstantVelocity;
  private readonly cy: ConstantVelocity;
  private readonly w: ConstantVelocity;
  private readonly h: ConstantVelocity;
  private timeS: number;

  constructor(readonly key: number, d: Detection, timeS: number, public classId: number, public label: string) {
    const [x, y] = boxCentre(d.box);
    const bw = Math.max(1, d.box.x2 - d.box.x1);
    const bh = Math.max(1, d.box.y2 - d.box.y1);
    const size = Math.max(bw, bh);
    this.cx = new ConstantVelocity(x, 0.1 * size, 2 * size);
    this.cy = new ConstantVelocity(y, 0.1 * size, 2 * size);
    this.w = new ConstantVelocity(bw, 0.1 * size, 0.5 * size);
    this.h = new ConstantVelocity(bh, 0.1 * size, 0.5 * size);
    this.score = d.score;
    this.meanScore = d.score;
    this.keypoints = d.keypoints;
    this.firstSeenS = timeS;
    this.lastSeenS = timeS;
    this.timeS = timeS;
  }

  get box(): Box {
    const w = Math.max(1, this.w.x);
    const h = Math.max(1, this.h.x);
    return { x1: this.cx.x - w / 2, y1: this.cy.x - h / 2, x2: this.cx.x + w / 2, y2: this.cy.x + h / 2 };
  }

  get velocity(): [number, number] {
    return [this.cx.v, this.cy.v];
  }

  predict(timeS: number): void {
    const dt = timeS - this.timeS;
    this.timeS = timeS;
    const size = Math.max(this.w.x, this.h.x, 1);
    this.cx.predict(dt, 2 * size);
    this.cy.predict(dt, 2 * size);
    this.w.predict(dt, 0.2 * size);
    this.h.predict(dt, 0.2 * size);
    this.matched = false;
  }

  update(d: Detection, timeS: number): void {
    const [x, y] = boxCentre(d.box);
    const size = Math.max(d.box.x2 - d.box.x1, d.box.y2 - d.box.y1, 1);
    const std = Math.max(1, 0.05 * size);
    this.cx.update(x, std);
    this.cy.update(y, std);
    this.w.update(Math.max(1, d.box.x2 - d.box.x1), std);
    this.h.update(Math.max(1, d.box.y2 - d.box.y1), std);
    this.hits++;
    this.score = d.score;
    this.keypoints = d.keypoints;
    this.meanScore += (d.score - this.meanScore) / Math.min(this.hits, 30);
    this.lastSeenS = timeS;
    this.matched = true;
  }

  record(frameIndex: number, timeS: number, historyS: number): void {
    this.history.push({ timeS, frameIndex, box: this.box });
    while (this.history.length > 2 && this.history[0]!.timeS < timeS - historyS) this.history.shift();
  }
}

export class MultiObjectTracker {
  readonly config: TrackerConfig;
  private tracks: TrackState_[] = [];
  private nextKey = 1;
  private nextId = 1;

  constructor(config: Partial<TrackerConfig> = {}) {
    this.config = { ...DEFAULT_TRACKER, ...config };
  }

  /** Confirmed and lost tracks (tentative ones are not reported). */
  get active(): Track[] {
    return this.tracks.filter((t) => t.state !== 'tentative');
  }

  /**
   * Folds in one frame's detections; returns the confirmed tracks (matched this frame or briefly lost, `matched` tells
   * which), sorted by id number.
   */
  update(detections: readonly Detection[], timeS: number, frameIndex: number): Track[] {
    const c = this.config;
    for (const t of this.tracks) t.predict(timeS);
    const high = detections.filter((d) => d.score >= c.highScore);
    const low = detections.filter((d) => d.score >= c.lowScore && d.score < c.highScore);

    const established = this.tracks.filter((t) => t.state !== 'tentative');
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    // 1. established tracks (confirmed or lost) with high-score detections
    const [unmatchedTracks, unmatchedHigh] = this.associate(established, high, c.matchIou, timeS);
    // 2. still-unmatched confirmed tracks (not already lost) with low-score detections
    const stillTracked = unmatchedTracks.filter((t) => t.state === 'confirmed');
    this.associate(stillTracked, low, c.lowMatchIou, timeS);
    // 3. tentative tracks with the remaining high-score detections
    const [unmatchedTentative, fresh] = this.associate(tentative, unmatchedHigh, c.matchIou, timeS);

    const gone = new Set<TrackState_>(unmatchedTentative);
    for (const t of established) {
      if (t.matched) t.state = 'confirmed';
      else if (timeS - t.lastSeenS > c.maxLostS) gone.add(t);
      else t.state = 'lost';
    }
    for (const t of tentative) {
      if (t.matched && t.hits >= c.minHits) this.confirm(t);
    }
    this.tracks = this.tracks.filter((t) => !gone.has(t));
    for (const d of fresh) {
      if (d.score < c.newTrackScore) continue;
      const t = new TrackState_(this.nextKey++, d, timeS, d.classId, d.label);
      if (c.minHits <= 1) this.confirm(t);
      this.tracks.push(t);
    }
    for (const t of this.tracks) t.record(frameIndex, timeS, c.historyS);
    return this.tracks
      .filter((t) => t.state !== 'tentative')
      .sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
  }

  private confirm(t: TrackState_): void {
    t.state = 'confirmed';
    t.id = `t${this.nextId++}`;
  }

  /** Matches tracks to detections; returns the unmatched tracks and detections. */
  private associate(tracks: TrackState_[], dets: Detection[], minIou: number, timeS: number): [TrackState_[], Detection[]] {
    if (!tracks.length || !dets.length) return [tracks, dets];
    const cost = tracks.map((t) => {
      const box = t.box;
      return dets.map((d) => (this.config.classAware && d.classId !== t.classId ? Infinity : 1 - iou(box, d.box)));
    });
    const pairs = assign(cost, 1 - minIou);
    const usedT = new Set<number>();
    const usedD = new Set<number>();
    for (const [ti, di] of pairs) {
      tracks[ti]!.update(dets[di]!, timeS);
      usedT.add(ti);
      usedD.add(di);
    }
    return [tracks.filter((_, i) => !usedT.has(i)), dets.filter((_, i) => !usedD.has(i))];
  }
}
