/** A YOLO-family ONNX export run with onnxruntime-node: letterboxed RGB 0..1 input, decoded output, NMS. */
import type { ScaledInputSpec } from '../../../video-ingest/scaled-input.js';
import { clampBox, wholeFrame, type Detection, type Frame, type Region, type ObjectDetector } from '../../types.js';
import { DetectorError } from '../detector-error.js';
import { nonMaxSuppression } from '../nms.js';
import { describeShape, openOnnxModel, ort, tensorInfo } from '../onnx-session.js';
import { prepareInput, toFrameBox, type Normalisation } from '../preprocess.js';
import { decodeYolo, resolveLayout, type ResolvedLayout } from './decode.js';
import type { OnnxYoloConfig } from './config.js';

const YOLO_NORMALISATION: Normalisation = { order: 'rgb', mean: [0, 0, 0], std: [255, 255, 255] };

export class OnnxYoloDetector implements ObjectDetector {
  readonly labels: readonly string[];
  readonly input: ScaledInputSpec;
  private readonly keep: ReadonlySet<number> | undefined;
  private layout: ResolvedLayout | undefined;
  /** An input tensor not in use, reused by the next frame. */
  private spare: Float32Array | undefined;

  private constructor(
    readonly name: string,
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly width: number,
    private readonly height: number,
    private readonly config: OnnxYoloConfig,
  ) {
    this.labels = config.classMap;
    this.keep = config.classes ? new Set(config.classes.map((c) => config.classMap.indexOf(c)).filter((i) => i >= 0)) : undefined;
    this.input = { width, height, mode: config.letterbox ? 'letterbox' : 'stretch' };
  }

  static async create(config: OnnxYoloConfig): Promise<OnnxYoloDetector> {
    const session = await openOnnxModel(config.model, config.threads);
    const inputs = tensorInfo(session.inputMetadata);
    const outputs = tensorInfo(session.outputMetadata);
    const fail = async (message: string): Promise<never> => {
      await session.release();
      throw new DetectorError('MODEL_MISMATCH', `${config.model}: ${message}`);
    };
    const input = inputs[0];
    if (inputs.length !== 1 || !input || input.shape.length !== 4) {
      return fail(`a YOLO model has one image input [1, 3, H, W], got ${inputs.map((i) => describeShape(i.shape)).join(', ') || 'none'}`);
    }
    if (input.shape[1] !== 3 && typeof input.shape[1] === 'number') return fail(`input ${describeShape(input.shape)} is not 3-channel NCHW`);
    const h = typeof input.shape[2] === 'number' ? input.shape[2] : config.inputSize?.[1];
    const w = typeof input.shape[3] === 'number' ? input.shape[3] : config.inputSize?.[0];
    if (!w || !h) return fail(`input ${describeShape(input.shape)} has dynamic size: set detector.inputSize [width, height]`);
    if (config.inputSize && (config.inputSize[0] !== w || config.inputSize[1] !== h)) {
      return fail(`detector.inputSize [${config.inputSize.join(', ')}] differs from the model's input ${describeShape(input.shape)}`);
    }
    const output = outputs[0];
    if (!output) return fail('the model has no output');
    const detector = new OnnxYoloDetector(`onnx-yolo ${config.model.split('/').pop()}`, session, input.name, output.name, w, h, config);
    // A fixed output shape is checked now; a dynamic one on the first frame.
    if (output.shape.every((d) => typeof d === 'number')) {
      try {
        detector.layoutFor(output.shape as number[]);
      } catch (e) {
        await session.release();
        throw e;
      }
    }
    return detector;
  }

  private layoutFor(dims: readonly number[]): ResolvedLayout {
    if (this.layout) return this.layout;
    const nc = this.config.classMap.length;
    const layout = resolveLayout(dims, nc, this.config.layout);
    if (!layout) {
      const want = this.config.layout === 'boxes-first' ? `[1, ${4 + nc}, N]`
        : this.config.layout === 'anchors-first' ? `[1, N, ${4 + nc}] or [1, N, ${5 + nc}]`
          : `[1, ${4 + nc}, N], [1, N, ${4 + nc}] or [1, N, ${5 + nc}]`;
      throw new DetectorError('MODEL_MISMATCH',
        `${this.config.model}: output ${describeShape(dims)} does not fit ${nc} class(es) in detector.classMap (expected ${want})`);
    }
    this.layout = layout;
    return layout;
  }

  detect(frame: Frame): Promise<Detection[]> {
    return this.detectRegion(frame, wholeFrame(frame));
  }

  /** Detections in one rectangle of the frame (a tile), in its pixels, resampled straight from the frame. */
  async detectRegion(frame: Frame, region: Region): Promise<Detection[]> {
    const spare = this.spare;
    this.spare = undefined;
    const { tensor, transform } = prepareInput(frame, this.width, this.height, this.input.mode, YOLO_NORMALISATION, spare, region);
    let output: ort.Tensor;
    try {
      const results = await this.session.run({ [this.inputName]: new ort.Tensor('float32', tensor, [1, 3, this.height, this.width]) });
      output = results[this.outputName]!;
    } catch (cause) {
      throw new DetectorError('INFERENCE_FAILED', `${this.name}: inference failed: ${String(cause)}`, { cause });
    } finally {
      this.spare = tensor;
    }
    const layout = this.layoutFor(output.dims);
    const candidates = decodeYolo(output.data as Float32Array, layout, this.config.classMap.length, this.config.scoreThreshold, this.keep);
    const detections = candidates.map((c): Detection => ({
      box: clampBox(toFrameBox(c.box, transform), region.width, region.height),
      score: c.score,
      classId: c.classId,
      label: this.config.classMap[c.classId]!,
    }));
    return nonMaxSuppression(detections, this.config.iouThreshold, this.config.maxDetections);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
