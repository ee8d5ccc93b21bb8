/**
 * The bundled COCO detector: NanoDet-g (416 × 416, 80 COCO classes, 11 distance bins) converted to ONNX, run with
 * onnxruntime-node. Input as NanoDet was trained (`keep_ratio: True`): the frame letterboxed into the square model
 * input (bands grey 114; upstream pads with black, a difference the scores hardly feel), BGR, normalised with NanoDet's
 * ImageNet mean/std (0..255 scale). `letterbox: false` stretches instead, as this detector did before (kept to measure).
 * The output layout is read from the model: for each stride, a [1, cells, classes] score output and a
 * [1, cells, 4 × bins] distance output, matched by their cell count.
 */
import type { ScaledInputSpec } from '../../../video-ingest/scaled-input.js';
import { clampBox, wholeFrame, type Detection, type Frame, type Region, type ObjectDetector } from '../../types.js';
import { COCO_LABELS } from '../coco-labels.js';
import { bundledModel } from '../bundled-model.js';
import { DetectorError } from '../detector-error.js';
import { nonMaxSuppression } from '../nms.js';
import { describeShape, openOnnxModel, ort, tensorInfo } from '../onnx-session.js';
import { prepareInput, toFrameBox, type Normalisation } from '../preprocess.js';
import { decodeNanoDet, type NanoDetLevel } from './decode.js';
import type { NanoDetConfig } from './config.js';

export const BUNDLED_NANODET = 'nanodet-g-416.onnx';

const NANODET_NORMALISATION: Normalisation = {
  order: 'bgr',
  mean: [103.53, 116.28, 123.675],
  std: [57.375, 57.12, 58.395],
};

interface LevelOutputs { stride: number; columns: number; scores: string; distances: string }

export class NanoDetDetector implements ObjectDetector {
  readonly labels = COCO_LABELS;
  readonly input: ScaledInputSpec;
  private readonly keep: ReadonlySet<number> | undefined;
  /** An input tensor not in use, reused by the next frame. */
  private spare: Float32Array | undefined;
  private bare: Float32Array | undefined;

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
    this.input = { width: inputSize, height: inputSize, mode: config.letterbox ? 'letterbox' : 'stretch' };
  }

  static async create(config: NanoDetConfig): Promise<NanoDetDetector> {
    const path = config.model ?? bundledModel(BUNDLED_NANODET, 'detection/scripts/convert-nanodet.sh');
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

  detect(frame: Frame): Promise<Detection[]> {
    return this.detectRegion(frame, wholeFrame(frame));
  }

  /** Detections in one rectangle of the frame (a tile), in its pixels, resampled straight from the frame. */
  async detectRegion(frame: Frame, region: Region): Promise<Detection[]> {
    const size = this.inputSize;
    const spare = this.spare;
    this.spare = undefined;
    const { tensor, transform } = prepareInput(frame, size, size, this.input.mode, NANODET_NORMALISATION, spare, region);
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
      box: clampBox(toFrameBox(c.box, transform), region.width, region.height),
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

  /** One bare inference on a fixed prepared input (the benchmark's baseline for one detect()). */
  async runBare(): Promise<void> {
    this.bare ??= new Float32Array(3 * this.inputSize * this.inputSize).map((_, i) => ((i * 7919) % 255) / 64 - 2);
    await this.runModel(this.bare);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
