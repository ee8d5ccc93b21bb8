/**
 * Event-level scoring. A detection matches a label of the same class when its media time (the start of
 * the sound it reports) falls inside the label's span widened by a tolerance on both sides (0.25 s for
 * impulses, 1 s for drones, sirens and voices, whose start is fuzzy); each label is matched at most once
 * (greedy, in time order). A further detection inside an already matched label is a duplicate (reported,
 * not a false alarm: voice segments split by pauses, rotor re-reports). Voice detections in clips whose
 * noise bed is itself made of voices (babble, crowd) are not false alarms either: they are counted as
 * "in speech noise". Any other detection is a false positive.
 */
import type { DetectionEvent } from '../src/events.js';
import { EVAL_CLASSES, type EvalClass, type EvalClip } from './eval-set.js';

export interface ClassScore {
  tp: number;
  fp: number;
  fn: number;
  duplicates: number;
  /** Voice detections of the babble/crowd noise bed itself. */
  inSpeechNoise: number;
}

export const TOLERANCE_S: Record<EvalClass, number> = { gunshot: 0.25, explosion: 0.25, drone: 1, siren: 1, voice: 1 };

export interface ClipResult {
  clip: EvalClip;
  events: DetectionEvent[];
}

export function classOf(e: DetectionEvent): EvalClass | undefined {
  if (e.category === 'gunshot' || e.category === 'explosion' || e.category === 'drone') return e.category;
  const sound = e.measurements.sound;
  if (e.category === 'other' && (sound === 'siren' || sound === 'voice')) return sound;
  return undefined;
}

export function scoreClip(clip: EvalClip, events: DetectionEvent[], tolerance: Record<EvalClass, number> = TOLERANCE_S): Record<EvalClass, ClassScore> {
  const scores = emptyScores();
  for (const cls of EVAL_CLASSES) {
    const labels = clip.labels.filter((l) => l.cls === cls).sort((a, b) => a.startS - b.startS);
    const matched = new Array<boolean>(labels.length).fill(false);
    const dets = events.filter((e) => classOf(e) === cls).sort((a, b) => (a.mediaTimeS ?? 0) - (b.mediaTimeS ?? 0));
    const toleranceS = tolerance[cls];
    for (const d of dets) {
      const t = d.mediaTimeS ?? 0;
      const inside = labels.map((l, i) => ({ l, i })).filter(({ l }) => t >= l.startS - toleranceS && t <= l.endS + toleranceS);
      const free = inside.find(({ i }) => !matched[i]);
      if (free) {
        matched[free.i] = true;
        scores[cls].tp++;
      } else if (inside.length > 0) scores[cls].duplicates++;
      else if (cls === 'voice' && clip.speechInNoise) scores[cls].inSpeechNoise++;
      else scores[cls].fp++;
    }
    scores[cls].fn += matched.filter((m) => !m).length;
  }
  return scores;
}

export function emptyScores(): Record<EvalClass, ClassScore> {
  return Object.fromEntries(EVAL_CLASSES.map((c) => [c, { tp: 0, fp: 0, fn: 0, duplicates: 0, inSpeechNoise: 0 }])) as Record<EvalClass, ClassScore>;
}

export function addScores(into: Record<EvalClass, ClassScore>, s: Record<EvalClass, ClassScore>): void {
  for (const c of EVAL_CLASSES) {
    into[c].tp += s[c].tp;
    into[c].fp += s[c].fp;
    into[c].fn += s[c].fn;
    into[c].duplicates += s[c].duplicates;
    into[c].inSpeechNoise += s[c].inSpeechNoise;
  }
}

export const precision = (s: ClassScore): number => (s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp));
export const recall = (s: ClassScore): number => (s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn));

export interface EvalReport {
  overall: Record<EvalClass, ClassScore>;
  bySnr: Map<number, Record<EvalClass, ClassScore>>;
  /** False positives by what the clip contained (which distractors fool which class). */
  falseAlarmsByKind: Map<string, Partial<Record<EvalClass, number>>>;
  /** Scores and clip counts of the synthetic clips and, apart, of the clips built on real CC0 recordings. */
  bySource: Map<ClipSource, { clips: number; scores: Record<EvalClass, ClassScore> }>;
}

export type ClipSource = 'synthetic' | 'real CC0 recordings';
export const clipSource = (clip: EvalClip): ClipSource => (clip.kind.startsWith('cc0:') ? 'real CC0 recordings' : 'synthetic');

export function report(results: ClipResult[], tolerance: Record<EvalClass, number> = TOLERANCE_S): EvalReport {
  const overall = emptyScores();
  const bySnr = new Map<number, Record<EvalClass, ClassScore>>();
  const falseAlarmsByKind = new Map<string, Partial<Record<EvalClass, number>>>();
  const bySource = new Map<ClipSource, { clips: number; scores: Record<EvalClass, ClassScore> }>();
  for (const r of results) {
    const s = scoreClip(r.clip, r.events, tolerance);
    addScores(overall, s);
    const source = bySource.get(clipSource(r.clip)) ?? { clips: 0, scores: emptyScores() };
    source.clips++;
    addScores(source.scores, s);
    bySource.set(clipSource(r.clip), source);
    if (!bySnr.has(r.clip.snrDb)) bySnr.set(r.clip.snrDb, emptyScores());
    addScores(bySnr.get(r.clip.snrDb)!, s);
    for (const c of EVAL_CLASSES) {
      if (s[c].fp === 0) continue;
      const row = falseAlarmsByKind.get(r.clip.kind) ?? {};
      row[c] = (row[c] ?? 0) + s[c].fp;
      falseAlarmsByKind.set(r.clip.kind, row);
    }
  }
  return { overall, bySnr, falseAlarmsByKind, bySource };
}

const pct = (v: number): string => `${(v * 100).toFixed(0)} %`;

/** The report as Markdown tables. */
export function markdown(r: EvalReport): string {
  const lines = ['| class | labels | detected (TP) | false alarms (FP) | missed (FN) | duplicates | in speech noise | precision | recall |', '|---|---|---|---|---|---|---|---|---|'];
  for (const c of EVAL_CLASSES) {
    const s = r.overall[c];
    lines.push(`| ${c} | ${s.tp + s.fn} | ${s.tp} | ${s.fp} | ${s.fn} | ${s.duplicates} | ${c === 'voice' ? s.inSpeechNoise : '—'} | ${pct(precision(s))} | ${pct(recall(s))} |`);
  }
  lines.push('', `| SNR | ${EVAL_CLASSES.map((c) => `${c} P / R`).join(' | ')} |`, `|---|${EVAL_CLASSES.map(() => '---').join('|')}|`);
  for (const [snr, s] of [...r.bySnr.entries()].sort((a, b) => b[0] - a[0])) {
    lines.push(`| ${snr} dB | ${EVAL_CLASSES.map((c) => `${pct(precision(s[c]))} / ${pct(recall(s[c]))}`).join(' | ')} |`);
  }
  // Precision and recall need labels: a source with none of a class (the CC0 recordings are all negatives) shows its
  // false alarms only.
  const cell = (s: ClassScore): string => (s.tp + s.fn === 0 ? (s.fp === 0 ? 'no target, 0 false' : `no target, ${s.fp} false`) : `${pct(precision(s))} / ${pct(recall(s))}`);
  lines.push('', `| clips | count | ${EVAL_CLASSES.map((c) => `${c} P / R`).join(' | ')} |`, `|---|---|${EVAL_CLASSES.map(() => '---').join('|')}|`);
  for (const [source, { clips, scores }] of [...r.bySource.entries()].sort()) lines.push(`| ${source} | ${clips} | ${EVAL_CLASSES.map((c) => cell(scores[c])).join(' | ')} |`);
  if (r.falseAlarmsByKind.size > 0) {
    lines.push('', '| clip content | false alarms |', '|---|---|');
    for (const [kind, row] of [...r.falseAlarmsByKind.entries()].sort()) {
      lines.push(`| ${kind} | ${Object.entries(row).map(([c, n]) => `${c} ${n}`).join(', ')} |`);
    }
  }
  return lines.join('\n');
}
