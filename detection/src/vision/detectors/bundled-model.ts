/** The models shipped in detection/models/, each checked against the sha256 committed beside it before it is loaded. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DetectorError } from './detector-error.js';

/** A file every checkout has in detection/models/: how the folder is recognised. */
const MARKER = 'NOTICE.md';

/** detection/models/ found by walking up from this module (source tree or dist/). */
export function modelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'models', MARKER))) return join(dir, 'models');
    dir = dirname(dir);
  }
  throw new DetectorError('MODEL_NOT_FOUND', 'the bundled models are missing (expected in detection/models/)');
}

/** The path of a bundled model once its bytes match the committed sha256; `script` is what rebuilds it. */
export function bundledModel(name: string, script: string): string {
  const path = join(modelsDir(), name);
  if (!existsSync(path)) throw new DetectorError('MODEL_NOT_FOUND', `the bundled ${name} is missing (expected in detection/models/; ${script} makes it)`);
  const expected = readFileSync(`${path}.sha256`, 'utf8').split(/\s+/)[0];
  const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (expected !== actual) throw new DetectorError('MODEL_ALTERED', `${path} has sha256 ${actual}, expected ${expected} (re-run ${script})`);
  return path;
}
