/**
 * A camera as an event source: @popart/detection's camera source (ffmpeg ingest through the vision pipeline) with the
 * camera's configuration from the node's; each new event's JPEG snapshot goes under <dataDir>/evidence/<source id>/.
 */
import { isAbsolute, resolve } from 'node:path';
import { loadCameraConfig, openCameraSource, validateCameraConfig, type CameraConfig } from '@popart/detection';
import { ConfigError } from '../../errors.js';
import type { DetectionSourceConfig } from '../../config/detection-config.js';
import type { EventSource, SourceContext } from './event-source.js';

/** The camera configuration of a source (its id is the source id, evidence under the node); ConfigError otherwise. */
export function cameraSettings(config: DetectionSourceConfig, field: string, evidenceRoot: string): CameraConfig {
  let camera: CameraConfig;
  try {
    camera = typeof config.config === 'string' ? loadCameraConfig(config.config) : validateCameraConfig(config.config ?? {}, { baseDir: process.cwd() });
  } catch (err) {
    const issues = (err as { issues?: { path: string; message: string }[] }).issues ?? [];
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}: ${reason}`, issues.length
      ? issues.map((i) => ({ objectIndex: null, objectId: null, property: `${field}.${i.path}`, message: i.message }))
      : [{ objectIndex: null, objectId: null, property: field, message: reason }]);
  }
  return {
    ...camera,
    camera: { ...camera.camera, id: config.id },
    evidence: { ...camera.evidence, dir: isAbsolute(evidenceRoot) ? evidenceRoot : resolve(evidenceRoot) },
  };
}

export async function openVideoSource(config: DetectionSourceConfig, ctx: SourceContext & { evidenceRoot: string }, field = 'config'): Promise<EventSource> {
  const camera = cameraSettings(config, field, ctx.evidenceRoot);
  try {
    return await openCameraSource(camera, config.input, ctx);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${field}.detector: ${reason}`, [{ objectIndex: null, objectId: null, property: `${field}.detector`, message: reason }]);
  }
}
