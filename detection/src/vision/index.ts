export type { Box, Detection, Frame, Keypoint, ObjectDetector, Region } from './types.js';
export { iou } from './types.js';
export { CameraConfigError, type ConfigIssue as CameraConfigIssue } from './config/config-error.js';
export {
  cameraGeometry, loadCameraConfig, parseCameraYaml, validateCameraConfig,
  type CameraConfig, type EventsConfig, type EvidenceConfig, type SourceConfig,
} from './config/camera-config.js';
export { createDetector, DETECTOR_PLUGINS, parseDetectorConfig, parseDetectorsConfig, type DetectorConfig, type DetectorKind } from './detectors/registry.js';
export { createCameraDetector, resolveAutoGrid } from './detectors/camera-detector.js';
export { CombinedDetector } from './detectors/combined-detector.js';
export { TiledDetector } from './detectors/tiled-detector.js';
export { autoGrid, mergeTileDetections, predictedPersonHeightPx, tileGrid, type Tile, type TilesConfig } from './detectors/tiles.js';
export { SsdLitePersonDetector } from './detectors/ssdlite/ssdlite-detector.js';
export type { SsdLitePersonConfig } from './detectors/ssdlite/config.js';
export type { DetectorPlugin } from './detectors/plugin.js';
export { DetectorError, type DetectorErrorCode } from './detectors/detector-error.js';
export { NanoDetDetector } from './detectors/nanodet/nanodet-detector.js';
export type { NanoDetConfig } from './detectors/nanodet/config.js';
export { OnnxYoloDetector } from './detectors/onnx-yolo/yolo-detector.js';
export type { OnnxYoloConfig } from './detectors/onnx-yolo/config.js';
export { MoveNetDetector } from './detectors/movenet/movenet-detector.js';
export type { MoveNetConfig } from './detectors/movenet/config.js';
export { KEYPOINT_NAMES } from './detectors/movenet/decode.js';
export { COCO_LABELS } from './detectors/coco-labels.js';
export { MultiObjectTracker, DEFAULT_TRACKER, type Track, type TrackerConfig } from './tracking/tracker.js';
export { CameraGeometry, type Calibration } from './geometry/camera-geometry.js';
export { RULES, createRules, type RulesConfig } from './rules/registry.js';
export { coverCeiling, unreachableDensityThresholds, unreachableThresholdsWarning, type UnreachableThresholds } from './density/cover-ceiling.js';
export type { Finding, Rule, RuleContext, Zone } from './rules/rule.js';
export { EventEpisodes, type EmittedEvent, type EventStatus } from './episodes.js';
export { VisionPipeline, type PipelineFrame, type PipelineOptions, type PipelineOutput, type PipelineStats, type TrackedObject } from './pipeline.js';
