import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { decodeImage } from '../src/video-ingest/jpeg.js';
import { loadCameraConfig } from '../src/vision/config/camera-config.js';
import { createCameraDetector } from '../src/vision/detectors/camera-detector.js';
import { DetectorError } from '../src/vision/detectors/detector-error.js';
import { createDetector } from '../src/vision/detectors/registry.js';
import { iou, type Box } from '../src/vision/types.js';

const DETECTION = join(fileURLToPath(import.meta.url), '../../..');
const labels = JSON.parse(readFileSync(join(DETECTION, 'vision-eval/labels.json'), 'utf8')) as { images: { file: string; width: number; height: number; persons: number[][] }[] };

test('the example camera configuration finds the pedestrians of a real surveillance frame', async (t) => {
  const config = loadCameraConfig(join(DETECTION, 'examples/camera.yaml'));
  const logs: string[] = [];
  const detector = await createCameraDetector(config, (m) => logs.push(m));
  t.after(() => detector.close());
  assert.match(detector.name, /^ssdlite-person .* tiles .* \+ nanodet nanodet-g-416\.onnx$/);
  assert.ok(logs.some((l) => /tiles \d×\d \(auto; smallest person predicted in the ground zones: \d+ px\)/.test(l)), logs.join('\n'));
  // vtest.avi frame 550 (opencv-doc, Apache-2.0/BSD-3-Clause): five pedestrians, two of them about 30 px tall once the
  // frame is scaled to the camera's 640 × 360, as ffmpeg scales a 768 × 576 input for this configuration.
  const image = labels.images.find((i) => i.file.endsWith('vtest-550.jpg'))!;
  const { width, height } = config.source;
  const frame = await decodeImage(join(DETECTION, 'vision-eval', image.file), width, height);
  const sx = width / image.width;
  const sy = height / image.height;
  const truth: Box[] = image.persons.map(([x1, y1, x2, y2]) => ({ x1: x1! * sx, y1: y1! * sy, x2: x2! * sx, y2: y2! * sy }));
  const persons = (await detector.detect(frame)).filter((d) => d.label === 'person');
  const found = truth.filter((b) => persons.some((d) => iou(d.box, b) >= 0.5));
  assert.ok(found.length >= 4, `${found.length} of ${truth.length} persons found: ${JSON.stringify(persons.map((d) => d.box))}`);
  const stray = persons.filter((d) => !truth.some((b) => iou(d.box, b) >= 0.3));
  assert.ok(stray.length <= 1, `boxes on no person: ${JSON.stringify(stray)}`);
});

test('ssdlite-person: a model without the SSD outputs is refused with what it has', async () => {
  const nanodet = join(DETECTION, 'models/nanodet-g-416.onnx');
  await assert.rejects(createDetector({ kind: 'ssdlite-person', scoreThreshold: 0.4, iouThreshold: 0.5, maxDetections: 100, model: nanodet }),
    (e: unknown) => e instanceof DetectorError && e.code === 'MODEL_MISMATCH' && /detection_boxes:0/.test(e.message) && /\[1, 3, 416, 416\]/.test(e.message));
});
