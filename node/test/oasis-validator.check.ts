/**
 * Runs the official OASIS validator (stix2-validator 3.2.0) over every STIX bundle the other tests
 * left in POPART_STIX_OUT: what the system published, exported and returned. `npm test` runs this
 * after the rest of the suite. A validator error fails the suite.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from './support.js';

const validator = process.env.POPART_STIX2_VALIDATOR;
const outDir = process.env.POPART_STIX_OUT;

function validate(files: string[]): { status: number | null; output: string } {
  assert.ok(validator, 'POPART_STIX2_VALIDATOR is not set: run `npm test`, which installs stix2-validator');
  const r = spawnSync(validator, ['--version', '2.1', ...files], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

test('the validator itself reports an invalid bundle (the check can fail)', () => {
  const dir = tempDir();
  try {
    const bad = join(dir.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({
      type: 'bundle', id: 'bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8',
      objects: [{ type: 'indicator', spec_version: '2.1', id: 'indicator--6ba7b811-9dad-41d1-80b4-00c04fd430c8', created: 'yesterday', modified: '2026-01-01T00:00:00Z', pattern_type: 'stix', valid_from: '2026-01-01T00:00:00Z' }],
    }));
    const r = validate([bad]);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /Invalid/);
  } finally {
    dir.remove();
  }
});

test('every bundle the tests emitted passes the OASIS stix2-validator', () => {
  assert.ok(outDir, 'POPART_STIX_OUT is not set: run `npm test`');
  const files = readdirSync(outDir).filter((f) => f.endsWith('.json')).map((f) => join(outDir, f)).sort();
  assert.ok(files.length >= 5, `expected the suite to leave at least 5 bundles in ${outDir}, found ${files.length}`);
  const r = validate(files);
  const invalid = r.output.split('\n').filter((l) => /\[X\]/.test(l));
  assert.deepEqual(invalid, [], `stix2-validator found errors:\n${r.output}`);
  assert.equal(r.status, 0, r.output);
});
