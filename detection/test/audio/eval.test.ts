import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureEvalSet, EVAL_CLASSES } from '../../audio-eval/eval-set.js';
import { evaluate } from '../../audio-eval/evaluate.js';
import { precision, recall, report } from '../../audio-eval/score.js';

/**
 * The small evaluation subset (31 clips of 10 s: every class at 20 and 10 dB SNR in pink, brown, babble
 * and crowd noise, claps, door slams, tones, chirps and CC0 impacts as negatives), made with sox and
 * espeak-ng (scripts/tools.sh installs them), cached under ~/.cache/popart/audio-eval.
 * Floors sit under what the detectors reach (docs/detection.md) and far above what a broken detector
 * would: one that never fires has recall 0, one that fires on every impulse or tone fails precision.
 */
const FLOORS = {
  gunshot: { precision: 0.85, recall: 0.85 },
  explosion: { precision: 0.85, recall: 0.75 },
  drone: { precision: 0.85, recall: 0.75 },
  siren: { precision: 0.85, recall: 0.75 },
  voice: { precision: 0.6, recall: 0.6 },
} as const;

test('per-class precision and recall on the small evaluation subset stay above their floors', { timeout: 180_000 }, async () => {
  const { dir, manifest } = await ensureEvalSet({ seed: 20261124, subset: 'small' });
  assert.ok(manifest.clips.length >= 30);
  const { results } = await evaluate(dir, manifest);
  const r = report(results);
  const table = EVAL_CLASSES.map((c) => `${c} P ${precision(r.overall[c]).toFixed(2)} R ${recall(r.overall[c]).toFixed(2)}`).join('; ');
  for (const c of EVAL_CLASSES) {
    const s = r.overall[c];
    assert.ok(s.tp + s.fn >= 4, `${c}: at least 4 labels in the subset`);
    assert.ok(precision(s) >= FLOORS[c].precision, `${c} precision ${precision(s).toFixed(2)} < ${FLOORS[c].precision} (${table})`);
    assert.ok(recall(s) >= FLOORS[c].recall, `${c} recall ${recall(s).toFixed(2)} < ${FLOORS[c].recall} (${table})`);
  }
  const negatives = results.filter((x) => x.clip.labels.length === 0);
  const alarms = negatives.flatMap((x) => x.events.filter((e) => e.category === 'gunshot' || e.category === 'explosion').map((e) => `${x.clip.file}: ${e.category}`));
  assert.deepEqual(alarms, [], 'claps, door slams, tones, chirps and CC0 impacts raise no gunshot or explosion');
});
