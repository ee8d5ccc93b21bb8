/** Opening an ONNX model with onnxruntime-node, with errors that say which file and why. */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DetectorError } from './detector-error.js';

export { ort };

export interface TensorInfo {
  name: string;
  shape: readonly (number | string)[];
}

export async function openOnnxModel(path: string, threads: number | undefined): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new DetectorError('MODEL_NOT_FOUND', `model file not found: ${path}`);
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (threads !== undefined && threads > 0) {
    options.intraOpNumThreads = threads;
    options.interOpNumThreads = 1;
  }
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new DetectorError('MODEL_INVALID', `cannot load ONNX model ${path}: ${detail}`, { cause });
  }
}

export function tensorInfo(list: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return list.map((m) => ({ name: m.name, shape: m.isTensor ? m.shape : [] }));
}

export const describeShape = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`;
