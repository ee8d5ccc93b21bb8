/** The audio evaluation tooling (subpath export `@popart/detection/audio-eval`): set generation, running, scoring, synthesis. */
export { ensureEvalSet, generateEvalSet, defaultEvalDir, EVAL_CLASSES, CC0_SAMPLES, GENERATOR_VERSION } from './eval-set.js';
export type { EvalClass, EvalClip, EvalLabel, EvalManifest, EvalSubset, NoiseKind } from './eval-set.js';
export { evaluate, EVAL_CONFIG } from './evaluate.js';
export { report, markdown, scoreClip, precision, recall, classOf, TOLERANCE_S, type ClassScore, type ClipResult, type EvalReport } from './score.js';
export { decodeFile, writeWav, floatWavBytes, SR } from './wav.js';
export * as synth from './synth.js';
