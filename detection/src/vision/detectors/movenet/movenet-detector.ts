/**
 * Pose: MoveNet MultiPose Lightning (Google, Apache-2.0) converted to ONNX (detection/scripts/convert-movenet.sh), run
 * with onnxruntime-node. Up to 6 persons a frame, each with a box and 17 COCO keypoints. Input: the frame letterboxed
 * into a square of `inputSize` (a multiple of 32), RGB as int32 0..255, NHWC.
 */
import type { ScaledInputSpec } from '../../../video-ingest/scaled-input.js';
import { clampBox, type Detection, type Frame, type ObjectDetector } from '../../types.js';
import { DetectorError } from '../detector-error.js';
import { bundledModel } from '../bundled-model.js';
import { nonMaxSuppression } from '../nms.js';
import { describeShape, openOnnxModel, ort, tensorInfo } from '../onnx-session.js';
import { prepareInput, toFrameBox, type Normalisation } from '../preprocess.js';
import { MOVENET_LABELS, type MoveNetConfig } from './config.js';
import { decodeMoveNet } from './decode.js';

export const BUNDLED_MOVENET = 'movenet-multipose.onnx';

/** Pixels as they are (0..255): MoveNet normalises inside the graph. */
const RAW: Normalisation = { order: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] };

export class MoveNetDetector implements ObjectDetector {
  readonly labels = MOVENET_LABELS;
  readonly input: ScaledInputSpec;
  private spare: Float32Array | undefined;
  private readonly pixels: Int32Array;

  private constructor(
    readonly name: string,
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly config: MoveNetConfig,
  ) {
    const size = config.inputSize;
    this.input = { width: size, height: size, mode: 'letterbox' };
    this.pixels = new Int32Array(size * size * 3);
  }

  static async create(config: MoveNetConfig): Promise<MoveNetDetector> {
    const path = config.model ?? bundledModel(BUNDLED_MOVENET, 'detection/scripts/convert-movenet.sh');
    const session = await openOnnxModel(path, config.threads);
    const inputs = tensorInfo(session.inputMetadata);
    const outputs = tensorInfo(session.outputMetadata);
    const input = inputs[0];
    const output = outputs[0];
    if (inputs.length !== 1 || !input || input.shape.length !== 4 || input.shape[3] !== 3 || outputs.length !== 1 || !output || output.shape.at(-1) !== 56) {
      await session.release();
      throw new DetectorError('MODEL_MISMATCH', `${path}: MoveNet MultiPose needs one input [1, H, W, 3] and one output [1, N, 56], got ` +
        `${inputs.map((i) => describeShape(i.shape)).join(', ') || 'no input'} → ${outputs.map((o) => describeShape(o.shape)).join(', ') || 'no output'}`);
    }
    return new MoveNetDetector(`movenet ${path.split('/').pop()}`, session, input.name, output.name, config);
  }

  async detect(frame: Frame): Promise<Detection[]> {
    const size = this.config.inputSize;
    const spare = this.spare;
    this.spare = undefined;
    const { tensor, transform } = prepareInput(frame, size, size, 'letterbox', RAW, spare);
    this.spare = tensor;
    // NCHW floats → NHWC int32 (the bilinear resize gives fractional values: rounded, as an image would be).
    const plane = size * size;
    const px = this.pixels;
    for (let i = 0, o = 0; i < plane; i++, o += 3) {
      px[o] = Math.round(tensor[i]!);
      px[o + 1] = Math.round(tensor[i + plane]!);
      px[o + 2] = Math.round(tensor[i + 2 * plane]!);
    }
    let output: Float32Array;
    try {
      const results = await this.session.run({ [this.inputName]: new ort.Tensor('int32', px, [1, size, size, 3]) });
      output = results[this.outputName]!.data as Float32Array;
    } catch (cause) {
      throw new DetectorError('INFERENCE_FAILED', `MoveNet inference failed: ${String(cause)}`, { cause });
    }
    const detections: Detection[] = decodeMoveNet(output, size, size, this.config.scoreThreshold).map((p) => ({
      box: clampBox(toFrameBox(p.box, transform), frame.width, frame.height),
      score: p.score,
      classId: 0,
      label: 'person',
      keypoints: p.keypoints.map((k) => ({ name: k.name, x: (k.x - transform.padX) / transform.scaleX, y: (k.y - transform.padY) / transform.scaleY, score: k.score })),
    }));
    return nonMaxSuppression(detections, this.config.iouThreshold, this.config.maxDetections);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
