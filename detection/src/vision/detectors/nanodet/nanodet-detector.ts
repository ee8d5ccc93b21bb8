/**
 * The default object detector: NanoDet-m (416 × 416, 80 COCO classes) converted to ONNX, run with onnxruntime-node.
 * Input: the frame stretched to the model size, BGR, normalised with NanoDet's ImageNet mean/std (0..255 scale).
 * The output layout is read from the model: for each stride, a [1, cells, classes] score output and a
 * [1, cells, 4 × bins] distance output, matched by their cell count.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScaledInputSpec } from '../../../video-ingest/scaled-input.js';
import { clampBox, type Detection, type Frame, type ObjectDetector } from '../../types.js';
import { COCO_LABELS } from '../coco-labels.js';
import { DetectorError } from '../detector-error.js';
import { nonMaxSuppression } from '../nms.js';
import { describeShape, openOnnxModel, ort, tensorInfo } from '../onnx-session.js';
import { prepareInput, toFrameBox, type Normalisation } from '../preprocess.js';
import { decodeNanoDet, type NanoDetLevel } from './decode.js';
import type { NanoDetConfig } from './config.js';

export const BUNDLED_NANODET = 'nanodet-m-416.onnx';

const NANODET_NORMALISATION: Normalisation = {
  order: 'bgr',
  mean: [103.53, 116.28, 123.675],
  std: [57.375, 57.12, 58.395],
};

/** detection/models/ found by walking up from this module (source tree or dist/). */
export function modelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'models', BUNDLED_NANODET))) return join(dir, 'models');
    dir = dirname(dir);
  }
  throw new DetectorError('MODEL_NOT_FOUND', `the bundled ${BUNDLED_NANODET} is missing (expected in detection/models/)`);
}

/** Checks the bundled model against the sha256 committed beside it. */
function verifyBundled(path: string): void {
  const expected = readFileSync(`${path}.sha256`, 'utf8').split(/\s+/)[0];
  const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (expected !== actual) {
    throw new DetectorError('MODEL_ALTERED', `${path} has sha256 ${actual}, expected ${expected} (re-run detection/scripts/convert-nanodet.sh)`);
  }
}

interface LevelOutputs { stride: number; columns: number; scores: string; distances: string }

export class NanoDetDetector implements ObjectDetector {
  readonly labels = COCO_LABELS;
  readonly input: ScaledInputSpec;
  private readonly keep: ReadonlySet<number> | undefined;
  /** An input tensor not in use, reused by the next frame. */
  private spare: Float32Array | undefined;

  private constructor(
    readonly name: string,
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    readonly inputSize: number,
    private readonly levels: LevelOutputs[],
    private readonly bins: number,
    private readonly config: NanoDetConfig,
  ) {
    this.keep = config.classes ? new Set(config.classes.map((c) => COCO_LABELS.indexOf(c)).filter((i) => i >= 0)) : undefined;
    this.input = { width: inputSize, height: inputSize, mode: 'stretch' };
  }

  static async create(config: NanoDetConfig): Promise<NanoDetDetector> {
    const bundled = config.model === undefined;
    const path = config.model ?? join(modelsDir(), BUNDLED_NANODET);
    if (bundled) verifyBundled(path);
    const session = await openOnnxModel(path, config.threads);
    const [input, ...extraInputs] = tensorInfo(session.inputMetadata);
    const shape = input?.shape ?? [];
    const size = shape[2];
    if (!input || extraInputs.length || shape.length !== 4 || shape[1] !== 3 || typeof size !== 'number' || shape[3] !== size) {
      await session.release();
      throw new DetectorError('MODEL_MISMATCH', `${path}: NanoDet needs one input [1, 3, S, S], got ${input ? describeShape(shape) : 'none'}`);
    }
    const classes = COCO_LABELS.length;
    const outputs = tensorInfo(session.outputMetadata);
    const levels: LevelOutputs[] = [];
    let bins = 0;
    for (const stride of [8, 16, 32, 64]) {
      const columns = Math.ceil(size / stride);
      const cells = columns * columns;
      const scores = outputs.find((o) => o.shape[1] === cells && o.shape[2] === classes);
      const distances = outputs.find((o) => o.shape[1] === cells && o !== scores && typeof o.shape[2] === 'number' && o.shape[2] % 4 === 0);
      if (!scores || !distances) continue;
      bins = (distances.shape[2] as number) / 4;
      levels.push({ stride, columns, scores: scores.name, distances: distances.name });
    }
    if (levels.length === 0 || levels.length * 2 !== outputs.length) {
      await session.release();
      throw new DetectorError('MODEL_MISMATCH',
        `${path}: outputs ${outputs.map((o) => describeShape(o.shape)).join(', ')} are not NanoDet's per-stride [1, cells, ${classes}] + [1, cells, 4 × bins]`);
    }
    return new NanoDetDetector(`nanodet ${path.split('/').pop()}`, session, input.name, size, levels, bins, config);
  }

  async detect(frame: Frame): Promise<Detection[]> {
    const size = this.inputSize;
    const spare = this.spare;
    this.spare = undefined;
    const { tensor, transform } = prepareInput(frame, size, size, 'stretch', NANODET_NORMALISATION, spare);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run({ [this.inputName]: new ort.Tensor('float32', tensor, [1, 3, size, size]) });
    } catch (cause) {
      throw new DetectorError('INFERENCE_FAILED', `NanoDet inference failed: ${String(cause)}`, { cause });
    } finally {
      this.spare = tensor;
    }
    const levels: NanoDetLevel[] = this.levels.map((l) => ({
      stride: l.stride,
      columns: l.columns,
      scores: results[l.scores]!.data as Float32Array,
      distances: results[l.distances]!.data as Float32Array,
    }));
    const candidates = decodeNanoDet(levels, COCO_LABELS.length, this.bins, this.config.scoreThreshold, this.keep);
    const detections: Detection[] = candidates.map((c) => ({
      box: clampBox(toFrameBox(c.box, transform), frame.width, frame.height),
      score: c.score,
      classId: c.classId,
      label: COCO_LABELS[c.classId]!,
    }));
    return nonMaxSuppression(detections, this.config.iouThreshold, this.config.maxDetections);
  }

  /**
   * Bare model inference on an already prepared input (NCHW float32, inputSize²), outputs discarded: the baseline
   * the benchmark compares the whole pipeline with.
   */
  async runModel(tensor: Float32Array): Promise<void> {
    const size = this.inputSize;
    await this.session.run({ [this.inputName]: new ort.Tensor('float32', tensor, [1, 3, size, size]) });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
