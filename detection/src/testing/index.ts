/**
 * Test support for other workspaces (`@popart/detection/testing`): builders of small ONNX detector models with known
 * behaviour. Not used by the detectors themselves.
 */
export {
  buildBrightSpotModel, buildFixedOutputModel, yoloAnchorsFirst, yoloBoxesFirst, type BrightSpotModel, type FixedOutputModel,
} from './onnx-builder.js';
